// The emulator itself, over raw HTTP: its defaults behave as docs/service.md says the
// service does (field by field: emulator-spec.test.mjs), and its options as the README says.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fastEmulator, GREETER, BROKEN, SLOW, UNKNOWN_CHAT, MISSING_RUN } from "./helpers.mjs";

let emu;
const auth = { Authorization: "Bearer th-test", "Content-Type": "application/json" };
const call = async (method, path, body, headers = auth) => {
  const res = await fetch(emu.baseUrl + path, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
};
before(async () => (emu = await fastEmulator()));
after(() => emu.close());

test("requests without a Bearer key are 403 Not authenticated, or 401 with missingAuth: 401", async () => {
  for (const headers of [{}, { Authorization: "Basic dXNlcjpwdw==" }]) {
    const r = await call("GET", "/agent-runs", undefined, headers);
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, { detail: "Not authenticated" });
  }
  const newer = await fastEmulator({ missingAuth: 401 });
  try {
    const r = await fetch(`${newer.baseUrl}/agent-runs`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get("www-authenticate"), "Bearer");
    assert.deepEqual(await r.json(), { detail: "Not authenticated" });
  } finally {
    await newer.close();
  }
});

test("create answers the documented queued run", async () => {
  const r = await call("POST", "/agent-runs", { chat_id: GREETER, vars: { name: "Ada" } });
  assert.equal(r.status, 200);
  const run = r.body.data;
  assert.equal(run.status, "queued");
  assert.deepEqual(run.results, [], "the prompt joins the results when the run starts");
  assert.equal(run.last_agent_message, null);
  assert.equal(run.bundle, "default");
  assert.equal(run.toolhouse_id, "default");
  assert.match(run.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
});

test("a bad chat_id or a non-string var is a FastAPI-style 422", async () => {
  const bad = await call("POST", "/agent-runs", { chat_id: "nope" });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.detail[0].loc, ["body", "chat_id"]);
  assert.equal(typeof bad.body.detail[0].msg, "string");
  const nonString = await call("POST", "/agent-runs", { chat_id: GREETER, vars: { n: 3 } });
  assert.equal(nonString.status, 422);
  assert.deepEqual(nonString.body.detail[0].loc, ["body", "vars", "n"]);
  const notJson = await call("POST", "/agent-runs", "{oops");
  assert.equal(notJson.status, 422);
  for (const key of ["bundle", "toolhouse_id"]) {
    const nulled = await call("POST", "/agent-runs", { chat_id: GREETER, [key]: null });
    assert.equal(nulled.status, 422, `${key}: null`);
    assert.deepEqual(nulled.body.detail[0].loc, ["body", key]);
  }
  const schedule = await call("POST", "/agent-runs", { chat_id: GREETER, schedule_id: "weekly" });
  assert.deepEqual(schedule.body.detail[0].loc, ["body", "schedule_id"]);
  const nullable = await call("POST", "/agent-runs", { chat_id: GREETER, schedule_id: null, callback_url: null });
  assert.equal(nullable.status, 200);
});

test("an unknown chat is 403 and an unknown run 404", async () => {
  const r403 = await call("POST", "/agent-runs", { chat_id: UNKNOWN_CHAT });
  assert.equal(r403.status, 403);
  assert.match(r403.body.detail, /does not belong to you/);
  const r404 = await call("GET", `/agent-runs/${MISSING_RUN}`);
  assert.equal(r404.status, 404);
  assert.deepEqual(r404.body, { detail: "Agent run not found" });
});

