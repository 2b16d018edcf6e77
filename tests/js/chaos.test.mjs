// The chaos suite (issue 10): property-based, seeded. It drives the packed package with
// generated hostile answers (statuses, Retry-After values of every kind, bodies of every
// shape and size up to 20 MB, stalls, resets, fetches that ignore the signal, bodies that
// never end) and generated hostile caller input (Proxies, throwing getters, odd numbers,
// huge strings, wrong types), and checks after every case:
//   - the call settles within its documented bound;
//   - it resolves with a valid run (or list) or rejects with an AgentRunsError (or the abort reason);
//   - no request was sent when it rejected with a ValidationError of its own (status null);
//   - the key appears in no error message, stack, inspection, JSON of err.body, or console output;
//   - requests <= 2 + elapsedMs / 100; every request goes to a well-formed run path;
//   - nothing escaped as an uncaught exception or unhandled rejection;
//   - the package's wasm memory stays under 16 MB, and the next ordinary call works.
//
// CHAOS_SEED=N replays a run (a failure prints its seed and path; CHAOS_PATH=… replays one
// case), CHAOS_RUNS=N runs more cases, CHAOS_SHRINK=1 shrinks a failing case.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { inspect, format } from "node:util";
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { runBody, settle, watchEscapes, authorizationOf, realSetTimeout, realDateNow, GREETER } from "./helpers.mjs";

// The probe must wrap WebAssembly before the package instantiates its module.
const { wasmMemoryBytes } = await import("../../bench/lib/wasm-probe.mjs");
const sdk = await import("../../pkg/index.js");
const { AgentRunsError, ValidationError } = sdk;

const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
// The default keeps the file well under a minute on 2 slow cores (about 30 s on this 2-core machine).
const RUNS = process.env.CHAOS_RUNS ? Math.max(1, Number(process.env.CHAOS_RUNS)) : 40;
const PARAMS = {
  seed: SEED,
  endOnFailure: process.env.CHAOS_SHRINK !== "1", // a timed case shrinks slowly; CHAOS_SHRINK=1 to shrink anyway
  includeErrorInReport: true,
  ...(process.env.CHAOS_PATH ? { path: process.env.CHAOS_PATH } : {}),
};
const MEMORY_LIMIT = 16 * 1048576;
const KEY = `th-chaos-${randomUUID()}`;
const BASE = "https://api.chaos.test/v1";
const RUN = "7d3c2b1a-0f9e-4d8c-9b7a-6f5e4d3c2b1a";
const OTHER = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";
const NEXT = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PATH = /^https:\/\/api\.chaos\.test\/v1\/agent-runs(?:\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?$/i;
const WAITS = new Set(["waitForRun", "createAndWait", "continueAndWait"]);
const WITH_RUN_ID = new Set(["getRun", "continueRun", "waitForRun", "continueAndWait"]);
const CREATES = new Set(["createRun", "createAndWait"]);
const CONTINUES = new Set(["continueRun", "continueAndWait"]);

console.log(`chaos: seed ${SEED}, CHAOS_RUNS ${RUNS} (replay with CHAOS_SEED=${SEED})`);

// No key from the environment, and no real network: the global fetch records and answers.
delete process.env.TOOLHOUSE_API_KEY;
delete process.env.TOOLHOUSE_BASE_URL;
const globalRequests = [];
const savedGlobalFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  globalRequests.push({ url: String(url), init });
  return new Response(JSON.stringify(runBody(RUN)), { status: 200 });
};

// Everything printed while the suite runs, to look for the key in it.
const printed = [];
const savedConsole = {};
for (const level of ["log", "info", "warn", "error", "debug", "trace"]) {
  savedConsole[level] = console[level];
  console[level] = (...args) => {
    try {
      printed.push(format(...args));
    } catch {
      printed.push("[unprintable]");
    }
    savedConsole[level](...args);
  };
}

const escapes = watchEscapes();
after(() => {
  escapes.stop();
  globalThis.fetch = savedGlobalFetch;
  Object.assign(console, savedConsole);
  realSetTimeout(() => {
    savedConsole.error("chaos: the process is still alive 10 s after the suite: the package left a timer or handle behind");
    process.exit(1);
  }, 10_000).unref();
});

// ---- Cheap big values ------------------------------------------------------------------
const bigCache = new Map();
/** A string of `n` characters, made once. */
const big = (n, ch = "x") => {
  const k = `${ch}${n}`;
  if (!bigCache.has(k)) bigCache.set(k, ch.repeat(n));
  return bigCache.get(k);
};
const listCache = new Map();

