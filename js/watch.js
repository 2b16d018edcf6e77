// @ts-check
/**
 * `watchRun`: an async iterator over a run's states, one per change of status, ending
 * after the terminal one. Built on `waitForRun`'s `onUpdate`, so the polling logic (the
 * schedule, retries, the deadline) stays in one place: the wasm.
 */

/**
 * @typedef {import("./index.d.ts").AgentRun} AgentRun
 * @typedef {import("./index.d.ts").WaitOptions} WaitOptions
 * @typedef {(runId: string, options: WaitOptions) => Promise<AgentRun>} Wait
 */

/**
 * @param {Wait} wait the `waitForRun` to drive (the function, or a client's method)
 * @param {string} runId
 * @param {WaitOptions} [options]
 * @returns {AsyncIterableIterator<AgentRun>}
 */
export function watch(wait, runId, options = {}) {
  /** @type {AgentRun[]} */
  const queue = [];
  /** @type {((result: IteratorResult<AgentRun>) => void) | null} */
  let wake = null;
  /** @type {{ error: unknown } | null} */
  let failure = null;
  let started = false;
  let finished = false;
  let stopped = false;
  const controller = new AbortController();
  const outer = options.signal;
  const forwardAbort = () => controller.abort(outer?.reason);

  const deliver = () => {
    if (!wake) return;
    const resolve = wake;
    if (queue.length > 0) {
      wake = null;
      resolve({ value: /** @type {AgentRun} */ (queue.shift()), done: false });
    } else if (finished) {
      wake = null;
      resolve({ value: undefined, done: true });
    }
  };

  const start = () => {
    started = true;
    if (outer?.aborted) controller.abort(outer.reason);
    else outer?.addEventListener("abort", forwardAbort, { once: true });
    wait(runId, {
      ...options,
      signal: controller.signal,
      onUpdate: (run) => {
        options.onUpdate?.(run);
        queue.push(run);
        deliver();
      },
    }).then(
      () => {},
      (error) => {
        if (!stopped) failure = { error };
      },
    ).finally(() => {
      finished = true;
      outer?.removeEventListener("abort", forwardAbort);
      deliver();
    });
  };

  const stop = () => {
    if (stopped) return;
    stopped = true;
    queue.length = 0;
    controller.abort(new Error("watchRun: the loop was left"));
    outer?.removeEventListener("abort", forwardAbort);
    finished = true;
    deliver();
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (!started && !stopped) start();
      if (queue.length > 0) return Promise.resolve({ value: /** @type {AgentRun} */ (queue.shift()), done: false });
      if (failure) {
        const { error } = failure;
        failure = null;
        stopped = true;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        wake = resolve;
      }).then((result) => {
        // The wait failed while next() was pending: reject with its error.
        if (result.done && failure) {
          const { error } = failure;
          failure = null;
          stopped = true;
          throw error;
        }
        return result;
      });
    },
    return() {
      stop();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      stop();
      return Promise.reject(error);
    },
  };
}
