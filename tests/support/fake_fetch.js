// A scripted `fetch` for the wasm-bindgen tests: answers in order, records requests.
export function scriptedFetch(answers) {
  const requests = [];
  const queue = [...answers];
  const fetch = (url, init) => {
    requests.push({ url, method: init.method, headers: { ...init.headers }, body: init.body ?? null });
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (next === "hang") {
      return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason ?? new Error("aborted"))));
    }
    if (next === "refuse") return Promise.reject(new TypeError("fetch failed"));
    const headers = new Headers({ "content-type": "application/json", ...(next.headers ?? {}) });
    const body = typeof next.body === "string" ? next.body : JSON.stringify(next.body);
    return Promise.resolve(new Response(body, { status: next.status ?? 200, headers }));
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
