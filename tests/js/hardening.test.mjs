// Issue 10, "Hardening": one test per numbered defect, each with several cases of its
// class. Every call is awaited through settle(), so a call that never settles fails its
// test instead of stalling the file; every test ends by checking that nothing escaped
// as an uncaught exception or unhandled rejection.
import { test, afterEach, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { readFileSync } from "node:fs";
import {
  fastEmulator, scriptedFetch, runBody, settle, watchEscapes, withEnv, withGlobalFetch, authorizationOf,
  realSetTimeout, realDateNow, GREETER, MISSING_RUN,
} from "./helpers.mjs";

// The probe must wrap WebAssembly before the package instantiates its module.
const { wasmMemoryBytes, wasmInstanceCount } = await import("../../bench/lib/wasm-probe.mjs");
const sdk = await import("../../pkg/index.js");
const { getRun, createRun, continueRun, waitForRun, listRuns, createAndWait, continueAndWait, AgentRunsError, ValidationError } = sdk;

const RUN = MISSING_RUN; // a well-formed run id
const OTHER = "22222222-2222-4222-8222-222222222222";
const KEY = "th-hardening-5d1e0c7a";
const BASE = "https://api.hardening.test/v1";
/** Options of a call answered by `fetch`, with small bounds. */
const opts = (fetch, extra = {}) => ({ apiKey: KEY, baseUrl: BASE, fetch, maxRetries: 0, timeoutMs: 2000, ...extra });
const okFetch = (id = RUN, status = "completed") => scriptedFetch([{ body: runBody(id, status) }]);

const watcher = watchEscapes();
afterEach(async () => {
  const escaped = await watcher.take();
  assert.deepEqual(escaped.map((e) => `${e.kind}: ${String(e.error?.stack ?? e.error)}`), [], "an exception escaped a call");
});
after(() => {
  watcher.stop();
  // A timer left behind by the package would keep this process alive: say so instead of hanging.
  realSetTimeout(() => {
    console.error("hardening: the process is still alive 10 s after the last test: a timer or handle was left behind");
    process.exit(1);
  }, 10_000).unref();
});

/** The call's outcome; a hang is an assertion failure naming the call. */
async function outcome(what, promise, ms = 5000) {
  const o = await settle(promise, ms);
  assert.ok(!("threw" in o), `${what}: threw synchronously instead of returning a promise: ${o.threw}`);
  assert.ok(!o.hung, `${what}: did not settle within ${ms} ms`);
  return o;
}
/** The call must reject with an instance of `cls` (AgentRunsError by default). */
async function rejection(what, promise, cls = AgentRunsError, ms = 5000) {
  const o = await outcome(what, promise, ms);
  assert.ok("error" in o, `${what}: resolved, expected ${cls.name}`);
  assert.ok(o.error instanceof cls, `${what}: expected ${cls.name}, got ${o.error?.name}: ${String(o.error?.message ?? o.error).slice(0, 300)}`);
  return o.error;
}

/** Objects whose every read throws `boom`, in each way an object can refuse to be read. */
function unreadables(boom, base = {}) {
  const trap = () => {
    throw boom;
  };
  const revocable = Proxy.revocable({ ...base }, {});
  revocable.revoke();
  const getter = (key) => Object.defineProperty({ ...base }, key, { enumerable: true, get: trap });
  return {
    "a Proxy whose get trap throws": new Proxy({ ...base }, { get: trap }),
    "a Proxy whose ownKeys trap throws": new Proxy({ ...base }, { ownKeys: trap }),
    "a Proxy whose getOwnPropertyDescriptor trap throws": new Proxy({ ...base }, { getOwnPropertyDescriptor: trap }),
    "a Proxy whose has trap throws": new Proxy({ ...base }, { has: trap }),
    "a Proxy whose every trap throws": new Proxy({ ...base }, { get: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap, getPrototypeOf: trap }),
    "a revoked Proxy": revocable.proxy,
    getter,
  };
}

test("12. the emulator's run owner is the whole key: keys sharing a prefix do not see each other's runs", async () => {
  const emu = await fastEmulator();
  try {
    const first = { apiKey: "th-aaaaaaaaaaaa-1", baseUrl: emu.baseUrl };
    const second = { apiKey: "th-aaaaaaaaaaaa-2", baseUrl: emu.baseUrl };
    const run = await createRun({ chatId: GREETER, vars: { name: "Ada" } }, first);
    assert.equal((await getRun(run.id, first)).id, run.id, "the owner reads it");
    assert.ok((await listRuns(first)).some((r) => r.id === run.id));
    const err = await rejection("getRun with the second key", getRun(run.id, second), sdk.NotFoundError);
    assert.equal(err.status, 404);
    assert.deepEqual(await listRuns(second), [], "the second key lists nothing");
    const cont = await rejection("continueRun with the second key", continueRun(run.id, "hi", second), sdk.NotFoundError);
    assert.equal(cont.status, 404);
    // A longer key with the same beginning is a third owner too.
    assert.deepEqual(await listRuns({ ...first, apiKey: "th-aaaaaaaaaaaa-1-and-more" }), []);
  } finally {
    await emu.close();
  }
});

test("2. the plain-http key rule judges the host as WHATWG URL (fetch) does: *.localhost, localhost. and backslashes refused", async () => {
  const refused = [
    "http://evil.test\\.localhost/v1",
    "http://evil.test\\@localhost/v1",
    "http://a.localhost/v1",
    "http://localhost./v1",
    "http://localhost.evil.test/v1",
    "http://127.0.0.1.evil.test/v1",
    "http://[::ffff:127.0.0.1]/v1",
    "http://0.0.0.0/v1",
    "http://evil.test/v1#@localhost",
    "http://evil.test/localhost/v1",
  ];
  for (const baseUrl of refused) {
    const { fetch, requests } = okFetch();
    const err = await rejection(`baseUrl ${JSON.stringify(baseUrl)}`, getRun(RUN, { apiKey: KEY, baseUrl, fetch, maxRetries: 0 }), ValidationError);
    assert.equal(requests.length, 0, `${baseUrl}: a request was sent to ${requests[0]?.url}`);
    assert.ok(!err.message.includes(KEY));
  }
  // Loopback as WHATWG URL sees it: these reach fetch, with the key, at that very host.
  const loopback = {
    "http://localhost:8787/v1": "localhost:8787",
    "http://LOCALHOST/v1": "localhost",
    "http://127.0.0.1/v1": "127.0.0.1",
    "http://127.255.10.2:9/v1": "127.255.10.2:9",
    "http://0x7f.1/v1": "127.0.0.1",
    "http://2130706433/v1": "127.0.0.1",
    "http://[::1]:8080/v1": "[::1]:8080",
    "http://[0:0:0:0:0:0:0:1]/v1": "[::1]",
  };
  for (const [baseUrl, host] of Object.entries(loopback)) {
    const { fetch, requests } = okFetch();
    const o = await outcome(baseUrl, getRun(RUN, { apiKey: KEY, baseUrl, fetch, maxRetries: 0 }));
    assert.ok("value" in o, `${baseUrl}: ${o.error}`);
    assert.equal(requests.length, 1);
    assert.equal(new URL(requests[0].url).host, host, `${baseUrl} was sent to ${requests[0].url}`);
    assert.equal(authorizationOf(requests[0].init), `Bearer ${KEY}`);
  }

  // The web-platform-tests URL data: for every valid absolute http(s) URL there, the
  // package's idea of scheme and host is new URL()'s.
  const data = JSON.parse(readFileSync(new URL("../../../shared/data/urltestdata.json", import.meta.url), "utf8"));
  const isLoopback = (hostname) => hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  let checked = 0;
  const problems = [];
  for (const entry of data) {
    if (typeof entry !== "object" || entry === null || entry.failure) continue;
    // This copy of the file gives absolute inputs the base "about:blank" (newer ones: null).
    if (entry.base !== null && entry.base !== "about:blank" && entry.base !== undefined) continue;
    if (entry.protocol !== "http:" && entry.protocol !== "https:") continue;
    if (entry.username || entry.password || entry.search || entry.hash) continue; // refused for other, documented reasons
    let parsed;
    try {
      parsed = new URL(entry.input);
    } catch {
      continue;
    }
    if (parsed.href !== entry.href) continue;
    checked++;
    const { fetch, requests } = okFetch();
    const o = await settle(getRun(RUN, { apiKey: KEY, baseUrl: entry.input, fetch, maxRetries: 0 }), 5000);
    const label = `${JSON.stringify(entry.input)} (host ${entry.host})`;
    const sentTo = requests[0] && new URL(requests[0].url).host;
    if (o.hung) problems.push(`${label}: did not settle`);
    else if (entry.protocol === "https:" || isLoopback(entry.hostname)) {
      if (requests.length !== 1) problems.push(`${label}: not sent (${o.error?.name}: ${o.error?.message})`);
      else if (sentTo !== entry.host) problems.push(`${label}: sent to ${sentTo}`);
    } else {
      if (requests.length !== 0) problems.push(`${label}: the key was sent over plain http to ${sentTo}`);
      else if (!(o.error instanceof ValidationError)) problems.push(`${label}: expected a ValidationError, got ${o.error?.name ?? "a result"}`);
    }
  }
  console.log(`urltestdata.json: ${checked} valid absolute http(s) URLs checked`);
  assert.ok(checked >= 50, `only ${checked} entries checked`);
  assert.deepEqual(problems, []);
});

test("3. time bounds hold with a fetch that ignores the signal and with a body that never ends", async () => {
  const never = () => new Promise(() => {});
  const started = realDateNow();
  const cases = await Promise.all([
    // timeoutMs with a fetch that never settles and never looks at init.signal
    settle(getRun(RUN, opts(never, { timeoutMs: 100 })), 3000),
    // the same with one retry: two attempts and a backoff pause
    settle(getRun(RUN, opts(never, { timeoutMs: 100, maxRetries: 1 })), 4000),
    // a Response-like whose text() never settles
    settle(getRun(RUN, opts(async () => ({ ok: true, status: 200, headers: new Headers(), text: never, json: never }), { timeoutMs: 100 })), 3000),
    // a real Response whose body stream stalls after its first bytes
    settle(getRun(RUN, opts(async () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"data":')), pull: never }), { status: 200 }), { timeoutMs: 100 })), 3000),
  ]);
  const [plain, retried, textNever, stalledStream] = cases;
  for (const [name, o, bound] of [["fetch never settles", plain, 1000], ["with a retry", retried, 2500], ["text() never settles", textNever, 1000], ["stalled body stream", stalledStream, 1000]]) {
    assert.ok(!o.hung, `${name}: hung (timeoutMs did not fire)`);
    assert.ok(o.error instanceof sdk.TimeoutError, `${name}: ${o.error?.name ?? "resolved"}`);
    assert.ok(o.elapsed < bound, `${name}: took ${o.elapsed} ms`);
  }

  // The caller's signal cuts a fetch that ignores it, and a body read that ignores it.
  for (const [name, fetch] of [["fetch", never], ["text()", async () => ({ ok: true, status: 200, headers: new Headers(), text: never })]]) {
    const controller = new AbortController();
    const reason = new Error(`stop (${name})`);
    realSetTimeout(() => controller.abort(reason), 50);
    const o = await settle(getRun(RUN, opts(fetch, { timeoutMs: 60_000, signal: controller.signal })), 3000);
    assert.ok(!o.hung, `abort during ${name}: hung`);
    assert.equal(o.error, reason, `abort during ${name}: ${o.error}`);
    assert.ok(o.elapsed < 1000, `abort during ${name}: took ${o.elapsed} ms`);
  }

  // maxWaitMs ends a wait whose poll never comes back, whatever timeoutMs says.
  for (const [name, fetch] of [["fetch", never], ["text()", async () => ({ ok: true, status: 200, headers: new Headers(), text: never })]]) {
    const o = await settle(waitForRun(RUN, opts(fetch, { timeoutMs: 60_000, maxWaitMs: 300, pollIntervalMs: 100 })), 3000);
    assert.ok(!o.hung, `wait with a ${name} that never settles: hung`);
    assert.ok(o.error instanceof sdk.WaitTimeoutError, `wait: ${o.error?.name ?? "resolved"}`);
    assert.ok(o.elapsed < 1500, `wait: took ${o.elapsed} ms`);
  }
  assert.ok(realDateNow() - started < 15_000);
});

/** A date `offsetS` seconds from now in each of the three HTTP-date formats of RFC 9110. */
function httpDates(offsetS) {
  const d = new Date(Math.floor(realDateNow() / 1000) * 1000 + offsetS * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const day = days[d.getUTCDay()];
  const mon = months[d.getUTCMonth()];
  return {
    "IMF-fixdate": `${day.slice(0, 3)}, ${pad(d.getUTCDate())} ${mon} ${d.getUTCFullYear()} ${time} GMT`,
    "rfc850-date": `${day}, ${pad(d.getUTCDate())}-${mon}-${pad(d.getUTCFullYear() % 100)} ${time} GMT`,
    "asctime-date": `${day.slice(0, 3)} ${mon} ${String(d.getUTCDate()).padStart(2, " ")} ${time} ${d.getUTCFullYear()}`,
  };
}

test("4. Retry-After is parsed strictly (RFC 9110), never pauses less than the backoff, and no loop storms the service", async () => {
  const rateLimited = (retryAfter) => scriptedFetch([{ status: 429, body: { detail: "slow down" }, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter } }]);
  const retryAfterMs = async (value) => {
    const { fetch } = rateLimited(value);
    const err = await rejection(`Retry-After ${JSON.stringify(value)}`, getRun(RUN, opts(fetch)), sdk.RateLimitError);
    return err.retryAfterMs;
  };
  // What RFC 9110 allows: delta-seconds and the three HTTP-date formats.
  assert.equal(await retryAfterMs("0"), 0);
  assert.equal(await retryAfterMs("120"), 120_000);
  assert.equal(await retryAfterMs("007"), 7_000);
  for (const [format, date] of Object.entries(httpDates(3600))) {
    const ms = await retryAfterMs(date);
    assert.ok(typeof ms === "number" && ms > 3_500_000 && ms <= 3_601_000, `${format} ${date}: ${ms}`);
  }
  for (const [format, date] of Object.entries(httpDates(-3600))) {
    const ms = await retryAfterMs(date);
    assert.ok(ms === 0 || ms === null, `a past ${format}: ${ms}`);
  }
  // Anything else is ignored, including what Date.parse would take.
  const future = new Date(realDateNow() + 3_600_000);
  for (const junk of ["-1", "+1", "1.5", "1e3", "0x10", " ", "soon", "Infinity", "NaN", "1 2", future.toISOString(), String(future), future.toUTCString().replace("GMT", "PST"), "Nov 6 2094"]) {
    assert.equal(await retryAfterMs(junk), null, `Retry-After ${JSON.stringify(junk)} is not a valid value`);
  }

  // A pause is never shorter than the backoff (about 375-500 ms, doubling), whatever Retry-After says.
  const zero = rateLimited("0");
  const stamps = [];
  const heard = [];
  const timed = (url, init) => {
    stamps.push(realDateNow());
    return zero.fetch(url, init);
  };
  await rejection("getRun under 429 Retry-After: 0", getRun(RUN, opts(timed, { maxRetries: 2, onRetry: (r) => heard.push(r) })), sdk.RateLimitError, 8000);
  assert.equal(stamps.length, 3);
  assert.deepEqual(heard.map((r) => r.attempt), [1, 2]);
  for (const r of heard) assert.ok(r.delayMs >= 375 * 2 ** (r.attempt - 1) - 1, `retry ${r.attempt} after ${r.delayMs} ms`);
  assert.ok(stamps[1] - stamps[0] >= 350, `first pause ${stamps[1] - stamps[0]} ms`);
  assert.ok(stamps[2] - stamps[1] >= 700, `second pause ${stamps[2] - stamps[1]} ms`);

  // Repeated 429s in a wait of 2 s, and in a single call with many retries cut at 2 s.
  const storms = await Promise.all(
    ["0", "-1", "+1", httpDates(-60)["IMF-fixdate"], "junk", undefined].flatMap((value) => {
      const wait = rateLimited(value);
      const single = rateLimited(value);
      return [
        settle(waitForRun(RUN, opts(wait.fetch, { maxWaitMs: 2000, pollIntervalMs: 100 })), 6000).then((o) => ({ o, value, what: "waitForRun", requests: wait.requests.length })),
        settle(getRun(RUN, opts(single.fetch, { maxRetries: 10, signal: AbortSignal.timeout(2000) })), 6000).then((o) => ({ o, value, what: "getRun, maxRetries 10", requests: single.requests.length })),
      ];
    }),
  );
  for (const { o, value, what, requests } of storms) {
    const label = `${what} under 429 with Retry-After ${JSON.stringify(value)}`;
    assert.ok(!o.hung, `${label}: hung`);
    assert.ok(requests <= 2 + o.elapsed / 100, `${label}: ${requests} requests in ${o.elapsed} ms`);
    assert.ok(requests <= 6, `${label}: ${requests} requests in ${o.elapsed} ms (a handful at most)`);
    if (what === "waitForRun") assert.ok(o.error instanceof sdk.WaitTimeoutError, `${label}: ${o.error?.name}`);
  }
});

test("5. hostile answers: error messages are capped, err.body is whole, and wasm memory stays small", { timeout: 240_000 }, async () => {
  assert.ok(wasmInstanceCount() >= 1, "the probe sees the package's wasm instance");
  const fiftyMB = "d".repeat(50_000_000);
  const { fetch } = scriptedFetch([{ status: 422, body: JSON.stringify({ detail: fiftyMB }) }]);
  const err = await rejection("a 422 with a 50 MB detail", getRun(RUN, opts(fetch)), ValidationError, 30_000);
  assert.ok(err.message.length < 2048, `the message is ${err.message.length} characters`);
  assert.equal(err.body?.detail?.length, 50_000_000, "err.body keeps the whole answer");
  const arrayDetail = scriptedFetch([{ status: 422, body: JSON.stringify({ detail: [{ loc: ["body", "x".repeat(5_000_000)], msg: "m".repeat(5_000_000), type: "t" }] }) }]);
  const err2 = await rejection("a 422 with 10 MB in one detail item", getRun(RUN, opts(arrayDetail.fetch)), ValidationError, 30_000);
  assert.ok(err2.message.length < 2048, `the message is ${err2.message.length} characters`);
  const text5xx = scriptedFetch([{ status: 500, body: "<html>" + "e".repeat(20_000_000) + "</html>" }]);
  const err3 = await rejection("a 500 with a 20 MB page", getRun(RUN, opts(text5xx.fetch)), sdk.ServerError, 30_000);
  assert.ok(err3.message.length < 2048, `the message is ${err3.message.length} characters`);

  const huge = "h".repeat(20_000_000);
  const item = `{"id":"${RUN}","status":"queued"}`;
  const calls = {
    get: (fetch) => getRun(RUN, opts(fetch)),
    create: (fetch) => createRun({ chatId: GREETER }, opts(fetch)),
    list: (fetch) => listRuns(opts(fetch)),
  };
  const answers = [
    ["a 422 with a 20 MB detail", { status: 422, body: JSON.stringify({ detail: huge }) }, "get"],
    ["a 200 run with a 20 MB status", { body: JSON.stringify(runBody(RUN, huge)) }, "get"],
    ["a 200 run with a 20 MB id", { body: JSON.stringify(runBody(huge)) }, "get"],
    ["a 200 run with a 20 MB last_agent_message", { body: JSON.stringify(runBody(RUN, "completed", { last_agent_message: huge })) }, "get"],
    ["a 200 run with 20 MB in vars", { body: JSON.stringify(runBody(RUN, "completed", { vars: { name: huge } })) }, "get"],
    ["a 200 create answer with a 20 MB id", { body: JSON.stringify(runBody(huge, "queued")) }, "create"],
    ["a 200 list of a million tiny items", { body: `{"data":[${Array(1_000_000).fill("{}").join(",")}]}` }, "list"],
  ];
  const started = realDateNow();
  for (let i = 0; i < 100; i++) {
    const [name, answer, call] = answers[i % answers.length];
    const { fetch: answerFetch } = scriptedFetch([answer]);
    const r = await settle(calls[call](answerFetch), 30_000);
    assert.ok(!r.hung, `${name}: hung`);
    if ("error" in r) {
      assert.ok(r.error instanceof AgentRunsError, `${name}: ${r.error}`);
      assert.ok(r.error.message.length < 2048, `${name}: a message of ${r.error.message.length} characters`);
    }
  }
  // And once, a list of a million well-formed runs (about 7 s: each is a run to build).
  const million = scriptedFetch([{ body: `{"data":[${Array(1_000_000).fill(item).join(",")}]}` }]);
  const listed = await settle(listRuns(opts(million.fetch, { timeoutMs: 60_000 })), 120_000);
  assert.ok(!listed.hung && (listed.value?.length === 1_000_000 || listed.error instanceof AgentRunsError), `a million runs: ${listed.error ?? listed.value?.length}`);
  // parseRunCallback with 20 MB fields goes through the same bounded copies.
  for (const body of [JSON.stringify({ run_id: RUN, status: huge }), JSON.stringify({ run_id: huge, status: "completed" }), JSON.stringify({ run_id: RUN, status: "completed", last_agent_message: huge })]) {
    try {
      sdk.parseRunCallback(body);
    } catch (e) {
      assert.ok(e instanceof AgentRunsError, String(e));
      assert.ok(e.message.length < 2048);
    }
  }
  const bytes = wasmMemoryBytes();
  console.log(`wasm memory after 100 hostile answers (${realDateNow() - started} ms): ${(bytes / 1048576).toFixed(1)} MB`);
  assert.ok(bytes > 0);
  assert.ok(bytes < 8 * 1048576, `wasm memory grew to ${(bytes / 1048576).toFixed(1)} MB`);
  const next = await outcome("the next call", getRun(RUN, opts(okFetch().fetch)));
  assert.equal(next.value?.id, RUN);
});

test("6. ids from the service are checked: a run of another id is an error, a bad id never reaches a path", async () => {
  const swapped = okFetch(OTHER);
  const err = await rejection("getRun(A) answered with run B", getRun(RUN, opts(swapped.fetch)));
  assert.ok(err.message.includes(RUN) && err.message.includes(OTHER), err.message);
  const waitSwap = okFetch(OTHER);
  await rejection("waitForRun(A) answered with run B", waitForRun(RUN, opts(waitSwap.fetch, { maxWaitMs: 1000, pollIntervalMs: 100 })));
  assert.equal(waitSwap.requests.length, 1);
  const contSwap = scriptedFetch([{ body: runBody(OTHER, "queued") }]);
  await rejection("continueRun(A) answered with run B", continueRun(RUN, "hello", opts(contSwap.fetch)));

  // Case does not make an id another id.
  const upper = okFetch(RUN.toUpperCase());
  const same = await outcome("getRun answered with the id in upper case", getRun(RUN, opts(upper.fetch)));
  assert.ok("value" in same, String(same.error));
  const lower = okFetch(RUN);
  assert.ok("value" in (await outcome("getRun(UPPER) answered in lower case", getRun(RUN.toUpperCase(), opts(lower.fetch)))));

  // createAndWait polls only a well-formed id, and the id it created.
  for (const badId of ["../../v2/x", "", `${RUN}/../../admin`, `${RUN}?x=1`, 42, null, "x".repeat(100_000)]) {
    const { fetch, requests } = scriptedFetch([{ body: runBody(badId, "queued") }, { body: runBody(RUN, "completed") }]);
    const e = await rejection(`createAndWait with a created id ${JSON.stringify(String(badId).slice(0, 40))}`, createAndWait({ chatId: GREETER }, opts(fetch, { maxWaitMs: 1000, pollIntervalMs: 100 })));
    assert.equal(requests.length, 1, `a poll was sent to ${requests[1]?.url}`);
    assert.ok(e.message.length < 2048);
  }
  // continueAndWait never polls another run than the one it continued.
  const { fetch, requests } = scriptedFetch([{ body: runBody(OTHER, "queued") }, { body: runBody(OTHER, "completed") }]);
  await rejection("continueAndWait answered with another run", continueAndWait(RUN, "more", opts(fetch, { maxWaitMs: 1000, pollIntervalMs: 100 })));
  for (const r of requests) assert.ok(r.url.endsWith(`/agent-runs/${RUN}`), r.url);
});

test("7. an option that cannot be read is a ValidationError before anything is sent; a polluted Object.prototype is ignored", async () => {
  const env = { TOOLHOUSE_API_KEY: "th-from-env-7", TOOLHOUSE_BASE_URL: undefined };
  await withEnv(env, async () => {
    for (const key of ["apiKey", "baseUrl", "fetch", "signal", "timeoutMs", "maxRetries"]) {
      const boom = new Error(`no ${key} for you`);
      const local = okFetch();
      await withGlobalFetch({ body: runBody(RUN) }, async (globalRequests) => {
        const options = { baseUrl: "https://proxy.example/v1", fetch: local.fetch, maxRetries: 0 };
        if (key === "baseUrl") {
          delete options.baseUrl;
          options.apiKey = KEY;
        }
        Object.defineProperty(options, key, { enumerable: true, configurable: true, get: () => { throw boom; } });
        const err = await rejection(`a throwing ${key} getter`, () => getRun(RUN, options), ValidationError);
        assert.equal(err.cause, boom, `${key}: the cause is what the getter threw`);
        assert.equal(local.requests.length + globalRequests.length, 0, `${key}: a request was sent to ${(local.requests[0] ?? globalRequests[0])?.url}`);
      });
    }
    // The client class reads options the same way.
    const boom = new Error("class getter");
    const local = okFetch();
    const client = new sdk.AgentRuns({ baseUrl: "https://proxy.example/v1", fetch: local.fetch });
    const perCall = Object.defineProperty({}, "apiKey", { enumerable: true, get: () => { throw boom; } });
    const viaClient = await rejection("the client with a throwing apiKey getter", () => client.getRun(RUN, perCall), ValidationError);
    assert.equal(viaClient.cause, boom);
    assert.equal(local.requests.length, 0, "the client sent the environment's key to the proxy");

    // Object.prototype pollution is not an option.
    const pollutedFetch = scriptedFetch([{ body: runBody(RUN) }]);
    const polluted = { apiKey: "th-polluted", baseUrl: "https://evil.test/v1", fetch: pollutedFetch.fetch, signal: AbortSignal.abort("polluted") };
    try {
      for (const [k, v] of Object.entries(polluted)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true });
      const own = okFetch();
      const o = await outcome("getRun with a polluted prototype", getRun(RUN, { fetch: own.fetch }));
      assert.ok("value" in o, `polluted prototype: ${o.error}`);
      assert.equal(own.requests.length, 1);
      assert.equal(new URL(own.requests[0].url).host, "api.toolhouse.ai");
      assert.equal(authorizationOf(own.requests[0].init), "Bearer th-from-env-7");
      await withGlobalFetch({ body: runBody(RUN) }, async (globalRequests) => {
        const none = await outcome("getRun without options, prototype polluted", getRun(RUN));
        assert.ok("value" in none, `no options: ${none.error}`);
        assert.equal(globalRequests.length, 1);
        assert.equal(authorizationOf(globalRequests[0].init), "Bearer th-from-env-7");
        const waited = await outcome("waitForRun, prototype polluted", waitForRun(RUN, {}));
        assert.ok("value" in waited, `wait: ${waited.error}`);
      });
      assert.equal(pollutedFetch.requests.length, 0, "the polluted fetch was used");
    } finally {
      for (const k of Object.keys(polluted)) delete Object.prototype[k];
    }
    // Options defined by a class are options.
    const classFetch = okFetch();
    class Options {
      get apiKey() {
        return KEY;
      }
      get baseUrl() {
        return "https://class.example/v1";
      }
      get fetch() {
        return classFetch.fetch;
      }
    }
    const byClass = await outcome("class-defined options", getRun(RUN, new Options()));
    assert.ok("value" in byClass, String(byClass.error));
    assert.equal(new URL(classFetch.requests[0].url).host, "class.example");
    assert.equal(authorizationOf(classFetch.requests[0].init), `Bearer ${KEY}`);
  });
});

test("8. a long Retry-After in a wait is slept until maxWaitMs, which then ends it with WaitTimeoutError", async () => {
  const started = realDateNow();
  const results = await Promise.all(
    [[503, sdk.ServerError], [429, sdk.RateLimitError], [502, sdk.ServerError]].map(async ([status, cls]) => {
      const { fetch, requests } = scriptedFetch([{ status, body: { detail: "busy" }, headers: { "retry-after": "3600" } }]);
      const o = await settle(waitForRun(RUN, opts(fetch, { maxWaitMs: 2500, pollIntervalMs: 100, maxRetries: 0 })), 8000);
      return { status, cls, o, requests: requests.length };
    }),
  );
  for (const { status, cls, o, requests } of results) {
    assert.ok(!o.hung, `${status}: hung`);
    assert.ok(o.error instanceof sdk.WaitTimeoutError, `${status} with Retry-After 3600: ${o.error?.name} after ${o.elapsed} ms`);
    assert.ok(o.error.cause instanceof cls, `${status}: the cause is ${o.error.cause?.name}`);
    assert.ok(o.elapsed >= 2300 && o.elapsed < 3500, `${status}: ended after ${o.elapsed} ms`);
    assert.ok(requests <= 2, `${status}: ${requests} requests`);
  }
  // A short one is slept through and the wait goes on to its end.
  const { fetch, requests } = scriptedFetch([{ status: 503, body: { detail: "busy" }, headers: { "retry-after": "1" } }, { body: runBody(RUN, "completed") }]);
  const ok = await settle(waitForRun(RUN, opts(fetch, { maxWaitMs: 5000, pollIntervalMs: 100 })), 8000);
  assert.equal(ok.value?.status, "completed", String(ok.error));
  assert.ok(ok.elapsed >= 950, `slept ${ok.elapsed} ms`);
  assert.equal(requests.length, 2);
  assert.ok(realDateNow() - started < 10_000);
});

test("9. pollIntervalMs has a floor of 100 ms; by default polling starts no faster than every second", async () => {
  for (const bad of [0, 1, 50, 99, 99.9, -1, -0, NaN, -Infinity]) {
    const calls = {
      waitForRun: (o) => waitForRun(RUN, o),
      createAndWait: (o) => createAndWait({ chatId: GREETER }, o),
      continueAndWait: (o) => continueAndWait(RUN, "more", o),
      watchRun: async (o) => {
        for await (const _ of sdk.watchRun(RUN, o));
      },
    };
    for (const [name, call] of Object.entries(calls)) {
      const { fetch, requests } = okFetch();
      const err = await rejection(`${name} with pollIntervalMs ${Object.is(bad, -0) ? "-0" : bad}`, call(opts(fetch, { pollIntervalMs: bad, maxWaitMs: 2000 })), ValidationError);
      assert.match(err.message, /pollIntervalMs/);
      assert.equal(requests.length, 0, `${name}: a request was sent`);
    }
  }
  // 100 is allowed, and means at most about ten polls a second.
  const queued = okFetch(RUN, "queued");
  const o = await settle(waitForRun(RUN, opts(queued.fetch, { pollIntervalMs: 100, maxWaitMs: 1000 })), 5000);
  assert.ok(o.error instanceof sdk.WaitTimeoutError, String(o.error));
  assert.ok(queued.requests.length <= 12, `${queued.requests.length} polls in ${o.elapsed} ms`);
  // The default schedule: the second poll comes about a second after the first.
  const stamps = [];
  const { fetch } = scriptedFetch([{ body: runBody(RUN, "queued") }, { body: runBody(RUN, "queued") }, { body: runBody(RUN, "completed") }]);
  const timed = (url, init) => {
    stamps.push(realDateNow());
    return fetch(url, init);
  };
  const done = await settle(waitForRun(RUN, opts(timed, { maxWaitMs: 10_000 })), 10_000);
  assert.equal(done.value?.status, "completed", String(done.error));
  assert.ok(stamps[1] - stamps[0] >= 900, `second poll after ${stamps[1] - stamps[0]} ms`);
});

/**
 * Runs `fn` on a clock `factor` times faster: Date.now, performance.now and setTimeout
 * are scaled, so a 30-minute default can be observed in a couple of seconds.
 */
async function withFastClock(factor, fn) {
  const saved = { now: Date.now, setTimeout: globalThis.setTimeout, perf: Object.getOwnPropertyDescriptor(performance, "now") };
  const t0 = saved.now();
  const p0 = performance.now();
  const perfNow = performance.now.bind(performance);
  Date.now = () => Math.floor(t0 + (saved.now() - t0) * factor);
  Object.defineProperty(performance, "now", { configurable: true, writable: true, value: () => p0 + (perfNow() - p0) * factor });
  globalThis.setTimeout = (cb, ms, ...args) => saved.setTimeout(cb, Math.max(0, Number(ms) || 0) / factor, ...args);
  try {
    return await fn(() => Date.now());
  } finally {
    Date.now = saved.now;
    globalThis.setTimeout = saved.setTimeout;
    if (saved.perf) Object.defineProperty(performance, "now", saved.perf);
    else delete performance.now;
  }
}

test("10. maxWaitMs defaults to 30 minutes, accepts Infinity, and the WaitTimeoutError names the status the run was stuck in", async () => {
  const factor = 1000;
  await withFastClock(factor, async (now) => {
    const stuck = async (status, extra = {}) => {
      const { fetch, requests } = okFetch(RUN, status);
      const started = now();
      const o = await settle(waitForRun(RUN, { apiKey: KEY, baseUrl: BASE, fetch, ...extra }), 15_000);
      return { o, virtualMs: now() - started, requests: requests.length };
    };
    const controller = new AbortController();
    const [queued, cancelled, forever] = await Promise.all([
      stuck("queued"),
      stuck("cancelled"),
      (async () => {
        const reason = new Error("enough");
        realSetTimeout(() => controller.abort(reason), 2_700); // 45 virtual minutes
        return { ...(await stuck("in_progress", { maxWaitMs: Infinity, signal: controller.signal })), reason };
      })(),
    ]);
    for (const [status, { o, virtualMs, requests }] of [["queued", queued], ["cancelled", cancelled]]) {
      assert.ok(!o.hung, `a run stuck in ${status}: the wait did not end (no default maxWaitMs?)`);
      assert.ok(o.error instanceof sdk.WaitTimeoutError, `${status}: ${o.error?.name}: ${o.error?.message}`);
      assert.match(o.error.message, new RegExp(status), "the message names the status the run was stuck in");
      assert.equal(o.error.lastRun?.status, status);
      // At 1000x, 5 virtual minutes of slack are 300 real ms of timer lateness on a busy machine.
      assert.ok(virtualMs >= 1_790_000 && virtualMs <= 2_100_000, `${status}: ended after ${Math.round(virtualMs / 1000)} virtual s, not 1800`);
      assert.ok(requests <= 2 + virtualMs / 1000, `${status}: ${requests} polls in ${virtualMs} virtual ms`);
    }
    assert.ok(!forever.o.hung);
    assert.equal(forever.o.error, forever.reason, `maxWaitMs: Infinity ended with ${forever.o.error?.name ?? "a result"} before the abort`);
    assert.ok(forever.virtualMs >= 2_400_000, `ended after ${forever.virtualMs} virtual ms`);
  });
  // Infinity is accepted and the wait ends normally.
  const { fetch } = scriptedFetch([{ body: runBody(RUN, "queued") }, { body: runBody(RUN, "completed") }]);
  const done = await outcome("maxWaitMs: Infinity", waitForRun(RUN, opts(fetch, { maxWaitMs: Infinity, pollIntervalMs: 100 })));
  assert.equal(done.value?.status, "completed", String(done.error));
});

test("11. parseRunCallback takes bytes; vars keep __proto__; numeric status, retryAfterMs and echoed keys are handled", async () => {
  const note = { run_id: RUN, status: "completed", last_agent_message: "hi" };
  const want = { runId: RUN, status: "completed", lastAgentMessage: "hi" };
  const json = JSON.stringify(note);
  const u8 = new TextEncoder().encode(json);
  for (const [name, input] of [
    ["Uint8Array", u8],
    ["Buffer", Buffer.from(json)],
    ["ArrayBuffer", u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength)],
    ["wrapped, as bytes", new TextEncoder().encode(JSON.stringify({ data: note }))],
    ["string", json],
    ["object", note],
  ]) {
    let parsed;
    assert.doesNotThrow(() => (parsed = sdk.parseRunCallback(input)), name);
    assert.deepEqual({ ...parsed }, want, name);
  }
  for (const [name, bytes] of [["bytes of text", new TextEncoder().encode("not json at all")], ["invalid UTF-8", new Uint8Array([0xff, 0xfe, 0x00, 0x7b])], ["empty bytes", new Uint8Array(0)]]) {
    assert.throws(() => sdk.parseRunCallback(bytes), (e) => e instanceof ValidationError && /not JSON/i.test(e.message), name);
  }

  // vars: a null-prototype object that keeps __proto__ and does not shadow methods.
  const text = `{"data":{"id":"${RUN}","chat_id":"${GREETER}","status":"completed","results":[],"vars":{"__proto__":"p","toString":"t","constructor":"c","name":"Ada"}}}`;
  const { fetch } = scriptedFetch([{ body: text }]);
  const run = (await outcome("a run with __proto__ in vars", getRun(RUN, opts(fetch)))).value;
  assert.ok(run, "resolved");
  assert.equal(Object.getPrototypeOf(run.vars), null);
  assert.ok(Object.hasOwn(run.vars, "__proto__"));
  assert.equal(run.vars.__proto__, "p");
  assert.equal(run.vars.toString, "t");
  assert.deepEqual(Object.keys(run.vars).sort(), ["__proto__", "constructor", "name", "toString"]);
  assert.equal(typeof run.toString, "function", "the run itself is an ordinary object");

  // A numeric status says so.
  for (const status of [5, 0, -1.5]) {
    const numeric = scriptedFetch([{ body: { data: { id: RUN, status } } }]);
    const err = await rejection(`status ${status}`, getRun(RUN, opts(numeric.fetch)));
    assert.match(err.message, /number/i, err.message);
    assert.doesNotMatch(err.message, /no status/i);
  }

  // retryAfterMs is null or a finite, non-negative safe integer, whatever the header.
  for (const value of ["99999999999999999999", "9".repeat(400), "9007199254740993", "1e400", "-0", "Infinity", "0.0000001", "4294967296"]) {
    const { fetch: f } = scriptedFetch([{ status: 429, body: {}, headers: { "retry-after": value } }]);
    const err = await rejection(`Retry-After ${value.slice(0, 30)}`, getRun(RUN, opts(f)), sdk.RateLimitError);
    const ms = err.retryAfterMs;
    assert.ok(ms === null || (Number.isSafeInteger(ms) && ms >= 0 && !Object.is(ms, -0)), `Retry-After ${value.slice(0, 30)} gave retryAfterMs ${ms}`);
  }

  // A service that echoes the Authorization header (or the bare key) back.
  const key = "th-echoed-SECRET-91b2";
  const echo = (status, shape) => async (url, init) => {
    const auth = authorizationOf(init) ?? "";
    const bodies = {
      detail: JSON.stringify({ detail: `bad header: ${auth}` }),
      list: JSON.stringify({ detail: [{ loc: ["header", "authorization"], msg: `invalid ${auth}`, type: "x", input: auth, ctx: { key: auth.replace("Bearer ", "") } }] }),
      nested: JSON.stringify({ error: { request: { headers: { Authorization: auth } }, message: `token ${auth.slice(7)} expired` } }),
      text: `<html>Authorization: ${auth}</html>`,
    };
    return new Response(bodies[shape], { status, headers: { "x-echo": auth } });
  };
  for (const status of [400, 401, 403, 422, 429, 500]) {
    for (const shape of ["detail", "list", "nested", "text"]) {
      const err = await rejection(`${status} echoing the key (${shape})`, getRun(RUN, { apiKey: key, baseUrl: BASE, fetch: echo(status, shape), maxRetries: 0 }));
      const shown = [err.message, String(err.stack), inspect(err, { depth: Infinity, showHidden: true }), JSON.stringify(err.body), JSON.stringify(err)].join("\n");
      assert.ok(!shown.includes("SECRET"), `${status} ${shape}: the key shows: ${shown.slice(shown.indexOf("SECRET") - 80, shown.indexOf("SECRET") + 40)}`);
      assert.ok(JSON.stringify(err.body).includes("[redacted]"), `${status} ${shape}: the key is replaced by [redacted] in err.body`);
    }
  }
});

test("1. every call settles, rejecting only with an AgentRunsError (with cause) on unreadable input, and 10,000 such failures leave the module working", { timeout: 300_000 }, async (t) => {
  const boom = new Error("hostile input");
  const operations = {
    getRun: (o) => getRun(RUN, o),
    listRuns: (o) => listRuns(o),
    createRun: (o) => createRun({ chatId: GREETER, vars: { name: "Ada" } }, o),
    continueRun: (o) => continueRun(RUN, "more", o),
    waitForRun: (o) => waitForRun(RUN, o),
    createAndWait: (o) => createAndWait({ chatId: GREETER }, o),
    continueAndWait: (o) => continueAndWait(RUN, "more", o),
  };
  const check = async (what, promise, requests) => {
    const err = await rejection(what, promise, ValidationError, 3000);
    assert.ok(err.cause === boom || err.cause instanceof TypeError, `${what}: cause ${err.cause}`);
    assert.equal(requests.length, 0, `${what}: a request was sent`);
  };

  // Options that cannot be read (the global fetch is the one that would be used).
  await t.test("options that cannot be read, for each call", async () => {
    await withGlobalFetch({ body: runBody(RUN) }, async (globalRequests) => {
      for (const [opName, op] of Object.entries(operations)) {
        const { getter, ...objects } = unreadables(boom, { apiKey: KEY, baseUrl: BASE, maxWaitMs: 1000 });
        for (const [kind, options] of Object.entries(objects)) await check(`${opName}, options: ${kind}`, () => op(options), globalRequests);
        await check(`${opName}, options: a throwing getter`, () => op(getter("timeoutMs")), globalRequests);
      }
    });
  });

  // Params, vars and messages that cannot be read.
  await t.test("params and vars that cannot be read", async () => {
    for (const [kind, bad] of Object.entries(unreadables(boom, { chatId: GREETER }))) {
      if (kind === "getter") continue;
      const { fetch, requests } = okFetch();
      await check(`createRun, params: ${kind}`, () => createRun(bad, opts(fetch)), requests);
      await check(`createAndWait, params: ${kind}`, () => createAndWait(bad, opts(fetch, { maxWaitMs: 1000 })), requests);
    }
    for (const [kind, vars] of Object.entries(unreadables(boom, { name: "Ada" }))) {
      const { fetch, requests } = okFetch();
      await check(`createRun, vars: ${kind}`, () => createRun({ chatId: GREETER, vars: kind === "getter" ? vars("name") : vars }, opts(fetch)), requests);
    }
    {
      const { fetch, requests } = okFetch();
      const params = Object.defineProperty({ vars: { a: "b" } }, "chatId", { enumerable: true, get: () => { throw boom; } });
      await check("createRun, a throwing chatId getter", () => createRun(params, opts(fetch)), requests);
    }
  });

  // Signal-like objects that throw.
  await t.test("signal-like objects that throw", async () => {
    const signals = {
      "aborted throws": { get aborted() { throw boom; }, addEventListener() {}, removeEventListener() {} },
      "addEventListener throws": { aborted: false, addEventListener() { throw boom; }, removeEventListener() {} },
      "reason throws": { aborted: true, get reason() { throw boom; }, addEventListener() {}, removeEventListener() {} },
      "a Proxy": new Proxy({}, { get: () => { throw boom; } }),
    };
    for (const [kind, signal] of Object.entries(signals)) {
      for (const [opName, op] of Object.entries({ getRun: operations.getRun, waitForRun: operations.waitForRun })) {
        const { fetch, requests } = okFetch();
        const o = await outcome(`${opName}, signal: ${kind}`, () => op(opts(fetch, { signal, maxWaitMs: 1000 })), 3000);
        assert.ok(o.error instanceof ValidationError, `${opName}, signal ${kind}: ${o.error?.name ?? "resolved"}`);
        assert.ok(o.error.cause === boom || o.error.cause instanceof TypeError);
        assert.equal(requests.length, 0);
      }
    }
  });

  // The caller's callbacks throwing.
  await t.test("onUpdate and onRetry that throw", async () => {
    const { fetch } = scriptedFetch([{ body: runBody(RUN, "queued") }, { body: runBody(RUN, "completed") }]);
    const err = await rejection("onUpdate throws", waitForRun(RUN, opts(fetch, { pollIntervalMs: 100, maxWaitMs: 2000, onUpdate: () => { throw boom; } })));
    assert.equal(err.cause, boom);
    const failing = scriptedFetch([{ status: 503, body: { detail: "busy" } }, { body: runBody(RUN) }]);
    const err2 = await rejection("onRetry throws", getRun(RUN, opts(failing.fetch, { maxRetries: 1, onRetry: () => { throw boom; } })));
    assert.equal(err2.cause, boom);
    assert.equal(failing.requests.length, 1, "no retry after onRetry threw");
  });

  // Hostile transports: a fetch that throws synchronously, rejects with odd values or returns junk.
  await t.test("fetches that throw, reject with odd values or return junk", async () => {
    const transports = {
      "throws synchronously": () => { throw boom; },
      "rejects with undefined": () => Promise.reject(undefined),
      "rejects with a Proxy": () => Promise.reject(new Proxy({}, { get: () => { throw boom; } })),
      "returns null": async () => null,
      "returns a number": async () => 42,
      "returns a Proxy": async () => new Proxy({}, { get: () => { throw boom; } }),
      "headers.get throws": async () => ({ status: 429, ok: false, headers: { get() { throw boom; } }, text: async () => "{}" }),
      "text() rejects": async () => ({ status: 200, ok: true, headers: new Headers(), text: () => Promise.reject(boom) }),
      "text() returns a number": async () => ({ status: 200, ok: true, headers: new Headers(), text: async () => 5 }),
      "has a status of 0": async () => ({ status: 0, ok: false, headers: new Headers(), text: async () => "" }),
    };
    for (const [kind, fetch] of Object.entries(transports)) await rejection(`a fetch that ${kind}`, () => getRun(RUN, opts(fetch)));
  });

  // 10,000 failures in a row, then an ordinary call.
  await t.test("10,000 failures in a row leave the module working", async () => {
    const proxy = new Proxy({}, { get: () => { throw boom; }, ownKeys: () => { throw boom; }, has: () => { throw boom; }, getOwnPropertyDescriptor: () => { throw boom; } });
    const started = realDateNow();
    for (let i = 0; i < 10_000; i++) {
      const o = await settle(() => getRun(RUN, proxy), 2000);
      assert.ok(!o.hung && !("threw" in o), `hostile call ${i + 1} did not settle (or threw synchronously)`);
      if (!(o.error instanceof ValidationError)) assert.fail(`hostile call ${i + 1}: ${o.error?.name ?? "resolved"}: ${String(o.error?.message ?? o.error).slice(0, 200)}`);
    }
    console.log(`10,000 hostile calls in ${realDateNow() - started} ms`);
    const { fetch } = okFetch();
    const next = await outcome("the ordinary call after 10,000 failures", getRun(RUN, opts(fetch)));
    assert.equal(next.value?.id, RUN, `the module is broken: ${next.error}`);
    const created = await outcome("and a create", createRun({ chatId: GREETER, vars: { name: "Ada" } }, opts(scriptedFetch([{ body: runBody(RUN, "queued") }]).fetch)));
    assert.equal(created.value?.status, "queued", String(created.error));
  });
});
