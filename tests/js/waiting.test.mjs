// Waiting: the stale `completed` after a continue, transient and permanent errors while
// polling, Retry-After on a poll, watchRun, createAndWait, continueAndWait, callbacks,
// and 100 waits at once.
import { test, describe, after as afterAll } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import * as sdk from "../../pkg/index.js";
import { fastEmulator, GREETER, BROKEN, SLOW, MISSING_RUN } from "./helpers.mjs";

const emulators = [];
async function emulator(extra = {}) {
  const emu = await fastEmulator(extra);
  emulators.push(emu);
  return { emu, opts: { apiKey: "th-test", baseUrl: emu.baseUrl, pollIntervalMs: 100 } };
}
afterAll(() => Promise.all(emulators.map((e) => e.close())));

const FIRST_REPLY = /^Hello Ada!/;
const SECOND_REPLY = /You said: "more please"/;

describe("the stale completed state after a continue", () => {
  for (const continueAnswer of ["run", "ok", "empty"]) {
    test(`is never taken for the new end (the PUT answers ${continueAnswer})`, async () => {
      const { opts } = await emulator({ staleMs: 300, continueAnswer });
      const first = await sdk.createAndWait({ chatId: GREETER, vars: { name: "Ada", topic: "owls" } }, opts);
      assert.match(first.lastAgentMessage, FIRST_REPLY);

      const continued = await sdk.continueRun(first.id, "more please", opts);
      const waited = await sdk.waitForRun(first.id, { ...opts, after: continued });
      assert.match(waited.lastAgentMessage, SECOND_REPLY);

      const again = await sdk.continueAndWait(first.id, "more please", opts);
      assert.match(again.lastAgentMessage, SECOND_REPLY);
      assert.ok(again.results.length > waited.results.length);
    });
  }

  test("the emulator really serves it: a wait without `after` falls for it", async () => {
    const { opts } = await emulator({ staleMs: 300 });
    const first = await sdk.createAndWait({ chatId: GREETER, vars: { name: "Ada", topic: "owls" } }, opts);
    await sdk.continueRun(first.id, "more please", opts);
    const naive = await sdk.waitForRun(first.id, opts);
    assert.match(naive.lastAgentMessage, FIRST_REPLY, "the trap this package guards against");
  });

  test("onUpdate after a continue hears only the new states", async () => {
    const { opts } = await emulator({ staleMs: 100 });
    const first = await sdk.createAndWait({ chatId: GREETER, vars: { name: "Ada", topic: "owls" } }, opts);
    const seen = [];
    const done = await sdk.continueAndWait(first.id, "more please", { ...opts, onUpdate: (r) => seen.push(r.lastAgentMessage) });
    assert.match(done.lastAgentMessage, SECOND_REPLY);
    assert.ok(seen.every((m) => m === null || SECOND_REPLY.test(m)), JSON.stringify(seen));
  });
});

