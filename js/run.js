// @ts-check
/**
 * Builds an `AgentRun` for the wasm in one call: the property names live here, so no
 * name crosses from wasm memory on each run (the hot path of polling).
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
    vars,
    callbackUrl,
    error,
    raw,
  };
}
