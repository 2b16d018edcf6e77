// A dedicated module worker: no import map here, the package comes in by its path.
import * as sdk from "./node_modules/toolhouse-agent-runs/index.js";
import { scenario } from "./shared/scenario.js";
import { GREETER } from "./shared/agents.js";

async function main(baseUrl) {
  if (typeof window !== "undefined" || typeof WorkerGlobalScope === "undefined") return { ok: false, error: "not in a worker" };
  // A key in a page's worker is refused unless dangerouslyAllowBrowser is passed.
  const refused = await sdk.getRun(GREETER, { apiKey: "th-ecosystem", baseUrl, maxRetries: 0 })
    .then(() => "not refused", (e) => (e instanceof sdk.ValidationError ? "ValidationError" : String(e)));
  if (refused !== "ValidationError") return { ok: false, error: `apiKey without dangerouslyAllowBrowser: ${refused}` };
  return scenario(sdk, baseUrl, { dangerouslyAllowBrowser: true });
}
self.onmessage = (e) => main(e.data).then((r) => self.postMessage(r), (err) => self.postMessage({ ok: false, error: String(err?.stack ?? err) }));