describe("errors while polling", () => {
  test("transient failures are retried inside the wait, whatever maxRetries says", async () => {
    const { emu, opts } = await emulator();
    const run = await sdk.createRun({ chatId: GREETER }, opts);
    emu.addFault({ kind: "status", status: 503, method: "GET", path: `/v1/agent-runs/${run.id}`, times: 4 });
    const retries = [];
    const done = await sdk.waitForRun(run.id, { ...opts, maxRetries: 0, onRetry: (r) => retries.push(r.attempt) });
    assert.equal(done.status, "completed");
    assert.deepEqual(retries, [1, 2, 3, 4]);
  });

  test("permanent failures end the wait at once", async () => {
    const { opts } = await emulator();
    const started = Date.now();
    const e404 = await sdk.waitForRun(MISSING_RUN, opts).catch((e) => e);
    assert.ok(e404 instanceof sdk.NotFoundError);
    const e401 = await sdk.waitForRun(MISSING_RUN, { ...opts, apiKey: undefined, baseUrl: opts.baseUrl, fetch: async () => new Response('{"detail":"no"}', { status: 401 }) }).catch((e) => e);
    assert.ok(e401 instanceof sdk.AuthenticationError);
    assert.ok(Date.now() - started < 500);
  });

  test("a Retry-After on a poll is honoured", async () => {
    const { emu, opts } = await emulator();
    const run = await sdk.createRun({ chatId: GREETER }, opts);
    emu.addFault({ kind: "status", status: 429, retryAfter: "1", method: "GET", path: `/v1/agent-runs/${run.id}` });
    const started = Date.now();
    await sdk.waitForRun(run.id, opts);
    assert.ok(Date.now() - started >= 950, `waited only ${Date.now() - started} ms`);
  });

  test("maxWaitMs bounds a wait whose polls keep failing, and the error says why", async () => {
    const { emu, opts } = await emulator();
    const run = await sdk.createRun({ chatId: SLOW, vars: { subject: "x" } }, opts);
    await sdk.getRun(run.id, opts);
    emu.addFault({ kind: "status", status: 503, method: "GET", path: `/v1/agent-runs/${run.id}`, times: 1000 });
    const started = Date.now();
    const err = await sdk.waitForRun(run.id, { ...opts, maxWaitMs: 700 }).catch((e) => e);
    const took = Date.now() - started;
    assert.ok(err instanceof sdk.WaitTimeoutError, String(err));
    assert.ok(err.cause instanceof sdk.ServerError);
    assert.ok(took >= 650 && took < 1500, `took ${took} ms`);
    emu.clearFaults();
  });

  test("a hung poll does not outlast maxWaitMs", async () => {
    const { emu, opts } = await emulator();
    const run = await sdk.createRun({ chatId: SLOW, vars: { subject: "x" } }, opts);
    emu.addFault({ kind: "delay", ms: 5000, method: "GET", path: `/v1/agent-runs/${run.id}` });
    const started = Date.now();
    const err = await sdk.waitForRun(run.id, { ...opts, maxWaitMs: 300, timeoutMs: 60_000 }).catch((e) => e);
    assert.ok(err instanceof sdk.WaitTimeoutError, String(err));
    assert.ok(Date.now() - started < 1000);
    emu.clearFaults();
  });
});

describe("watchRun", () => {
  test("yields one snapshot per change of status and ends after the terminal one", async () => {
    const { opts } = await emulator();
    const run = await sdk.createRun({ chatId: BROKEN, vars: { city: "Rome" } }, opts);
    const statuses = [];
    for await (const snapshot of sdk.watchRun(run.id, { ...opts, pollIntervalMs: 100 })) statuses.push(snapshot.status);
    assert.equal(statuses.at(-1), "failed");
    assert.deepEqual(statuses, [...new Set(statuses)]);
  });

  test("leaving the loop early stops polling at once", async () => {
    const { emu, opts } = await emulator();
    const run = await sdk.createRun({ chatId: SLOW, vars: { subject: "x" } }, opts);
    for await (const snapshot of sdk.watchRun(run.id, opts)) {
      assert.equal(snapshot.id, run.id);
      break;
    }
    const requests = emu.stats.requests;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(emu.stats.requests, requests, "no poll after the loop was left");
  });

  test("an error ends the loop with it, and an abort with the signal's reason", async () => {
    const { opts } = await emulator();
    await assert.rejects(async () => {
      for await (const _ of sdk.watchRun(MISSING_RUN, opts));
    }, sdk.NotFoundError);
    const run = await sdk.createRun({ chatId: SLOW, vars: { subject: "x" } }, opts);
    const controller = new AbortController();
    setTimeout(() => controller.abort("enough"), 50);
    const seen = [];
    const err = await (async () => {
      for await (const s of sdk.watchRun(run.id, { ...opts, signal: controller.signal })) seen.push(s.status);
    })().catch((e) => e);
    assert.equal(err, "enough");
    assert.ok(seen.length >= 1);
  });

  test("the client class has it too, with its options", async () => {
    const { opts } = await emulator();
    const client = new sdk.AgentRuns({ apiKey: opts.apiKey, baseUrl: opts.baseUrl });
    const run = await client.createRun({ chatId: GREETER });
    const seen = [];
    for await (const s of client.watchRun(run.id, { pollIntervalMs: 100 })) seen.push(s.status);
    assert.equal(seen.at(-1), "completed");
    assert.equal((await client.createAndWait({ chatId: GREETER }, { pollIntervalMs: 100 })).status, "completed");
    assert.match((await client.continueAndWait(run.id, "more please", { pollIntervalMs: 100 })).lastAgentMessage, SECOND_REPLY);
  });
});

