// The tarball itself: publint and @arethetypeswrong/cli pass, it holds only what users
// need, and package.json has what tools and users look for.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import assert from "node:assert/strict";

const repoBin = fileURLToPath(new URL("../../../node_modules/.bin/", import.meta.url));

const EXPECTED_FILES = [
  "LICENSE",
  "README.md",
  "agent_runs.wasm",
  "cli.js",
  "docs/service.md",
  "edge-light.js",
  "emulator/agents.json",
  "emulator/args.js",
  "emulator/cli.js",
  "emulator/server.d.ts",
  "emulator/server.js",
  "extension.d.ts",
  "extension.js",
  "index.cjs",
  "index.d.cts",
  "index.d.ts",
  "index.js",
  "package.json",
  "server-edge-light.js",
  "server-workerd.js",
  "server.cjs",
  "server.d.cts",
  "server.d.ts",
  "server.js",
  "server_policy.wasm",
  "slim.js",
  "workerd.js",
];

export default async function check({ tarball, workDir, lib }) {
  await lib.run(join(repoBin, "publint"), ["--strict", tarball], { cwd: workDir });
  // The emulator is a Node tool shipped as ESM only; the slim entry is ESM for pages and
  // bundlers (its wasm is found through import.meta.url) and the extension entry ESM for
  // extensions' bundlers (both checked for ESM and bundlers); every other entry must
  // resolve for node10, node16 (CJS and ESM) and bundlers.
  await lib.run(join(repoBin, "attw"), [tarball, "--exclude-entrypoints", "./emulator", "./slim", "./extension", "--format", "ascii"], { cwd: workDir });
  await lib.run(join(repoBin, "attw"), [tarball, "--entrypoints", "./slim", "./extension", "--profile", "esm-only", "--format", "ascii"], { cwd: workDir });

  const listing = (await lib.run("tar", ["-tzf", tarball])).trim().split("\n");
  const files = listing.map((f) => f.replace(/^package\//, "")).sort();
  assert.deepEqual(files, EXPECTED_FILES, "the tarball holds exactly these files");

  await lib.run("tar", ["-xzf", tarball, "-C", workDir]);
  const manifest = JSON.parse(readFileSync(join(workDir, "package", "package.json"), "utf8"));
  assert.equal(manifest.name, "toolhouse-agent-runs");
  assert.equal(manifest.license, "MIT");
  assert.ok(manifest.repository?.url, "repository");
  assert.equal(manifest.sideEffects, false);
  assert.match(manifest.engines?.node ?? "", /^>=18/);
  assert.ok(Array.isArray(manifest.files));
  const root = manifest.exports["."];
  assert.equal(root.import.types, "./index.d.ts");
  // The edge runtimes' conditions come before import/require, or they are never chosen.
  assert.deepEqual(Object.keys(root), ["workerd", "edge-light", "import", "require"]);
  assert.equal(root.require.types, "./index.d.cts");
  assert.equal(manifest.exports["./emulator"].types, "./emulator/server.d.ts");
  assert.deepEqual(manifest.exports["./server"], {
    workerd: { types: "./server.d.ts", default: "./server-workerd.js" },
    "edge-light": { types: "./server.d.ts", default: "./server-edge-light.js" },
    import: { types: "./server.d.ts", default: "./server.js" },
    require: { types: "./server.d.cts", default: "./server.cjs" },
  });
  assert.deepEqual(Object.keys(manifest.exports["./server"]), ["workerd", "edge-light", "import", "require"]);
  assert.deepEqual(manifest.exports["./extension"], { types: "./extension.d.ts", default: "./extension.js" });
  assert.ok(manifest.bin["toolhouse-agent-runs-emulator"]);
  assert.equal(manifest.bin["toolhouse-agent-runs"], "./cli.js");
  assert.match(readFileSync(join(workDir, "package", "cli.js"), "utf8"), /^#!\/usr\/bin\/env node\n/, "the command has a shebang");
  const cargo = readFileSync(fileURLToPath(new URL("../../../Cargo.toml", import.meta.url)), "utf8");
  assert.equal(manifest.version, /^version\s*=\s*"([^"]+)"/m.exec(cargo)?.[1], "Cargo.toml and package.json agree");
}
