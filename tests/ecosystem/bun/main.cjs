// Bun, CommonJS: require() of the package (the "require" condition, index.cjs).
const sdk = require("toolhouse-agent-runs");

(async () => {
  const { scenario } = await import("./shared/scenario.js");
  const result = await scenario(sdk, process.argv[2]);
  const resolved = require.resolve("toolhouse-agent-runs");
  const out = /index\.cjs$/.test(resolved) ? result : { ok: false, error: `require resolved ${resolved}` };
  console.log(JSON.stringify({ ...out, resolved }));
  process.exit(out.ok ? 0 : 1);
})();
