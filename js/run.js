// @ts-check
/**
 * Builds an `AgentRun` for the wasm in one call: the property names live here, so no
 * name crosses from wasm memory on each run (the hot path of polling), and no text of
 * the run is copied through wasm memory.
 * @internal
 */
export function makeRun(id, chatId, status, results, lastAgentMessage, createdAt, updatedAt, bundle, toolhouseId, vars, callbackUrl, error, raw) {
  return {
    id,
    chatId,
    status,
    // A copy, so that changing `results` leaves `raw` as the service sent it.
    results: results === null ? [] : results.slice(),
    lastAgentMessage,
    createdAt,
    updatedAt,
    bundle,
    toolhouseId,
    vars: vars === null ? null : stringVars(vars),
    callbackUrl,
    error,
    raw,
  };
}

/**
 * The vars of a run (parsed JSON) as strings: numbers and booleans written as strings,
 * other values left out (`raw` keeps them). A null-prototype object, so that a key such
 * as `__proto__` or `toString` is kept as a plain key and shadows nothing.
 * @param {Record<string, unknown>} vars
 * @returns {Record<string, string>}
 */
function stringVars(vars) {
  /** @type {Record<string, string>} */
  const out = Object.create(null);
  for (const key of Object.keys(vars)) {
    const value = vars[key];
    if (typeof value === "string") out[key] = value;
    else if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) out[key] = String(value);
  }
  return out;
}

/**
 * Where a run that `continueRun` returned keeps what the run was before the continue:
 * `{ updatedAt, resultsCount }`, which a wait given the run as `after` compares polled
 * states with (js/index.js hands it over). A symbol, so that the run looks as any other.
 * @internal
 */
export const BEFORE_CONTINUE = Symbol.for("toolhouse-agent-runs.beforeContinue");

/**
 * @param {object} run the run continueRun returns
 * @param {{ updatedAt: string | null, results: unknown[] }} before the run read before the continue
 * @internal
 */
export function markContinued(run, before) {
  Object.defineProperty(run, BEFORE_CONTINUE, { value: { updatedAt: before.updatedAt, resultsCount: before.results.length } });
}