// ---- Generated answers -----------------------------------------------------------------
const SIZES = fc.oneof({ arbitrary: fc.constantFrom(1_000, 100_000), weight: 6 }, { arbitrary: fc.constant(2_000_000), weight: 2 }, { arbitrary: fc.constant(20_000_000), weight: 1 });
const RUN_STATUS = fc.constantFrom("queued", "in_progress", "completed", "completed", "failed", "cancelled", "COMPLETED", "", "paused", "in_progress ");
const ID_CHOICE = fc.constantFrom("same", "same", "same", "upper", "other", "../../v2/x", "number", "missing", "huge", "empty");
const FIELDS = ["status", "id", "results", "vars", "last_agent_message", "chat_id", "created_at", "error", "callback_url", "bundle"];
const WEIRD = fc.constantFrom("number", "null", "array", "object", "true", "negative", "nested-object", "string-number");
const RETRY_AFTER = fc.option(
  fc.constantFrom("0", "1", "-1", "+1", "1.5", "1e3", "99999999999999999999", "Infinity", "NaN", "0x10", "", "soon",
    "past-imf", "future-imf-1", "future-imf-3600", "future-rfc850", "future-asctime", "past-asctime", "huge-digits", "iso-date", "date-junk"),
  { nil: undefined },
);
const BODY = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("run"), status: RUN_STATUS, id: ID_CHOICE, wrap: fc.constantFrom("data", "data", "flat", "array") }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant("wrongType"), field: fc.constantFrom(...FIELDS), value: WEIRD }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("huge"), field: fc.constantFrom(...FIELDS, "detail", "unknown"), size: SIZES }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("deep"), depth: fc.constantFrom(50, 5_000, 100_000), where: fc.constantFrom("results", "detail", "vars", "extra") }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("text"), text: fc.constantFrom("not json", "{", '{"data":{"id":', "<html><body>502 Bad Gateway</body></html>", "", "\u0000", "[]", "5", '"x"', "true", "null", '{"data":null}', '{"nodata":{}}', "\uFEFF{}") }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("list"), n: fc.constantFrom(0, 1, 3, 1_000, 100_000), items: fc.constantFrom("valid", "mixed", "junk") }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("detail"), shape: fc.constantFrom("string", "array", "weird-array", "object", "number", "null", "missing", "huge-array") }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("bytes") }), weight: 1 },
);
const RESPONSE = fc.record({
  t: fc.constant("response"),
  status: fc.oneof(
    { arbitrary: fc.constantFrom(200, 200, 200, 201, 204, 301, 400, 401, 402, 403, 404, 406, 408, 409, 413, 422, 429, 429, 500, 502, 503, 503, 504, 599), weight: 9 },
    { arbitrary: fc.constantFrom(0, 99, 600, 999, -1, 200.5), weight: 1 },
  ),
  retryAfter: RETRY_AFTER,
  contentType: fc.constantFrom("application/json", "text/html", undefined),
  echo: fc.boolean(),
  body: BODY,
});
// A plain good answer: a run of the id asked for (or the one created), of some status.
const GOOD = fc.record({
  t: fc.constant("response"),
  status: fc.constant(200),
  retryAfter: fc.constant(undefined),
  contentType: fc.constant("application/json"),
  echo: fc.constant(false),
  body: fc.record({ kind: fc.constant("run"), status: fc.constantFrom("queued", "in_progress", "completed", "completed", "failed"), id: fc.constantFrom("same", "upper"), wrap: fc.constant("data") }),
});
const ANSWER = fc.oneof(
  { arbitrary: GOOD, weight: 10 },
  { arbitrary: RESPONSE, weight: 12 },
  { arbitrary: fc.record({ t: fc.constantFrom("stall", "stallHonour", "throwSync", "streamStall") }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("reject"), what: fc.constantFrom("TypeError", "undefined", "string", "proxy", "abort") }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("nonResponse"), what: fc.constantFrom("null", "number", "string", "empty", "proxy", "promise-like") }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constantFrom("textNever", "textReject", "textNumber", "headersThrow"), status: fc.constantFrom(200, 429, 503) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("delayed"), ms: fc.integer({ min: 0, max: 300 }), then: RESPONSE }), weight: 2 },
);
const SCRIPT = fc.array(ANSWER, { minLength: 1, maxLength: 4 });
const OPERATION = fc.constantFrom("getRun", "listRuns", "createRun", "continueRun", "waitForRun", "createAndWait", "continueAndWait");
const BOUNDS = fc.record({
  timeoutMs: fc.integer({ min: 50, max: 200 }),
  maxRetries: fc.integer({ min: 0, max: 2 }),
  maxRetryDelayMs: fc.integer({ min: 0, max: 300 }),
  maxWaitMs: fc.integer({ min: 0, max: 1500 }),
  pollIntervalMs: fc.integer({ min: 100, max: 400 }),
  idempotencyKey: fc.option(fc.constantFrom("order-1", "k".repeat(255)), { nil: undefined }),
});
const SIGNAL = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  { arbitrary: fc.record({ abortAfter: fc.integer({ min: 0, max: 400 }), reason: fc.constantFrom("error", "string", "default") }), weight: 2 },
  { arbitrary: fc.record({ already: fc.constant(true), reason: fc.constantFrom("error", "string", "default") }), weight: 1 },
);

