// A scripted `fetch` for the tests (the wasm-bindgen tests, and the JS tests through
// tests/js/helpers.mjs), and the other helpers of the wasm-bindgen tests. Plain JS with no
// imports: wasm-bindgen copies this file alone into each environment (Node, a page, a
// service worker).

/**
 * A fetch that answers from a list, in order (the last answer repeats), and records each
 * request as `{ url, init, method, headers, body }`. An answer is `{ status, body, headers }`
 * (a JSON body unless `body` is a string), a function `(url, init) => Response`, "hang"
 * (never answers; rejects when the request's signal aborts) or "refuse" (a network error).
 */
export function scriptedFetch(answers) {
  const requests = [];
  const queue = [...answers];
  const fetch = async (url, init) => {
    requests.push({ url, init, method: init?.method, headers: { ...init?.headers }, body: init?.body ?? null });
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (typeof next === "function") return next(url, init);
    if (next === "hang") {
      return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason ?? new Error("aborted"))));
    }
    if (next === "refuse") throw new TypeError("fetch failed");
    const headers = new Headers({ "content-type": "application/json", ...(next.headers ?? {}) });
    const body = typeof next.body === "string" ? next.body : JSON.stringify(next.body);
    return new Response(body, { status: next.status ?? 200, headers });
  };
  return { fetch, requests };
}

export function options(fetch, extra) {
  return { apiKey: "th-test", baseUrl: "https://api.example.test/v1", fetch, dangerouslyAllowBrowser: true, ...(extra ?? {}) };
}

export function errorName(err) {
  return err && err.name;
}

export function abortAfter(ms, reason) {
  const c = new AbortController();
  setTimeout(() => c.abort(reason), ms);
  return c.signal;
}

export function runBody(id, chatId, status, extra) {
  return { data: { id, chat_id: chatId, status, results: [], ...(extra ?? {}) } };
}

export function isPublicWeb() {
  return typeof process === "undefined" && (typeof document !== "undefined" || typeof WorkerGlobalScope !== "undefined");
}

export function pretendExtension(on) {
  if (on) globalThis.chrome = { runtime: { id: "abcdefghijklmnopabcdefghijklmnop" } };
  else delete globalThis.chrome;
}
