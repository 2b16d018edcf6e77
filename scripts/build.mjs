// Builds the publishable npm package into pkg/. Read top to bottom:
//   1. wasm-pack compiles the crate and runs wasm-bindgen and wasm-opt (-Oz)
//   2. the .wasm is embedded (deflated, base64) and esbuild bundles the entry (js/index.js)
//      with the wasm-bindgen glue and the error classes: pkg/index.js (ESM), pkg/index.cjs
//   3. the TypeScript declarations: wasm-bindgen's (from the Rust docs) + js/errors.js's
//   4. the command line (js/cli.js, as it is), the emulator, README, LICENSE and the
//      package.json of the published package
//      (the .wasm itself is not shipped: every entry embeds it)
//   5. the gzipped size of each file a user may load
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, inflateRawSync } from "node:zlib";
import zopfli from "@gfx/zopfli";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wasmOut = join(root, "target/wasm-pack");
const pkg = join(root, "pkg");
// wasm-pack finds wasm-opt (npm package `binaryen`) and our pinned wasm-bindgen on PATH.
const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${join(process.env.HOME ?? "", ".cargo/bin")}:${process.env.PATH}` };
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, env, stdio: "inherit" });

// 1. Compile.
run("wasm-pack", ["build", "--target", "web", "--release", "--no-pack", "--out-dir", wasmOut, "--out-name", "agent_runs"]);
const wasm = readFileSync(join(wasmOut, "agent_runs_bg.wasm"));
// Embedded deflated: base64 of the deflated bytes gzips about a quarter smaller than
// base64 of the bytes themselves (js/inflate.js decodes it, synchronously). Zopfli
// writes standard DEFLATE about 7% smaller than zlib's level 9; checked by inflating back.
const deflated = await zopfliDeflate(wasm);
if (Buffer.compare(inflateRawSync(deflated), wasm) !== 0) throw new Error("build: zopfli output does not inflate back to the wasm");
writeFileSync(
  join(wasmOut, "wasm-base64.js"),
  `export const wasmSize = ${wasm.length};\nexport const wasmDeflatedBase64 = "${deflated.toString("base64")}";\n`,
);

// 2. Bundle. The glue becomes a factory (see glueFactory): each call of `instantiate`
// makes a new, independent instance, so that a module that ever traps is replaced
// rather than leaving the page broken for good.
rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
writeFileSync(join(wasmOut, "agent_runs_factory.js"), glueFactory(readFileSync(join(wasmOut, "agent_runs.js"), "utf8")));
const banner = `/* toolhouse-agent-runs ${cargoVersion()} (MIT). Built from Rust with wasm-bindgen; the wasm is embedded below. */`;
for (const [format, file] of [["esm", "index.js"], ["cjs", "index.cjs"]]) {
  await esbuild.build({
    entryPoints: [join(root, "js/index.js")],
    outfile: join(pkg, file),
    bundle: true,
    format,
    platform: "neutral",
    target: "es2022",
    // Smaller for pages that load index.js as it is; names stay for readable stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: banner },
    logLevel: "warning",
    // The glue's unused URL-based init mentions import.meta; it is tree-shaken away.
    logOverride: { "empty-import-meta": "silent" },
  });
}

// 3. Types: one self-contained declaration file (the same text serves ESM and CJS).
const typesTmp = join(root, "target/types");
rmSync(typesTmp, { recursive: true, force: true });
run(join(root, "node_modules/.bin/tsc"), [
  "js/errors.js", "--allowJs", "--declaration", "--emitDeclarationOnly", "--stripInternal",
  "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "--skipLibCheck", "--outDir", typesTmp,
]);
const glueTypes = readFileSync(join(wasmOut, "agent_runs.d.ts"), "utf8");
// Leave out wasm-bindgen's init API: the loader has already initialised the module.
const initApiStart = glueTypes.indexOf("export type InitInput");
if (initApiStart < 0) throw new Error("build: wasm-bindgen's d.ts changed shape (no InitInput)");
const errorTypes = readFileSync(join(typesTmp, "errors.d.ts"), "utf8").replaceAll(`import("../target/wasm-pack/agent_runs.js").`, "");
// `[Symbol.dispose]` needs lib "esnext.disposable", which most projects do not have:
// left out of the types (it still works at run time), like wasm-bindgen's init API.
const glueApi = glueTypes.slice(0, initApiStart).replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/m, "");
const types = [
  `// Type definitions for toolhouse-agent-runs ${cargoVersion()}`,
  glueApi.replace("/* tslint:disable */\n/* eslint-disable */\n", "").trim(),
  errorTypes.trim(),
  "",
].join("\n\n");
writeFileSync(join(pkg, "index.d.ts"), types);
writeFileSync(join(pkg, "index.d.cts"), types);

