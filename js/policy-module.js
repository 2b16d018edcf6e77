// @ts-check
/**
 * The server policy's wasm at the edge (Cloudflare Workers, Vercel's edge runtime): the
 * shipped pkg/server_policy.wasm imported as a module, which their bundlers compile ahead
 * of time (compiling bytes at run time is refused there). scripts/build.mjs writes the
 * import as the runtime wants it (see js/source-module.js).
 */
import wasm from "policy-file";

/** @returns {WebAssembly.Module} */
export function policyModule() {
  return wasm;
}
