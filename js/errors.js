// @ts-check
/**
 * The error classes of toolhouse-agent-runs. Every error the package throws is an
 * `AgentRunsError` (except an abort, which rejects with the signal's reason, as `fetch`
 * does). They never hold the API key.
 */

/** Marks instances, so that `instanceof` also works across two copies of this module (ESM and CommonJS builds in one program). */
const KIND = Symbol.for("toolhouse-agent-runs.error");

/**
 * @typedef {object} ErrorInit
 * @property {number | null} [status] HTTP status of the service's answer.
 * @property {unknown} [body] The answer's body: parsed JSON, or text.
 * @property {unknown} [cause] The underlying failure.
 * @property {ValidationDetail[]} [details] For `ValidationError`.
 * @property {number | null} [retryAfterMs] For `RateLimitError`.
 * @property {import("../target/wasm-pack/agent_runs.js").AgentRun | null} [lastRun] For `WaitTimeoutError`.
 */

/**
 * One problem found by a validation, in the service's (FastAPI's) shape.
 * @typedef {object} ValidationDetail
 * @property {(string | number)[]} loc Where: e.g. `["body", "chat_id"]`, or `["vars", "age"]` for a check made before sending.
 * @property {string} msg What is wrong.
 * @property {string} type A machine-readable kind.
 */

/** Base class of every error of this package. */
export class AgentRunsError extends Error {
  /**
   * @param {string} message
   * @param {ErrorInit} [init]
   */
  constructor(message, init = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    /** HTTP status of the service's answer; `null` when there was no answer. @type {number | null} */
    this.status = init.status ?? null;
    /** The service's answer: parsed JSON, or text; `null` when there was none. @type {unknown} */
    this.body = init.body ?? null;
    Object.defineProperty(this, KIND, { value: this.name });
  }

  /**
   * @param {unknown} value
   * @returns {boolean}
   */
  static [Symbol.hasInstance](value) {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== "object" || value === null) return false;
    const kind = /** @type {Record<symbol, unknown>} */ (value)[KIND];
    return typeof kind === "string" && (this.prototype.name === kind || this.prototype.name === "AgentRunsError");
  }
}

/** 401, or no API key for the Toolhouse service. */
export class AuthenticationError extends AgentRunsError {}
/** 403: a bad key, or a chat id that is not yours. */
export class PermissionDeniedError extends AgentRunsError {}
/** 402: out of Toolhouse Execs. */
export class InsufficientCreditsError extends AgentRunsError {}
/** 404: no such run. */
export class NotFoundError extends AgentRunsError {}
/** 406: only a completed run takes a message. */
export class RunNotCompletedError extends AgentRunsError {}

/** 422 from the service, or bad input caught before any request was sent. */
export class ValidationError extends AgentRunsError {
  /**
   * @param {string} message
   * @param {ErrorInit} [init]
   */
  constructor(message, init = {}) {
    super(message, init);
    /** Each problem: where and what. @type {ValidationDetail[]} */
    this.details = init.details ?? [];
  }
}

/** 429: too many requests. */
export class RateLimitError extends AgentRunsError {
  /**
   * @param {string} message
   * @param {ErrorInit} [init]
   */
  constructor(message, init = {}) {
    super(message, init);
    /** How long the service asked to wait (`Retry-After`), in ms; `null` when it did not say. @type {number | null} */
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

/** 5xx: trouble at the service. */
export class ServerError extends AgentRunsError {}
/** No answer at all: refused, reset, DNS, or (in browsers) CORS. */
export class ConnectionError extends AgentRunsError {}
/** An attempt took longer than `timeoutMs`. */
export class TimeoutError extends AgentRunsError {}

/** `waitForRun` ran out of `maxWaitMs`. */
export class WaitTimeoutError extends AgentRunsError {
  /**
   * @param {string} message
   * @param {ErrorInit} [init]
   */
  constructor(message, init = {}) {
    super(message, init);
    /** The last run read before time ran out, or `null`. @type {import("../target/wasm-pack/agent_runs.js").AgentRun | null} */
    this.lastRun = init.lastRun ?? null;
  }
}

const classes = {
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
};
// Names survive minifiers that rename classes.
for (const [name, cls] of Object.entries(classes)) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
}

/**
 * Used by the wasm module to build its errors.
 * @param {string} name
 * @param {string} message
 * @param {ErrorInit} init
 * @returns {AgentRunsError}
 * @internal
 */
export function makeError(name, message, init) {
  const cls = /** @type {Record<string, typeof AgentRunsError>} */ (classes)[name] ?? AgentRunsError;
  return new cls(message, init);
}
