// A Vercel / Next.js edge route: the package resolves to its `edge-light` entries (the
// client, and the server half), whose wasm is imported as `…wasm?module`, which the
// platform compiles ahead of time; compiling bytes is refused first, as in production.
// `/?base=` runs the client scenario in the route; /api/toolhouse/… is the server half in
// front of the emulator (globalThis.UPSTREAM), for the page-side scenario run from outside.
import { bytesRefused } from "./shared/forbid-wasm-bytes.js";
import * as sdk from "toolhouse-agent-runs";
import * as server from "toolhouse-agent-runs/server";
import { scenario } from "./shared/scenario.js";
import { makeHandler, PREFIX } from "./shared/server-scenario.js";

let handler;

export async function GET(request) {
  const url = new URL(request.url);
  if (url.pathname.startsWith(PREFIX)) {
    handler ??= makeHandler(server, globalThis.UPSTREAM);
    return handler(request);
  }
  const result = await scenario(sdk, url.searchParams.get("base"));
  return Response.json({ ...result, bytesRefused: bytesRefused() });
}

addEventListener("fetch", (event) => event.respondWith(GET(event.request)));
