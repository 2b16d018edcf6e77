// @ts-check
/** The server policy's wasm, embedded (base64) and compiled synchronously on first use. */
import { policyWasmBase64 } from "../target/wasm-pack-server/policy-base64.js";

/** @returns {WebAssembly.Module} */
export function policyModule() {
  const native = /** @type {{ Buffer?: { from(s: string, e: string): Uint8Array<ArrayBuffer> } }} */ (globalThis).Buffer;
  if (native) return new WebAssembly.Module(native.from(policyWasmBase64, "base64"));
  const binary = atob(policyWasmBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new WebAssembly.Module(bytes);
}
