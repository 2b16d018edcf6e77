// @ts-check
/**
 * The package's entry for every runtime: the wasm module is embedded (base64) and
 * instantiated synchronously when this module is first imported, so there is no init
 * call, no top-level await, no dynamic import(), no fetch of a .wasm URL and no bundler
 * plugin. scripts/build.mjs bundles this file into pkg/index.js (ESM) and pkg/index.cjs.
 */
import * as wasm from "../target/wasm-pack/agent_runs.js";
import { wasmBase64 } from "../target/wasm-pack/wasm-base64.js";
import { AgentRunsError } from "./errors.js";
import { watch } from "./watch.js";

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
// thread included (its limit is 8 MB). Where WebAssembly is blocked (a Content Security
// Policy without 'wasm-unsafe-eval'), the import still succeeds and every call fails
// with an error that says what to change, instead of the whole script dying at import.
/** @type {AgentRunsError | null} */
let unavailable = null;
try {
  wasm.initSync({ module: decodeBase64(wasmBase64) });
} catch (cause) {
  const csp = /Content Security Policy|CSP|unsafe-eval/i.test(String(cause));
  unavailable = new AgentRunsError(
    csp
      ? "toolhouse-agent-runs cannot start: this page's or extension's Content Security Policy blocks WebAssembly; add 'wasm-unsafe-eval' to script-src"
      : `toolhouse-agent-runs cannot start: WebAssembly failed to load (${String(cause)})`,
    { cause },
  );
}

/**
 * @template {(...args: any[]) => Promise<unknown>} F
 * @param {F} fn
 * @returns {F}
 */
const guard = (fn) => (unavailable ? /** @type {F} */ (() => Promise.reject(unavailable)) : fn);

export const createRun = guard(wasm.createRun);
export const getRun = guard(wasm.getRun);
export const continueRun = guard(wasm.continueRun);
export const waitForRun = guard(wasm.waitForRun);
export const listRuns = guard(wasm.listRuns);
export const createAndWait = guard(wasm.createAndWait);
export const continueAndWait = guard(wasm.continueAndWait);

export const parseRunCallback = unavailable
  ? /** @type {typeof wasm.parseRunCallback} */ (
      () => {
        throw unavailable;
      }
    )
  : wasm.parseRunCallback;

/**
 * @param {string} runId
 * @param {import("../target/wasm-pack/agent_runs.js").WaitOptions} [options]
 */
export const watchRun = (runId, options) => watch(waitForRun, runId, options);
/** Stands in for the client class when WebAssembly is blocked: builds, and every call rejects. */
class UnavailableAgentRuns {
  createRun() {
    return Promise.reject(unavailable);
  }
  getRun() {
    return Promise.reject(unavailable);
  }
  continueRun() {
    return Promise.reject(unavailable);
  }
  waitForRun() {
    return Promise.reject(unavailable);
  }
  listRuns() {
    return Promise.reject(unavailable);
  }
  createAndWait() {
    return Promise.reject(unavailable);
  }
  continueAndWait() {
    return Promise.reject(unavailable);
  }
  free() {}
}
export const AgentRuns = unavailable ? /** @type {typeof wasm.AgentRuns} */ (/** @type {unknown} */ (UnavailableAgentRuns)) : wasm.AgentRuns;
/**
 * @this {wasm.AgentRuns}
 * @param {string} runId
 * @param {import("../target/wasm-pack/agent_runs.js").WaitOptions} [options]
 */
AgentRuns.prototype.watchRun = function (runId, options) {
  return watch((id, o) => this.waitForRun(id, o), runId, options);
};

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
