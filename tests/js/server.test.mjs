// toolhouse-agent-runs/server as a web app uses it: a page-side client with no key
// creates, waits for and continues runs through the handler (node:http, and called as a
// plain Request → Response function as Workers, Deno and Bun do), against the emulator;
// callbacks signed, received, confirmed; the handler's options checked.
// (The attacks are in server-attacks.test.mjs.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AgentRuns, NotFoundError, PermissionDeniedError, RunNotCompletedError, ValidationError } from "../../pkg/index.js";
import * as server from "../../pkg/server.js";
import { createAgentRunsHandler, createCallbackHandler, signCallbackUrl, toNodeListener } from "../../pkg/server.js";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { GREETER, BROKEN, UNKNOWN_CHAT, MISSING_RUN, fastEmulator } from "./helpers.mjs";
import { KEY, SECRET, PREFIX, authorize, startProxy, serve, rawRequest } from "./server-helpers.mjs";

let proxy;
before(async () => {
  proxy = await startProxy({ chats: [GREETER, BROKEN, UNKNOWN_CHAT] });
});
after(() => proxy.close());

test("a page with no key creates, waits for and continues a run through the handler on node:http", async () => {
  const page = proxy.page("alice");
  const created = await page.createRun({ chatId: GREETER, vars: { name: "Ada", topic: "owls" } });
  assert.equal(created.status, "queued");
  assert.equal(created.toolhouseId, "alice", "the server wrote the user into the run");
  const done = await page.waitForRun(created.id);
  assert.equal(done.status, "completed");
  assert.match(done.lastAgentMessage, /^Hello Ada!/);
  const continued = await page.continueRun(created.id, "Thanks!");
  const again = await page.waitForRun(created.id, { after: continued });
  assert.match(again.lastAgentMessage, /You said: "Thanks!"/);
  // Upstream, the key went with every request; the page never had it.
  const hits = proxy.upstream.filter((r) => r.url.includes(created.id) || r.method === "POST");
  assert.ok(hits.length >= 4);
});

test("the list holds only the user's own runs", async () => {
  const alice = proxy.page("alice");
  const bob = proxy.page("bob");
  const a = await alice.createRun({ chatId: GREETER, vars: { name: "A", topic: "t" } });
  const b = await bob.createRun({ chatId: GREETER, vars: { name: "B", topic: "t" } });
  const aliceRuns = await alice.listRuns();
  const bobRuns = await bob.listRuns();
  assert.ok(aliceRuns.length > 0 && aliceRuns.every((r) => r.toolhouseId === "alice"));
  assert.ok(bobRuns.every((r) => r.toolhouseId === "bob"));
  assert.ok(aliceRuns.some((r) => r.id === a.id) && !aliceRuns.some((r) => r.id === b.id));
  assert.ok(bobRuns.some((r) => r.id === b.id) && !bobRuns.some((r) => r.id === a.id));
});

test("the handler is a plain Request → Response function (as Workers, Deno.serve and Bun.serve call it)", async () => {
  const upstream = [];
  const handler = createAgentRunsHandler({
    apiKey: KEY, baseUrl: proxy.emulator.baseUrl, authorize, chats: [GREETER],
    fetch: (url, init) => (upstream.push(url), fetch(url, init)),
  });
  const page = new AgentRuns({
    baseUrl: `https://app.example${PREFIX}`,
    fetch: (url, init) => handler(new Request(url, { ...init, headers: { ...init?.headers, "x-user": "carol" } })),
    pollIntervalMs: 100,
  });
  const run = await page.createAndWait({ chatId: GREETER, vars: { name: "Cy", topic: "bees" } });
  assert.equal(run.status, "completed");
  assert.equal(run.toolhouseId, "carol");
  const again = await page.continueAndWait(run.id, "more");
  assert.match(again.lastAgentMessage, /You said: "more"/);
  assert.ok(upstream.length > 0);
});

