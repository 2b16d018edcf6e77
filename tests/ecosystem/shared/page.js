// The page scenario of the browser projects (esbuild, vite, webpack, script-module):
// imports the package as each project resolves it, checks that a key is refused without
// dangerouslyAllowBrowser, runs the scenario and leaves the result in window.__result.
import * as sdk from "toolhouse-agent-runs";
import { scenario } from "./scenario.js";
import { GREETER } from "./agents.js"; // written by run.mjs

// The emulator's baseUrl comes in the query: ?base=…
const baseUrl = new URLSearchParams(location.search).get("base");

async function main() {
  // A key in a web page is refused unless the page says dangerouslyAllowBrowser.
  const refused = await sdk.getRun(GREETER, { apiKey: "th-ecosystem", baseUrl, maxRetries: 0 })
    .then(() => "not refused", (e) => (e instanceof sdk.ValidationError ? "ValidationError" : String(e)));
  if (refused !== "ValidationError") return { ok: false, error: `apiKey without dangerouslyAllowBrowser: ${refused}` };
  return scenario(sdk, baseUrl, { dangerouslyAllowBrowser: true });
}
main().then((r) => { window.__result = r; }, (e) => { window.__result = { ok: false, error: String(e?.stack ?? e) }; });
