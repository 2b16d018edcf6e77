// Deno: an `npm:` specifier. Run with --cached-only: it must come from the local
// node_modules (the installed tarball), never from the registry.
import * as sdk from "npm:toolhouse-agent-runs";
import { scenario } from "./shared/scenario.js";

const result = await scenario(sdk, Deno.args[0]);
console.log(JSON.stringify({ ...result, deno: Deno.version.deno }));
Deno.exit(result.ok ? 0 : 1);
