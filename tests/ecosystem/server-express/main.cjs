// Express 5, CommonJS: the handler of toolhouse-agent-runs/server as middleware
// (require: the "require" condition, server.cjs), after express.json() (a body parsed
// already) and before a route of the app's own (reached through next); then node:http
// alone. A page-side client with no key through each.
const http = require("node:http");
const express = require("express");
const sdk = require("toolhouse-agent-runs");
const server = require("toolhouse-agent-runs/server");

(async () => {
  const { makeHandler, pageScenario } = await import("./shared/server-scenario.js");
  const handler = makeHandler(server, process.argv[2]);
  const results = {};

  const app = express();
  app.use(express.json());
  app.use(server.toNodeListener(handler));
  app.get("/health", (req, res) => res.send("app ok"));
  results.express = await serving(app, async (origin) => {
    const health = await (await fetch(`${origin}/health`)).text();
    if (health !== "app ok") return { ok: false, error: `the app's own route: ${health}` };
    return pageScenario(sdk, origin);
  });

  results.nodeHttp = await serving(server.toNodeListener(handler), (origin) => pageScenario(sdk, origin));

  const resolved = require.resolve("toolhouse-agent-runs/server");
  const ok = results.express.ok && results.nodeHttp.ok && /server\.cjs$/.test(resolved);
  console.log(JSON.stringify({ ok, resolved, ...results }));
  process.exit(ok ? 0 : 1);
})();

async function serving(listener, fn) {
  const s = http.createServer(listener);
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  try {
    return await fn(`http://127.0.0.1:${s.address().port}`);
  } finally {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}
