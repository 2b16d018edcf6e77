// @ts-check
/**
 * The package's entry for every runtime: the wasm module is embedded (base64) and
 * instantiated synchronously when this module is first imported, so there is no init
 * call, no top-level await, no dynamic import(), no fetch of a .wasm URL and no bundler
 * plugin. scripts/build.mjs bundles this file into pkg/index.js (ESM) and pkg/index.cjs.
 */
import { initSync } from "../target/wasm-pack/agent_runs.js";
import { wasmBase64 } from "../target/wasm-pack/wasm-base64.js";

/**
 * @param {string} text
 * @returns {Uint8Array}
 */
function decodeBase64(text) {
  const U8 = /** @type {{ fromBase64?: (s: string) => Uint8Array }} */ (/** @type {unknown} */ (Uint8Array));
  if (typeof U8.fromBase64 === "function") return U8.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// Synchronous compilation is allowed for modules of this size everywhere, Chrome's main
// thread included (its limit is 8 MB).
initSync({ module: decodeBase64(wasmBase64) });

export { AgentRuns, createRun, getRun, continueRun, waitForRun, listRuns } from "../target/wasm-pack/agent_runs.js";
export {
  AgentRunsError,
  AuthenticationError,
  PermissionDeniedError,
  InsufficientCreditsError,
  NotFoundError,
  RunNotCompletedError,
  ValidationError,
  RateLimitError,
  ServerError,
  ConnectionError,
  TimeoutError,
  WaitTimeoutError,
} from "./errors.js";
