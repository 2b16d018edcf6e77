// @ts-check
/**
 * The package's API for every runtime. There is no init call, no top-level await and no
 * dynamic import(): the wasm module comes from the entry's source ("wasm-source", which
 * scripts/build.mjs points at js/source-embedded.js for the default entry, js/source-url.js
 * for the slim one and js/source-module.js at the edge), compiled at import where that is
 * cheap (Node, the edge) and in the background elsewhere (pages), in which case each call
 * first waits for it. scripts/build.mjs bundles this file into each entry.
 *
 * This is also the boundary where the caller's values meet the wasm, and it keeps three
 * promises there:
 * - the caller's options and params are read once, here, into plain objects (own or
 *   class-defined properties only, never a polluted `Object.prototype`); what cannot be
 *   read (a throwing getter, a Proxy trap) is a `ValidationError` and nothing is sent;
 * - every call settles, and rejects only with an `AgentRunsError` (or with the reason
 *   of the caller's aborted signal);
 * - an instance that ever fails (a trap) is replaced: its calls reject, the next call
 *   gets a fresh instance.
 */
import { instantiate } from "../target/wasm-pack/agent_runs_factory.js";
import { moduleLater, moduleNow } from "wasm-source";
import { AgentRunsError, ValidationError } from "../target/generated/errors.js";
import { watch } from "./watch.js";
import { sharePolls } from "./share.js";
import { BEFORE_CONTINUE } from "./run.js";

/**
 * @typedef {import("./index.d.ts").ClientOptions} ClientOptions
 * @typedef {import("./index.d.ts").RequestOptions} RequestOptions
 * @typedef {import("./index.d.ts").WaitOptions} WaitOptions
 * @typedef {import("./index.d.ts").CreateRunParams} CreateRunParams
 * @typedef {import("./index.d.ts").AgentRun} AgentRun
 * @typedef {import("./index.d.ts").RunCallback} RunCallback
 * @typedef {ReturnType<typeof instantiate>} Exports
 * @typedef {{ exports: Exports, failed: boolean, pending: Set<(error: unknown) => void>, timers: Set<any> }} Instance
 */

/** @type {WebAssembly.Module | null} */
let compiled = null;
/** @type {Promise<void> | null} */
let compiling = null;

/**
 * The compiled module, made at once if it is still being compiled in the background
 * (for what cannot wait: see parseRunCallback), where the source can.
 * @returns {WebAssembly.Module}
 */
function wasmModule() {
  compiled ??= moduleNow(true);
  if (!compiled) throw new AgentRunsError("toolhouse-agent-runs: the WebAssembly module is still loading; a call made now waits for it");
  return compiled;
}

/**
 * Resolves when the module is compiled, or when it failed to (then `unavailable` says
 * why); `null` when there is nothing to wait for.
 * @returns {Promise<void> | null}
 */
function whenReady() {
  if (compiled || unavailable) return null;
  compiling ??= moduleLater().then(
    (module) => void (compiled ??= module),
    (cause) => void (unavailable = cannotStart(cause)),
  );
  return compiling;
}

/** @type {Instance | null} */
let current = null;

/**
 * The live instance, made on first use and again after one has failed. Every callback
 * into the wasm (of a promise, a timer, a microtask) runs through `guard`: if one
 * throws, which only a trap or an escaped exception can make happen, that instance is
 * finished.
 * @returns {Instance}
 */
