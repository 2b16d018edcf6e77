// @ts-check
/**
 * Waits that respect the page they run in, for the wasm's wait loop: no polls while the
 * tab is hidden (`document.visibilityState`) or the runtime is offline
 * (`navigator.onLine`), and a poll at once when it is back. Where there is neither (Node,
 * Deno, Bun), every function here answers `undefined` and the wait is unchanged.
 * @internal
 */

/** @type {any} */
const g = globalThis;

/** True where there is a page whose visibility can be read. */
const hasDocument = () => typeof g.document?.visibilityState === "string" && typeof g.document.addEventListener === "function";
/** True where the runtime says whether it is online. */
const hasOnline = () => typeof g.navigator?.onLine === "boolean" && typeof g.addEventListener === "function";
const hidden = () => hasDocument() && g.document.visibilityState === "hidden";
const offline = () => hasOnline() && g.navigator.onLine === false;

/**
 * Calls `check` on each change of visibility or connectivity until `settle` is called;
 * returns the function that unhooks it.
 * @param {() => void} check
 */
function onChange(check) {
  if (hasDocument()) g.document.addEventListener("visibilitychange", check);
  if (hasOnline()) g.addEventListener("online", check);
  return () => {
    if (hasDocument()) g.document.removeEventListener("visibilitychange", check);
    if (hasOnline()) g.removeEventListener("online", check);
  };
}

/**
 * A promise that resolves when `done()` holds after a change, or after `ms`, and rejects
 * with the signal's reason when it aborts. Nothing is left hooked once it settles.
 * @param {number} ms
 * @param {AbortSignal | undefined} signal
 * @param {() => boolean} done
 * @returns {Promise<void>}
 */
function until(ms, signal, done) {
  return new Promise((resolve, reject) => {
    /** @type {() => void} */
    let unhook = () => {};
    const finish = (/** @type {() => void} */ settle) => {
      clearTimeout(timer);
      unhook();
      signal?.removeEventListener("abort", aborted);
      settle();
    };
    const aborted = () => finish(() => reject(signal?.reason));
    const timer = setTimeout(() => finish(resolve), Math.min(ms, 2_147_483_647));
    unhook = onChange(() => {
      if (done()) finish(resolve);
    });
    if (signal?.aborted) aborted();
    else signal?.addEventListener("abort", aborted);
  });
}

const pollable = () => !hidden() && !offline();

/**
 * The pause before a poll: `ms`, ended early in a page that comes back (visible and
 * online again after it was not), then, while the page is hidden or the runtime
 * offline, until it is back or `limit` ms (what is left of the wait) have passed.
 * `undefined` when there is nothing to wait for here (no page, online, or `ms` 0 and
 * pollable): the caller sleeps `ms` as usual.
 * @param {number} ms
 * @param {number} limit
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<void> | undefined}
 */
export function rest(ms, limit, signal) {
  if ((!hasDocument() || ms <= 0) && pollable()) return undefined;
  let away = !pollable();
  const first = until(ms, signal, () => {
    const back = pollable();
    if (!back) away = true;
    return back && away;
  });
  return first.then(() => (pollable() ? undefined : until(Math.max(0, limit - ms), signal, pollable)));
}