describe("callbacks", () => {
  /** A receiver that fails its first `failures` requests, and hands over the bodies it got. */
  async function receiver(failures = 0) {
    const bodies = [];
    let calls = 0;
    const server = createServer((req, res) => {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        calls++;
        if (calls <= failures) {
          res.writeHead(503).end();
          return;
        }
        bodies.push(text);
        res.writeHead(204).end();
      });
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${server.address().port}/hook`;
    const received = async (n) => {
      for (let i = 0; i < 300 && bodies.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return bodies;
    };
    return { url, received, calls: () => calls, close: () => new Promise((r) => server.close(r)) };
  }

  for (const shape of ["flat", "wrapped"]) {
    test(`the ${shape} callback is posted when a run ends and parseRunCallback reads it`, async () => {
      const hook = await receiver();
      const { opts } = await emulator({ callbackShape: shape });
      try {
        const run = await sdk.createRun({ chatId: GREETER, vars: { name: "Ada", topic: "owls" }, callbackUrl: hook.url }, opts);
        const [body] = await hook.received(1);
        const note = sdk.parseRunCallback(body);
        assert.deepEqual(Object.keys(note), ["runId", "status", "lastAgentMessage"]);
        assert.equal(note.runId, run.id);
        assert.equal(note.status, "completed");
        assert.match(note.lastAgentMessage, FIRST_REPLY);
        assert.deepEqual(sdk.parseRunCallback(JSON.parse(body)), note);
        // Callbacks are not signed: confirm with a read before trusting one.
        assert.equal((await sdk.getRun(note.runId, opts)).status, note.status);
      } finally {
        await hook.close();
      }
    });
  }

  test("the emulator tries a callback again when the receiver fails", async () => {
    const hook = await receiver(2);
    const { emu, opts } = await emulator();
    try {
      await sdk.createRun({ chatId: GREETER, callbackUrl: hook.url }, opts);
      const bodies = await hook.received(1);
      assert.equal(bodies.length, 1);
      assert.equal(hook.calls(), 3);
      assert.equal(emu.stats.callbacksSent, 3);
    } finally {
      await hook.close();
    }
  });

  test("parseRunCallback refuses what is not a callback with a ValidationError", () => {
    for (const bad of ["not json", "{}", '{"run_id": "../x", "status": "completed"}', { status: "completed" }, { run_id: MISSING_RUN }, 42, null]) {
      assert.throws(() => sdk.parseRunCallback(bad), sdk.ValidationError, JSON.stringify(bad));
    }
  });
});

test("100 waits at once all end correctly, each within its schedule's bounds", async () => {
  const { opts } = await emulator();
  const interval = 100;
  const results = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      let polls = 0;
      const fetch = (url, init) => {
        if (init.method === "GET") polls++;
        return globalThis.fetch(url, init);
      };
      const chatId = i % 4 === 0 ? BROKEN : GREETER;
      const run = await sdk.createRun({ chatId, vars: { name: `n${i}`, topic: "t", city: "c" } }, { ...opts, fetch });
      const started = Date.now();
      const done = await sdk.waitForRun(run.id, { ...opts, fetch, pollIntervalMs: interval });
      return { i, done, polls, elapsed: Date.now() - started };
    }),
  );
  for (const { i, done, polls, elapsed } of results) {
    assert.equal(done.status, i % 4 === 0 ? "failed" : "completed");
    assert.ok(polls >= 1, "at least one poll");
    // One poll at the start, then at most one per interval: never a busy loop.
    assert.ok(polls <= Math.floor(elapsed / interval) + 2, `${polls} polls in ${elapsed} ms`);
  }
});
