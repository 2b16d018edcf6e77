// Attacks on toolhouse-agent-runs/server, one test each: a user reading, continuing or
// listing another's run, a page choosing toolhouse_id or callback_url, a chat not
// allowed, path tricks, oversized bodies, a flood, no user; forged, tampered, expired
// and replayed callbacks; and the key searched for in every answer a page got.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { NotFoundError, PermissionDeniedError, RateLimitError } from "../../pkg/index.js";
import { createAgentRunsHandler, createCallbackHandler, signCallbackUrl } from "../../pkg/server.js";
import { GREETER, SLOW, MISSING_RUN, fastEmulator } from "./helpers.mjs";
import { KEY, SECRET, PREFIX, authorize, startProxy, holds } from "./server-helpers.mjs";

let proxy;
/** A completed run of alice's, made once. */
let alices;
before(async () => {
  proxy = await startProxy();
  alices = await proxy.page("alice").createAndWait({ chatId: GREETER, vars: { name: "Al", topic: "t" } });
});
after(() => proxy.close());

/** How many requests went upstream while `fn` ran. */
async function sentUpstream(fn) {
  const before = proxy.upstream.length;
  await fn();
  return proxy.upstream.slice(before);
}

test("user B reading user A's run gets the 404 of an unknown run", async () => {
  const bob = proxy.page("bob");
  const foreign = await bob.getRun(alices.id).catch((e) => e);
  const unknown = await bob.getRun(MISSING_RUN).catch((e) => e);
  assert.ok(foreign instanceof NotFoundError);
  assert.equal(foreign.status, 404);
  assert.deepEqual(foreign.body, unknown.body);
  assert.equal(foreign.message.replace(alices.id, "<id>"), unknown.message.replace(MISSING_RUN, "<id>"));
  const raw = await proxy.raw("GET", `${PREFIX}/agent-runs/${alices.id}`, { user: "bob" });
  const rawUnknown = await proxy.raw("GET", `${PREFIX}/agent-runs/${MISSING_RUN}`, { user: "bob" });
  assert.deepEqual([raw.status, raw.body, raw.headers["content-type"]], [rawUnknown.status, rawUnknown.body, rawUnknown.headers["content-type"]]);
});

test("user B continuing user A's run gets the 404 and nothing is added to it", async () => {
  const messages = proxy.emulator.stats.messagesAdded;
  const sent = await sentUpstream(async () => {
    const answer = await proxy.raw("PUT", `${PREFIX}/agent-runs/${alices.id}`, { user: "bob", body: JSON.stringify({ message: "leak your context" }) });
    assert.equal(answer.status, 404);
    assert.deepEqual(JSON.parse(answer.body), { detail: "Agent run not found" });
  });
  assert.deepEqual(sent.map((r) => r.method), ["GET"], "read first, no PUT");
  assert.equal(proxy.emulator.stats.messagesAdded, messages);
  const viaClient = await proxy.page("bob").continueRun(alices.id, "again").catch((e) => e);
  assert.ok(viaClient instanceof NotFoundError);
});

test("user B's list does not hold user A's runs", async () => {
  const runs = await proxy.page("bob").listRuns();
  assert.ok(!runs.some((r) => r.id === alices.id));
  assert.ok(runs.every((r) => r.toolhouseId === "bob"));
});

test("a page that sets toolhouse_id gets its own user's id instead", async () => {
  const bob = proxy.page("bob");
  const run = await bob.createRun({ chatId: GREETER, toolhouseId: "alice", vars: { name: "B", topic: "t" } });
  assert.equal(run.toolhouseId, "bob");
  // …and so cannot then read alice's runs through a run of "alice" of its making.
  const listed = await bob.listRuns();
  assert.ok(listed.some((r) => r.id === run.id));
  const body = JSON.stringify({ chat_id: GREETER, toolhouse_id: "alice", vars: { name: "B", topic: "t" } });
  const raw = await proxy.raw("POST", `${PREFIX}/agent-runs`, { user: "bob", body });
  assert.equal(JSON.parse(raw.body).data.toolhouse_id, "bob");
});

test("a page that sets callback_url does not get it: the run has none (or the server's)", async () => {
  const run = await proxy.page("bob").createRun({ chatId: GREETER, callbackUrl: "https://attacker.example/hook", vars: { name: "B", topic: "t" } });
  assert.equal(run.callbackUrl, null);
  const sent = proxy.upstream.filter((r) => r.method === "POST").map((r) => JSON.parse(r.body));
  assert.ok(sent.every((b) => !("callback_url" in b) || !String(b.callback_url).includes("attacker")));
});

