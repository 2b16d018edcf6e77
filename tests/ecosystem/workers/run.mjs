// Runs wrangler's bundle (dist/) in workerd through Miniflare and prints the scenario's result.
import { Miniflare } from "miniflare";
const base = process.argv[2];
const mf = new Miniflare({
  modules: true,
  scriptPath: "dist/worker.js",
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2026-07-30",
});
try {
  const response = await mf.dispatchFetch(`http://worker.test/?base=${encodeURIComponent(base)}`);
  console.log(JSON.stringify(await response.json()));
} finally {
  await mf.dispose();
}
