// Deno: bare import, resolved through package.json from node_modules.
import * as sdk from "toolhouse-agent-runs";
import { scenario } from "./shared/scenario.js";

const result = await scenario(sdk, Deno.args[0]);
console.log(JSON.stringify({ ...result, deno: Deno.version.deno }));
Deno.exit(result.ok ? 0 : 1);