function live() {
  if (current && !current.failed) return current;
  /** @type {Instance} */
  const instance = { exports: /** @type {Exports} */ (/** @type {unknown} */ (null)), failed: false, pending: new Set(), timers: new Set() };
  /** @param {(...args: unknown[]) => unknown} callback */
  const guard = (callback) => (/** @type {unknown[]} */ ...args) => {
    if (instance.failed) return undefined;
    try {
      return callback(...args);
    } catch (cause) {
      fail(instance, cause);
      return undefined;
    }
  };
  // The instance's timers are known, so that those of a failed one can be cleared (a
  // failed instance never runs the code that would have cleared them).
  /** @param {any} id */
  const forget = (id) => {
    instance.timers.delete(id);
    clearTimeout(id);
  };
  instance.exports = instantiate(wasmModule(), guard, {
    setTimeout: (/** @type {() => void} */ callback, /** @type {number} */ ms) => {
      const id = setTimeout(() => (instance.timers.delete(id), callback()), ms);
      instance.timers.add(id);
      return id;
    },
    clearTimeout: forget,
    setInterval: (/** @type {() => void} */ callback, /** @type {number} */ ms) => {
      const id = setInterval(callback, ms);
      instance.timers.add(id);
      return id;
    },
    clearInterval: (/** @type {any} */ id) => (instance.timers.delete(id), clearInterval(id)),
  });
  current = instance;
  return instance;
}

/**
 * Ends a failed instance: each of its calls still pending rejects; the next call gets a
 * new instance.
 * @param {Instance} instance
 * @param {unknown} cause
 */
function fail(instance, cause) {
  instance.failed = true;
  for (const id of instance.timers) (clearTimeout(id), clearInterval(id));
  instance.timers.clear();
  const error = new AgentRunsError("toolhouse-agent-runs: its WebAssembly instance failed; the call was stopped and the next call starts a new instance", { cause });
  for (const reject of instance.pending) reject(error);
  instance.pending.clear();
}

/**
 * Why the module cannot start here: a Content Security Policy without
 * 'wasm-unsafe-eval' says so plainly.
 * @param {unknown} cause
 */
function cannotStart(cause) {
  const csp = /Content Security Policy|CSP|unsafe-eval/i.test(String(cause));
  return new AgentRunsError(
    csp
      ? "toolhouse-agent-runs cannot start: this page's or extension's Content Security Policy blocks WebAssembly; add 'wasm-unsafe-eval' to script-src"
      : `toolhouse-agent-runs cannot start: WebAssembly failed to load (${String(cause)})`,
    { cause },
  );
}

// Where WebAssembly is blocked, the import still succeeds and every call fails with an
// error that says what to change, instead of the whole script dying at import. Where the
// module is compiled in the background, that starts now.
/** @type {AgentRunsError | null} */
let unavailable = null;
try {
  compiled = moduleNow(false);
  if (compiled) live();
} catch (cause) {
  unavailable = cannotStart(cause);
}
whenReady();

/**
 * The readable properties of a caller's object, read once each, into a plain object
 * with no prototype: its own properties and those its class defines, never those of
 * `Object.prototype` (which a polluted page may have given an `apiKey` or a
 * `baseUrl`). Anything else is returned as it is, for the wasm to judge.
 * @param {unknown} value
 * @returns {any}
 */
function readable(value) {
  if (value === null || typeof value !== "object") return value;
  /** @type {Record<string, unknown>} */
  const out = Object.create(null);
  for (let o = value; o !== null && o !== Object.prototype; o = Reflect.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) {
      // The descriptor and `in` are asked too: an object that cannot say what it holds is not read.
      if (typeof key === "string" && key !== "constructor" && !(key in out) && Reflect.getOwnPropertyDescriptor(o, key) && Reflect.has(value, key)) {
        out[key] = Reflect.get(value, key);
      }
    }
  }
  return out;
}

/**
 * `vars` as JSON reads an object: its own enumerable string keys, each read once.
 * @param {unknown} vars
 */
function plainVars(vars) {
  if (vars === null || typeof vars !== "object" || Array.isArray(vars)) return vars;
  /** @type {Record<string, unknown>} */
  const out = Object.create(null);
  for (const key of Object.keys(vars)) if (Reflect.has(vars, key)) out[key] = /** @type {Record<string, unknown>} */ (vars)[key];
  return out;
}

