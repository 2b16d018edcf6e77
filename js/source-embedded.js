// @ts-check
/**
 * Where the default entry's wasm comes from: embedded in the bundle, deflated, as base64
 * (a browser app downloads about a quarter less than with the bytes as base64).
 *
 * - Node, Bun, Deno (the runtime's zlib): inflated and compiled synchronously at import,
 *   in about 2 ms, so that the first call has nothing to wait for.
 * - Pages, workers and extensions: inflated by `DecompressionStream` and compiled by
 *   `WebAssembly.compileStreaming` in the background, off the main thread, while the
 *   page goes on; the first call waits for it. Where that cannot be done (an old
 *   browser), or when something needs the module at once (see js/index.js), the bytes
 *   are inflated by js/inflate.js and compiled synchronously.
 */
import { wasmDeflatedBase64, wasmSize } from "../target/wasm-pack/wasm-base64.js";
import { fromBase64 } from "./base64.js";
import { inflate } from "./inflate.js";

/** @type {{ process?: { getBuiltinModule?: (id: string) => any } }} */
const g = globalThis;
const zlib = typeof g.process?.getBuiltinModule === "function" ? g.process.getBuiltinModule("node:zlib") : undefined;

const deflated = () => fromBase64(wasmDeflatedBase64);

/**
 * The module at once: with zlib always; elsewhere only when `needed` (inflated in JS,
 * compiled on this thread), else `null` (use `moduleLater`).
 * @param {boolean} needed
 * @returns {WebAssembly.Module | null}
 */
export function moduleNow(needed) {
  if (zlib) return new WebAssembly.Module(zlib.inflateRawSync(deflated()));
  if (!needed && typeof DecompressionStream === "function") return null;
  return new WebAssembly.Module(inflate(deflated(), wasmSize));
}

/**
 * The module, inflated and compiled in the background.
 * @returns {Promise<WebAssembly.Module>}
 */
export async function moduleLater() {
  let stream;
  try {
    stream = new Blob([/** @type {BlobPart} */ (deflated())]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  } catch {
    // No "deflate-raw" here (Chrome before 103, Safari before 16.4).
    return /** @type {WebAssembly.Module} */ (moduleNow(true));
  }
  // Compiled as it is inflated.
  const response = new Response(stream, { headers: { "Content-Type": "application/wasm" } });
  if (typeof WebAssembly.compileStreaming === "function") return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}
