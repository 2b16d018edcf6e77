// A dedicated module worker: no import map here, the package comes in by its path.
import * as sdk from "./node_modules/toolhouse-agent-runs/index.js";
import { webScenario } from "./shared/scenario.js";

async function main(baseUrl) {
  if (typeof window !== "undefined" || typeof WorkerGlobalScope === "undefined") return { ok: false, error: "not in a worker" };
  // A key in a page's worker is refused unless dangerouslyAllowBrowser is passed.
  return webScenario(sdk, baseUrl);
}
self.onmessage = (e) => main(e.data).then((r) => self.postMessage(r), (err) => self.postMessage({ ok: false, error: String(err?.stack ?? err) }));