/**
 * A call's options, read: the client's under the call's (an option the call leaves
 * `undefined` keeps the client's value), with `after` read too.
 * @param {Record<string, unknown> | undefined} base the client's options, already read
 * @param {unknown} options
 */
function readOptions(base, options) {
  const own = readable(options);
  if (own === undefined || own === null) return base ?? own;
  if (typeof own !== "object") return own;
  const out = Object.assign(Object.create(null), base);
  for (const key in own) if (own[key] !== undefined) out[key] = own[key];
  // A run continueRun returned says what it was before the continue: that is what counts.
  if (out.after !== undefined) out.after = readable(out.after?.[BEFORE_CONTINUE] ?? out.after);
  return out;
}

/**
 * A real `AbortSignal` that follows the caller's signal (or anything shaped like one),
 * so that the wasm only ever meets a genuine one; `stop` unhooks it.
 * @param {any} signal
 */
function follow(signal) {
  if (signal === undefined || signal === null) return { signal, stop() {} };
  if (typeof signal !== "object" || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function") {
    return { signal, stop() {} }; // the wasm says what is wrong with it
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort);
  return {
    signal: controller.signal,
    stop() {
      try {
        signal.removeEventListener?.("abort", onAbort);
      } catch {
        // A signal-like object that cannot unhook: the listener only aborts a controller nobody else holds.
      }
    },
  };
}

/** The operations that wait, and so share their polls. */
const WAITS = new Set(["waitForRun", "createAndWait", "continueAndWait"]);

/**
 * Runs one operation of the wasm with the caller's input read first. Settles always;
 * rejects only with an `AgentRunsError` or the caller's abort reason.
 * @param {keyof Exports} name
 * @param {(options: any) => unknown[]} args the arguments, given the options as read
 * @param {unknown} options
 * @param {Record<string, unknown>} [base] the client's options, already read
 * @param {() => unknown} [check] the client's check of its options (see AgentRuns)
 * @returns {Promise<any>}
 */
function call(name, args, options, base, check) {
  return new Promise((resolve, reject) => {
    if (unavailable) return reject(unavailable);
    let input;
    /** @type {{ signal: unknown, stop(): void }} */
    let followed = { signal: undefined, stop() {} };
    /** Ends this wait's part in the shared polls. */
    let release = () => {};
    /** @type {unknown} */
    let callerSignal;
    try {
      let read = readOptions(base, options);
      if (WAITS.has(name) && (read === undefined || read === null)) read = Object.create(null);
      // Waits on one run share their polls (js/share.js).
      if (WAITS.has(name) && typeof read === "object") {
        const sharing = sharePolls(read.fetch);
        read.fetch = sharing.fetch;
        release = sharing.release;
      }
      callerSignal = read?.signal;
      followed = follow(callerSignal);
      if (read && typeof read === "object" && read.signal !== undefined) read.signal = followed.signal;
      input = args(read);
    } catch (cause) {
      followed.stop();
      return reject(new ValidationError(`invalid ${name === "listRuns" ? "options" : "input"}: a property could not be read (${describe(cause)})`, { cause }));
    }
    // The input is read now; the wasm is entered once the module is ready.
    const loading = whenReady();
    const done = { stop: () => (followed.stop(), release()) };
    if (loading) loading.then(() => start(name, input, done, callerSignal, check, resolve, reject));
    else start(name, input, done, callerSignal, check, resolve, reject);
  });
}

/**
 * Enters the wasm for a call whose input has been read (see `call`).
 * @param {keyof Exports} name
 * @param {unknown[]} input
 * @param {{ stop(): void }} followed undoes what the call set up (the signal it follows, its shared polls)
 * @param {unknown} callerSignal
 * @param {(() => unknown) | undefined} check the client's check of its options, if any
 * @param {(value: unknown) => void} resolve
 * @param {(error: unknown) => void} reject
 */
