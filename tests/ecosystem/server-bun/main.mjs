// Bun: the handler of toolhouse-agent-runs/server in Bun.serve, a page-side client with
// no key through it.
import * as sdk from "toolhouse-agent-runs";
import * as server from "toolhouse-agent-runs/server";
import { makeHandler, pageScenario } from "./shared/server-scenario.js";

const handler = makeHandler(server, process.argv[2]);
const served = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
const result = await pageScenario(sdk, `http://127.0.0.1:${served.port}`);
served.stop(true);
console.log(JSON.stringify({ ...result, bun: Bun.version }));
process.exit(result.ok ? 0 : 1);
