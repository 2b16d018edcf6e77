// CommonJS: the package is loaded with require() (the "require" condition, index.cjs).
// shared/scenario.js is ESM (this project is "type": "module"), so it comes in through
// import(); only the scenario's code does, never the package.
const sdk = require("toolhouse-agent-runs");

(async () => {
  const { scenario } = await import("./shared/scenario.js");
  const result = await scenario(sdk, process.argv[2]);
  const resolved = require.resolve("toolhouse-agent-runs");
  // The wasm is instantiated when the module loads: every export is there at once.
  const exportsReady = ["createRun", "getRun", "continueRun", "waitForRun", "listRuns", "createAndWait", "continueAndWait", "watchRun", "parseRunCallback", "AgentRuns", "ValidationError"].every((k) => typeof sdk[k] === "function");
  const out = { ...result, resolved, exportsReady };
  if (!/index\.cjs$/.test(resolved)) Object.assign(out, { ok: false, error: `require resolved ${resolved}` });
  else if (!exportsReady) Object.assign(out, { ok: false, error: `missing exports: ${Object.keys(sdk).join(", ")}` });
  console.log(JSON.stringify(out));
  process.exit(out.ok ? 0 : 1);
})();
