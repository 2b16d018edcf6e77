// A Vercel / Next.js edge route: the package resolves to its `edge-light` entry, whose
// wasm is imported as `…wasm?module`, which the platform compiles ahead of time; compiling
// bytes is refused first, as in production.
import { bytesRefused } from "./shared/forbid-wasm-bytes.js";
import * as sdk from "toolhouse-agent-runs";
import { scenario } from "./shared/scenario.js";

export async function GET(request) {
  const base = new URL(request.url).searchParams.get("base");
  const result = await scenario(sdk, base);
  return Response.json({ ...result, bytesRefused: bytesRefused() });
}

addEventListener("fetch", (event) => event.respondWith(GET(event.request)));
