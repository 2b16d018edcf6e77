// Deno: the handler of toolhouse-agent-runs/server in Deno.serve (bare imports, from the
// project's node_modules), a page-side client with no key through it.
import * as sdk from "toolhouse-agent-runs";
import * as server from "toolhouse-agent-runs/server";
import { makeHandler, pageScenario } from "./shared/server-scenario.js";

const handler = makeHandler(server, Deno.args[0]);
const served = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
const result = await pageScenario(sdk, `http://127.0.0.1:${served.addr.port}`);
await served.shutdown();
console.log(JSON.stringify({ ...result, deno: Deno.version.deno }));
Deno.exit(result.ok ? 0 : 1);