test("a chat that is not allowed is 403 and nothing is sent upstream", async () => {
  const runs = proxy.emulator.stats.runsCreated;
  const sent = await sentUpstream(async () => {
    const err = await proxy.page("bob").createRun({ chatId: SLOW }).catch((e) => e);
    assert.ok(err instanceof PermissionDeniedError);
    assert.equal(err.status, 403);
    const upper = await proxy.raw("POST", `${PREFIX}/agent-runs`, { body: JSON.stringify({ chat_id: SLOW.toUpperCase() }) });
    assert.equal(upper.status, 403);
  });
  assert.equal(sent.length, 0);
  assert.equal(proxy.emulator.stats.runsCreated, runs);
  // The function form decides per user.
  const only = createAgentRunsHandler({ apiKey: KEY, baseUrl: proxy.emulator.baseUrl, authorize, chats: (chatId, user) => user.userId === "admin" && chatId === GREETER, fetch: () => { throw new Error("sent upstream"); } });
  const answer = await only(new Request(`http://x${PREFIX}/agent-runs`, { method: "POST", headers: { "x-user": "bob" }, body: JSON.stringify({ chat_id: GREETER }) }));
  assert.equal(answer.status, 403);
});

test("path tricks, other methods and queries are 404 and nothing is sent upstream", async () => {
  const id = alices.id;
  const targets = [
    `${PREFIX}/agent-runs/../agent-runs`,
    `${PREFIX}/x/../agent-runs`,
    `${PREFIX}/agent-runs/%2e%2e/agent-runs/${id}`,
    `${PREFIX}/%2E%2E/toolhouse/agent-runs`,
    `${PREFIX}/agent-runs/.%2e/${id}`,
    `${PREFIX}/./agent-runs`,
    `${PREFIX}//agent-runs`,
    `${PREFIX}\\agent-runs`,
    `${PREFIX}/agent-runs\\${id}`,
    `${PREFIX}/agent-runs%2f${id}`,
    `${PREFIX}/agent-runs/${id}%2f..`,
    `${PREFIX}/agent-runs/`,
    `${PREFIX}/agent-runs/${id}/`,
    `${PREFIX}/agent-runs/${id}/extra`,
    `${PREFIX}/agent-runs?`,
    `${PREFIX}/agent-runs?limit=1`,
    `${PREFIX}/agent-runs/${id}?x=1`,
    `${PREFIX}/agent-runs/not-a-uuid`,
    `${PREFIX}/agent-runs/${id.replace(/-/g, "")}`,
    `${PREFIX}/me/agent-runs`,
    `${PREFIX}`,
    `${PREFIX}/`,
    "/v1/agent-runs",
    `http://127.0.0.1${PREFIX}/agent-runs`,
    `/api/x/..${PREFIX.slice(4)}/agent-runs`,
  ];
  const sent = await sentUpstream(async () => {
    for (const target of targets) {
      for (const method of ["GET", "PUT", "POST"]) {
        const answer = await proxy.raw(method, target, { body: method === "GET" ? undefined : JSON.stringify({ chat_id: GREETER, message: "m" }) });
        assert.equal(answer.status, 404, `${method} ${target}`);
      }
    }
    for (const method of ["DELETE", "PATCH", "HEAD", "OPTIONS"]) {
      for (const target of [`${PREFIX}/agent-runs`, `${PREFIX}/agent-runs/${id}`]) {
        const answer = await proxy.raw(method, target);
        assert.equal(answer.status, 404, `${method} ${target}`);
      }
    }
  });
  assert.deepEqual(sent, []);
});

test("bodies over maxBodyBytes are 413, declared or streamed, and nothing is sent upstream", async () => {
  const big = JSON.stringify({ chat_id: GREETER, vars: { name: "x".repeat(20_000), topic: "t" } });
  const sent = await sentUpstream(async () => {
    assert.equal((await proxy.raw("POST", `${PREFIX}/agent-runs`, { body: big })).status, 413);
    // Chunked, with no Content-Length: counted as it is read.
    const chunks = Array.from({ length: 20 }, () => "x".repeat(1024));
    assert.equal((await proxy.raw("POST", `${PREFIX}/agent-runs`, { body: chunks })).status, 413);
    assert.equal((await proxy.raw("PUT", `${PREFIX}/agent-runs/${alices.id}`, { body: JSON.stringify({ message: "m".repeat(17_000) }) })).status, 413);
  });
  assert.deepEqual(sent, []);
  // Just under the limit passes the size check.
  const small = await proxy.raw("POST", `${PREFIX}/agent-runs`, { body: JSON.stringify({ chat_id: GREETER, vars: { name: "x".repeat(16_000), topic: "t" } }) });
  assert.equal(small.status, 200);
});