/** A header value for a Retry-After descriptor. */
function retryAfterValue(kind) {
  const now = realDateNow();
  const imf = (ms) => new Date(ms).toUTCString();
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const rfc850 = (ms) => {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, "0");
    return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())}-${d.toUTCString().slice(8, 11)}-${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} GMT`;
  };
  const asctime = (ms) => {
    const s = new Date(ms).toUTCString(); // "Sun, 06 Nov 1994 08:49:37 GMT"
    return `${s.slice(0, 3)} ${s.slice(8, 11)} ${String(Number(s.slice(5, 7))).padStart(2, " ")} ${s.slice(17, 25)} ${s.slice(12, 16)}`;
  };
  switch (kind) {
    case "past-imf": return imf(now - 3_600_000);
    case "future-imf-1": return imf(now + 1_000);
    case "future-imf-3600": return imf(now + 3_600_000);
    case "future-rfc850": return rfc850(now + 120_000);
    case "future-asctime": return asctime(now + 120_000);
    case "past-asctime": return asctime(now - 120_000);
    case "huge-digits": return big(100_000, "9");
    case "iso-date": return new Date(now + 60_000).toISOString();
    case "date-junk": return "Sun, 99 Foo 2094 99:99:99 GMT";
    default: return kind;
  }
}

function weirdValue(kind) {
  return { number: 5, null: null, array: [1, "a"], object: { a: 1 }, true: true, negative: -1.5, "nested-object": { status: { status: "completed" } }, "string-number": "5" }[kind];
}

/** The answer's body text (or bytes) for a descriptor, for a request of `ctx`. */
function bodyOf(desc, ctx, auth) {
  const id = ctx.answerId;
  const idFor = (choice) => ({ same: id, upper: id.toUpperCase(), other: OTHER, "../../v2/x": "../../v2/x", number: 42, missing: undefined, huge: big(2_000_000, "i"), empty: "" })[choice];
  const run = (overrides = {}) => ({ id, chat_id: GREETER, status: "completed", results: [{ role: "user", content: "hi" }], last_agent_message: "done", vars: { name: "Ada" }, ...overrides });
  const echo = (text) => (ctx.echo ? `${text} (you sent Authorization: ${auth}; key ${auth.slice(7)})` : text);
  switch (desc.kind) {
    case "run": {
      const r = run({ status: desc.status, last_agent_message: desc.status === "completed" ? echo("done") : null });
      const chosen = idFor(desc.id);
      if (chosen === undefined) delete r.id;
      else r.id = chosen;
      if (desc.wrap === "flat") return JSON.stringify(r);
      if (desc.wrap === "array") return JSON.stringify({ data: [r] });
      return JSON.stringify({ data: r });
    }
    case "wrongType":
      return JSON.stringify({ data: run({ [desc.field]: weirdValue(desc.value) }), detail: echo("wrong type") });
    case "huge": {
      const s = big(desc.size);
      if (desc.field === "detail") return JSON.stringify({ detail: echo(s) });
      if (desc.field === "unknown") return JSON.stringify({ data: run({ shiny: s }) });
      if (desc.field === "vars") return JSON.stringify({ data: run({ vars: { name: s } }) });
      if (desc.field === "results") return JSON.stringify({ data: run({ results: [{ role: "assistant", content: s }] }) });
      return JSON.stringify({ data: run({ [desc.field]: s }) });
    }
    case "deep": {
      const nest = "[".repeat(desc.depth) + "]".repeat(desc.depth);
      if (desc.where === "detail") return `{"detail":${nest}}`;
      if (desc.where === "extra") return `{"data":{"id":"${id}","status":"completed","results":[],"extra":${nest}}}`;
      return `{"data":{"id":"${id}","status":"completed","${desc.where}":${nest}}}`;
    }
    case "text":
      return desc.text + (ctx.echo ? echo("") : "");
    case "list": {
      const k = `${desc.n}:${desc.items}:${id}`;
      if (!listCache.has(k)) {
        const valid = JSON.stringify(run({ status: "queued", last_agent_message: null }));
        const junk = ["5", "null", '"x"', "[]", '{"id":7}', '{"status":"queued"}'];
        const items = Array.from({ length: Math.min(desc.n, 8) }, (_, i) => (desc.items === "valid" ? valid : desc.items === "junk" ? junk[i % junk.length] : i % 2 ? valid : junk[i % junk.length]));
        const all = desc.n <= 8 ? items : Array.from({ length: desc.n }, (_, i) => items[i % items.length]);
        listCache.set(k, `{"data":[${all.join(",")}]}`);
      }
      return listCache.get(k);
    }
    case "detail": {
      const shapes = {
        string: { detail: echo("Something went wrong") },
        array: { detail: [{ loc: ["body", "chat_id"], msg: echo("bad"), type: "x", input: auth }] },
        "weird-array": { detail: [null, 5, "x", { loc: "notarray", msg: 5 }, { loc: [null, {}, 1.5], msg: null }] },
        object: { detail: { message: echo("nested"), headers: { Authorization: auth } } },
        number: { detail: 5 },
        null: { detail: null },
        missing: { error: echo("no detail") },
        "huge-array": { detail: Array.from({ length: 10_000 }, (_, i) => ({ loc: ["body", `f${i}`], msg: "m".repeat(100), type: "t" })) },
      };
      return JSON.stringify(shapes[desc.shape]);
    }
    case "bytes":
      return new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]);
  }
  return "";
}

/** A Response (or Response-like object, where Response refuses the status) for a descriptor. */
function responseOf(desc, ctx, auth) {
  const headers = {};
  if (desc.retryAfter !== undefined) headers["retry-after"] = retryAfterValue(desc.retryAfter);
  if (desc.contentType) headers["content-type"] = desc.contentType;
  const body = bodyOf(desc.body, { ...ctx, echo: desc.echo }, auth);
  const status = desc.status;
  if (Number.isInteger(status) && status >= 200 && status <= 599 && ![204, 205, 304].includes(status)) return new Response(body, { status, headers });
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  return { status, ok: status >= 200 && status < 300, statusText: "", headers: new Headers(headers), url: "", redirected: false, text: async () => text, json: async () => JSON.parse(text), arrayBuffer: async () => new TextEncoder().encode(text).buffer };
}

const never = () => new Promise(() => {});
const throwingProxy = () => new Proxy({}, { get: () => { throw new Error("proxy"); }, has: () => { throw new Error("proxy"); }, ownKeys: () => { throw new Error("proxy"); }, getOwnPropertyDescriptor: () => { throw new Error("proxy"); } });

/** A fetch that plays `script` (the last answer repeats) and records each request. */
function scriptFetch(script, ctx) {
  const requests = [];
  const fetch = (url, init) => {
    requests.push({ url: String(url), init, at: realDateNow() });
    const desc = script[Math.min(requests.length - 1, script.length - 1)];
    const auth = authorizationOf(init) ?? "";
    const m = PATH.exec(String(url));
    const answerCtx = { ...ctx, answerId: m?.[1] ?? ctx.createdId };
    switch (desc.t) {
      case "response": return Promise.resolve(responseOf(desc, answerCtx, auth));
      case "stall": return never();
      case "stallHonour":
        return new Promise((_, reject) => {
          const s = init?.signal;
          if (!s) return;
          if (s.aborted) reject(s.reason);
          else s.addEventListener("abort", () => reject(s.reason), { once: true });
        });
      case "throwSync": throw new TypeError("fetch threw synchronously");
      case "streamStall":
        return Promise.resolve(new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"data":{"id":"')), pull: never }), { status: 200 }));
      case "reject": {
        const what = { TypeError: new TypeError("fetch failed", { cause: new Error("connect ECONNRESET") }), undefined: undefined, string: "reset", proxy: throwingProxy(), abort: new DOMException("The operation was aborted.", "AbortError") }[desc.what];
        return Promise.reject(what);
      }
      case "nonResponse":
        return Promise.resolve({ null: null, number: 42, string: "200 OK", empty: {}, proxy: throwingProxy(), "promise-like": { then: (ok) => ok({ status: 200 }) } }[desc.what]);
      case "textNever": return Promise.resolve({ status: desc.status, ok: desc.status === 200, headers: new Headers(), text: never, json: never, arrayBuffer: never });
      case "textReject": return Promise.resolve({ status: desc.status, ok: desc.status === 200, headers: new Headers(), text: () => Promise.reject(new TypeError("terminated")), json: () => Promise.reject(new TypeError("terminated")) });
      case "textNumber": return Promise.resolve({ status: desc.status, ok: desc.status === 200, headers: new Headers(), text: async () => 12345, json: async () => 12345 });
      case "headersThrow": return Promise.resolve({ status: desc.status, ok: desc.status === 200, headers: { get() { throw new Error("headers"); }, has() { throw new Error("headers"); } }, text: async () => JSON.stringify(runBody(answerCtx.answerId)) });
      case "delayed": return new Promise((resolve) => setTimeout(() => resolve(responseOf(desc.then, answerCtx, auth)), desc.ms));
    }
    throw new Error(`unknown answer ${desc.t}`);
  };
  return { fetch, requests };
}

/** The caller's signal for a descriptor, and its reason once aborted. */
function signalOf(desc) {
  if (!desc) return {};
  const reason = { error: new Error("caller aborted"), string: "caller aborted", default: undefined }[desc.reason];
  const controller = new AbortController();
  if (desc.already) controller.abort(reason);
  else realSetTimeout(() => controller.abort(reason), desc.abortAfter);
  return { signal: controller.signal, abortAt: desc.already ? 0 : desc.abortAfter };
}

/** The worst case of one call with these options (README: attempts x timeoutMs + pauses). */
function singleBound(o, slowBodies) {
  const attempts = o.maxRetries + 1;
  let pauses = 0;
  for (let i = 1; i <= o.maxRetries; i++) pauses += Math.min(8000, 500 * 2 ** (i - 1));
  return attempts * o.timeoutMs + pauses + (slowBodies ? 2000 * attempts : 0);
}
const SLACK = 1500;
function boundOf(op, o, slowBodies, abortAt) {
  let bound = WAITS.has(op) ? o.maxWaitMs + o.timeoutMs + (op === "waitForRun" ? 0 : singleBound(o, slowBodies)) + (slowBodies ? 3000 : 0) : singleBound(o, slowBodies);
  bound += SLACK;
  if (abortAt !== undefined) bound = Math.min(bound, abortAt + SLACK + (slowBodies ? 2000 : 0));
  return bound;
}

/** Calls `op` with these arguments. */
function invoke(op, runId, params, message, options) {
  switch (op) {
    case "getRun": return sdk.getRun(runId, options);
    case "listRuns": return sdk.listRuns(options);
    case "createRun": return sdk.createRun(params, options);
    case "continueRun": return sdk.continueRun(runId, message, options);
    case "waitForRun": return sdk.waitForRun(runId, options);
    case "createAndWait": return sdk.createAndWait(params, options);
    case "continueAndWait": return sdk.continueAndWait(runId, message, options);
  }
  throw new Error(op);
}

function isRun(r) {
  return r !== null && typeof r === "object" && typeof r.id === "string" && typeof r.status === "string" && Array.isArray(r.results);
}

/** What may be printed of an error, for the key check; parts that cannot be made are skipped. */
function shownOf(err) {
  const parts = [];
  const tryPart = (f) => {
    try {
      parts.push(String(f()));
    } catch (e) {
      if (!(e instanceof RangeError)) parts.push(`[could not show: ${e}]`);
    }
  };
  tryPart(() => err?.message);
  tryPart(() => err?.stack);
  tryPart(() => inspect(err, { depth: Infinity, showHidden: true, maxStringLength: Infinity, maxArrayLength: 1000 }));
  tryPart(() => JSON.stringify(err?.body));
  tryPart(() => JSON.stringify(err));
  tryPart(() => String(err?.cause?.message ?? err?.cause ?? ""));
  return parts.join("\n");
}

let cases = 0;
let peakMemory = 0;
/** How the cases ended, by outcome: printed, so that a run shows what it exercised. */
const tally = new Map();
const count = (what) => tally.set(what, (tally.get(what) ?? 0) + 1);
const tallyText = () => [...tally].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
/**
 * One case: the call, then every invariant.
 * @param {{ op: string, runId: unknown, params: unknown, message: unknown, options: unknown, fetchRequests: any[], bound: number, signal?: AbortSignal, expectValidation?: string, label: string }} c
 */
async function runCase(c) {
  cases++;
  const globalBefore = globalRequests.length;
  const o = await settle(() => invoke(c.op, c.runId, c.params, c.message, c.options), c.bound + 2000);
  const requests = [...c.fetchRequests, ...globalRequests.slice(globalBefore)];
  count("value" in o ? "resolved" : "error" in o ? (o.error instanceof AgentRunsError ? o.error.name : "abort reason") : "hung");
  const where = `${c.label}\n  -> ${o.hung ? "hung" : "threw" in o ? `threw ${o.threw}` : "error" in o ? `${o.error?.name}: ${String(o.error?.message ?? o.error).slice(0, 300)}` : "resolved"} after ${o.elapsed} ms, ${requests.length} requests`;

  assert.ok(!("threw" in o), `threw synchronously instead of returning a promise: ${where}`);
  assert.ok(!o.hung, `did not settle within ${c.bound + 2000} ms: ${where}`);
  assert.ok(o.elapsed <= c.bound, `settled after ${o.elapsed} ms, past its bound of ${c.bound} ms: ${where}`);
  if ("value" in o) {
    if (c.op === "listRuns") assert.ok(Array.isArray(o.value) && o.value.every(isRun), `resolved with a list that is not runs: ${where}`);
    else assert.ok(isRun(o.value), `resolved with something that is not a run: ${where}`);
    if (WITH_RUN_ID.has(c.op) && typeof c.runId === "string") assert.equal(o.value.id.toLowerCase(), c.runId.toLowerCase(), `resolved with another run: ${where}`);
    assert.ok(!c.expectValidation, `resolved, expected a ValidationError (${c.expectValidation}): ${where}`);
  } else {
    const err = o.error;
    const isAbort = c.signal?.aborted && err === c.signal.reason;
    assert.ok(err instanceof AgentRunsError || isAbort, `rejected with something else than an AgentRunsError or the abort reason: ${where}`);
    if (err instanceof ValidationError && err.status === null) assert.equal(requests.length, 0, `a ValidationError of the caller's input, yet a request was sent: ${where}`);
    if (c.expectValidation) {
      assert.ok(err instanceof ValidationError, `expected a ValidationError (${c.expectValidation}): ${where}`);
      assert.equal(requests.length, 0, `bad input, yet a request was sent: ${where}`);
    }
    if (err instanceof AgentRunsError) {
      assert.ok(typeof err.message === "string" && err.message.length < 4096, `a message of ${err.message?.length} characters: ${where}`);
      assert.ok(!shownOf(err).includes(KEY), `the key shows in the error: ${where}`);
    }
  }
  // At most ten a second, after a first burst: the request itself; for a continue, the
  // read before it and a re-read after it (when its answer is not a run); for a wait, its
  // first poll and the last one, which is made right at the deadline however close it is.
  const burst = { continueRun: 3, waitForRun: 2, createAndWait: 3, continueAndWait: 4 }[c.op] ?? 1;
  assert.ok(requests.length <= burst + o.elapsed / 100, `${requests.length} requests in ${o.elapsed} ms: ${where}`);
  for (const r of requests) {
    if (r.url.startsWith("https://api.chaos.test/")) assert.match(r.url, PATH, `a request to a path that is not a run's: ${where}`);
    const m = PATH.exec(r.url);
    if (m?.[1] && WITH_RUN_ID.has(c.op) && typeof c.runId === "string" && UUID.test(c.runId)) assert.equal(m[1].toLowerCase(), c.runId.toLowerCase(), `a request for another run: ${where}`);
  }
  const escaped = await escapes.take(5);
  assert.deepEqual(escaped.map((e) => `${e.kind}: ${String(e.error?.stack ?? e.error).slice(0, 500)}`), [], `an exception escaped: ${where}`);
  const leaked = printed.splice(0).filter((line) => line.includes(KEY));
  assert.deepEqual(leaked, [], `the key was printed: ${where}`);
  const memory = wasmMemoryBytes();
  peakMemory = Math.max(peakMemory, memory);
  assert.ok(memory > 0, "the probe sees the package's wasm memory");
  assert.ok(memory < MEMORY_LIMIT, `wasm memory grew to ${(memory / 1048576).toFixed(1)} MB: ${where}`);
  // The next ordinary call works.
  const next = await settle(() => sdk.getRun(NEXT, { apiKey: KEY, baseUrl: BASE, maxRetries: 0, timeoutMs: 3000, fetch: async () => new Response(JSON.stringify(runBody(NEXT, "queued"))) }), 4000);
  assert.equal(next.value?.id, NEXT, `the next ordinary call failed (${next.hung ? "hung" : `${next.error?.name}: ${next.error?.message}`}) after: ${where}`);
}