// 4. The rest of the package. The command line imports "./index.js": the built package,
// through its public API only (and nothing imports it, so the default entry stays as it is).
cpSync(join(root, "js/cli.js"), join(pkg, "cli.js"));
cpSync(join(root, "emulator"), join(pkg, "emulator"), { recursive: true });
run(join(root, "node_modules/.bin/tsc"), [
  "emulator/server.js", "--allowJs", "--declaration", "--emitDeclarationOnly", "--skipLibCheck",
  "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", "--outDir", join(pkg, "emulator"),
]);
cpSync(join(root, "README.md"), join(pkg, "README.md"));
cpSync(join(root, "docs"), join(pkg, "docs"), { recursive: true });
cpSync(join(root, "LICENSE"), join(pkg, "LICENSE"));
const manifest = {
  name: "toolhouse-agent-runs",
  version: cargoVersion(),
  description: "Toolhouse Agent Runs client: start agents, follow their status, read their results, continue them. Rust compiled to WebAssembly; no dependencies.",
  license: "MIT",
  repository: { type: "git", url: "git+https://github.com/toolhouse-community/toolhouse-agent-runs.git" },
  keywords: ["toolhouse", "agents", "agent-runs", "ai", "wasm", "sdk"],
  type: "module",
  main: "./index.cjs",
  module: "./index.js",
  types: "./index.d.ts",
  exports: {
    ".": {
      import: { types: "./index.d.ts", default: "./index.js" },
      require: { types: "./index.d.cts", default: "./index.cjs" },
    },
    "./emulator": { types: "./emulator/server.d.ts", default: "./emulator/server.js" },
    "./package.json": "./package.json",
  },
  bin: { "toolhouse-agent-runs": "./cli.js", "toolhouse-agent-runs-emulator": "./emulator/cli.js" },
  files: ["index.js", "index.cjs", "index.d.ts", "index.d.cts", "cli.js", "emulator/", "docs/", "README.md", "LICENSE"],
  sideEffects: false,
  engines: { node: ">=18" },
};
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

// 5. Sizes.
const kb = (n) => (n / 1024).toFixed(1).padStart(6) + " KB";
console.log("\nfile                raw        gzip");
for (const file of [join(wasmOut, "agent_runs_bg.wasm"), join(pkg, "index.js"), join(pkg, "index.cjs")]) {
  const bytes = readFileSync(file);
  console.log(`${basename(file).padEnd(16)} ${kb(bytes.length)} ${kb(gzipSync(bytes, { level: 9 }).length)}`);
}
const glue = readFileSync(join(pkg, "index.js"), "utf8").replace(/wasmDeflatedBase64\s*=\s*"[^"]*"/, "");
console.log(`${"(loader JS only)".padEnd(16)} ${kb(glue.length)} ${kb(gzipSync(glue, { level: 9 }).length)}`);
console.log(`\npkg/ is ready: npm pack ./pkg`);

/**
 * wasm-bindgen's glue for `--target web` keeps its instance in module-level variables,
 * so one module gives one instance. This wraps the glue's text in a function,
 * `instantiate(module, guard)`, that sets up a fresh instance each time it is called
 * and returns its exports. Every JS function the glue makes to call back into the wasm
 * (the callbacks of promises, timers and microtasks: all come from `makeMutClosure`)
 * is wrapped by `guard`, so that the loader sees a trap wherever it happens; the timer
 * functions are the loader's, so that it can clear the timers of an instance that failed.
 * The URL-based async init is cut (the loader never uses it). Fails loudly if the
 * glue's shape is not the one this was written for (wasm-bindgen is pinned exactly).
 * @param {string} glue
 */
function glueFactory(glue) {
  const cut = (text, from, to) => {
    const a = text.indexOf(from);
    const b = to === null ? text.length : text.indexOf(to, a);
    if (a < 0 || b < 0) throw new Error(`build: the wasm-bindgen glue changed shape (no ${JSON.stringify(from)})`);
    return text.slice(0, a) + text.slice(b);
  };
  // The glue's imports of this crate's JS snippets point at the one source file of each.
  const snippets = [];
  let body = glue.replace(/^import (\{ [\w, ]+ \}|\* as \w+) from ['"]\.\/snippets\/[^'"]*\/js\/(\w+)\.js['"];?$/gm, (_, names, file) => {
    snippets.push(`import ${names} from "../../js/${file}.js";`);
    return "";
  });
  body = cut(body, "async function __wbg_load(", "function initSync(");
  body = cut(body, "let __wbg_init_promise;", null);
  if (!body.includes("function makeMutClosure(")) throw new Error("build: the wasm-bindgen glue changed shape (no makeMutClosure)");
  body = body.replace("function makeMutClosure(", "function makeUnguardedClosure(");
  body += [
    "function makeMutClosure(arg0, arg1, f) {",
    "  const real = makeUnguardedClosure(arg0, arg1, f);",
    "  const guarded = guard(real);",
    "  guarded._wbg_cb_unref = real._wbg_cb_unref;",
    "  return guarded;",
    "}",
  ].join("\n");
  const names = [];
  body = body.replace(/^export function (\w+)/gm, (_, name) => (names.push(name), `function ${name}`));
  if (names.length === 0 || /^(import|export) /m.test(body)) throw new Error("build: the wasm-bindgen glue changed shape (imports or exports left)");
  return [
    "// Generated by scripts/build.mjs from wasm-bindgen's glue: see glueFactory there.",
    ...snippets,
    "export function instantiate(module, guard, { setTimeout, clearTimeout, setInterval, clearInterval }) {",
    body,
    "initSync({ module });",
    `return { ${names.join(", ")} };`,
    "}",
    "",
  ].join("\n");
}

/** @param {Buffer} bytes @returns {Promise<Buffer>} */
function zopfliDeflate(bytes) {
  return new Promise((resolve, reject) =>
    zopfli.deflate(bytes, { numiterations: 15 }, (err, out) => (err ? reject(err) : resolve(Buffer.from(out)))),
  );
}

function cargoVersion() {
  const match = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, "Cargo.toml"), "utf8"));
  if (!match) throw new Error("build: no version in Cargo.toml");
  return match[1];
}
