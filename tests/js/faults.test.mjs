// The fault matrix: each fault the emulator can inject, against each call. Asserts the
// typed error or the recovered result; never a duplicate run or message unless an
// idempotency key allowed the retry; nothing runs past its bound; the next call on the
// same wasm instance works.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as sdk from "../../pkg/index.js";
import { fastEmulator, GREETER } from "./helpers.mjs";

const { AgentRunsError, ServerError, RateLimitError, TimeoutError, ConnectionError, WaitTimeoutError } = sdk;
let emu;
let base;
before(async () => {
  emu = await fastEmulator();
  base = { apiKey: "th-test", baseUrl: emu.baseUrl, timeoutMs: 300, maxRetries: 2 };
});
after(() => emu.close());

const RECOVERS = "recovers";
/** @type {Record<string, { fault: object, opts?: object, read: any, write: any }>} */
// continueRun treats the body of a successful PUT as opaque (docs/service.md): when it is
// not a run, the run is read again, so body faults after the PUT are recovered from. (The
// emulator's default PUT answer, {"status": "ok"}, holds no run for a mutate to change.)
const CONTINUE_REREADS = { continueRun: RECOVERS };
const FAULTS = {
  "503": { fault: { kind: "status", status: 503 }, read: RECOVERS, write: { error: ServerError, acted: 0 } },
  "429 with Retry-After: 0": { fault: { kind: "status", status: 429, retryAfter: "0" }, read: RECOVERS, write: RECOVERS },
  // A wait sleeps through a long Retry-After as far as its deadline allows, then times out.
  "429 with Retry-After past the cap": { fault: { kind: "status", status: 429, retryAfter: "3600" }, read: { error: RateLimitError }, write: { error: RateLimitError, acted: 0 }, waitForRun: { error: WaitTimeoutError } },
  "HTML 502": { fault: { kind: "html", status: 502 }, read: RECOVERS, write: { error: ServerError, acted: 0 } },
  "delay before headers past timeoutMs": { fault: { kind: "delay", ms: 600 }, opts: { timeoutMs: 100 }, read: RECOVERS, write: { error: TimeoutError, acted: "at most 1" } },
  "stall mid-body past timeoutMs": { fault: { kind: "stall", ms: 600 }, opts: { timeoutMs: 100 }, read: RECOVERS, write: { error: TimeoutError, acted: 1 } },
  "reset before processing": { fault: { kind: "reset-before" }, read: RECOVERS, write: { error: ConnectionError, acted: 0 } },
  "reset after processing": { fault: { kind: "reset-after" }, read: RECOVERS, write: { error: ConnectionError, acted: 1 } },
  "truncated JSON": { fault: { kind: "truncated" }, read: RECOVERS, write: { error: ConnectionError, acted: 1 } },
  "malformed JSON": { fault: { kind: "malformed" }, read: { error: AgentRunsError }, write: { error: AgentRunsError, acted: 1 }, ...CONTINUE_REREADS },
  "empty 200": { fault: { kind: "empty" }, read: { error: AgentRunsError }, write: { error: AgentRunsError, acted: 1 }, ...CONTINUE_REREADS },
  "missing status": { fault: { kind: "mutate", remove: ["status"] }, read: { error: AgentRunsError }, write: { error: AgentRunsError, acted: 1 }, ...CONTINUE_REREADS },
  "missing optional fields": { fault: { kind: "mutate", remove: ["results", "last_agent_message", "created_at", "vars", "chat_id"] }, read: RECOVERS, write: RECOVERS },
  "unknown status": { fault: { kind: "mutate", set: { status: "awaiting_review", brand_new: { x: 1 } } }, read: RECOVERS, write: RECOVERS },
  "3 MB of results": { fault: { kind: "mutate", resultsBytes: 3_000_000 }, read: RECOVERS, write: RECOVERS },
};

async function completedRun() {
  const run = await sdk.createRun({ chatId: GREETER, vars: { name: "F", topic: "faults" } }, base);
  return sdk.waitForRun(run.id, { ...base, pollIntervalMs: 100 });
}