const describeCase = (x) => JSON.stringify(x, (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));

test(`chaos: hostile answers and transports (seed ${SEED})`, { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(OPERATION, SCRIPT, BOUNDS, SIGNAL, fc.constantFrom("lower", "upper"), async (op, script, bounds, signalDesc, idCase) => {
      const runId = idCase === "upper" ? RUN.toUpperCase() : RUN;
      const ctx = { createdId: randomUUID() };
      const { fetch, requests } = scriptFetch(script, ctx);
      const { signal, abortAt } = signalOf(signalDesc);
      const options = { apiKey: KEY, baseUrl: BASE, fetch, ...bounds, ...(signal ? { signal } : {}) };
      if (!WAITS.has(op)) {
        delete options.maxWaitMs;
        delete options.pollIntervalMs;
      }
      if (!CREATES.has(op) && !CONTINUES.has(op)) delete options.idempotencyKey;
      const slow = JSON.stringify(script).match(/"size":2000000|"size":20000000|"n":100000|"depth":100000|"huge/) !== null;
      await runCase({
        op, runId, params: { chatId: GREETER, vars: { name: "Ada", n: 3, ok: true } }, message: "more please", options, fetchRequests: requests,
        bound: boundOf(op, bounds, slow, abortAt), signal, label: `${op} ${describeCase({ script, bounds, signalDesc, idCase })}`,
      });
    }),
    { ...PARAMS, numRuns: RUNS * 2 },
  );
  console.log(`chaos: ${cases} cases so far, peak wasm memory ${(peakMemory / 1048576).toFixed(1)} MB; outcomes: ${tallyText()}`);
  tally.clear();
});

