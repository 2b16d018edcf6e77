// Bundles route.js as an edge build does (the `edge-light` condition; an import of
// `x.wasm?module` becomes the module the platform compiled ahead of time, here a global
// set up before the code runs) and runs it in Vercel's edge runtime (`edge-runtime`).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as esbuild from "esbuild";
import { EdgeRuntime, runServer } from "edge-runtime";
import * as sdk from "toolhouse-agent-runs";
import { pageScenario } from "./shared/server-scenario.js";

const base = process.argv[2];
const wasmFiles = new Map();
const built = await esbuild.build({
  entryPoints: ["route.js"],
  bundle: true,
  write: false,
  format: "iife",
  platform: "neutral",
  conditions: ["edge-light", "worker", "browser"],
  mainFields: ["module", "main"],
  plugins: [{
    name: "wasm-module",
    setup(build) {
      build.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.replace(/\?module$/, "")), namespace: "wasm-module" }));
      build.onLoad({ filter: /.*/, namespace: "wasm-module" }, (args) => {
        const name = `wasm_${wasmFiles.size}`;
        wasmFiles.set(name, readFileSync(args.path));
        return { contents: `export default globalThis.${name};`, loader: "js" };
      });
    },
  }],
});
if (wasmFiles.size !== 2) throw new Error(`expected the client's and the policy's wasm module imports, found ${wasmFiles.size}`);
const runtime = new EdgeRuntime();
// The platform's ahead-of-time compile, in the runtime's own realm, before the route runs.
const { Module } = runtime.evaluate("WebAssembly");
for (const [name, bytes] of wasmFiles) runtime.context[name] = new Module(bytes);
runtime.context.UPSTREAM = base;
runtime.evaluate(built.outputFiles[0].text);
const response = await runtime.dispatchFetch(`http://edge.test/?base=${encodeURIComponent(base)}`);
const client = await response.json();
await response.waitUntil();
// The page's side (this Node process, no key) through the route's server half, served.
const served = await runServer({ runtime, host: "127.0.0.1", port: 0 });
try {
  const server = await pageScenario(sdk, new URL(served.url).origin);
  console.log(JSON.stringify({ ...client, ok: client.ok && server.ok, server }));
} finally {
  await served.close();
}