test("upstream errors pass through with their status and detail", async () => {
  const page = proxy.page("alice");
  // A chat the handler allows but the key does not own: the service's 403.
  const denied = await page.createRun({ chatId: UNKNOWN_CHAT }).catch((e) => e);
  assert.ok(denied instanceof PermissionDeniedError, String(denied));
  assert.equal(denied.status, 403);
  assert.deepEqual(denied.body, { detail: "Chat ID is invalid or does not belong to you" });
  // Continue of a run that has not completed: the service's 406.
  const run = await page.createRun({ chatId: GREETER, vars: { name: "A", topic: "t" } });
  const early = await page.continueRun(run.id, "too soon").catch((e) => e);
  assert.ok(early instanceof RunNotCompletedError, String(early));
  assert.deepEqual(early.body, { detail: "You can only add messages to completed runs" });
  // An unknown run: the service's 404.
  const missing = await page.getRun(MISSING_RUN).catch((e) => e);
  assert.ok(missing instanceof NotFoundError);
  assert.deepEqual(missing.body, { detail: "Agent run not found" });
});

test("bad input the server's client catches is a 422 the page reads as a ValidationError", async () => {
  // A var that is an object: the page's own client would catch it; sent as it is, the
  // server's client does, and the page gets the service's shape of a 422.
  const answer = await proxy.raw("POST", `${PREFIX}/agent-runs`, { body: JSON.stringify({ chat_id: GREETER, vars: { n: { deep: 1 } } }) });
  assert.equal(answer.status, 422);
  assert.ok(Array.isArray(JSON.parse(answer.body).detail));
  const notJson = await proxy.raw("POST", `${PREFIX}/agent-runs`, { body: "{not json" });
  assert.equal(notJson.status, 422);
  const noChat = await proxy.raw("POST", `${PREFIX}/agent-runs`, { body: "{}" });
  assert.equal(noChat.status, 422);
  const message = await proxy.raw("PUT", `${PREFIX}/agent-runs/${MISSING_RUN}`, { body: "[1]" });
  assert.equal(message.status, 422);
});

test("the upstream's transient failures are retried as the client retries them", async () => {
  const page = proxy.page("alice");
  const run = await page.createRun({ chatId: GREETER, vars: { name: "A", topic: "t" } });
  const before = proxy.upstream.length;
  proxy.emulator.addFault({ kind: "status", status: 503, method: "GET", path: `/v1/agent-runs/${run.id}`, times: 1 });
  const read = await page.getRun(run.id);
  assert.equal(read.id, run.id);
  assert.equal(proxy.upstream.length - before, 2, "one 503, then the retry");
  // A create is not retried after a 5xx (the service may have acted): the 503 comes through.
  proxy.emulator.addFault({ kind: "status", status: 503, method: "POST", path: "/v1/agent-runs", times: 1 });
  const failed = await page.createRun({ chatId: GREETER }).catch((e) => e);
  assert.equal(failed.status, 503);
});

test("toNodeListener passes requests outside the prefix to Express's next, and reads originalUrl", async () => {
  const listener = toNodeListener(proxy.handler);
  const seen = [];
  const site = await serve((req, res) => {
    // As Express does for app.use("/api", …): req.url cut, originalUrl whole.
    if (req.url.startsWith("/api/")) {
      req.originalUrl = req.url;
      req.url = req.url.slice(4);
    }
    listener(req, res, async () => {
      seen.push(req.originalUrl ?? req.url);
      let body = "";
      for await (const chunk of req) body += chunk;
      res.writeHead(200, { "content-type": "text/plain" }).end(`the app's own route${body ? `, with ${body}` : ""}`);
    });
  });
  try {
    const other = await rawRequest(site.origin, "GET", "/about", {});
    assert.equal(other.body, "the app's own route");
    // A body of the app's own is left for it, untouched.
    const upload = await rawRequest(site.origin, "POST", "/upload", {}, "x".repeat(100_000));
    assert.equal(upload.body, `the app's own route, with ${"x".repeat(100_000)}`);
    const ours = await rawRequest(site.origin, "GET", `${PREFIX}/agent-runs`, { "x-user": "alice" });
    assert.equal(ours.status, 200);
    assert.ok(Array.isArray(JSON.parse(ours.body).data));
    const trick = await rawRequest(site.origin, "GET", `${PREFIX}/nope`, { "x-user": "alice" });
    assert.equal(trick.status, 404, "under the prefix: answered, not passed on");
    assert.deepEqual(seen, ["/about", "/upload"]);
  } finally {
    await site.close();
  }
});