// ---- Hostile caller input ---------------------------------------------------------------
const OPTION_KEYS = ["apiKey", "baseUrl", "fetch", "signal", "timeoutMs", "maxRetries", "maxRetryDelayMs", "onRetry", "pollIntervalMs", "maxWaitMs", "onUpdate", "after", "idempotencyKey", "dangerouslyAllowBrowser"];
const MUST_READ = new Set(["apiKey", "baseUrl", "fetch", "signal", "timeoutMs", "maxRetries"]);
const ODD = fc.constantFrom("NaN", "-0", "Infinity", "-Infinity", "1e308", "-1e308", "-1", "0", "1.5", "2**53", "5e-324", "'100'", "null", "true", "{}", "[]", "symbol", "bigint", "huge-string", "function");
const oddValue = (k) => ({ NaN: NaN, "-0": -0, Infinity: Infinity, "-Infinity": -Infinity, "1e308": 1e308, "-1e308": -1e308, "-1": -1, "0": 0, "1.5": 1.5, "2**53": 2 ** 53, "5e-324": 5e-324, "'100'": "100", null: null, true: true, "{}": {}, "[]": [], symbol: Symbol("odd"), bigint: 10n, "huge-string": big(2_000_000, "s"), function: () => 1 })[k];
const HOSTILE = fc.oneof(
  fc.record({ h: fc.constant("optionsProxy"), trap: fc.constantFrom("get", "ownKeys", "getOwnPropertyDescriptor", "has", "all", "revoked") }),
  fc.record({ h: fc.constant("optionGetter"), key: fc.constantFrom(...OPTION_KEYS) }),
  fc.record({ h: fc.constant("optionValue"), key: fc.constantFrom("timeoutMs", "maxRetries", "maxRetryDelayMs", "pollIntervalMs", "maxWaitMs", "apiKey", "baseUrl", "fetch", "onRetry", "onUpdate", "after", "idempotencyKey", "signal"), value: ODD }),
  fc.record({ h: fc.constant("optionsNotObject"), value: fc.constantFrom("string", "number", "array", "function", "null", "symbol", "bigint", "true") }),
  fc.record({ h: fc.constant("signalLike"), kind: fc.constantFrom("abortedThrows", "addThrows", "proxy", "reasonThrows", "plainObject", "number") }),
  fc.record({ h: fc.constant("runId"), kind: fc.constantFrom("huge", "traversal", "number", "null", "undefined", "object", "proxy", "symbol", "empty", "spaces", "newline", "huge-uuid-prefix") }),
  fc.record({ h: fc.constant("params"), kind: fc.constantFrom("proxy-get", "proxy-all", "revoked", "getter", "null", "string", "number", "array", "missing-chatId", "huge-chatId", "proxy-chatId") }),
  fc.record({ h: fc.constant("vars"), kind: fc.constantFrom("proxy-get", "proxy-ownKeys", "proxy-all", "revoked", "getter", "huge-value", "many-keys", "nested", "array", "date", "symbol", "bigint", "NaN", "huge-key") }),
  fc.record({ h: fc.constant("message"), kind: fc.constantFrom("huge", "empty", "number", "object", "proxy", "symbol", "null", "whitespace") }),
  fc.record({ h: fc.constant("baseUrl"), value: fc.constantFrom("http://evil.test\\.localhost/v1", "http://a.localhost/v1", "http://localhost./v1", "javascript:alert(1)", "", "not a url", "http://[::ffff:127.0.0.1]/v1", "ftp://api.chaos.test/v1", "http://evil.test/v1", "http://0.0.0.0/v1") }),
  fc.record({ h: fc.constant("apiKey"), kind: fc.constantFrom("newline", "empty", "number", "object", "huge", "proxy") }),
  fc.record({ h: fc.constant("callback"), which: fc.constantFrom("onUpdate", "onRetry"), throws: fc.constantFrom("error", "string", "proxy", "undefined") }),
);
const SIMPLE_SCRIPT = fc.constantFrom(
  [{ t: "ok", status: "completed" }],
  [{ t: "ok", status: "queued" }, { t: "ok", status: "completed" }],
  [{ t: "503" }, { t: "ok", status: "completed" }],
  [{ t: "stallHonour" }],
);

