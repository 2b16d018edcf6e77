// @ts-check
/**
 * Polls shared by the waits of one realm: a wait on a run that another wait (same URL,
 * same key, same `fetch`) has just polled takes that answer, or joins that poll while it
 * is on the wire, instead of sending one of its own. So two components watching one run
 * send one request per interval, not two, and fifty waits started together no more than
 * one. Only the GETs of a run are shared, and only by waits; an answer is taken only
 * when it came after the wait's own previous poll, so no wait sees older news than it
 * would have polled for itself. An answer is kept while a wait that polled it goes on,
 * and dropped with the last one (`release`), so nothing outlives the waits.
 * @internal
 */

/**
 * @typedef {{ status: number, text: string, retryAfter: string | null, at: number }} Answer
 * @typedef {{ key: string, answer?: Answer, pending?: Promise<Answer | undefined>, waits: number }} Entry
 * @typedef {(url: string, init?: any) => Promise<any>} Fetch
 */

/** @type {WeakMap<Fetch, Map<string, Entry>>} */
const table = new WeakMap();
const RUN_URL = /\/agent-runs\/[0-9a-fA-F-]{36}$/;
/**
 * @param {Promise<any>} promise
 * @param {AbortSignal | undefined} signal
 */
function abortable(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const aborted = () => reject(signal.reason);
    if (signal.aborted) return aborted();
    signal.addEventListener("abort", aborted, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", aborted));
  });
}

/** @param {Answer} answer */
const asResponse = (answer) =>
  new Response(answer.text, { status: answer.status, headers: answer.retryAfter === null ? {} : { "retry-after": answer.retryAfter } });

/**
 * The `fetch` one wait uses: the caller's (or the global one, looked up at each call),
 * sharing the GETs of runs with the other waits of this realm; and `release`, for when
 * the wait has ended.
 * @param {unknown} given the caller's `fetch` option
 * @returns {{ fetch: unknown, release: () => void }} `fetch`: what the wait's `fetch` option becomes
 */
export function sharePolls(given) {
  if (given !== undefined && given !== null && typeof given !== "function") return { fetch: given, release() {} }; // the wasm says what is wrong
  let since = Date.now();
  /** The entries this wait polled through, and their tables. @type {Map<Entry, Map<string, Entry>>} */
  const joined = new Map();
  /** @type {Fetch} */
  const shared = async (url, init) => {
    const base = /** @type {Fetch} */ (given ?? globalThis.fetch);
    if ((init?.method ?? "GET") !== "GET" || typeof url !== "string" || !RUN_URL.test(url) || typeof base !== "function") {
      return base(url, init);
    }
    let polls = table.get(base);
    if (!polls) table.set(base, (polls = new Map()));
    const key = `${url}\n${init?.headers?.Authorization ?? ""}`;
    /** @type {Entry} */
    const entry = polls.get(key) ?? { key, waits: 0 };
    polls.set(key, entry);
    if (!joined.has(entry)) {
      joined.set(entry, polls);
      entry.waits++;
    }
    let answer = entry.pending ? await abortable(entry.pending, init?.signal) : entry.answer && entry.answer.at > since ? entry.answer : undefined;
    if (!answer) {
      /** @type {(answer: Answer | undefined) => void} */
      let settle = () => {};
      const pending = (entry.pending = new Promise((resolve) => (settle = resolve)));
      try {
        const response = await base(url, init);
        // Shared: answers a Response can be made of again; anything else goes to the wasm as it is.
        const status = response?.status;
        if (typeof status !== "number" || status < 200 || status > 599 || [204, 205, 304].includes(status) || typeof response.text !== "function") return response;
        const text = await abortable(Promise.resolve(response.text()), init?.signal);
        if (typeof text !== "string") return response;
        const retryAfter = typeof response.headers?.get === "function" ? response.headers.get("retry-after") : null;
        answer = entry.answer = { status, text, retryAfter: typeof retryAfter === "string" ? retryAfter : null, at: Date.now() };
      } finally {
        if (entry.pending === pending) entry.pending = undefined;
        settle(answer);
      }
    }
    since = Date.now();
    return asResponse(answer);
  };
  const release = () => {
    for (const [entry, polls] of joined) {
      if (--entry.waits === 0 && polls.get(entry.key) === entry) polls.delete(entry.key);
    }
    joined.clear();
  };
  return { fetch: shared, release };
}