test("a callback is signed per run by the server, received, confirmed with getRun and handed over once", async () => {
  const confirmed = [];
  let listener; // the receiver's URL is needed before its emulator exists
  const receiver = await serve((req, res) => listener(req, res));
  const withCallbacks = await startProxy({ callbackUrl: `${receiver.origin}${PREFIX}/callback?app=demo`, callbackSecret: SECRET });
  const callbacks = createCallbackHandler({ secret: SECRET, apiKey: KEY, baseUrl: withCallbacks.emulator.baseUrl, onRun: (run) => confirmed.push(run) });
  listener = toNodeListener(callbacks);
  try {
    const page = withCallbacks.page("alice");
    const created = await page.createRun({ chatId: GREETER, vars: { name: "Ada", topic: "owls" }, callbackUrl: "https://evil.example/steal" });
    // The page sees the server's callback URL without its token.
    assert.equal(created.callbackUrl, `${receiver.origin}${PREFIX}/callback?app=demo`);
    const upstreamCreate = withCallbacks.upstream.find((r) => r.method === "POST");
    const sent = JSON.parse(upstreamCreate.body);
    assert.match(sent.callback_url, /th_expires=\d+&th_signature=[0-9a-f]{64}$/);
    assert.equal(sent.toolhouse_id, "alice");
    await page.waitForRun(created.id);
    await until(() => confirmed.length > 0);
    assert.equal(confirmed.length, 1);
    assert.equal(confirmed[0].id, created.id);
    assert.equal(confirmed[0].status, "completed");
    assert.match(confirmed[0].lastAgentMessage, /^Hello Ada!/, "the confirmed run, read with getRun");
  } finally {
    await withCallbacks.close();
    await receiver.close();
  }
});

test("callbacks are read flat or wrapped in data", async () => {
  const emulator = await fastEmulator({ apiKey: KEY, callbackShape: "wrapped" });
  const confirmed = [];
  const callbacks = createCallbackHandler({ secret: SECRET, apiKey: KEY, baseUrl: emulator.baseUrl, onRun: (run) => confirmed.push(run) });
  const receiver = await serve(toNodeListener(callbacks));
  try {
    const url = await signCallbackUrl(`${receiver.origin}/hook`, { secret: SECRET });
    const client = new AgentRuns({ apiKey: KEY, baseUrl: emulator.baseUrl });
    const run = await client.createRun({ chatId: BROKEN, vars: { city: "Oslo" }, callbackUrl: url });
    await until(() => confirmed.length > 0);
    assert.equal(confirmed[0].id, run.id);
    assert.equal(confirmed[0].status, "failed");
  } finally {
    await receiver.close();
    await emulator.close();
  }
});

test("a shared store decides across instances: the second instance does not hand over a state again", async () => {
  const emulator = await fastEmulator({ apiKey: KEY });
  try {
    const client = new AgentRuns({ apiKey: KEY, baseUrl: emulator.baseUrl });
    const run = await client.createAndWait({ chatId: GREETER, vars: { name: "A", topic: "t" } }, { pollIntervalMs: 100 });
    const shared = new Set();
    const store = { add: async (key) => (shared.has(key) ? false : (shared.add(key), true)), delete: (key) => shared.delete(key) };
    const handed = [];
    const make = () => createCallbackHandler({ secret: SECRET, apiKey: KEY, baseUrl: emulator.baseUrl, store, onRun: (r) => handed.push(r) });
    const [one, two] = [make(), make()];
    const url = await signCallbackUrl("https://app.example/hook", { secret: SECRET });
    const post = (h) => h(new Request(url, { method: "POST", body: JSON.stringify({ run_id: run.id, status: "completed" }) }));
    assert.equal((await post(one)).status, 204);
    assert.equal((await post(two)).status, 204);
    assert.equal(handed.length, 1);
    // onRun throwing: 500, and the state is forgotten so that the next try is delivered.
    const failing = createCallbackHandler({ secret: SECRET, apiKey: KEY, baseUrl: emulator.baseUrl, onRun: () => { throw new Error("db down"); } });
    const quiet = console.error;
    console.error = () => {};
    try {
      assert.equal((await post(failing)).status, 500);
      assert.equal((await post(failing)).status, 500, "tried again, not taken for a duplicate");
    } finally {
      console.error = quiet;
    }
  } finally {
    await emulator.close();
  }
});

