// Builds the publishable npm package into pkg/. Read top to bottom:
//   1. wasm-pack compiles the crate and runs wasm-bindgen and wasm-opt (-Oz)
//   2. the error classes are written from their table (js/errors.json) into a module, and
//      into the README's table; the .wasm is embedded (deflated, base64) and esbuild
//      bundles the entry (js/index.js) with the wasm-bindgen glue and the error classes:
//      pkg/index.js (ESM), pkg/index.cjs
//   3. the TypeScript declarations: js/index.d.ts, with the error classes written in
//   3b. the server half (toolhouse-agent-runs/server): its policy's wasm (server/, a crate
//      of its own), js/server.js bundled with it into pkg/server.js and pkg/server.cjs
//   4. the command line (js/cli.js, as it is), the emulator, the extension entry
//      (js/extension.js, bundled with ./index.js left external), README, LICENSE and the
//      package.json of the published package
//      (the .wasm itself is not shipped: every entry embeds it)
//   5. the gzipped size of each file a user may load
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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

// 1. Compile. The import names wasm-bindgen writes carry a 16-digit hash each, written
// twice (in the wasm and in the glue) and incompressible: shortNames gives them short
// names in both (about 1 KB less gzipped).
run("wasm-pack", ["build", "--target", "web", "--release", "--no-pack", "--out-dir", wasmOut, "--out-name", "agent_runs"]);
const shortened = shortNames(readFileSync(join(wasmOut, "agent_runs_bg.wasm")), readFileSync(join(wasmOut, "agent_runs.js"), "utf8"));
const wasm = shortened.wasm;
// Embedded deflated: base64 of the deflated bytes gzips about a quarter smaller than
// base64 of the bytes themselves (js/inflate.js decodes it, synchronously). Zopfli
// writes standard DEFLATE about 7% smaller than zlib's level 9; checked by inflating back.
const deflated = await zopfliDeflate(wasm);
if (Buffer.compare(inflateRawSync(deflated), wasm) !== 0) throw new Error("build: zopfli output does not inflate back to the wasm");
writeFileSync(
  join(wasmOut, "wasm-base64.js"),
  `export const wasmSize = ${wasm.length};\nexport const wasmDeflatedBase64 = "${deflated.toString("base64")}";\n`,
);

// 2. The error classes, from their one table: the module that makes and exports them
// (js/errors.js makes each), and the README's table between its markers.
const errorTable = JSON.parse(readFileSync(join(root, "js/errors.json"), "utf8")).errors;
const generated = join(root, "target/generated");
mkdirSync(generated, { recursive: true });
writeFileSync(join(generated, "errors.js"), errorModule(errorTable));
const readme = readFileSync(join(root, "README.md"), "utf8");
const readmeWithTable = readme.replace(/(<!-- errors: from js\/errors.json -->\n)[\s\S]*?(\n<!-- errors end -->)/, `$1${errorReadmeTable(errorTable)}$2`);
if (readmeWithTable === readme && !readme.includes(errorReadmeTable(errorTable))) throw new Error("build: README.md has no error table markers");
if (readmeWithTable !== readme) {
  writeFileSync(join(root, "README.md"), readmeWithTable);
  console.log("build: README.md's table of errors written from js/errors.json");
}

// Bundle. The glue becomes a factory (see glueFactory): each call of `instantiate`
// makes a new, independent instance, so that a module that ever traps is replaced
// rather than leaving the page broken for good.
rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
writeFileSync(join(wasmOut, "agent_runs_factory.js"), glueFactory(shortened.glue));
const banner = `/* toolhouse-agent-runs ${cargoVersion()} (MIT). Built from Rust with wasm-bindgen. */`;
// Each entry is js/index.js with its own source of the wasm ("wasm-source"): embedded
// (the default entry), fetched from the file next to it (slim), or imported as a module
// (the edge: workerd, edge-light), for which the .wasm itself ships.
const wasmSource = (source, wasmFile) => ({
  name: "wasm-source",
  setup(build) {
    build.onResolve({ filter: /^wasm-source$/ }, () => ({ path: join(root, `js/source-${source}.js`) }));
    build.onResolve({ filter: /^wasm-file$/ }, () => ({ path: wasmFile ?? "", external: true }));
  },
});
writeFileSync(join(pkg, "agent_runs.wasm"), wasm);
const entries = [
  ["esm", "index.js", wasmSource("embedded")],
  ["cjs", "index.cjs", wasmSource("embedded")],
  ["esm", "slim.js", wasmSource("url")],
  ["esm", "workerd.js", wasmSource("module", "./agent_runs.wasm")],
  ["esm", "edge-light.js", wasmSource("module", "./agent_runs.wasm?module")],
];
/** What every bundle of the package shares. */
const bundleOptions = {
  bundle: true,
  platform: "neutral",
  target: "es2022",
  // Smaller for pages that load index.js as it is; names stay for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  // The glue's unused URL-based init mentions import.meta; it is tree-shaken away.
  logOverride: { "empty-import-meta": "silent" },
};
for (const [format, file, source] of entries) {
  await esbuild.build({ ...bundleOptions, entryPoints: [join(root, "js/index.js")], outfile: join(pkg, file), format, plugins: [source], banner: { js: banner } });
}

