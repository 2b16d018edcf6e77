// What the workers and edge-runtime projects serve, with the package as each resolves it:
// `/?base=` runs the client scenario there and says whether compiling wasm from bytes is
// refused (it must be); /api/toolhouse/… is the server half in front of `upstream`, for
// the page-side scenario run from outside.
import { bytesRefused } from "./forbid-wasm-bytes.js";
import { scenario } from "./scenario.js";
import { makeHandler, PREFIX } from "./server-scenario.js";

/** @returns {(request: Request, upstream: string) => Promise<Response>} */
export function edgeApp(sdk, server) {
  let handler;
  return async (request, upstream) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith(PREFIX)) {
      handler ??= makeHandler(server, upstream);
      return handler(request);
    }
    const result = await scenario(sdk, url.searchParams.get("base"));
    return Response.json({ ...result, bytesRefused: bytesRefused() });
  };
}
