// Cloudflare Workers: the worker bundled as `wrangler deploy --dry-run` bundles it (the
// `workerd` export condition, each .wasm a compiled module), run in workerd through
// Miniflare, with compiling WebAssembly from bytes refused as in production: the client
// scenario inside the worker, and a page-side client with no key through the server half
// the worker serves.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  // Wrangler needs Node 22: the one from npm (as the node22 project).
  const nodePackage = `node-${process.platform}-${process.arch}`;
  await lib.npmInstall(workDir, tarball, ["wrangler@4.164.0", "miniflare@4.20260730.0", `${nodePackage}@22.23.5`]);
  const node = join(workDir, "node_modules", nodePackage, "bin", "node");
  const env = { WRANGLER_SEND_METRICS: "false", CI: "1", NO_UPDATE_NOTIFIER: "1" };
  await lib.run(node, [join(workDir, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", "dist"], { cwd: workDir, env });
  const wasmFiles = readdirSync(join(workDir, "dist")).filter((f) => f.endsWith(".wasm"));
  if (wasmFiles.length !== 2) throw new Error(`wrangler's bundle should hold the client's and the policy's .wasm: ${readdirSync(join(workDir, "dist"))}`);
  const bundle = readFileSync(join(workDir, "dist/worker.js"), "utf8");
  if (!wasmFiles.every((f) => bundle.includes(f))) throw new Error("the bundle does not import each .wasm");
  await lib.withEmulator(async (emulator) => {
    const out = await lib.run(node, ["run.mjs", emulator.baseUrl], { cwd: workDir });
    const result = JSON.parse(out.trim().split("\n").at(-1));
    lib.assertScenario(result, "Cloudflare Workers (workerd)");
    if (result.bytesRefused !== true) throw new Error("the worker could compile wasm from bytes: the test proves nothing");
  });
}
