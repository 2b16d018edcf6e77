// The page scenario of the browser projects (esbuild, vite, webpack, script-module):
// imports the package as each project resolves it, checks that a key is refused without
// dangerouslyAllowBrowser, runs the scenario and leaves the result in window.__result.
import * as sdk from "toolhouse-agent-runs";
import { webScenario } from "./scenario.js";

// The emulator's baseUrl comes in the query: ?base=…
const baseUrl = new URLSearchParams(location.search).get("base");

webScenario(sdk, baseUrl).then((r) => { window.__result = r; }, (e) => { window.__result = { ok: false, error: String(e?.stack ?? e) }; });
