import * as sdk from "toolhouse-agent-runs";
import { scenario } from "./shared/scenario.js";

const result = await scenario(sdk, process.argv[2]);
console.log(JSON.stringify({ ...result, node: process.version }));
process.exit(result.ok ? 0 : 1);
