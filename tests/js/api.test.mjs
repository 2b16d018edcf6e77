// The package as users get it (pkg/index.js) against the emulator: every call, every
// error class, vars coercion, unknown fields kept in raw, abort and maxWaitMs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as sdk from "../../pkg/index.js";
import { fastEmulator, scriptedFetch, GREETER, BROKEN, SLOW, MISSING_RUN, UNKNOWN_CHAT } from "./helpers.mjs";

const { AgentRuns, createRun, getRun, continueRun, waitForRun, listRuns } = sdk;
let emulator;
let opts;
before(async () => {
  emulator = await fastEmulator();
  opts = { apiKey: "th-test", baseUrl: emulator.baseUrl };
});
after(() => emulator.close());

test("a run is created with vars, waited for, continued and waited for again", async () => {
  const created = await createRun({ chatId: GREETER, vars: { name: "Ada", topic: "owls" } }, opts);
  assert.equal(created.status, "queued");
  assert.equal(created.chatId, GREETER);
  assert.deepEqual({ ...created.vars }, { name: "Ada", topic: "owls" });
  const done = await waitForRun(created.id, { ...opts, pollIntervalMs: 100 });
  assert.equal(done.status, "completed");
  assert.match(done.lastAgentMessage, /Hello Ada! Here is a fact about owls/);
  assert.equal(done.results[0].content, "Greet Ada warmly and tell them one fact about owls.");
  assert.ok(done.results.some((m) => m.role === "tool"));

  // The service's answer to a continue is not the run: continueRun reads it again, by
  // then queued or already in progress.
  const continued = await continueRun(created.id, "Thanks!", opts);
  assert.ok(["queued", "in_progress"].includes(continued.status), continued.status);
  const again = await waitForRun(created.id, { ...opts, pollIntervalMs: 100 });
  assert.equal(again.status, "completed");
  assert.match(again.lastAgentMessage, /You said: "Thanks!"/);
  assert.ok(again.results.length > done.results.length);
});

test("numbers and booleans in vars are sent as strings", async () => {
  const run = await createRun({ chatId: GREETER, vars: { name: 7, topic: false } }, opts);
  assert.deepEqual({ ...run.vars }, { name: "7", topic: "false" });
  assert.deepEqual(run.raw.vars, { name: "7", topic: "false" });
});

test("a var of another type is a ValidationError naming the key, before any request", async () => {
  const before = emulator.stats.requests;
  for (const bad of [{ when: new Date(0) }, { list: [1] }, { n: NaN }, { u: undefined }]) {
    const err = await createRun({ chatId: GREETER, vars: bad }, opts).catch((e) => e);
    assert.ok(err instanceof sdk.ValidationError, String(err));
    assert.match(err.message, new RegExp(`vars\\.${Object.keys(bad)[0]}`));
    assert.deepEqual(err.details[0].loc, ["vars", Object.keys(bad)[0]]);
  }
  assert.equal(emulator.stats.requests, before);
});

test("a failed run resolves (it does not reject); its error is in results, and in error on list items", async () => {
  const run = await createRun({ chatId: BROKEN, vars: { city: "Oslo" } }, opts);
  const done = await waitForRun(run.id, { ...opts, pollIntervalMs: 100 });
  assert.equal(done.status, "failed");
  // A read of a run carries no `error` (docs/service.md): the errors are in `results`.
  assert.equal(done.error, null);
  assert.ok(done.results.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type === "error" && /get_weather failed/.test(p.error))));
  const listed = (await listRuns(opts)).find((r) => r.id === run.id);
  assert.match(listed.error, /get_weather failed/);
  assert.equal(listed.lastAgentMessage, null, "list items carry no last_agent_message");
});