function unreadable(kind, base) {
  const boom = () => {
    throw new Error(`hostile ${kind}`);
  };
  switch (kind) {
    case "get": case "proxy-get": return new Proxy(base, { get: boom });
    case "ownKeys": case "proxy-ownKeys": return new Proxy(base, { ownKeys: boom });
    case "getOwnPropertyDescriptor": return new Proxy(base, { getOwnPropertyDescriptor: boom });
    case "has": return new Proxy(base, { has: boom });
    case "all": case "proxy-all": return new Proxy(base, { get: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, has: boom, getPrototypeOf: boom });
    case "revoked": {
      const r = Proxy.revocable(base, {});
      r.revoke();
      return r.proxy;
    }
  }
  throw new Error(kind);
}

test(`chaos: hostile caller input (seed ${SEED})`, { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(OPERATION, HOSTILE, SIMPLE_SCRIPT, BOUNDS, async (op, hostile, simple, bounds) => {
      const requests = [];
      const fetch = (url, init) => {
        requests.push({ url: String(url), init });
        const step = simple[Math.min(requests.length - 1, simple.length - 1)];
        const id = PATH.exec(String(url))?.[1] ?? OTHER;
        if (step.t === "ok") return Promise.resolve(new Response(JSON.stringify(runBody(id, step.status))));
        if (step.t === "503") return Promise.resolve(new Response('{"detail":"busy"}', { status: 503, headers: { "retry-after": "0" } }));
        return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal.reason)));
      };
      let runId = RUN;
      let params = { chatId: GREETER, vars: { name: "Ada" } };
      let message = "more please";
      /** @type {any} */
      let options = { apiKey: KEY, baseUrl: BASE, fetch, ...bounds };
      if (!CREATES.has(op) && !CONTINUES.has(op)) delete options.idempotencyKey;
      let expectValidation;
      let safety = true; // a caller signal at 2.5 s, so that an odd value accepted cannot make the case unbounded
      const isWait = WAITS.has(op);
      switch (hostile.h) {
        case "optionsProxy":
          options = unreadable(hostile.trap, options);
          expectValidation = `options: a Proxy (${hostile.trap})`;
          safety = false;
          break;
        case "optionGetter":
          Object.defineProperty(options, hostile.key, { enumerable: true, configurable: true, get: () => { throw new Error(`getter ${hostile.key}`); } });
          if (MUST_READ.has(hostile.key) || (isWait && ["pollIntervalMs", "maxWaitMs"].includes(hostile.key))) expectValidation = `a throwing ${hostile.key} getter`;
          safety = false;
          break;
        case "optionValue":
          options[hostile.key] = oddValue(hostile.value);
          if (hostile.key === "signal") safety = false;
          if (["NaN", "-Infinity", "symbol", "bigint"].includes(hostile.value) && (["timeoutMs", "maxRetries", "maxRetryDelayMs"].includes(hostile.key) || (isWait && ["pollIntervalMs", "maxWaitMs"].includes(hostile.key)))) expectValidation = `${hostile.key}: ${hostile.value}`;
          if (isWait && hostile.key === "pollIntervalMs" && ["-0", "-1", "0", "1.5", "5e-324", "-1e308"].includes(hostile.value)) expectValidation = `pollIntervalMs ${hostile.value} under the floor`;
          break;
        case "optionsNotObject":
          options = { string: "options", number: 5, array: [1, 2], function: () => {}, null: null, symbol: Symbol("options"), bigint: 5n, true: true }[hostile.value];
          safety = false; // no key: the defaults refuse before any request
          break;
        case "signalLike": {
          const boom = () => { throw new Error("signal"); };
          options.signal = {
            abortedThrows: { get aborted() { return boom(); }, addEventListener() {}, removeEventListener() {} },
            addThrows: { aborted: false, addEventListener: boom, removeEventListener() {} },
            proxy: new Proxy({}, { get: boom }),
            reasonThrows: { aborted: true, get reason() { return boom(); }, addEventListener() {}, removeEventListener() {} },
            plainObject: { aborted: false },
            number: 7,
          }[hostile.kind];
          if (["abortedThrows", "addThrows", "proxy", "reasonThrows"].includes(hostile.kind)) expectValidation = `signal: ${hostile.kind}`;
          safety = false;
          break;
        }
        case "runId":
          runId = { huge: big(20_000_000, "r"), traversal: "../../v2/x", number: 42, null: null, undefined: undefined, object: { id: RUN }, proxy: throwingProxy(), symbol: Symbol("id"), empty: "", spaces: ` ${RUN} `, newline: `${RUN}\n`, "huge-uuid-prefix": RUN + big(2_000_000, "a") }[hostile.kind];
          if (WITH_RUN_ID.has(op)) expectValidation = `runId: ${hostile.kind}`;
          break;
        case "params": {
          const boom = () => { throw new Error("params"); };
          params = {
            "proxy-get": unreadable("get", { chatId: GREETER }),
            "proxy-all": unreadable("all", { chatId: GREETER }),
            revoked: unreadable("revoked", { chatId: GREETER }),
            getter: Object.defineProperty({}, "chatId", { enumerable: true, get: boom }),
            null: null, string: GREETER, number: 5, array: [GREETER],
            "missing-chatId": { vars: { a: "b" } },
            "huge-chatId": { chatId: big(20_000_000, "c") },
            "proxy-chatId": { chatId: throwingProxy() },
          }[hostile.kind];
          if (CREATES.has(op)) expectValidation = `params: ${hostile.kind}`;
          break;
        }
        case "vars": {
          const boom = () => { throw new Error("vars"); };
          const vars = {
            "proxy-get": unreadable("get", { name: "Ada" }),
            "proxy-ownKeys": unreadable("ownKeys", { name: "Ada" }),
            "proxy-all": unreadable("all", { name: "Ada" }),
            revoked: unreadable("revoked", { name: "Ada" }),
            getter: Object.defineProperty({}, "name", { enumerable: true, get: boom }),
            "huge-value": { name: big(20_000_000, "v") },
            "many-keys": Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, "v"])),
            nested: { name: { first: "Ada" } },
            array: { name: ["Ada"] },
            date: { when: new Date(0) },
            symbol: { name: Symbol("Ada") },
            bigint: { n: 5n },
            NaN: { n: NaN },
            "huge-key": { [big(2_000_000, "k")]: "v" },
          }[hostile.kind];
          params = { chatId: GREETER, vars };
          if (CREATES.has(op) && !["huge-value", "many-keys", "huge-key"].includes(hostile.kind)) expectValidation = `vars: ${hostile.kind}`;
          break;
        }
        case "message":
          message = { huge: big(20_000_000, "m"), empty: "", number: 5, object: { role: "user" }, proxy: throwingProxy(), symbol: Symbol("m"), null: null, whitespace: "   " }[hostile.kind];
          if (CONTINUES.has(op) && ["empty", "proxy", "symbol", "null"].includes(hostile.kind)) expectValidation = `message: ${hostile.kind}`;
          break;
        case "baseUrl":
          options.baseUrl = hostile.value;
          if (hostile.value !== "") expectValidation = `baseUrl ${hostile.value}`; // "" may mean "the default"
          break;
        case "apiKey":
          options.apiKey = { newline: `${KEY}\n`, empty: "", number: 5, object: { key: KEY }, huge: big(2_000_000, "k"), proxy: throwingProxy() }[hostile.kind];
          break;
        case "callback": {
          const thrown = { error: new Error("callback"), string: "callback", proxy: throwingProxy(), undefined: undefined }[hostile.throws];
          options[hostile.which] = () => {
            throw thrown;
          };
          break;
        }
      }
      let signal;
      if (safety) {
        signal = AbortSignal.timeout(2500);
        options.signal = signal;
      }
      const bound = safety ? 2500 + SLACK + 2000 : boundOf(op, { ...bounds, maxWaitMs: isWait ? bounds.maxWaitMs : 0 }, true, undefined);
      await runCase({ op, runId, params, message, options, fetchRequests: requests, bound, signal, expectValidation, label: `${op} ${describeCase({ hostile, simple, bounds })}` });
    }),
    { ...PARAMS, numRuns: RUNS * 3 },
  );
  console.log(`chaos: ${cases} cases so far, peak wasm memory ${(peakMemory / 1048576).toFixed(1)} MB; outcomes: ${tallyText()}`);
});