// 3. Types: js/index.d.ts, their one home, with the error subclasses written in from the
// table (the same text serves ESM and CJS). wasm-bindgen writes none (skip_typescript).
const declarations = readFileSync(join(root, "js/index.d.ts"), "utf8");
const marker = /^\/\/ @errors:.*$/m;
if (!marker.test(declarations)) throw new Error("build: js/index.d.ts has no `// @errors:` line");
const types = `// Type definitions for toolhouse-agent-runs ${cargoVersion()}\n` + declarations.replace(marker, errorDeclarations(errorTable));
writeFileSync(join(pkg, "index.d.ts"), types);
writeFileSync(join(pkg, "index.d.cts"), types);

// 3b. The server half, toolhouse-agent-runs/server (js/server.js). Its policy is a crate
// of its own (server/), so that the default entry does not grow by a byte: wasm-pack
// compiles it, the .wasm is embedded (base64; js/server.js's policyModule() instantiates
// it synchronously) and shipped beside as pkg/server_policy.wasm, for runtimes that
// import .wasm files as modules. esbuild bundles js/server.js with the policy's glue
// into pkg/server.js (ESM) and pkg/server.cjs, the client ("./index.js") kept external:
// one client, one client wasm. Types: js/server.d.ts, as it is.
const serverOut = join(root, "target/wasm-pack-server");
run("wasm-pack", ["build", "server", "--target", "web", "--release", "--no-pack", "--out-dir", serverOut, "--out-name", "server_policy"]);
const policyWasm = readFileSync(join(serverOut, "server_policy_bg.wasm"));
writeFileSync(join(serverOut, "policy-base64.js"), `export const policyWasmBase64 = "${policyWasm.toString("base64")}";\n`);
writeFileSync(join(pkg, "server_policy.wasm"), policyWasm);
// At the edge, the policy's .wasm is imported as a module and the client is the edge's.
const serverBuilds = [
  ["esm", "server.js", "./index.js", "embedded"],
  ["cjs", "server.cjs", "./index.cjs", "embedded"],
  ["esm", "server-workerd.js", "./workerd.js", "./server_policy.wasm"],
  ["esm", "server-edge-light.js", "./edge-light.js", "./server_policy.wasm?module"],
];
for (const [format, file, client, policy] of serverBuilds) {
  await esbuild.build({
    ...bundleOptions,
    entryPoints: [join(root, "js/server.js")],
    outfile: join(pkg, file),
    format,
    banner: { js: `/* toolhouse-agent-runs/server ${cargoVersion()} (MIT). Its policy is Rust built with wasm-bindgen. */` },
    plugins: [{
      name: "client-external",
      setup(b) {
        b.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: client, external: true }));
        b.onResolve({ filter: /^policy-source$/ }, () => ({ path: join(root, `js/policy-${policy === "embedded" ? "embedded" : "module"}.js`) }));
        b.onResolve({ filter: /^policy-file$/ }, () => ({ path: policy, external: true }));
      },
    }],
  });
}
const serverTypes = `// Type definitions for toolhouse-agent-runs/server ${cargoVersion()}\n` + readFileSync(join(root, "js/server.d.ts"), "utf8");
writeFileSync(join(pkg, "server.d.ts"), serverTypes);
writeFileSync(join(pkg, "server.d.cts"), serverTypes.replaceAll('"./index.js"', '"./index.cjs"'));
const serverEntry = {
  exports: {
    workerd: { types: "./server.d.ts", default: "./server-workerd.js" },
    "edge-light": { types: "./server.d.ts", default: "./server-edge-light.js" },
    import: { types: "./server.d.ts", default: "./server.js" },
    require: { types: "./server.d.cts", default: "./server.cjs" },
  },
  files: ["server.js", "server.cjs", "server-workerd.js", "server-edge-light.js", "server.d.ts", "server.d.cts", "server_policy.wasm"],
};
for (const file of ["server.js", "server.cjs", "server_policy.wasm"]) {
  const bytes = readFileSync(join(pkg, file));
  console.log(`server: ${file.padEnd(18)} ${(bytes.length / 1024).toFixed(1).padStart(6)} KB, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1).padStart(6)} KB gzipped`);
}

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
      // Cloudflare Workers and Vercel's edge runtime: the wasm imported as a module.
      workerd: { types: "./index.d.ts", default: "./workerd.js" },
      "edge-light": { types: "./index.d.ts", default: "./edge-light.js" },
      import: { types: "./index.d.ts", default: "./index.js" },
      require: { types: "./index.d.cts", default: "./index.cjs" },
    },
    "./slim": { types: "./index.d.ts", default: "./slim.js" },
    "./emulator": { types: "./emulator/server.d.ts", default: "./emulator/server.js" },
    "./server": serverEntry.exports,
    "./package.json": "./package.json",
  },
  bin: { "toolhouse-agent-runs": "./cli.js", "toolhouse-agent-runs-emulator": "./emulator/cli.js" },
  files: ["index.js", "index.cjs", "index.d.ts", "index.d.cts", "slim.js", "workerd.js", "edge-light.js", "agent_runs.wasm", "cli.js", "emulator/", "docs/", "README.md", "LICENSE"],
  sideEffects: false,
  engines: { node: ">=18" },
};
manifest.files.push(...serverEntry.files);
// The extension entry, toolhouse-agent-runs/extension (js/extension.js, its types
// js/extension.d.ts): ESM built on the package's API, which stays an import of
// "./index.js" at run time, so that the wasm is embedded once and the default entry
// holds none of this.
await esbuild.build({
  ...bundleOptions,
  entryPoints: [join(root, "js/extension.js")],
  outfile: join(pkg, "extension.js"),
  external: ["./index.js"],
  format: "esm",
  banner: { js: `/* toolhouse-agent-runs ${cargoVersion()} (MIT): the extension entry; the client and its wasm are ./index.js. */` },
});
if (!/\bfrom\s*"\.\/index\.js"/.test(readFileSync(join(pkg, "extension.js"), "utf8"))) throw new Error("build: pkg/extension.js does not import ./index.js");
cpSync(join(root, "js/extension.d.ts"), join(pkg, "extension.d.ts"));
manifest.exports["./extension"] = { types: "./extension.d.ts", default: "./extension.js" };
manifest.files.push("extension.js", "extension.d.ts");
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