function start(name, input, followed, callerSignal, check, resolve, reject) {
  if (unavailable) return (followed.stop(), reject(unavailable));
  /** @type {Instance} */
  let instance;
  try {
    instance = live();
  } catch (cause) {
    followed.stop();
    return reject(cannotStart(cause));
  }
  const settle = (/** @type {boolean} */ ok, /** @type {unknown} */ value) => {
    instance.pending.delete(rejectOnFailure);
    followed.stop();
    if (ok) resolve(value);
    else reject(asAgentRunsError(value, callerSignal));
  };
  const rejectOnFailure = (/** @type {unknown} */ error) => settle(false, error);
  instance.pending.add(rejectOnFailure);
  try {
    const invalid = check?.();
    if (invalid) return settle(false, invalid);
    const promise = /** @type {(...a: unknown[]) => Promise<unknown>} */ (instance.exports[name])(...input);
    promise.then((value) => settle(true, value), (error) => settle(false, error));
  } catch (cause) {
    fail(instance, cause);
  }
}

/**
 * What a call rejects with: its `AgentRunsError`, the caller's own abort reason, or
 * anything else wrapped as the `cause` of an `AgentRunsError`.
 * @param {unknown} error
 * @param {any} signal the caller's signal
 */
function asAgentRunsError(error, signal) {
  if (error instanceof AgentRunsError) return error;
  try {
    if (signal?.aborted && error === signal.reason) return error;
  } catch {
    // a signal-like object that throws: not an abort of ours
  }
  return new AgentRunsError(`toolhouse-agent-runs: unexpected failure (${describe(error)})`, { cause: error });
}

/**
 * A short, safe description of a thrown value (never its whole text).
 * @param {unknown} value
 */
function describe(value) {
  try {
    const text = value instanceof Error ? `${value.name}: ${value.message}` : typeof value;
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return "an exception";
  }
}

/** @param {unknown} params */
const readParams = (params) => {
  const read = readable(params);
  if (read && typeof read === "object" && read.vars !== undefined) read.vars = plainVars(read.vars);
  return read;
};

/** @param {CreateRunParams} params @param {RequestOptions} [options] @returns {Promise<AgentRun>} */
export const createRun = (params, options) => call("createRun", (o) => [readParams(params), o], options);
/** @param {string} runId @param {RequestOptions} [options] @returns {Promise<AgentRun>} */
export const getRun = (runId, options) => call("getRun", (o) => [runId, o], options);
/** @param {string} runId @param {string} message @param {RequestOptions} [options] @returns {Promise<AgentRun>} */
export const continueRun = (runId, message, options) => call("continueRun", (o) => [runId, message, o], options);
/** @param {string} runId @param {WaitOptions} [options] @returns {Promise<AgentRun>} */
export const waitForRun = (runId, options) => call("waitForRun", (o) => [runId, o], options);
/** @param {RequestOptions} [options] @returns {Promise<AgentRun[]>} */
export const listRuns = (options) => call("listRuns", (o) => [o], options);
/** @param {CreateRunParams} params @param {WaitOptions} [options] @returns {Promise<AgentRun>} */
export const createAndWait = (params, options) => call("createAndWait", (o) => [readParams(params), o], options);
/** @param {string} runId @param {string} message @param {WaitOptions} [options] @returns {Promise<AgentRun>} */
export const continueAndWait = (runId, message, options) => call("continueAndWait", (o) => [runId, message, o], options);

/**
 * @param {string | object | ArrayBuffer | ArrayBufferView} body
 * @returns {RunCallback}
 */
