// @ts-check
/**
 * The package's entry for every runtime: the wasm module is embedded (deflated, base64) and
 * instantiated synchronously when this module is first imported, so there is no init
 * call, no top-level await, no dynamic import(), no fetch of a .wasm URL and no bundler
 * plugin. scripts/build.mjs bundles this file into pkg/index.js (ESM) and pkg/index.cjs.
 */
import * as wasm from "../target/wasm-pack/agent_runs.js";
import { wasmDeflatedBase64, wasmSize } from "../target/wasm-pack/wasm-base64.js";
import { inflate } from "./inflate.js";
import { AgentRunsError } from "./errors.js";
import { watch } from "./watch.js";

/**
 * @param {string} text
 * @returns {Uint8Array}
 */
function decodeBase64(text) {
  const native = /** @type {{ Buffer?: { from(s: string, e: string): Uint8Array } }} */ (globalThis).Buffer;
  if (native) return native.from(text, "base64");
  const U8 = /** @type {{ fromBase64?: (s: string) => Uint8Array }} */ (/** @type {unknown} */ (Uint8Array));
  if (typeof U8.fromBase64 === "function") return U8.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The wasm bytes: inflated by the runtime's own zlib where there is one (Node, Bun,
 * Deno: `process.getBuiltinModule`, synchronous and native), else by js/inflate.js.
 * @returns {Uint8Array}
 */
function wasmBytes() {
  const deflated = decodeBase64(wasmDeflatedBase64);
  /** @type {{ process?: { getBuiltinModule?: (id: string) => any } }} */
  const g = globalThis;
  const zlib = typeof g.process?.getBuiltinModule === "function" ? g.process.getBuiltinModule("node:zlib") : undefined;
  return zlib ? zlib.inflateRawSync(deflated) : inflate(deflated, wasmSize);
}

// Synchronous compilation is allowed for modules of this size everywhere, Chrome's main
// thread included (its limit is 8 MB). Where WebAssembly is blocked (a Content Security
// Policy without 'wasm-unsafe-eval'), the import still succeeds and every call fails
// with an error that says what to change, instead of the whole script dying at import.
/** @type {AgentRunsError | null} */
let unavailable = null;
try {
  wasm.initSync({ module: wasmBytes() });
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

/**
 * @param {string | object} body
 * @returns {import("../target/wasm-pack/agent_runs.js").RunCallback}
 */
export function parseRunCallback(body) {
  if (unavailable) throw unavailable;
  // The wasm returns its ValidationError rather than throwing it.
  const parsed = wasm.parseRunCallback(body);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/**
 * @param {string} runId
 * @param {import("../target/wasm-pack/agent_runs.js").WaitOptions} [options]
 */
export const watchRun = (runId, options) => watch(waitForRun, runId, options);
/**
 * @typedef {import("../target/wasm-pack/agent_runs.js").ClientOptions} ClientOptions
 * @typedef {import("../target/wasm-pack/agent_runs.js").RequestOptions} RequestOptions
 * @typedef {import("../target/wasm-pack/agent_runs.js").WaitOptions} WaitOptions
 * @typedef {import("../target/wasm-pack/agent_runs.js").CreateRunParams} CreateRunParams
 */

/**
 * The client's options under the call's: an option the call leaves `undefined` keeps
 * the client's value.
 * @template {object} T
 * @param {ClientOptions} base
 * @param {T | undefined} call
 * @returns {T}
 */
function merge(base, call) {
  /** @type {Record<string, unknown>} */
  const out = { ...base };
  for (const [key, value] of Object.entries(call ?? {})) if (value !== undefined) out[key] = value;
  return /** @type {T} */ (out);
}

/**
 * A client that keeps its options (see the .d.ts). Plain JS over the functions above,
 * so that the wasm exports each operation once. The options live in a private field:
 * `console.log(client)` and `JSON.stringify(client)` show no key.
 */
export class AgentRuns {
  /** @type {ClientOptions} */
  #options;

  /** @param {ClientOptions} [options] */
  constructor(options) {
    const invalid = unavailable ? undefined : wasm.checkClientOptions(options);
    if (invalid) throw invalid;
    this.#options = { ...options };
  }
  /** @param {CreateRunParams} params @param {RequestOptions} [options] */
  createRun(params, options) {
    return createRun(params, merge(this.#options, options));
  }
  /** @param {string} runId @param {RequestOptions} [options] */
  getRun(runId, options) {
    return getRun(runId, merge(this.#options, options));
  }
  /** @param {string} runId @param {string} message @param {RequestOptions} [options] */
  continueRun(runId, message, options) {
    return continueRun(runId, message, merge(this.#options, options));
  }
  /** @param {string} runId @param {WaitOptions} [options] */
  waitForRun(runId, options) {
    return waitForRun(runId, merge(this.#options, options));
  }
  /** @param {RequestOptions} [options] */
  listRuns(options) {
    return listRuns(merge(this.#options, options));
  }
  /** @param {CreateRunParams} params @param {WaitOptions} [options] */
  createAndWait(params, options) {
    return createAndWait(params, merge(this.#options, options));
  }
  /** @param {string} runId @param {string} message @param {WaitOptions} [options] */
  continueAndWait(runId, message, options) {
    return continueAndWait(runId, message, merge(this.#options, options));
  }
  /** @param {string} runId @param {WaitOptions} [options] */
  watchRun(runId, options) {
    return watchRun(runId, merge(this.#options, options));
  }
}

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