test("signCallbackUrl keeps the URL's own parameters and replaces a token already there", async () => {
  const once = await signCallbackUrl("https://app.example/hook?user=u%2042&a=1&a=2#frag", { secret: SECRET, expiresInMs: 60_000 });
  const url = new URL(once);
  assert.deepEqual(url.searchParams.getAll("a"), ["1", "2"]);
  assert.equal(url.searchParams.get("user"), "u 42");
  const expires = Number(url.searchParams.get("th_expires"));
  assert.ok(expires > Date.now() && expires <= Date.now() + 60_000);
  const twice = new URL(await signCallbackUrl(once, { secret: SECRET }));
  assert.equal(twice.searchParams.getAll("th_signature").length, 1);
  assert.equal(twice.searchParams.getAll("th_expires").length, 1);
  await assert.rejects(signCallbackUrl("https://app.example/", { secret: "short" }), ValidationError);
  await assert.rejects(signCallbackUrl("/relative", { secret: SECRET }), ValidationError);
});

test("a handler with options it cannot work with refuses to start", () => {
  const base = { apiKey: KEY, authorize, chats: [GREETER] };
  const refused = (options, pattern) => assert.throws(() => createAgentRunsHandler(options), (e) => e instanceof ValidationError && pattern.test(e.message));
  refused({ apiKey: KEY, authorize }, /chats/);
  refused({ ...base, chats: "all" }, /chats/);
  refused({ ...base, chats: ["not-a-uuid"] }, /chats/);
  refused({ ...base, authorize: undefined }, /authorize/);
  refused({ ...base, prefix: "api" }, /prefix/);
  refused({ ...base, prefix: "/api/../x" }, /prefix/);
  refused({ ...base, rateLimit: { requests: 0 } }, /rateLimit/);
  refused({ ...base, rateLimit: { requests: "60" } }, /rateLimit/);
  refused({ ...base, maxBodyBytes: -1 }, /maxBodyBytes/);
  refused({ ...base, callbackUrl: "https://app.example/cb" }, /callbackSecret/);
  refused({ ...base, callbackUrl: "https://app.example/cb", callbackSecret: "short" }, /callbackSecret/);
  assert.throws(() => createCallbackHandler({ apiKey: KEY, onRun() {} }), ValidationError);
  assert.throws(() => createCallbackHandler({ apiKey: KEY, secret: SECRET }), ValidationError);
  assert.equal(typeof createAgentRunsHandler({ ...base, chats: () => true }), "function");
});

test("the .d.ts declares exactly the functions the entry exports, ESM and CommonJS alike", async () => {
  const ts = (await import("typescript")).default;
  const text = readFileSync(new URL("../../pkg/server.d.ts", import.meta.url), "utf8");
  const file = ts.createSourceFile("server.d.ts", text, ts.ScriptTarget.ES2022, true);
  const declared = file.statements.filter((n) => ts.isFunctionDeclaration(n) && n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)).map((n) => n.name.text).sort();
  assert.deepEqual(Object.keys(server).sort(), declared);
  const cjs = createRequire(import.meta.url)("../../pkg/server.cjs");
  assert.deepEqual(Object.keys(cjs).sort(), declared);
  assert.match(readFileSync(new URL("../../pkg/server.d.cts", import.meta.url), "utf8"), /from "\.\/index\.cjs"/);
});

test("the server half adds nothing to the default entry: it is a module of its own over the client's public API", () => {
  const index = readFileSync(new URL("../../pkg/index.js", import.meta.url), "utf8");
  assert.doesNotMatch(index, /server_policy|createAgentRunsHandler|callbackTokenHolds/);
  const entry = readFileSync(new URL("../../pkg/server.js", import.meta.url), "utf8");
  assert.match(entry, /from"\.\/index\.js"/, "the client is imported, not embedded again");
  assert.ok(entry.length < 150_000, `${entry.length} bytes`);
});

/** Waits until `check()` holds, 5 s at most. */
async function until(check) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
