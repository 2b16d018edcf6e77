// Runs wrangler's bundle (dist/) in workerd through Miniflare: the client scenario inside
// the worker, then the page-side scenario (this Node process, no key) through the worker's
// server half. Prints both results as one JSON line.
import { Miniflare } from "miniflare";
import * as sdk from "toolhouse-agent-runs";
import { pageScenario } from "./shared/server-scenario.js";

const base = process.argv[2];
const mf = new Miniflare({
  modules: true,
  scriptPath: "dist/worker.js",
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2026-07-30",
  bindings: { UPSTREAM: base },
  host: "127.0.0.1",
  port: 0,
});
try {
  const origin = (await mf.ready).origin;
  const response = await mf.dispatchFetch(`${origin}/?base=${encodeURIComponent(base)}`);
  const client = await response.json();
  const server = await pageScenario(sdk, origin);
  console.log(JSON.stringify({ ...client, ok: client.ok && server.ok, server }));
} finally {
  await mf.dispose();
}