// 5. Sizes.
const kb = (n) => (n / 1024).toFixed(1).padStart(6) + " KB";
console.log("\nfile                raw        gzip");
for (const [name, bytes] of [["the wasm", wasm], ["index.js", readFileSync(join(pkg, "index.js"))], ["index.cjs", readFileSync(join(pkg, "index.cjs"))]]) {
  console.log(`${name.padEnd(16)} ${kb(bytes.length)} ${kb(gzipSync(bytes, { level: 9 }).length)}`);
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

/**
 * Renames the wasm's imports: each module of the glue's import object gets a one-letter
 * name, each import of wasm-bindgen's own module (`__wbg_set_method_639e69af35614d36`
 * and the like) a short one; snippet modules keep their names (they are the exports of
 * this crate's JS files). The wasm's import section and the glue's import object are
 * rewritten together; any import left unmatched fails the build.
 * @param {Buffer} wasm
 * @param {string} glue
 * @returns {{ wasm: Buffer, glue: string }}
 */
function shortNames(wasm, glue) {
  const fail = (why) => { throw new Error(`build: shortNames: ${why} (the wasm-bindgen glue changed shape?)`); };
  const modules = new Map(); // old module name -> { name, renames: Map | null }
  const returned = /return \{\n\s*__proto__: null,\n((?:\s*"[^"]+": import\d+,\n)+)\s*\};\n\}/.exec(glue) ?? fail("no import object");
  for (const [, name, variable] of returned[1].matchAll(/"([^"]+)": (import\d+)/g)) {
    modules.set(name, { name: String.fromCharCode(97 + modules.size), variable, renames: variable === "import0" ? new Map() : null });
  }
  const own = [...modules.values()].find((m) => m.renames) ?? fail("no import0");
  const start = glue.indexOf("    const import0 = {");
  const end = glue.indexOf("\n    };\n", start);
  if (start < 0 || end < 0) fail("no import0 object");
  const body = glue.slice(start, end).replace(/^        (\w+): function/gm, (_, key) => {
    const short = `_${own.renames.size.toString(36)}`;
    own.renames.set(key, short);
    return `        ${short}: function`;
  });
  glue = glue.slice(0, start) + body + glue.slice(end);
  glue = glue.replace(returned[1], [...modules.entries()].map(([, m]) => `        "${m.name}": ${m.variable},\n`).join(""));

  // The import section (id 2) rewritten; every other section copied as it is.
  let p = 8;
  const leb = () => { let r = 0, shift = 0, b; do { b = wasm[p++]; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return r; };
  const toLeb = (n) => { const out = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n); return Buffer.from(out); };
  const name = () => { const n = leb(); const text = wasm.subarray(p, p + n).toString("utf8"); p += n; return text; };
  const withLength = (text) => Buffer.concat([toLeb(Buffer.byteLength(text)), Buffer.from(text)]);
  const parts = [wasm.subarray(0, 8)];
  while (p < wasm.length) {
    const sectionStart = p;
    const id = wasm[p++];
    const size = leb();
    const end = p + size;
    if (id !== 2) { parts.push(wasm.subarray(sectionStart, end)); p = end; continue; }
    const count = leb();
    const entries = [toLeb(count)];
    for (let i = 0; i < count; i++) {
      const moduleName = name();
      const field = name();
      const descStart = p;
      const kind = wasm[p++];
      if (kind === 0 || kind === 4) { if (kind === 4) p++; leb(); }
      else if (kind === 1) { p++; const flags = leb(); leb(); if (flags & 1) leb(); }
      else if (kind === 2) { const flags = leb(); leb(); if (flags & 1) leb(); }
      else if (kind === 3) p += 2;
      else fail(`import kind ${kind}`);
      const module = modules.get(moduleName) ?? fail(`no module ${moduleName} in the glue`);
      const renamed = module.renames ? module.renames.get(field) ?? fail(`no import ${field} in the glue`) : field;
      entries.push(withLength(module.name), withLength(renamed), wasm.subarray(descStart, p));
    }
    if (p !== end) fail("import section misread");
    const content = Buffer.concat(entries);
    parts.push(Buffer.from([2]), toLeb(content.length), content);
  }
  return { wasm: Buffer.concat(parts), glue };
}

/**
 * @typedef {{ class: string, kind: string, statuses: string[], when: string,
 *   fields?: { name: string, type: string, default: unknown, doc: string }[] }} ErrorRow
 */

/** The module that makes the error classes, in the table's order, and exports them. @param {ErrorRow[]} rows */
function errorModule(rows) {
  const [base, ...subclasses] = rows;
  if (base.class !== "AgentRunsError") throw new Error("build: js/errors.json must start with AgentRunsError");
  const lines = [
    "// Generated by scripts/build.mjs from js/errors.json. The order of the calls is the table's:",
    "// the wasm names a class by its row.",
    'import { AgentRunsError, errorClass } from "../../js/errors.js";',
    "export { AgentRunsError };",
  ];
  for (const row of subclasses) {
    const fields = Object.fromEntries((row.fields ?? []).map((f) => [f.name, f.default]));
    lines.push(`export const ${row.class} = errorClass(${JSON.stringify(row.class)}${row.fields ? `, ${JSON.stringify(fields)}` : ""});`);
  }
  return lines.join("\n") + "\n";
}

/** The declarations of the subclasses, for js/index.d.ts. @param {ErrorRow[]} rows */
function errorDeclarations(rows) {
  return rows.slice(1).map((row) => {
    const members = (row.fields ?? []).map((f) => `  /** ${f.doc} */\n  ${f.name}: ${f.type};\n`).join("");
    return `/** ${row.when}. */\nexport class ${row.class} extends AgentRunsError${members ? ` {\n${members}}` : " {}"}`;
  }).join("\n\n");
}

/** The README's table. @param {ErrorRow[]} rows */
function errorReadmeTable(rows) {
  const field = (f) => `; \`${f.name}\`: ${f.doc[0].toLowerCase()}${f.doc.slice(1).replace(/\.$/, "")}`;
  return ["| class | when |", "|---|---|", ...rows.slice(1).map((row) => `| \`${row.class}\` | ${row.when}${(row.fields ?? []).map(field).join("")} |`)].join("\n");
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
