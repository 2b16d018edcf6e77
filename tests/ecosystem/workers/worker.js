// A Cloudflare Worker: the package resolves to its `workerd` entry, whose wasm wrangler
// bundles as a compiled module; compiling bytes is refused first, as in production.
import { bytesRefused } from "./shared/forbid-wasm-bytes.js";
import * as sdk from "toolhouse-agent-runs";
import { scenario } from "./shared/scenario.js";

export default {
  async fetch(request) {
    const base = new URL(request.url).searchParams.get("base");
    const result = await scenario(sdk, base);
    return Response.json({ ...result, bytesRefused: bytesRefused() });
  },
};
