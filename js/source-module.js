// @ts-check
/**
 * Where the edge entry's wasm comes from: the `.wasm` file next to it, imported as a
 * module. Cloudflare Workers (workerd) and Vercel's edge runtime refuse to compile
 * WebAssembly from bytes at run time ("Wasm code generation disallowed by embedder");
 * their bundlers compile an imported `.wasm` ahead of time instead. scripts/build.mjs
 * writes the import: `./agent_runs.wasm` (workerd), `./agent_runs.wasm?module` (edge-light).
 */
import wasm from "wasm-file";

/** @returns {WebAssembly.Module} */
export function moduleNow() {
  return wasm;
}

/** @returns {Promise<WebAssembly.Module>} */
export async function moduleLater() {
  return wasm;
}
