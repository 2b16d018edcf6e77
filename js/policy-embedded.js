// @ts-check
/** The server policy's wasm, embedded (base64) and compiled synchronously on first use. */
import { policyWasmBase64 } from "../target/wasm-pack-server/policy-base64.js";
import { fromBase64 } from "./base64.js";

/** @returns {WebAssembly.Module} */
export function policyModule() {
  return new WebAssembly.Module(fromBase64(policyWasmBase64));
}