/** Each call: how to prepare, the fault's method and path, and the call itself. */
const CALLS = {
  createRun: { kind: "write", counter: "runsCreated", prepare: async () => null, method: "POST", path: () => "/v1/agent-runs", call: (_, o) => sdk.createRun({ chatId: GREETER, vars: { name: "M" } }, o) },
  continueRun: { kind: "write", counter: "messagesAdded", prepare: completedRun, method: "PUT", path: (r) => `/v1/agent-runs/${r.id}`, call: (r, o) => sdk.continueRun(r.id, "again", o) },
  getRun: { kind: "read", prepare: completedRun, method: "GET", path: (r) => `/v1/agent-runs/${r.id}`, call: (r, o) => sdk.getRun(r.id, o) },
  listRuns: { kind: "read", prepare: completedRun, method: "GET", path: () => "/v1/agent-runs", call: (_, o) => sdk.listRuns(o) },
  waitForRun: { kind: "read", prepare: completedRun, method: "GET", path: (r) => `/v1/agent-runs/${r.id}`, call: (r, o) => sdk.waitForRun(r.id, { ...o, pollIntervalMs: 100, maxWaitMs: 1500 }) },
};

// Worst case of one call: (retries + 1) attempts of timeoutMs, plus backoff (0.5 s + 1 s), plus slack.
const boundMs = (o) => (o.maxRetries + 1) * o.timeoutMs + 1500 + 1500;

for (const [faultName, spec] of Object.entries(FAULTS)) {
  describe(`fault: ${faultName}`, () => {
    for (const [callName, c] of Object.entries(CALLS)) {
      test(`${callName}`, async () => {
        const subject = await c.prepare();
        const opts = { ...base, ...spec.opts };
        emu.clearFaults();
        emu.addFault({ ...spec.fault, method: c.method, path: c.path(subject), times: 1 });
        const counterBefore = c.counter ? emu.stats[c.counter] : 0;
        const started = Date.now();
        const outcome = await c.call(subject, opts).then((value) => ({ value }), (error) => ({ error }));
        const elapsed = Date.now() - started;
        assert.ok(elapsed < boundMs(opts), `took ${elapsed} ms`);
        assert.equal(emu.stats.faultsInjected > 0, true);
        const expected = spec[callName] ?? spec[c.kind];
        if (expected === RECOVERS) {
          assert.equal(outcome.error, undefined, `expected a result, got ${outcome.error}`);
          if (faultName === "unknown status" && callName !== "waitForRun" && callName !== "continueRun") {
            const run = Array.isArray(outcome.value) ? outcome.value.find((r) => r.status === "awaiting_review") : outcome.value;
            assert.equal(run.status, "awaiting_review");
            assert.deepEqual(run.raw.brand_new, { x: 1 });
          }
          if (faultName === "3 MB of results" && callName === "getRun") assert.ok(outcome.value.results.length > 2000);
        } else {
          assert.ok(outcome.error instanceof expected.error, `expected ${expected.error.name}, got ${outcome.error}`);
          assert.ok(outcome.error instanceof AgentRunsError);
        }
        if (c.counter) {
          // Let a write that was acted on late (after a timeout) land before counting.
          await new Promise((r) => setTimeout(r, 50));
          const acted = emu.stats[c.counter] - counterBefore;
          const want = expected === RECOVERS ? 1 : expected.acted;
          if (want === "at most 1") assert.ok(acted <= 1, `acted ${acted} times`);
          else assert.equal(acted, want, `${c.counter} grew by ${acted}`);
        }
        emu.clearFaults();
        const next = await sdk.getRun((await completedRun()).id, base);
        assert.equal(next.status, "completed", "the next call on the same instance works");
      });
    }
  });
}

