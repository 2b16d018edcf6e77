// The page scenario of the browser projects (esbuild, vite, webpack, script-module), given
// the package as each project resolves it (page.js: the default entry; page-slim.js: the
// slim one): checks that a key is refused without dangerouslyAllowBrowser, runs the
// scenario and leaves the result in window.__result.
import { scenario } from "./scenario.js";

/** @param {typeof import("toolhouse-agent-runs")} sdk */
export function runPage(sdk) {
  // The emulator's baseUrl comes in the query: ?base=…
  const baseUrl = new URLSearchParams(location.search).get("base");
  async function main() {
    // A key in a web page is refused unless the page says dangerouslyAllowBrowser.
    const refused = await sdk.getRun("0b5c1a1e-2f3d-4c5b-8a9e-7f6d5c4b3a21", { apiKey: "th-ecosystem", baseUrl, maxRetries: 0 })
      .then(() => "not refused", (e) => (e instanceof sdk.ValidationError ? "ValidationError" : String(e)));
    if (refused !== "ValidationError") return { ok: false, error: `apiKey without dangerouslyAllowBrowser: ${refused}` };
    return scenario(sdk, baseUrl, { dangerouslyAllowBrowser: true });
  }
  main().then((r) => { window.__result = r; }, (e) => { window.__result = { ok: false, error: String(e?.stack ?? e) }; });
}