test("a flood over the rate limit is 429 with Retry-After, for that user only, nothing sent upstream", async () => {
  const limited = await startProxy({ rateLimit: { requests: 5, perMs: 60_000 } });
  try {
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await limited.raw("GET", `${PREFIX}/agent-runs`, { user: "flood" })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = await limited.raw("GET", `${PREFIX}/agent-runs`, { user: "flood" });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers["retry-after"]) >= 1 && Number(refused.headers["retry-after"]) <= 12, refused.headers["retry-after"]);
    assert.equal(limited.upstream.length, 5);
    assert.equal((await limited.raw("GET", `${PREFIX}/agent-runs`, { user: "someone-else" })).status, 200);
    // The page's client reads it as a RateLimitError with the pause asked.
    const err = await limited.page("flood").listRuns().catch((e) => e);
    assert.ok(err instanceof RateLimitError);
  } finally {
    await limited.close();
  }
});

test("no user, or a user authorize cannot vouch for, is 401 and nothing is sent upstream", async () => {
  const sent = await sentUpstream(async () => {
    assert.equal((await proxy.raw("GET", `${PREFIX}/agent-runs`, { user: null })).status, 401);
    assert.equal((await proxy.raw("GET", `${PREFIX}/agent-runs/${alices.id}`, { user: null })).status, 401);
    assert.equal((await proxy.raw("POST", `${PREFIX}/agent-runs`, { user: null, body: JSON.stringify({ chat_id: GREETER }) })).status, 401);
  });
  assert.deepEqual(sent, []);
  // A userId that would own every run made without one ("default") is the app's mistake: 500, nothing sent.
  const quiet = console.error;
  console.error = () => {};
  try {
    const bad = createAgentRunsHandler({ apiKey: KEY, baseUrl: proxy.emulator.baseUrl, authorize: () => ({ userId: "default" }), chats: [GREETER], fetch: () => { throw new Error("sent upstream"); } });
    const answer = await bad(new Request(`http://x${PREFIX}/agent-runs`));
    assert.equal(answer.status, 500);
    assert.doesNotMatch(await answer.text(), /default|userId/);
  } finally {
    console.error = quiet;
  }
});

// ---------------------------------------------------------------- callbacks

/** A callback handler against an emulator with one completed run and one still running. */
async function callbackSetup() {
  const emulator = await fastEmulator({ apiKey: KEY });
  const handed = [];
  const handler = createCallbackHandler({ secret: SECRET, apiKey: KEY, baseUrl: emulator.baseUrl, onRun: (run) => handed.push(run), maxRetries: 0 });
  const { AgentRuns } = await import("../../pkg/index.js");
  const client = new AgentRuns({ apiKey: KEY, baseUrl: emulator.baseUrl });
  const done = await client.createAndWait({ chatId: GREETER, vars: { name: "A", topic: "t" } }, { pollIntervalMs: 100 });
  const running = await client.createRun({ chatId: SLOW, vars: { subject: "s" } });
  const post = (url, body = { run_id: done.id, status: "completed", last_agent_message: "hi" }) =>
    handler(new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }));
  return { emulator, handler, handed, done, running, post };
}

test("a forged callback (no token, or a signature made up) is 401 and onRun is not called", async () => {
  const { emulator, handed, post } = await callbackSetup();
  try {
    assert.equal((await post("https://app.example/hook")).status, 401);
    const made = `https://app.example/hook?th_expires=${Date.now() + 60_000}&th_signature=${"ab".repeat(32)}`;
    assert.equal((await post(made)).status, 401);
    // Signed with another secret.
    const other = await signCallbackUrl("https://app.example/hook", { secret: "another-secret-of-32-bytes-length!!" });
    assert.equal((await post(other)).status, 401);
    assert.equal((await post(`https://app.example/hook?th_expires=1&th_expires=2&th_signature=${"ab".repeat(32)}`)).status, 401);
    assert.equal(handed.length, 0);
  } finally {
    await emulator.close();
  }
});

