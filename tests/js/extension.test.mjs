// toolhouse-agent-runs/extension in a model of Chrome (tests/support/fake_extension.mjs):
// storage, alarms, a service worker in a thread of its own that the test stops between
// any two of its calls, pages. What the ecosystem project extension-tracked proves in
// Chromium at a few chosen moments, this proves at every moment: the listener is called
// exactly once unless the worker stops while it runs, and then again with the next
// attempt number (at least once, at most 3 times).
import { test, describe, after as afterAll } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";
import { Browser } from "../support/fake_extension.mjs";
import { fastEmulator, GREETER, SLOW, MISSING_RUN } from "./helpers.mjs";

const APP = new URL("../support/extension_app.mjs", import.meta.url);
const KEY = "th-model-key";
const PREFIX = "toolhouse-agent-runs:run:";

const emulator = await fastEmulator({ apiKey: KEY });
const browsers = [];
afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await emulator.close();
});

/** A model browser with the app installed; the background has its key from a getter. */
function browser(options = {}) {
  const { background, ...rest } = options;
  const b = new Browser({ worker: APP, config: { background: { baseUrl: emulator.baseUrl, keyFromGetter: KEY, pollIntervalMs: 100, ...background }, ...rest.config }, ...rest, });
  browsers.push(b);
  return b;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, check, ms = 10_000) {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const calls = (b, id) => b.reports.filter((r) => r.what.listener && (!id || r.what.listener.id === id)).map((r) => r.what.listener);
const startRun = async (chatId = GREETER, at = emulator) => (await fetch(`${at.baseUrl}/agent-runs`, { method: "POST", headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" }, body: JSON.stringify({ chat_id: chatId, vars: { name: "Ada", topic: "owls", subject: "owls" } }) }).then((r) => r.json())).data.id;
const value = (answer) => {
  if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
  return answer.value;
};

test("js/extension.js type-checks under --strict against the package's types", () => {
  const file = new URL("../../js/extension.js", import.meta.url).pathname;
  const program = ts.createProgram([file], {
    allowJs: true, checkJs: true, strict: true, noEmit: true, target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [],
  });
  const problems = ts.getPreEmitDiagnostics(program).filter((d) => !d.file || d.file.fileName === file);
  assert.deepEqual(problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
});

test("pkg/extension.js imports the package's entry rather than embedding a second wasm", () => {
  const text = readFileSync(new URL("../../pkg/extension.js", import.meta.url), "utf8");
  assert.match(text, /\bfrom\s*"\.\/index\.js"/);
  assert.ok(text.length < 40_000, `${text.length} characters`);
  assert.doesNotMatch(text, /wasmDeflatedBase64/);
  const index = readFileSync(new URL("../../pkg/index.js", import.meta.url), "utf8");
  assert.doesNotMatch(index, /toolhouse-agent-runs:run:|onRunEnded/, "no extension code in the default entry");
});

describe("permissions", () => {
  const cases = [
    { permissions: ["alarms"], missing: /needs the "storage" permission: add "storage" to "permissions" in manifest.json/ },
    { permissions: ["storage"], missing: /needs the "alarms" permission: add "alarms" to "permissions" in manifest.json/ },
    { permissions: [], missing: /needs the "storage" and "alarms" permissions/ },
  ];
  for (const { permissions, missing } of cases) {
    test(`without ${["storage", "alarms"].filter((p) => !permissions.includes(p)).join(" and ")}, every function throws, naming what is missing`, async () => {
      const b = browser({ permissions, config: { background: null, listener: false } });
      for (const kind of ["worker", "page"]) {
        const context = kind === "worker" ? await b.wakeWorker() : await b.openPage();
        for (const [action, args] of [["trackRun", [GREETER]], ["trackedRuns", []], ["untrackRun", [GREETER]], ["waitForTrackedRun", [GREETER]], ["onRunEnded", []], ["setTrackingOptions", [{}]]]) {
          const answer = await context.do(action, ...args);
          assert.equal(answer.error?.name, "AgentRunsError", `${kind} ${action}`);
          assert.match(answer.error.message, missing, `${kind} ${action}`);
        }
      }
    });
  }

  test("outside an extension, each function says it works only in one", async () => {
    const b = browser({ config: { background: null, listener: false } });
    const outside = await b.openPage("outside");
    const answer = await outside.do("trackedRuns");
    assert.match(answer.error.message, /works only in a Chrome extension/);
  });

  test("a bad option is a ValidationError at once, not at the worker's first poll", async () => {
    const worker = await browser().wakeWorker();
    for (const [action, args] of [["trackRun", [GREETER, { pollIntervalMs: 5 }]], ["trackRun", [GREETER, { maxWaitMs: -1 }]], ["setTrackingOptions", [{ timeoutMs: -1 }]], ["setTrackingOptions", [{ apiKey: 42 }]]]) {
      assert.equal((await worker.do(action, ...args)).error?.name, "ValidationError", `${action} ${JSON.stringify(args)}`);
    }
  });

  test("onRunEnded and setTrackingOptions belong in the service worker", async () => {
    const page = await browser().openPage();
    assert.match((await page.do("onRunEnded")).error.message, /belongs in the background service worker/);
    assert.match((await page.do("setTrackingOptions", {})).error.message, /belongs in the background service worker/);
  });
});

describe("delivery", () => {
  test("a run tracked in the worker is delivered once; pages get it, at once when they open after", async () => {
    const b = browser();
    const worker = await b.wakeWorker();
    const page = await b.openPage();
    const id = await startRun(SLOW);
    const tracked = value(await worker.do("trackRun", id, { maxWaitMs: 60_000 }));
    assert.equal(tracked.state, "tracking");
    const waited = page.do("waitForTrackedRun", id);
    const run = value(await waited);
    assert.equal(run.status, "completed");
    assert.match(run.lastAgentMessage, /^Research note on owls/);
    await until("the delivery", () => b.stored()[PREFIX + id]?.state === "delivered");
    assert.deepEqual(calls(b, id).map((c) => [c.attempt, c.status]), [[1, "completed"]]);
    // A page opened after the end reads it at once.
    const reopened = await b.openPage();
    assert.equal(value(await reopened.do("waitForTrackedRun", id)).lastAgentMessage, run.lastAgentMessage);
    const [listed] = value(await reopened.do("trackedRuns"));
    assert.equal(listed.id, id);
    assert.equal(listed.state, "delivered");
    // Nothing left to do: the alarm is gone.
    await until("the alarm cleared", () => !b.alarms.size, 5_000);
    assert.equal(b.reports.filter((r) => r.what.pageFetch).length, 0, "pages sent no request");
  });

  test("a run tracked from a page that then closes is delivered by the worker the alarm starts", async () => {
    const b = browser();
    const popup = await b.openPage();
    const id = await startRun();
    value(await popup.do("trackRun", id));
    await popup.stop();
    await until("the delivery", () => calls(b, id).length === 1);
    assert.equal(b.workerStarts, 1);
    assert.equal(calls(b, id)[0].status, "completed");
  });

  test("only the worker polls, however many pages wait on the run", async () => {
    const b = browser();
    await b.wakeWorker();
    const pages = await Promise.all([1, 2, 3].map(() => b.openPage()));
    const id = await startRun(SLOW);
    value(await pages[0].do("trackRun", id));
    const runs = await Promise.all(pages.map((p) => p.do("waitForTrackedRun", id)));
    assert.ok(runs.every((r) => value(r).status === "completed"));
    assert.equal(b.reports.filter((r) => r.what.pageFetch).length, 0);
  });

  test("a run that ends while no listener is registered waits for a worker with one", async () => {
    const b = browser({ config: { listener: false } });
    const worker = await b.wakeWorker();
    const id = await startRun();
    value(await worker.do("trackRun", id));
    await until("the end stored", () => b.stored()[PREFIX + id]?.state === "ended");
    await b.stopWorker();
    b.config = { ...b.config, listener: true };
    await b.wakeWorker();
    await until("the delivery", () => calls(b, id).length === 1);
  });
});

describe("the worker stopped at any moment", () => {
  // One uninterrupted tracking, to number the worker's writes.
  async function writesOfOneRun() {
    const b = browser();
    const worker = await b.wakeWorker();
    const id = await startRun(SLOW);
    value(await worker.do("trackRun", id));
    await until("the delivery", () => b.stored()[PREFIX + id]?.state === "delivered");
    return b.workerCalls.filter((c) => c.method === "storage.set").map((c) => Object.values(c.args[1])[0].state);
  }

  test("stopped after each of its writes in turn, the worker's successor delivers the run once (twice only when stopped after the marker)", async () => {
    const states = await writesOfOneRun();
    assert.deepEqual([states[0], ...states.slice(-3)], ["tracking", "ended", "delivering", "delivered"]);
    for (let n = 1; n <= states.length; n++) {
      const b = browser();
      const worker = await b.wakeWorker();
      const id = await startRun(SLOW);
      let sets = 0;
      b.stopWorkerAt = ({ method }) => method === "storage.set" && ++sets === n;
      await worker.do("trackRun", id); // stopped during it, when n is 1
      await until(`the delivery (stopped after write ${n}, "${states[n - 1]}")`, () => b.stored()[PREFIX + id]?.state === "delivered", 20_000);
      const attempts = calls(b, id).map((c) => c.attempt);
      // After the marker of attempt 1 was committed, that worker never heard back, so it
      // called no listener: its successor makes attempt 2, the only call.
      const expected = states[n - 1] === "delivering" ? [2] : [1];
      assert.deepEqual(attempts, expected, `stopped after write ${n} ("${states[n - 1]}"), ${b.workerStarts} workers`);
      assert.ok(b.workerStarts >= 2 || n === states.length);
      await b.close();
    }
  });

  test("stopped while the listener runs (after the marker), the next worker calls it again with attempt 2", async () => {
    const b = browser({ config: { hangOnAttempts: [1] } });
    const worker = await b.wakeWorker();
    const id = await startRun();
    value(await worker.do("trackRun", id));
    await until("the first call", () => calls(b, id).length === 1);
    assert.equal(b.stored()[PREFIX + id].state, "delivering", "the marker is written before the listener runs");
    await b.stopWorker();
    await until("the second call", () => calls(b, id).length === 2);
    await until("delivered", () => b.stored()[PREFIX + id]?.state === "delivered");
    assert.deepEqual(calls(b, id).map((c) => c.attempt), [1, 2]);
    await sleep(500); // more alarms: no third call
    assert.equal(calls(b, id).length, 2);
  });

  test("a listener that never finishes is called 3 times at most", async () => {
    const b = browser({ config: { hangOnAttempts: [1, 2, 3, 4] } });
    const worker = await b.wakeWorker();
    const id = await startRun();
    value(await worker.do("trackRun", id));
    for (let n = 1; n <= 3; n++) {
      await until(`call ${n}`, () => calls(b, id).length === n);
      await b.stopWorker();
    }
    await until("given up", () => b.stored()[PREFIX + id]?.state === "delivered");
    await sleep(300);
    assert.deepEqual(calls(b, id).map((c) => c.attempt), [1, 2, 3]);
  });

  test("stopped several times mid-run, each new worker resumes the polls; one delivery", async () => {
    const b = browser();
    const worker = await b.wakeWorker();
    const id = await startRun(SLOW);
    value(await worker.do("trackRun", id));
    for (let i = 0; i < 3; i++) {
      await sleep(250);
      await b.stopWorker();
      await until("a new worker", () => b.worker && !b.worker.stopped);
    }
    await until("the delivery", () => calls(b, id).length === 1);
    assert.ok(b.workerStarts >= 4);
    await sleep(300);
    assert.deepEqual(calls(b, id).map((c) => [c.attempt, c.status]), [[1, "completed"]]);
  });
});

describe("storage", () => {
  test("session by default: a browser restart forgets the run; persist: true keeps it and it is delivered after", async () => {
    const b = browser();
    const worker = await b.wakeWorker();
    const [session, local] = [await startRun(SLOW), await startRun(SLOW)];
    value(await worker.do("trackRun", session));
    value(await worker.do("trackRun", local, { persist: true }));
    assert.ok(b.stored("session")[PREFIX + session] && b.stored("local")[PREFIX + local]);
    await b.restart();
    await until("the persisted run delivered", () => calls(b, local).length === 1);
    assert.equal(calls(b, local)[0].status, "completed");
    await sleep(300);
    assert.equal(calls(b, session).length, 0);
    const page = await b.openPage();
    assert.deepEqual(value(await page.do("trackedRuns")).map((r) => r.id), [local]);
  });

  test("no API key is stored unless the extension asks (storeApiKey)", async () => {
    const b = browser({ background: { keyFromGetter: undefined } });
    const worker = await b.wakeWorker();
    const [a, c] = [await startRun(), await startRun()];
    value(await worker.do("trackRun", a, { apiKey: KEY }));
    await until("delivered", () => calls(b, a).length === 1);
    assert.equal(calls(b, a)[0].status, "completed", "the key given to trackRun is used by this worker");
    assert.doesNotMatch(JSON.stringify([b.stored("session"), b.stored("local")]), new RegExp(KEY));
    value(await worker.do("trackRun", c, { apiKey: KEY, storeApiKey: true, persist: true }));
    assert.match(JSON.stringify(b.stored("local")), new RegExp(KEY));
  });

  test("the key getter is called at each poll", async () => {
    const own = await fastEmulator({ apiKey: KEY }); // its requests are this test's alone
    const b = browser({ background: { baseUrl: own.baseUrl } });
    const worker = await b.wakeWorker();
    const id = await startRun(SLOW, own);
    const before = own.stats.requests;
    value(await worker.do("trackRun", id));
    await until("delivered", () => calls(b, id).length === 1);
    await own.close();
    const polls = own.stats.requests - before;
    const reads = b.reports.filter((r) => r.what.keyRead).length;
    assert.ok(polls > 5, `${polls} polls`);
    assert.ok(reads >= polls, `${reads} key reads for ${polls} polls`);
  });

  test("a key given to trackRun in a page is refused (the page does not poll), unless stored", async () => {
    const page = await browser().openPage();
    const answer = await page.do("trackRun", GREETER, { apiKey: KEY });
    assert.equal(answer.error.name, "ValidationError");
    assert.match(answer.error.message, /setTrackingOptions|storeApiKey/);
  });

  test("a worker with no key at all delivers the run with an AuthenticationError that says where to give one", async () => {
    const b = browser({ background: { keyFromGetter: undefined, baseUrl: undefined } });
    const worker = await b.wakeWorker();
    value(await worker.do("trackRun", MISSING_RUN));
    await until("delivered", () => calls(b, MISSING_RUN).length === 1);
    const [call] = calls(b, MISSING_RUN);
    assert.equal(call.error.name, "AuthenticationError");
    assert.match(call.error.message, /setTrackingOptions\(\{ apiKey \}\)/);
  });

  test("records ended over a day ago are dropped when the worker starts", async () => {
    const b = browser();
    const old = { id: MISSING_RUN, token: "t", persist: false, state: "delivered", trackedAt: 0, deadline: null, options: {}, after: null, run: null, error: null, endedAt: Date.now() - 25 * 3600_000, attempt: 1, deliveredAt: 0 };
    b.storage.session.set(PREFIX + MISSING_RUN, old);
    await b.wakeWorker();
    await until("dropped", () => !b.stored()[PREFIX + MISSING_RUN]);
  });
});

describe("ends other than the run's", () => {
  test("a run that does not exist is delivered with a NotFoundError; waitForTrackedRun rejects with one", async () => {
    const b = browser();
    const worker = await b.wakeWorker();
    const page = await b.openPage();
    value(await worker.do("trackRun", MISSING_RUN));
    const answer = await page.do("waitForTrackedRun", MISSING_RUN);
    assert.equal(answer.error?.name, "NotFoundError");
    await until("delivered", () => calls(b, MISSING_RUN).length === 1);
    assert.equal(calls(b, MISSING_RUN)[0].error.name, "NotFoundError");
  });

  test("maxWaitMs counts across worker restarts: WaitTimeoutError with the last run read", async () => {
    const b = browser();
    const worker = await b.wakeWorker();
    const page = await b.openPage();
    const id = await startRun(SLOW);
    value(await worker.do("trackRun", id, { maxWaitMs: 600 }));
    await sleep(200);
    await b.stopWorker();
    const answer = await page.do("waitForTrackedRun", id);
    assert.equal(answer.error?.name, "WaitTimeoutError");
    assert.equal(answer.error.lastRunStatus, "in_progress");
    const [call] = await until("delivered", () => calls(b, id).length === 1 && calls(b, id));
    assert.equal(call.error.name, "WaitTimeoutError");
    assert.equal(call.status, "in_progress");
  });

  test("untrackRun forgets the run: waits reject, polls stop, no delivery", async (t) => {
    const own = await fastEmulator({ apiKey: KEY }); // its requests are this test's alone
    t.after(() => own.close());
    const b = browser({ background: { baseUrl: own.baseUrl } });
    const worker = await b.wakeWorker();
    const page = await b.openPage();
    const id = await startRun(SLOW, own);
    value(await page.do("trackRun", id));
    const waited = page.do("waitForTrackedRun", id);
    await sleep(300);
    assert.equal(value(await page.do("untrackRun", id)), true);
    assert.match((await waited).error.message, /is not tracked/);
    await sleep(100);
    const requests = own.stats.requests;
    await sleep(400);
    assert.equal(own.stats.requests, requests, "no poll after untrackRun");
    assert.equal(calls(b, id).length, 0);
    assert.equal(value(await worker.do("untrackRun", id)), false);
  });
});

test("after a continue, the run's new end is delivered, not the state before it, across a worker stop", async () => {
  const stale = await fastEmulator({ apiKey: KEY, staleMs: 400 });
  try {
    const b = browser({ background: { baseUrl: stale.baseUrl } });
    const worker = await b.wakeWorker();
    const options = { apiKey: KEY, baseUrl: stale.baseUrl };
    const created = await fetch(`${stale.baseUrl}/agent-runs`, { method: "POST", headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" }, body: JSON.stringify({ chat_id: GREETER, vars: { name: "Ada", topic: "owls" } }) }).then((r) => r.json());
    const id = created.data.id;
    value(await worker.do("trackRun", id));
    await until("the first end", () => calls(b, id).length === 1);
    // Stopped as soon as the new tracking (with its `after`) is stored.
    b.stopWorkerAt = ({ method, args }) => {
      const record = method === "storage.set" ? Object.values(args[1])[0] : null;
      if (record?.state !== "tracking" || record.after === null) return false;
      b.stopWorkerAt = null;
      return true;
    };
    assert.equal((await worker.do("continueAndTrack", id, "more please", options, {})).error?.name, "Stopped");
    assert.equal(b.workerStarts, 1);
    await until("the second end", () => calls(b, id).length === 2);
    assert.match(calls(b, id)[1].message, /You said: "more please"/);
  } finally {
    await stale.close();
  }
});