test("a wait on a run whose agent is deleted meanwhile ends at once with a PermissionDeniedError", async () => {
  const own = await fastEmulator();
  try {
    const o = { apiKey: "th-test", baseUrl: own.baseUrl };
    const run = await createRun({ chatId: SLOW, vars: { subject: "moths" } }, o);
    const waiting = waitForRun(run.id, { ...o, pollIntervalMs: 100, maxWaitMs: 60_000 }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(own.deleteAgent(SLOW), true);
    const started = Date.now();
    const err = await waiting;
    assert.ok(err instanceof sdk.PermissionDeniedError, String(err));
    assert.match(err.message, /Chat ID associated to this Agent Run is invalid/);
    assert.ok(Date.now() - started < 5_000);
  } finally {
    await own.close();
  }
});

test("onUpdate hears each change of status once", async () => {
  const run = await createRun({ chatId: GREETER, vars: { name: "B", topic: "c" } }, opts);
  const seen = [];
  await waitForRun(run.id, { ...opts, pollIntervalMs: 100, onUpdate: (r) => seen.push(r.status) });
  assert.deepEqual(seen, [...new Set(seen)]);
  assert.equal(seen.at(-1), "completed");
});

test("listRuns lists the caller's runs only", async () => {
  const mine = await createRun({ chatId: GREETER }, opts);
  const other = await createRun({ chatId: GREETER }, { ...opts, apiKey: "th-someone-else" });
  const list = await listRuns(opts);
  assert.ok(list.some((r) => r.id === mine.id));
  assert.ok(!list.some((r) => r.id === other.id));
  assert.ok(list.every((r) => typeof r.status === "string" && r.raw));
});

test("the AgentRuns class keeps its options and per-call options override them", async () => {
  const client = new AgentRuns(opts);
  const run = await client.createRun({ chatId: GREETER, vars: { name: "C" } });
  assert.equal((await client.getRun(run.id)).id, run.id);
  assert.equal((await client.waitForRun(run.id, { pollIntervalMs: 100 })).status, "completed");
  assert.ok(["queued", "in_progress"].includes((await client.continueRun(run.id, "more")).status));
  assert.ok((await client.listRuns()).length > 0);
  const err = await client.getRun(run.id, { apiKey: "th-other" }).catch((e) => e);
  assert.ok(err instanceof sdk.NotFoundError);
});

test("each error status of the service has its class", async () => {
  const strict = await fastEmulator({ apiKey: "th-right" });
  let e401;
  try {
    e401 = await getRun(MISSING_RUN, { apiKey: "th-wrong", baseUrl: strict.baseUrl }).catch((e) => e);
    assert.ok(e401 instanceof sdk.AuthenticationError);
    assert.equal(e401.status, 401);
    assert.match(e401.message, /Invalid API key/);
  } finally {
    await strict.close();
  }
  const e403 = await createRun({ chatId: UNKNOWN_CHAT }, opts).catch((e) => e);
  assert.ok(e403 instanceof sdk.PermissionDeniedError);
  assert.match(e403.message, /does not belong to you/);
  const e404 = await getRun(MISSING_RUN, opts).catch((e) => e);
  assert.ok(e404 instanceof sdk.NotFoundError);
  assert.deepEqual(e404.body, { detail: "Agent run not found" });
  const slow = await createRun({ chatId: SLOW, vars: { subject: "x" } }, opts);
  const e406 = await continueRun(slow.id, "hello?", opts).catch((e) => e);
  assert.ok(e406 instanceof sdk.RunNotCompletedError);
  assert.equal(e406.message, "406 Not Acceptable: You can only add messages to completed runs");
  for (const e of [e401, e403, e404, e406]) {
    assert.ok(e instanceof sdk.AgentRunsError && e instanceof Error);
    assert.ok(!JSON.stringify(e).includes("th-"), "no key in the error");
  }
});

test("402, 422, 429 and 5xx answers have their classes too", async () => {
  const cases = [
    [402, { detail: "Not enough Execs" }, sdk.InsufficientCreditsError],
    [422, { detail: [{ loc: ["body", "chat_id"], msg: "bad", type: "x" }] }, sdk.ValidationError],
    [429, { detail: "slow down" }, sdk.RateLimitError],
    [503, "<html>down</html>", sdk.ServerError],
  ];
  for (const [status, body, cls] of cases) {
    const { fetch } = scriptedFetch([{ status, body, headers: { "retry-after": "120" } }]);
    const err = await getRun(MISSING_RUN, { ...opts, fetch, maxRetries: 0 }).catch((e) => e);
    assert.ok(err instanceof cls, `${status}: ${err}`);
    assert.equal(err.status, status);
  }
  const { fetch } = scriptedFetch([{ status: 422, body: { detail: [{ loc: ["body", "chat_id"], msg: "bad", type: "x" }] } }]);
  const e422 = await getRun(MISSING_RUN, { ...opts, fetch }).catch((e) => e);
  assert.deepEqual(e422.details, [{ loc: ["body", "chat_id"], msg: "bad", type: "x" }]);
  assert.equal(e422.message, "422 Unprocessable Entity: body.chat_id: bad");
  const rl = scriptedFetch([{ status: 429, body: {}, headers: { "retry-after": "120" } }]);
  const e429 = await getRun(MISSING_RUN, { ...opts, fetch: rl.fetch }).catch((e) => e);
  assert.equal(e429.retryAfterMs, 120_000);
  assert.equal(rl.requests.length, 1, "a Retry-After past the cap is not slept through");
});

test("connection failures and timeouts have their classes", async () => {
  const closed = await fastEmulator();
  await closed.close();
  const refused = await getRun(MISSING_RUN, { apiKey: "k", baseUrl: closed.baseUrl, maxRetries: 0 }).catch((e) => e);
  assert.ok(refused instanceof sdk.ConnectionError, String(refused));
  assert.match(refused.message, /ECONNREFUSED/);
  const hang = (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
  const timedOut = await getRun(MISSING_RUN, { ...opts, fetch: hang, timeoutMs: 20, maxRetries: 0 }).catch((e) => e);
  assert.ok(timedOut instanceof sdk.TimeoutError, String(timedOut));
});

test("unknown fields and statuses are kept, not rejected", async () => {
  const body = { data: { id: MISSING_RUN, chat_id: GREETER, status: "paused_by_operator", shiny_new_field: [1, { a: 2 }] } };
  const { fetch } = scriptedFetch([{ body }]);
  const run = await getRun(MISSING_RUN, { ...opts, fetch });
  assert.equal(run.status, "paused_by_operator");
  assert.deepEqual(run.raw, body.data);
  assert.deepEqual(run.results, []);
  assert.equal(run.lastAgentMessage, null);
});

test("an abort rejects with the signal's reason, while waiting and before starting", async () => {
  const run = await createRun({ chatId: SLOW, vars: { subject: "y" } }, opts);
  const controller = new AbortController();
  const reason = new Error("stop waiting");
  setTimeout(() => controller.abort(reason), 30);
  const started = Date.now();
  const err = await waitForRun(run.id, { ...opts, signal: controller.signal, pollIntervalMs: 10_000 }).catch((e) => e);
  assert.equal(err, reason);
  assert.ok(Date.now() - started < 2_000);
  const already = await getRun(run.id, { ...opts, signal: AbortSignal.abort("nope") }).catch((e) => e);
  assert.equal(already, "nope");
});

test("maxWaitMs ends the wait with a WaitTimeoutError carrying the last run", async () => {
  const run = await createRun({ chatId: SLOW, vars: { subject: "z" } }, opts);
  const err = await waitForRun(run.id, { ...opts, pollIntervalMs: 100, maxWaitMs: 80 }).catch((e) => e);
  assert.ok(err instanceof sdk.WaitTimeoutError, String(err));
  assert.equal(err.lastRun.id, run.id);
  assert.ok(["queued", "in_progress"].includes(err.lastRun.status));
});

test("the Toolhouse service without a key fails before any request; a proxy needs no key", async () => {
  const saved = process.env.TOOLHOUSE_API_KEY;
  delete process.env.TOOLHOUSE_API_KEY;
  try {
    const { fetch, requests } = scriptedFetch([{ body: { data: { id: MISSING_RUN, status: "queued" } } }]);
    const err = await getRun(MISSING_RUN, { fetch }).catch((e) => e);
    assert.ok(err instanceof sdk.AuthenticationError);
    assert.match(err.message, /TOOLHOUSE_API_KEY/);
    assert.equal(requests.length, 0);
    await getRun(MISSING_RUN, { fetch, baseUrl: "https://my-app.example/api/toolhouse" });
    assert.equal(requests.length, 1);
    assert.equal(requests[0].url, `https://my-app.example/api/toolhouse/agent-runs/${MISSING_RUN}`);
    assert.equal(requests[0].init.headers.Authorization, undefined);
  } finally {
    if (saved !== undefined) process.env.TOOLHOUSE_API_KEY = saved;
  }
});

test("TOOLHOUSE_API_KEY and TOOLHOUSE_BASE_URL are the defaults in Node", async () => {
  const saved = [process.env.TOOLHOUSE_API_KEY, process.env.TOOLHOUSE_BASE_URL];
  process.env.TOOLHOUSE_API_KEY = "th-from-env";
  process.env.TOOLHOUSE_BASE_URL = "https://env.example/v1";
  try {
    const { fetch, requests } = scriptedFetch([{ body: { data: { id: MISSING_RUN, status: "queued" } } }]);
    await getRun(MISSING_RUN, { fetch });
    assert.equal(requests[0].url, `https://env.example/v1/agent-runs/${MISSING_RUN}`);
    assert.equal(requests[0].init.headers.Authorization, "Bearer th-from-env");
  } finally {
    for (const [k, v] of [["TOOLHOUSE_API_KEY", saved[0]], ["TOOLHOUSE_BASE_URL", saved[1]]]) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test("the key never shows in console.log or JSON.stringify of a client", async () => {
  const { inspect } = await import("node:util");
  const client = new AgentRuns({ apiKey: "th-very-secret" });
  assert.ok(!inspect(client, { showHidden: true, depth: 5 }).includes("very-secret"));
  assert.ok(!JSON.stringify(client).includes("very-secret"));
});

test("a malformed answer is a typed error and the module keeps working afterwards", async () => {
  for (const body of ["<html>502</html>", "", '{"data": 5}', '{"nodata": {}}', '{"data": {"id": "x"}}', '{"data":{"id":']) {
    const { fetch } = scriptedFetch([{ body }]);
    const err = await getRun(MISSING_RUN, { ...opts, fetch }).catch((e) => e);
    assert.ok(err instanceof sdk.AgentRunsError, `${body}: ${err}`);
    assert.equal(err.status, 200);
  }
  const ok = await createRun({ chatId: GREETER }, opts);
  assert.equal(ok.status, "queued");
});

test("the key appears in no error: message, properties, cause, JSON or inspection", async () => {
  const { inspect } = await import("node:util");
  const key = "th-SECRET-7f3a9c";
  const strict = await fastEmulator({ apiKey: "th-right" });
  const closed = await fastEmulator();
  await closed.close();
  const hang = (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
  const rate = scriptedFetch([{ status: 429, body: { detail: "slow" }, headers: { "retry-after": "999" } }]);
  const errors = await Promise.all([
    getRun(MISSING_RUN, { apiKey: key, baseUrl: strict.baseUrl }),
    getRun(MISSING_RUN, { apiKey: key, baseUrl: emulator.baseUrl }),
    getRun(MISSING_RUN, { apiKey: key, baseUrl: closed.baseUrl, maxRetries: 0 }),
    getRun(MISSING_RUN, { apiKey: key, fetch: hang, timeoutMs: 10, maxRetries: 0 }),
    getRun(MISSING_RUN, { apiKey: key, fetch: rate.fetch }),
    getRun(MISSING_RUN, { apiKey: key, baseUrl: "http://example.com/v1" }),
    getRun(MISSING_RUN, { apiKey: `${key}\n`, baseUrl: emulator.baseUrl }),
    createRun({ chatId: UNKNOWN_CHAT }, { apiKey: key, baseUrl: emulator.baseUrl }),
    waitForRun(MISSING_RUN, { apiKey: key, baseUrl: emulator.baseUrl, maxWaitMs: 0 }),
  ].map((p) => p.then(() => assert.fail("expected an error"), (e) => e)));
  await strict.close();
  for (const err of errors) {
    assert.ok(err instanceof sdk.AgentRunsError, String(err));
    const seen = [err.message, JSON.stringify(err), inspect(err, { depth: 10, showHidden: true }), String(err.stack)].join("\n");
    assert.ok(!seen.includes("SECRET"), `${err.name} shows the key: ${seen.slice(0, 300)}`);
  }
});

test("outside a page a relative baseUrl is a ValidationError that says where one works", async () => {
  const { fetch, requests } = scriptedFetch([]);
  const err = await sdk.getRun(MISSING_RUN, { baseUrl: "/api/toolhouse", fetch }).then(() => null, (e) => e);
  assert.ok(err instanceof sdk.ValidationError, String(err));
  assert.match(err.message, /^invalid baseUrl: must be an absolute http\(s\) URL \(in a page, a path on the page's own site will do\)$/);
  assert.equal(requests.length, 0);
});