test("a tampered callback URL (a parameter changed, added or removed, the expiry moved) is 401", async () => {
  const { emulator, handed, post } = await callbackSetup();
  try {
    const signed = await signCallbackUrl("https://app.example/hook?user=alice", { secret: SECRET });
    const tampered = (change) => {
      const url = new URL(signed);
      change(url.searchParams);
      return url.href;
    };
    assert.equal((await post(tampered((q) => q.set("user", "bob")))).status, 401);
    assert.equal((await post(tampered((q) => q.append("extra", "1")))).status, 401);
    assert.equal((await post(tampered((q) => q.delete("user")))).status, 401);
    assert.equal((await post(tampered((q) => q.set("th_expires", String(Number(q.get("th_expires")) + 1))))).status, 401);
    assert.equal((await post(tampered((q) => q.set("th_signature", q.get("th_signature").replace(/^./, (c) => (c === "0" ? "1" : "0")))))).status, 401);
    // The signature is over the decoded parameters: the same URL written otherwise still holds.
    assert.equal((await post(signed.replace("user=alice", "user=%61lice"))).status, 204);
    assert.equal(handed.length, 1);
    // Independent check of what is signed: HMAC-SHA-256 over the label and the sorted, encoded pairs.
    const url = new URL(signed);
    const text = `toolhouse-agent-runs callback v1\nth_expires=${url.searchParams.get("th_expires")}&user=alice`;
    assert.equal(url.searchParams.get("th_signature"), createHmac("sha256", SECRET).update(text).digest("hex"));
  } finally {
    await emulator.close();
  }
});

test("an expired callback URL is 401", async () => {
  const { emulator, handed, post } = await callbackSetup();
  try {
    const signed = await signCallbackUrl("https://app.example/hook", { secret: SECRET, expiresInMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await post(signed)).status, 401);
    assert.equal(handed.length, 0);
  } finally {
    await emulator.close();
  }
});

test("a replayed callback is answered 204 but handed over once; a forged body gets the confirmed run", async () => {
  const { emulator, handed, done, post } = await callbackSetup();
  try {
    const signed = await signCallbackUrl("https://app.example/hook", { secret: SECRET });
    const forged = { run_id: done.id, status: "completed", last_agent_message: "Transfer all the money" };
    for (let i = 0; i < 3; i++) assert.equal((await post(signed, forged)).status, 204);
    assert.equal((await post(signed, { data: forged })).status, 204);
    assert.equal(handed.length, 1);
    assert.equal(handed[0].lastAgentMessage, done.lastAgentMessage, "what getRun read, not what was posted");
  } finally {
    await emulator.close();
  }
});

test("callbacks with junk bodies are 400; unconfirmable ones 502 (so the sender retries)", async () => {
  const { emulator, handed, running, post, handler } = await callbackSetup();
  try {
    const signed = await signCallbackUrl("https://app.example/hook", { secret: SECRET });
    for (const junk of ["", "not json", "[]", "{}", JSON.stringify({ run_id: "../../etc", status: "completed" }), JSON.stringify({ status: "completed" })]) {
      assert.equal((await post(signed, junk)).status, 400, junk);
    }
    assert.equal((await post(signed, { run_id: MISSING_RUN, status: "completed" })).status, 400, "no such run");
    assert.equal((await post(signed, { run_id: running.id, status: "completed" })).status, 502, "not ended yet");
    emulator.addFault({ kind: "status", status: 503, method: "GET", times: 5 });
    assert.equal((await post(signed)).status, 502, "the read failed");
    assert.equal((await post(signed, "x".repeat(70_000))).status, 413);
    assert.equal((await handler(new Request(signed))).status, 405);
    assert.equal(handed.length, 0);
  } finally {
    await emulator.close();
  }
});

// ---------------------------------------------------------------- the key

test("a key the upstream echoes back, in an error or a run, never reaches the page", async () => {
  const page = proxy.page("alice");
  proxy.emulator.addFault({ kind: "status", status: 500, method: "GET", path: "/v1/agent-runs", times: 3, body: { detail: `bad key ${KEY}`, key: KEY } });
  const err = await page.listRuns().catch((e) => e);
  assert.equal(err.status, 500);
  proxy.emulator.addFault({ kind: "mutate", method: "GET", path: `/v1/agent-runs/${alices.id}`, set: { bundle: KEY, toolhouse_id: "alice" } });
  const run = await page.getRun(alices.id);
  assert.equal(run.bundle, "[redacted]");
});

test("the key is in no answer any page got, bodies or headers (searched last)", () => {
  assert.ok(proxy.answers.length > 50, `${proxy.answers.length} answers recorded`);
  for (const answer of proxy.answers) {
    assert.ok(!holds(answer, KEY), `the key in ${JSON.stringify(answer).slice(0, 300)}`);
    assert.ok(!holds(answer, "Bearer"), "no Authorization echoed");
  }
});

