// A Cloudflare Worker: the package resolves to its `workerd` entries (the client, and the
// server half), whose wasm wrangler bundles as compiled modules; compiling bytes is
// refused first, as in production. `/?base=` runs the client scenario in the worker;
// /api/toolhouse/… is the server half in front of the emulator (env.UPSTREAM), for the
// page-side scenario run from outside.
import { bytesRefused } from "./shared/forbid-wasm-bytes.js";
import * as sdk from "toolhouse-agent-runs";
import * as server from "toolhouse-agent-runs/server";
import { scenario } from "./shared/scenario.js";
import { makeHandler, PREFIX } from "./shared/server-scenario.js";

let handler;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith(PREFIX)) {
      handler ??= makeHandler(server, env.UPSTREAM);
      return handler(request);
    }
    const result = await scenario(sdk, url.searchParams.get("base"));
    return Response.json({ ...result, bytesRefused: bytesRefused() });
  },
};