test("a deleted agent's runs answer 403, deleted in-process or by POST /_emulator/agents/{chat}/delete", async () => {
  const own = await fastEmulator({ queueMs: 60_000 });
  try {
    const ownCall = (/** @type {string} */ method, /** @type {string} */ path, /** @type {unknown} */ body) =>
      fetch(own.baseUrl + path, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const greeter = (await ownCall("POST", "/agent-runs", { chat_id: GREETER })).body.data;
    const broken = (await ownCall("POST", "/agent-runs", { chat_id: BROKEN })).body.data;
    const gone = { detail: "Chat ID associated to this Agent Run is invalid" };

    assert.equal(own.deleteAgent(GREETER.toUpperCase()), true);
    assert.equal(own.deleteAgent(GREETER), false, "already deleted");
    assert.deepEqual(await ownCall("GET", `/agent-runs/${greeter.id}`), { status: 403, body: gone });
    assert.deepEqual(await ownCall("PUT", `/agent-runs/${greeter.id}`, { message: "hi" }), { status: 403, body: gone });
    assert.equal((await ownCall("POST", "/agent-runs", { chat_id: GREETER })).status, 403);
    assert.equal((await ownCall("GET", `/agent-runs/${broken.id}`)).status, 200, "other agents' runs are untouched");

    const del = await fetch(`${own.url}/_emulator/agents/${BROKEN}/delete`, { method: "POST" });
    assert.deepEqual([del.status, await del.json()], [200, { deleted: BROKEN }]);
    assert.deepEqual(await ownCall("GET", `/agent-runs/${broken.id}`), { status: 403, body: gone });
    const again = await fetch(`${own.url}/_emulator/agents/${UNKNOWN_CHAT}/delete`, { method: "POST" });
    assert.equal(again.status, 404);
    const agents = (await (await fetch(`${own.url}/_emulator/agents`)).json()).data;
    assert.deepEqual(agents.map((/** @type {{ chatId: string }} */ a) => a.chatId), [SLOW]);
  } finally {
    await own.close();
  }
});

test("runs move queued, in_progress, completed on timers and continue queues them again", async () => {
  const { body } = await call("POST", "/agent-runs", { chat_id: GREETER, vars: { name: "Bo", topic: "tea" } });
  const id = body.data.id;
  const seen = new Set();
  let run;
  for (let i = 0; i < 200; i++) {
    run = (await call("GET", `/agent-runs/${id}`)).body.data;
    seen.add(run.status);
    if (run.status === "completed") break;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(run.status, "completed");
  assert.ok(seen.has("in_progress") || seen.has("queued"));
  assert.equal(run.last_agent_message, "Hello Bo! Here is a fact about tea: the first known reference dates back centuries.");
  const put = await call("PUT", `/agent-runs/${id}`, { message: "Again" });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, { status: "ok" });
  const again = (await call("GET", `/agent-runs/${id}`)).body.data;
  assert.equal(again.status, "queued");
  assert.deepEqual(again.results.at(-1), { role: "user", content: "Again" });
  assert.equal(emu.stats.messagesAdded, 1);
});

test("continueAnswer: run answers the run, empty no body; richRuns gives every answer every field", async () => {
  const rich = await fastEmulator({ continueAnswer: "run", richRuns: true });
  const empty = await fastEmulator({ continueAnswer: "empty" });
  try {
    for (const e of [rich, empty]) {
      const send = (/** @type {string} */ method, /** @type {string} */ path, /** @type {unknown} */ body) => fetch(e.baseUrl + path, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
      const { data } = await (await send("POST", "/agent-runs", { chat_id: GREETER, vars: { name: "Di" } })).json();
      let run = data;
      while (run.status !== "completed") run = (await (await send("GET", `/agent-runs/${data.id}`)).json()).data;
      const put = await send("PUT", `/agent-runs/${data.id}`, { message: "Again" });
      assert.equal(put.status, 200);
      const text = await put.text();
      if (e === empty) {
        assert.equal(text, "");
        continue;
      }
      const answered = JSON.parse(text).data;
      assert.equal(answered.status, "queued");
      assert.deepEqual(answered.results.at(-1), { role: "user", content: "Again" });
      const all = ["user_id", "error", "mcp_servers", "last_agent_message"];
      for (const r of [data, answered, run, ...(await (await send("GET", "/agent-runs")).json()).data]) {
        assert.deepEqual(all.filter((f) => !(f in r)), [], `every field: ${JSON.stringify(r)}`);
      }
      assert.deepEqual(run.mcp_servers, ["web_search"]);
    }
  } finally {
    await rich.close();
    await empty.close();
  }
});

test("continue on a run that is not completed is 406; without a message 422", async () => {
  const { body } = await call("POST", "/agent-runs", { chat_id: SLOW, vars: { subject: "x" } });
  const r = await call("PUT", `/agent-runs/${body.data.id}`, { message: "hi" });
  assert.equal(r.status, 406);
  assert.deepEqual(r.body, { detail: "You can only add messages to completed runs" });
  const r422 = await call("PUT", `/agent-runs/${body.data.id}`, {});
  assert.equal(r422.status, 422);
  assert.deepEqual(r422.body.detail[0].loc, ["body", "message"]);
});

test("browsers get CORS, preflight included", async () => {
  const pre = await fetch(`${emu.baseUrl}/agent-runs`, {
    method: "OPTIONS",
    headers: { Origin: "http://page.test", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "http://page.test");
  assert.match(pre.headers.get("access-control-allow-headers"), /Authorization/);
  const get = await fetch(`${emu.baseUrl}/agent-runs`, { headers: { ...auth, Origin: "http://page.test" } });
  assert.equal(get.headers.get("access-control-allow-origin"), "http://page.test");
});

test("Retry-After is not exposed to pages by default; exposeHeaders: true exposes it", async () => {
  const exposing = await fastEmulator({ exposeHeaders: true });
  try {
    for (const [e, expected] of /** @type {const} */ ([[emu, null], [exposing, "Retry-After"]])) {
      e.addFault({ kind: "status", status: 429, retryAfter: 2 });
      const r = await fetch(`${e.baseUrl}/agent-runs`, { headers: { ...auth, Origin: "http://page.test" } });
      assert.equal(r.status, 429);
      assert.equal(r.headers.get("retry-after"), "2");
      assert.equal(r.headers.get("access-control-expose-headers"), expected);
    }
  } finally {
    await exposing.close();
  }
});

test("GET /_emulator/config lists the options in force and those that depart from the published description", async () => {
  const e = await fastEmulator({ apiKey: "th-secret", missingAuth: 401, staleMs: 100, idempotency: true });
  try {
    const config = await (await fetch(`${e.url}/_emulator/config`)).json();
    assert.deepEqual(config.departures, ["missingAuth", "idempotency"]);
    assert.equal(config.options.missingAuth, 401);
    assert.equal(config.options.staleMs, 100);
    assert.equal(config.options.port, e.port);
    assert.ok(!JSON.stringify(config).includes("th-secret"), "the key is not shown");
    assert.deepEqual(config, e.config);
  } finally {
    await e.close();
  }
  await assert.rejects(fastEmulator({ missingAuth: /** @type {any} */ (402) }), /missingAuth/);
});

test("the CLI prints 'listening on http://HOST:PORT' first and --port 0 picks a free port", async () => {
  const child = spawn(process.execPath, ["emulator/cli.js", "--port", "0", "--host", "127.0.0.1"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [line] = await once(createInterface({ input: child.stdout }), "line");
    const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    assert.ok(m, line);
    assert.ok(Number(m[2]) > 0);
    const res = await fetch(`${m[1]}/v1/agent-runs`, { headers: auth });
    assert.equal(res.status, 200);
    const config = await (await fetch(`${m[1]}/_emulator/config`)).json();
    assert.deepEqual(config.departures, []);
    assert.deepEqual(config.options, { ...config.options, ...config.defaults });
  } finally {
    child.kill();
  }
});

test("the CLI's flags set the behaviour options and it says which depart", async () => {
  const args = ["--port", "0", "--missing-auth", "401", "--expose-headers", "--continue-answer", "run", "--rich-runs", "--idempotency", "--no-cors", "--stale-ms", "5", "--callback-shape", "wrapped"];
  const child = spawn(process.execPath, ["emulator/cli.js", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const url = /^listening on (\S+)$/.exec((await lines.next()).value)?.[1];
    await lines.next();
    assert.match((await lines.next()).value, /^Departs from the service's published description: missingAuth=401, exposeHeaders=true, continueAnswer="run", richRuns=true, idempotency=true$/);
    const config = await (await fetch(`${url}/_emulator/config`)).json();
    assert.deepEqual(config.departures, ["missingAuth", "exposeHeaders", "continueAnswer", "richRuns", "idempotency"]);
    assert.equal(config.options.cors, false);
    assert.equal(config.options.staleMs, 5);
    assert.equal(config.options.callbackShape, "wrapped");
  } finally {
    child.kill();
  }
});

test("the CLI refuses bad arguments with its usage", async () => {
  for (const bad of [["--port", "-1"], ["--missing-auth", "402"], ["--continue-answer", "maybe"]]) {
    const child = spawn(process.execPath, ["emulator/cli.js", ...bad], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const [code] = await once(child, "exit");
    assert.equal(code, 2, bad.join(" "));
    assert.match(err, /usage:/);
  }
});
