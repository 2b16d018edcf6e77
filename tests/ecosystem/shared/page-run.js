// The page scenario of the browser projects (esbuild, vite, webpack, script-module), given
// the package as each project resolves it (page.js: the default entry; page-slim.js: the
// slim one): scenario.js's webScenario, its result left in window.__result.
import { webScenario } from "./scenario.js";

/** @param {typeof import("toolhouse-agent-runs")} sdk */
export function runPage(sdk) {
  // The emulator's baseUrl comes in the query: ?base=…
  const baseUrl = new URLSearchParams(location.search).get("base");
  webScenario(sdk, baseUrl).then((r) => { window.__result = r; }, (e) => { window.__result = { ok: false, error: String(e?.stack ?? e) }; });
}
