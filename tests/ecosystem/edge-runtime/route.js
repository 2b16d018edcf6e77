// A Vercel / Next.js edge route: the package resolves to its `edge-light` entries (the
// client, and the server half), whose wasm is imported as `…wasm?module`, which the
// platform compiles ahead of time. Compiling bytes is refused first (the import comes
// first), as in production. What it serves: shared/edge-app.js.
import "./shared/forbid-wasm-bytes.js";
import * as sdk from "toolhouse-agent-runs";
import * as server from "toolhouse-agent-runs/server";
import { edgeApp } from "./shared/edge-app.js";

const app = edgeApp(sdk, server);

export const GET = (request) => app(request, globalThis.UPSTREAM);

addEventListener("fetch", (event) => event.respondWith(GET(event.request)));