describe("idempotency keys", () => {
  test("a create with a key is retried after a reset and, where the service honours keys, makes one run", async () => {
    const strict = await fastEmulator({ idempotency: true });
    try {
      strict.addFault({ kind: "reset-after", method: "POST", path: "/v1/agent-runs" });
      const opts = { apiKey: "th-test", baseUrl: strict.baseUrl, idempotencyKey: "order-77" };
      const run = await sdk.createRun({ chatId: GREETER }, opts);
      assert.equal(strict.stats.runsCreated, 1);
      assert.equal((await sdk.listRuns(opts))[0].id, run.id);
    } finally {
      await strict.close();
    }
  });

  test("where the service ignores keys, that retry makes a second run: the key is the caller's promise", async () => {
    emu.addFault({ kind: "reset-after", method: "POST", path: "/v1/agent-runs" });
    const before = emu.stats.runsCreated;
    await sdk.createRun({ chatId: GREETER }, { ...base, idempotencyKey: "order-78" });
    assert.equal(emu.stats.runsCreated - before, 2);
  });

  test("a continue with a key is retried after a 503 and adds the message once", async () => {
    const run = await completedRun();
    emu.addFault({ kind: "status", status: 503, method: "PUT", path: `/v1/agent-runs/${run.id}` });
    const before = emu.stats.messagesAdded;
    await sdk.continueRun(run.id, "once", { ...base, idempotencyKey: "msg-1" });
    assert.equal(emu.stats.messagesAdded - before, 1);
  });
});

describe("cancellation", () => {
  test("an abort during a backoff sleep rejects at once, and no request starts after it", async () => {
    const run = await completedRun();
    emu.addFault({ kind: "status", status: 503, method: "GET", path: `/v1/agent-runs/${run.id}`, times: 5 });
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    let abortedAt = 0;
    const requestsBefore = emu.stats.requests;
    const onRetry = () => {
      abortedAt = Date.now();
      controller.abort(reason);
    };
    const err = await sdk.getRun(run.id, { ...base, signal: controller.signal, onRetry }).catch((e) => e);
    assert.equal(err, reason);
    assert.ok(Date.now() - abortedAt < 50, "rejected within a turn of the event loop");
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(emu.stats.requests - requestsBefore, 1, "no request after the abort");
    emu.clearFaults();
  });

  test("onRetry hears attempt, delay and error of each retry", async () => {
    const run = await completedRun();
    emu.addFault({ kind: "status", status: 500, method: "GET", path: `/v1/agent-runs/${run.id}`, times: 2 });
    const heard = [];
    await sdk.getRun(run.id, { ...base, onRetry: (r) => heard.push(r) });
    assert.deepEqual(heard.map((r) => r.attempt), [1, 2]);
    assert.ok(heard.every((r) => r.error instanceof ServerError && r.delayMs > 0 && r.delayMs <= 8000));
  });

  for (const [what, script] of [
    ["a call aborted while its request hangs", `
      const c = new AbortController();
      const hang = (u, i) => new Promise((_, reject) => i.signal.addEventListener("abort", () => reject(i.signal.reason)));
      setTimeout(() => c.abort("stop"), 50);
      await getRun("${GREETER}", { apiKey: "k", fetch: hang, timeoutMs: 60000, signal: c.signal }).catch(() => {});`],
    ["a wait aborted in a long poll sleep", `
      const c = new AbortController();
      const fetch = async () => new Response('{"data":{"id":"${GREETER}","status":"queued"}}');
      setTimeout(() => c.abort("stop"), 50);
      await waitForRun("${GREETER}", { apiKey: "k", fetch, pollIntervalMs: 600000, signal: c.signal }).catch(() => {});`],
    ["a call that succeeded with a long timeoutMs", `
      const fetch = async () => new Response('{"data":{"id":"${GREETER}","status":"queued"}}');
      await getRun("${GREETER}", { apiKey: "k", fetch, timeoutMs: 600000 });`],
  ]) {
    test(`a Node script ends as soon as its work is done: ${what}`, async () => {
      const source = `import { getRun, waitForRun } from ${JSON.stringify(new URL("../../pkg/index.js", import.meta.url).href)};\n${script}\n`;
      const started = Date.now();
      const child = spawn(process.execPath, ["--input-type=module", "-e", source], { stdio: ["ignore", "inherit", "inherit"] });
      const code = await new Promise((resolve) => child.on("exit", resolve));
      assert.equal(code, 0);
      assert.ok(Date.now() - started < 5_000, `the script lived ${Date.now() - started} ms: a timer was left running`);
    });
  }
});
