// The baseline of the benchmark: a minimal hand-written fetch client of the same four
// calls as toolhouse-agent-runs (createRun, getRun, continueRun, waitForRun), with roughly
// the same semantics: Bearer auth, JSON in and out, a timeout per attempt, errors by
// status, retries of reads with backoff and Retry-After, the run in camelCase, polling
// 1 s growing to 10 s. Plain JS, no dependencies; runs in Node and browsers.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAMES = { 401: "AuthenticationError", 402: "InsufficientCreditsError", 403: "PermissionDeniedError", 404: "NotFoundError", 406: "RunNotCompletedError", 422: "ValidationError", 429: "RateLimitError" };

export class AgentRunsError extends Error {
  constructor(message, { status = null, body = null, cause, name } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name ?? (status === null ? "AgentRunsError" : NAMES[status] ?? (status >= 500 ? "ServerError" : "AgentRunsError"));
    this.status = status;
    this.body = body;
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => (signal?.removeEventListener("abort", stop), resolve());
    const t = setTimeout(done, ms);
    const stop = () => (clearTimeout(t), reject(signal.reason));
    signal?.addEventListener("abort", stop, { once: true });
  });

function settings(o = {}) {
  const env = globalThis.process?.env ?? {};
  const baseUrl = (o.baseUrl ?? env.TOOLHOUSE_BASE_URL ?? "https://api.toolhouse.ai/v1").replace(/\/+$/, "");
  const apiKey = o.apiKey ?? env.TOOLHOUSE_API_KEY;
  if (!apiKey && o.baseUrl === undefined) throw new AgentRunsError("no API key: pass apiKey or set TOOLHOUSE_API_KEY", { name: "AuthenticationError" });
  return { baseUrl, apiKey, timeoutMs: o.timeoutMs ?? 60_000, maxRetries: o.maxRetries ?? 2, fetch: o.fetch ?? globalThis.fetch, signal: o.signal };
}

const retryAfterMs = (h) => (h == null ? null : /^\d+$/.test(h) ? Number(h) * 1000 : Math.max(0, Date.parse(h) - Date.now()) || null);

async function request(method, path, body, o, idempotent) {
  const s = settings(o);
  for (let attempt = 0; ; attempt++) {
    let error;
    let wait = null;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), controller.abort()), s.timeoutMs);
    const onAbort = () => controller.abort(s.signal.reason);
    s.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const headers = { Accept: "application/json" };
      if (s.apiKey) headers.Authorization = `Bearer ${s.apiKey}`;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const doFetch = s.fetch; // unbound: a browser's fetch refuses another `this`
      const res = await doFetch(s.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal });
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {}
      if (res.ok) {
        if (json?.data == null) throw new AgentRunsError("unexpected answer: no data", { status: res.status, body: text });
        return json.data;
      }
      const detail = typeof json?.detail === "string" ? json.detail : JSON.stringify(json?.detail ?? text);
      error = new AgentRunsError(`${res.status} ${res.statusText}: ${detail}`, { status: res.status, body: json ?? text });
      wait = retryAfterMs(res.headers.get("retry-after"));
      if (!(res.status === 429 || (idempotent && (res.status === 408 || res.status >= 500)))) throw error;
    } catch (e) {
      if (s.signal?.aborted) throw s.signal.reason;
      if (e instanceof AgentRunsError) throw e; // an answer that is not retried
      error = new AgentRunsError(timedOut ? "request timed out" : `connection failed: ${e?.message}`, { name: timedOut ? "TimeoutError" : "ConnectionError", cause: e });
      if (!idempotent) throw error;
    } finally {
      clearTimeout(timer);
      s.signal?.removeEventListener("abort", onAbort);
    }
    if (attempt >= s.maxRetries) throw error;
    await sleep(wait ?? Math.min(8000, 500 * 2 ** attempt) * (1 - Math.random() / 4), s.signal);
  }
}

const toRun = (r) => ({
  id: r.id, chatId: r.chat_id ?? null, status: r.status ?? "unknown", results: Array.isArray(r.results) ? r.results : [],
  lastAgentMessage: r.last_agent_message ?? null, createdAt: r.created_at ?? null, updatedAt: r.updated_at ?? null,
  bundle: r.bundle ?? null, toolhouseId: r.toolhouse_id ?? null, vars: r.vars ?? null, callbackUrl: r.callback_url ?? null,
  error: r.error ?? null, raw: r,
});

function checkId(name, id) {
  if (typeof id !== "string" || !UUID.test(id)) throw new AgentRunsError(`${name} must be a UUID`, { name: "ValidationError" });
}

export async function createRun({ chatId, vars, bundle, toolhouseId, callbackUrl }, o) {
  checkId("chatId", chatId);
  const body = { chat_id: chatId, bundle, toolhouse_id: toolhouseId, callback_url: callbackUrl };
  if (vars) body.vars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));
  return toRun(await request("POST", "/agent-runs", body, o, false));
}

export async function getRun(runId, o) {
  checkId("runId", runId);
  return toRun(await request("GET", `/agent-runs/${runId}`, undefined, o, true));
}

export async function continueRun(runId, message, o) {
  checkId("runId", runId);
  if (typeof message !== "string" || !message) throw new AgentRunsError("message must be a non-empty string", { name: "ValidationError" });
  return toRun(await request("PUT", `/agent-runs/${runId}`, { message }, o, false));
}

export async function waitForRun(runId, o = {}) {
  const deadline = o.maxWaitMs === undefined ? Infinity : Date.now() + o.maxWaitMs;
  let delay = 1000;
  let last = null;
  for (;;) {
    const run = await getRun(runId, o);
    if (run.status !== last?.status && !(o.after && run.updatedAt !== null && run.updatedAt <= o.after.updatedAt)) o.onUpdate?.(run);
    last = run;
    const stale = o.after && run.updatedAt !== null && run.updatedAt <= o.after.updatedAt;
    if (!stale && (run.status === "completed" || run.status === "failed")) return run;
    const pause = o.pollIntervalMs ?? delay;
    delay = Math.min(10_000, delay * 1.5);
    if (Date.now() + pause > deadline) throw Object.assign(new AgentRunsError("waitForRun: maxWaitMs passed", { name: "WaitTimeoutError" }), { lastRun: run });
    await sleep(pause, o.signal);
  }
}
