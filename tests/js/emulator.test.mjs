// The emulator itself, over raw HTTP: it must behave as shared/API.md says the service does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fastEmulator, GREETER, SLOW, UNKNOWN_CHAT, MISSING_RUN } from "./helpers.mjs";

let emu;
const auth = { Authorization: "Bearer th-test", "Content-Type": "application/json" };
const call = async (method, path, body, headers = auth) => {
  const res = await fetch(emu.baseUrl + path, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
};
before(async () => (emu = await fastEmulator()));
after(() => emu.close());

test("requests without a Bearer key are 401", async () => {
  const r = await call("GET", "/agent-runs", undefined, {});
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, { detail: "Not authenticated" });
});

test("create answers the documented queued run", async () => {
  const r = await call("POST", "/agent-runs", { chat_id: GREETER, vars: { name: "Ada" } });
  assert.equal(r.status, 200);
  const run = r.body.data;
  assert.equal(run.status, "queued");
  assert.deepEqual(run.results.map((m) => m.role), ["user"]);
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
});

test("an unknown chat is 403 and an unknown run 404", async () => {
  const r403 = await call("POST", "/agent-runs", { chat_id: UNKNOWN_CHAT });
  assert.equal(r403.status, 403);
  assert.match(r403.body.detail, /does not belong to you/);
  const r404 = await call("GET", `/agent-runs/${MISSING_RUN}`);
  assert.equal(r404.status, 404);
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
  assert.equal(put.body.data.status, "queued");
  assert.deepEqual(put.body.data.results.at(-1), { role: "user", content: "Again" });
  assert.equal(emu.stats.messagesAdded, 1);
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

test("the CLI prints 'listening on http://HOST:PORT' first and --port 0 picks a free port", async () => {
  const child = spawn(process.execPath, ["emulator/cli.js", "--port", "0", "--host", "127.0.0.1"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [line] = await once(createInterface({ input: child.stdout }), "line");
    const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    assert.ok(m, line);
    assert.ok(Number(m[2]) > 0);
    const res = await fetch(`${m[1]}/v1/agent-runs`, { headers: auth });
    assert.equal(res.status, 200);
  } finally {
    child.kill();
  }
});

test("the CLI refuses bad arguments with its usage", async () => {
  const child = spawn(process.execPath, ["emulator/cli.js", "--port", "-1"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const [code] = await once(child, "exit");
  assert.equal(code, 2);
  assert.match(err, /usage:/);
});