export function parseRunCallback(body) {
  if (unavailable) throw unavailable;
  // Server frameworks hand over bytes (Buffer, Uint8Array, ArrayBuffer): they are UTF-8 JSON text.
  try {
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) body = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch (cause) {
    throw new ValidationError(`invalid body: is not JSON (${describe(cause)})`, { cause, details: [{ loc: ["body"], msg: "is not JSON", type: "client_validation" }] });
  }
  // Synchronous: where the module is still compiling in the background, it is made now.
  let instance;
  try {
    instance = live();
  } catch (cause) {
    throw cause instanceof AgentRunsError ? cause : cannotStart(cause);
  }
  let parsed;
  try {
    // The wasm returns its ValidationError rather than throwing it.
    parsed = instance.exports.parseRunCallback(body);
  } catch (cause) {
    fail(instance, cause);
    throw new AgentRunsError("toolhouse-agent-runs: its WebAssembly instance failed", { cause });
  }
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/**
 * @param {string} runId
 * @param {WaitOptions} [options]
 * @returns {AsyncIterableIterator<AgentRun>}
 */
export function watchRun(runId, options) {
  try {
    return watch(waitForRun, runId, readOptions(undefined, options) ?? {});
  } catch (cause) {
    const error = new ValidationError(`invalid options: a property could not be read (${describe(cause)})`, { cause });
    return watch(() => Promise.reject(error), runId, {});
  }
}

/**
 * A client that keeps its options (see the .d.ts). Plain JS over the functions above,
 * so that the wasm exports each operation once. The options are read when it is built
 * and live in a private field: `console.log(client)` and `JSON.stringify(client)` show
 * no key.
 */
export class AgentRuns {
  /** @type {Record<string, unknown>} */
  #options;

  /** @param {ClientOptions} [options] */
  constructor(options) {
    let read;
    try {
      read = readOptions(undefined, options);
    } catch (cause) {
      throw new ValidationError(`invalid options: a property could not be read (${describe(cause)})`, { cause });
    }
    this.#options = read ?? Object.create(null);
    // Checked now when the module is ready (always in Node, Bun, Deno and at the edge);
    // in a page whose module is still compiling, before the first call instead.
    if (compiled) {
      const invalid = this.#check();
      if (invalid) throw invalid;
    }
  }

  /** @type {AgentRunsError | undefined | null} */
  #invalid = null;

  /** The wasm's verdict on the options, asked once. */
  #check() {
    if (this.#invalid === null) this.#invalid = live().exports.checkClientOptions(this.#options) ?? undefined;
    return this.#invalid;
  }
  /** @param {CreateRunParams} params @param {RequestOptions} [options] */
  createRun(params, options) {
    return call("createRun", (o) => [readParams(params), o], options, this.#options, () => this.#check());
  }
  /** @param {string} runId @param {RequestOptions} [options] */
  getRun(runId, options) {
    return call("getRun", (o) => [runId, o], options, this.#options, () => this.#check());
  }
  /** @param {string} runId @param {string} message @param {RequestOptions} [options] */
  continueRun(runId, message, options) {
    return call("continueRun", (o) => [runId, message, o], options, this.#options, () => this.#check());
  }
  /** @param {string} runId @param {WaitOptions} [options] */
  waitForRun(runId, options) {
    return call("waitForRun", (o) => [runId, o], options, this.#options, () => this.#check());
  }
  /** @param {RequestOptions} [options] */
  listRuns(options) {
    return call("listRuns", (o) => [o], options, this.#options, () => this.#check());
  }
  /** @param {CreateRunParams} params @param {WaitOptions} [options] */
  createAndWait(params, options) {
    return call("createAndWait", (o) => [readParams(params), o], options, this.#options, () => this.#check());
  }
  /** @param {string} runId @param {string} message @param {WaitOptions} [options] */
  continueAndWait(runId, message, options) {
    return call("continueAndWait", (o) => [runId, message, o], options, this.#options, () => this.#check());
  }
  /** @param {string} runId @param {WaitOptions} [options] */
  watchRun(runId, options) {
    try {
      return watch((id, o) => this.waitForRun(id, o), runId, readOptions(undefined, options) ?? {});
    } catch (cause) {
      const error = new ValidationError(`invalid options: a property could not be read (${describe(cause)})`, { cause });
      return watch(() => Promise.reject(error), runId, {});
    }
  }
}

export * from "../target/generated/errors.js";
