// A Cloudflare Worker: the package resolves to its `workerd` entries (the client, and the
// server half), whose wasm wrangler bundles as compiled modules. Compiling bytes is
// refused first (the import comes first), as in production. What it serves: shared/edge-app.js.
import "./shared/forbid-wasm-bytes.js";
import * as sdk from "toolhouse-agent-runs";
import * as server from "toolhouse-agent-runs/server";
import { edgeApp } from "./shared/edge-app.js";

const app = edgeApp(sdk, server);

export default {
  fetch: (request, env) => app(request, env.UPSTREAM),
};
