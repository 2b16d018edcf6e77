// @ts-check
/**
 * The error classes of toolhouse-agent-runs. Every error the package throws is an
 * `AgentRunsError` (except an abort, which rejects with the signal's reason, as `fetch`
 * does). They never hold the API key.
 *
 * The classes are the rows of js/errors.json, the one table of errors: scripts/build.mjs
 * writes a module that makes each subclass here with `errorClass`, in the table's order,
 * and exports it (target/generated/errors.js). The wasm names a class by its row.
 */

/** Marks instances, so that `instanceof` also works across two copies of this module (ESM and CommonJS builds in one program). */
const KIND = Symbol.for("toolhouse-agent-runs.error");

/** Base class of every error of this package. */
export class AgentRunsError extends Error {
  /**
   * @param {string} message
   * @param {Record<string, any>} [init]
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

/** The classes in the table's order: the wasm names one by its index (its `ErrorKind`). */
const classes = [named(AgentRunsError, "AgentRunsError")];

/**
 * Makes the subclass of a row of the table. `fields` are its own properties, each read
 * from the constructor's `init`, else its default (a JSON scalar or array; an array is
 * copied, so that no two errors share one).
 * @param {string} name
 * @param {Record<string, unknown>} [fields]
 * @returns {typeof AgentRunsError}
 * @internal
 */
export function errorClass(name, fields = {}) {
  const cls = class extends AgentRunsError {
    /**
     * @param {string} message
     * @param {Record<string, any>} [init]
     */
    constructor(message, init = {}) {
      super(message, init);
      for (const field of Object.keys(fields)) /** @type {any} */ (this)[field] = init[field] ?? fresh(fields[field]);
    }
  };
  classes.push(named(cls, name));
  return cls;
}

/** @param {unknown} value */
const fresh = (value) => (Array.isArray(value) ? value.slice() : value);

/**
 * Names a class for good: `name` survives minifiers that rename classes.
 * @template {Function} T
 * @param {T} cls
 * @param {string} name
 * @returns {T}
 */
function named(cls, name) {
  Object.defineProperty(cls, "name", { value: name, configurable: true });
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
  return cls;
}

/**
 * Used by the wasm module to build its errors: `kind` is the class's row in the table.
 * @param {number} kind
 * @param {string} message
 * @param {Record<string, unknown>} init
 * @returns {AgentRunsError}
 * @internal
 */
export function makeError(kind, message, init) {
  return new (classes[kind] ?? AgentRunsError)(message, init);
}