// ---- parseRunCallback ------------------------------------------------------------------
const CALLBACK = fc.oneof(
  fc.record({ as: fc.constantFrom("string", "bytes", "buffer", "arraybuffer", "object"), wrap: fc.boolean(), runId: fc.constantFrom("valid", "upper", "traversal", "number", "missing", "huge"), status: fc.constantFrom("completed", "failed", "number", "null", "huge", "missing"), message: fc.constantFrom("text", "null", "number", "huge", "missing", "proto") }),
  fc.record({ as: fc.constant("raw"), value: fc.constantFrom("not json", "", "\u0000", "[]", "5", "null", "invalid-utf8", "proxy", "revoked", "getter", "symbol", "bigint", "undefined", "number", "null-value", "deep", "huge-text") }),
);

test(`chaos: parseRunCallback with hostile bodies (seed ${SEED})`, async () => {
  fc.assert(
    fc.property(CALLBACK, (d) => {
      let input;
      if (d.as === "raw") {
        const boom = () => { throw new Error("callback body"); };
        input = {
          "not json": "not json", "": "", "\u0000": "\u0000", "[]": "[]", 5: "5", null: "null",
          "invalid-utf8": new Uint8Array([0xff, 0xfe, 0x7b]),
          proxy: throwingProxy(), revoked: unreadable("revoked", {}),
          getter: Object.defineProperty({}, "run_id", { enumerable: true, get: boom }),
          symbol: Symbol("x"), bigint: 5n, undefined: undefined, number: 5, "null-value": null,
          deep: "[".repeat(100_000) + "]".repeat(100_000),
          "huge-text": big(20_000_000, "t"),
        }[d.value];
      } else {
        const note = {};
        const runId = { valid: RUN, upper: RUN.toUpperCase(), traversal: "../x", number: 5, missing: undefined, huge: big(20_000_000, "u") }[d.runId];
        if (runId !== undefined) note.run_id = runId;
        const status = { completed: "completed", failed: "failed", number: 3, null: null, huge: big(2_000_000, "s"), missing: undefined }[d.status];
        if (status !== undefined) note.status = status;
        const message = { text: "hi", null: null, number: 4, huge: big(20_000_000, "m"), missing: undefined, proto: "p" }[d.message];
        if (d.message === "proto") Object.defineProperty(note, "__proto__", { value: { last_agent_message: "inherited" }, enumerable: true, configurable: true, writable: true });
        else if (message !== undefined) note.last_agent_message = message;
        const body = d.wrap ? { data: note } : note;
        const json = () => JSON.stringify(body);
        input = { string: json, bytes: () => new TextEncoder().encode(json()), buffer: () => Buffer.from(json()), arraybuffer: () => new TextEncoder().encode(json()).buffer, object: () => body }[d.as]();
      }
      let result;
      let error;
      try {
        result = sdk.parseRunCallback(input);
      } catch (e) {
        error = e;
      }
      if (error === undefined) {
        assert.ok(result && typeof result.runId === "string" && UUID.test(result.runId), `a callback without a valid runId: ${describeCase(d)}`);
        assert.equal(typeof result.status, "string");
        assert.ok(result.lastAgentMessage === null || typeof result.lastAgentMessage === "string");
      } else {
        assert.ok(error instanceof ValidationError, `parseRunCallback threw ${error?.name ?? typeof error}: ${String(error?.message ?? error).slice(0, 200)} for ${describeCase(d)}`);
        assert.ok(error.message.length < 4096, `a message of ${error.message.length} characters`);
      }
      const memory = wasmMemoryBytes();
      peakMemory = Math.max(peakMemory, memory);
      assert.ok(memory < MEMORY_LIMIT, `wasm memory grew to ${(memory / 1048576).toFixed(1)} MB: ${describeCase(d)}`);
    }),
    { ...PARAMS, numRuns: RUNS * 5 },
  );
  assert.deepEqual((await escapes.take(5)).map((e) => String(e.error)), []);
  console.log(`chaos: ${cases} call cases, peak wasm memory ${(peakMemory / 1048576).toFixed(1)} MB`);
});
