// The emulator's default answers against docs/service.md, field by field: the tables
// "Fields of a run", "Errors the emulator answers" and "The emulator's options" are
// read from the page, so the page and the emulator cannot drift apart.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startEmulator } from "../../emulator/server.js";
import { fastEmulator, GREETER, BROKEN, SLOW, MISSING_RUN, UNKNOWN_CHAT } from "./helpers.mjs";

const DOC = readFileSync(new URL("../../docs/service.md", import.meta.url), "utf8");
const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The first table after a heading of docs/service.md, as one object per row keyed by the
 * header's cells. Cells are split on `|` not preceded by a backslash.
 * @param {string} heading the heading line, e.g. "## Fields of a run"
 * @returns {Record<string, string>[]}
 */
function table(heading) {
  const lines = DOC.split("\n");
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/service.md has no heading "${heading}"`);
  const first = lines.findIndex((l, i) => i > start && l.startsWith("|"));
  const rows = [];
  for (let i = first; i < lines.length && lines[i].startsWith("|"); i++) rows.push(lines[i]);
  const cells = (/** @type {string} */ line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replaceAll("\\|", "|"));
  const [head, , ...body] = rows.map(cells);
  return body.map((row) => Object.fromEntries(head.map((h, i) => [h, row[i]])));
}

/** The text inside the first pair of backticks of a cell. @param {string} cell */
const code = (cell) => /`([^`]*)`/.exec(cell)?.[1] ?? assert.fail(`no code in "${cell}"`);

const FIELDS = table("## Fields of a run").map((r) => ({ name: code(r.field), type: r.type, read: r.read, list: r.list, create: r.create }));
/** @param {"read" | "list" | "create"} answer */
const fieldsOf = (answer) => FIELDS.filter((f) => f[answer] === "yes").map((f) => f.name).sort();

/**
 * Whether a value has the type written in the table: alternatives joined by "or", each
 * one the page uses (a new wording in the page needs a rule here).
 * @param {string} type @param {unknown} value
 */
function hasType(type, value) {
  const alternatives = type.replace(/\(.*\)/, "").split(/,? or /).map((t) => t.trim());
  return alternatives.some((t) => {
    switch (t) {
      case "null":
        return value === null;
      case "string":
        return typeof value === "string";
      case "UUID string":
        return typeof value === "string" && UUID.test(value);
      case "ISO timestamp":
        return typeof value === "string" && !Number.isNaN(Date.parse(value));
      case "array of objects":
        return Array.isArray(value) && value.every((v) => typeof v === "object" && v !== null && !Array.isArray(v));
      case "array of strings":
        return Array.isArray(value) && value.every((v) => typeof v === "string");
      case "object of strings":
        return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
      default:
        return assert.fail(`docs/service.md uses a type this test does not know: "${t}"`);
    }
  });
}

/** A run of an answer has exactly the fields the page lists for that answer, each of its type. @param {"read" | "list" | "create"} answer @param {Record<string, unknown>} run */
function assertFields(answer, run) {
  assert.deepEqual(Object.keys(run).sort(), fieldsOf(answer), `the fields of a run in the ${answer} answer`);
  for (const f of FIELDS.filter((f) => f[answer] === "yes")) assert.ok(hasType(f.type, run[f.name]), `${answer}: ${f.name} is ${f.type}, got ${JSON.stringify(run[f.name])}`);
}

let emu; // the default emulator, runs fast
let queued; // the default emulator, runs stay queued for a minute
const KEY = "th-spec";
/** @param {{ baseUrl: string }} e @param {string} method @param {string} path @param {unknown} [body] @param {Record<string, string>} [headers] */
async function call(e, method, path, body, headers = { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" }) {
  const res = await fetch(e.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
/** @param {{ baseUrl: string }} e @param {string} id @param {string} status */
async function until(e, id, status) {
  for (let i = 0; i < 500; i++) {
    const r = await call(e, "GET", `/agent-runs/${id}`);
    if (r.body?.data?.status === status) return r.body.data;
    await new Promise((ok) => setTimeout(ok, 5));
  }
  throw new Error(`run ${id} never became ${status}`);
}

before(async () => {
  emu = await fastEmulator({ apiKey: KEY });
  queued = await startEmulator({ queueMs: 60_000, apiKey: KEY });
});
after(async () => {
  await emu.close();
  await queued.close();
});

test("docs/service.md lists the fields of each answer, and the emulator knows each answer's fields", () => {
  assert.ok(FIELDS.length >= 12);
  assert.ok(fieldsOf("read").includes("last_agent_message") && !fieldsOf("read").includes("user_id") && !fieldsOf("read").includes("error"));
  assert.ok(!fieldsOf("list").includes("last_agent_message") && ["user_id", "error", "mcp_servers"].every((f) => fieldsOf("list").includes(f)));
});

test("create answers a queued run with the create fields and results []", async () => {
  const r = await call(emu, "POST", "/agent-runs", { chat_id: GREETER, vars: { name: "Ada", topic: "owls" } });
  assert.equal(r.status, 200);
  assertFields("create", r.body.data);
  assert.equal(r.body.data.status, "queued");
  assert.deepEqual(r.body.data.results, []);
  assert.equal(r.body.data.last_agent_message, null);
});

test("a read while queued has the read fields; an agent with resultsNullWhileQueued has results null", async () => {
  const greeter = (await call(queued, "POST", "/agent-runs", { chat_id: GREETER })).body.data;
  const read = (await call(queued, "GET", `/agent-runs/${greeter.id}`)).body.data;
  assertFields("read", read);
  assert.equal(read.status, "queued");
  assert.deepEqual(read.results, []);

  const slow = (await call(queued, "POST", "/agent-runs", { chat_id: SLOW, vars: { subject: "owls" } })).body.data;
  assert.equal(slow.results, null, "the create answer");
  const slowRead = (await call(queued, "GET", `/agent-runs/${slow.id}`)).body.data;
  assertFields("read", slowRead);
  assert.equal(slowRead.results, null);
});

test("a read of a completed or failed run has the read fields: no user_id, no error; a failure is in results", async () => {
  const done = (await call(emu, "POST", "/agent-runs", { chat_id: GREETER, vars: { name: "Bo", topic: "tea" } })).body.data;
  const completed = await until(emu, done.id, "completed");
  assertFields("read", completed);
  assert.match(completed.last_agent_message, /Hello Bo!/);
  assert.equal(completed.results[0].role, "user");

  const broken = (await call(emu, "POST", "/agent-runs", { chat_id: BROKEN, vars: { city: "Oslo" } })).body.data;
  const failed = await until(emu, broken.id, "failed");
  assertFields("read", failed);
  assert.ok(JSON.stringify(failed.results).includes("get_weather failed"));
});

test("list items have the list fields: user_id, error and mcp_servers, no last_agent_message", async () => {
  const r = await call(emu, "GET", "/agent-runs");
  assert.equal(r.status, 200);
  assert.ok(r.body.data.length >= 3);
  for (const item of r.body.data) assertFields("list", item);
  const failed = r.body.data.find((/** @type {any} */ i) => i.status === "failed");
  assert.match(failed.error, /get_weather failed/);
  assert.deepEqual(failed.mcp_servers, ["get_weather"]);
  assert.equal(r.body.data.find((/** @type {any} */ i) => i.status === "completed").error, null);
});

test("a continue answers an opaque body, not the run, and queues the run again", async () => {
  const run = (await call(emu, "POST", "/agent-runs", { chat_id: GREETER, vars: { name: "Cy" } })).body.data;
  await until(emu, run.id, "completed");
  const r = await call(emu, "PUT", `/agent-runs/${run.id}`, { message: "More" });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: "ok" });
  const again = (await call(emu, "GET", `/agent-runs/${run.id}`)).body.data;
  assertFields("read", again);
  assert.notEqual(again.status, "completed");
  assert.deepEqual(again.results.at(-1), { role: "user", content: "More" });
});

test("each error of the page's table is the emulator's default answer", async () => {
  const slow = (await call(emu, "POST", "/agent-runs", { chat_id: SLOW, vars: { subject: "x" } })).body.data;
  const mine = (await call(queued, "POST", "/agent-runs", { chat_id: BROKEN })).body.data;
  /** @type {Record<string, () => Promise<{ status: number, body: any }>>} */
  const cases = {
    "no-key": () => call(emu, "GET", "/agent-runs", undefined, {}),
    "wrong-key": () => call(emu, "GET", "/agent-runs", undefined, { Authorization: "Bearer th-wrong" }),
    "unknown-chat": () => call(emu, "POST", "/agent-runs", { chat_id: UNKNOWN_CHAT }),
    "deleted-agent": async () => {
      assert.equal(queued.deleteAgent(BROKEN), true);
      return call(queued, "GET", `/agent-runs/${mine.id}`);
    },
    "unknown-run": () => call(emu, "GET", `/agent-runs/${MISSING_RUN}`),
    "other-key-run": async () => {
      const open = await fastEmulator();
      try {
        const theirs = (await call(open, "POST", "/agent-runs", { chat_id: GREETER }, { Authorization: "Bearer th-them", "Content-Type": "application/json" })).body.data;
        return await call(open, "GET", `/agent-runs/${theirs.id}`);
      } finally {
        await open.close();
      }
    },
    "not-completed": () => call(emu, "PUT", `/agent-runs/${slow.id}`, { message: "hi" }),
    "null-bundle": () => call(emu, "POST", "/agent-runs", { chat_id: GREETER, bundle: null }),
    "null-toolhouse-id": () => call(emu, "POST", "/agent-runs", { chat_id: GREETER, toolhouse_id: null }),
    "number-var": () => call(emu, "POST", "/agent-runs", { chat_id: GREETER, vars: { n: 3 } }),
    "no-message": () => call(emu, "PUT", `/agent-runs/${slow.id}`, {}),
  };
  const rows = table("### Errors the emulator answers");
  assert.deepEqual(rows.map((r) => code(r.case)).sort(), Object.keys(cases).sort(), "the page's cases are the ones this test sends");
  for (const row of rows) {
    const name = code(row.case);
    const expected = JSON.parse(code(row.body));
    const got = await cases[name]();
    assert.equal(got.status, Number(row.status), `${name}: status`);
    if (typeof expected.detail === "string") assert.deepEqual(got.body, expected, `${name}: body`);
    else {
      // FastAPI's 422: each item as the page gives it (the emulator adds pydantic's `input`).
      assert.equal(got.body.detail.length, expected.detail.length, `${name}: ${JSON.stringify(got.body)}`);
      expected.detail.forEach((/** @type {Record<string, unknown>} */ item, /** @type {number} */ i) => {
        for (const [k, v] of Object.entries(item)) assert.deepEqual(got.body.detail[i][k], v, `${name}: detail[${i}].${k}`);
      });
    }
  }
});

test("the page's table of options is what /_emulator/config says, departures included", async () => {
  const rows = table("## The emulator's options").map((r) => ({
    name: code(r.option),
    flag: r["CLI flag"],
    default: JSON.parse(code(r.default)),
    departing: r["departing values"] === "—" ? [] : [...r["departing values"].matchAll(/`([^`]*)`/g)].map((m) => JSON.parse(m[1])),
  }));
  const config = await (await fetch(`${emu.url}/_emulator/config`)).json();
  assert.deepEqual(config.departures, [], "the default emulator departs from nothing");
  assert.deepEqual(rows.map((r) => r.name).sort(), Object.keys(config.defaults).sort(), "every behaviour option is in the page's table");
  const section = README.slice(README.indexOf("## The emulator"), README.indexOf("\n## ", README.indexOf("## The emulator") + 1));
  for (const row of rows) {
    assert.deepEqual(config.defaults[row.name], row.default, `${row.name}: default`);
    assert.deepEqual(config.options[row.name], row.default, `${row.name}: in force by default`);
    assert.ok(section.includes(`\`${row.name}\``), `README's emulator section documents ${row.name}`);
    for (const flag of row.flag.match(/--[a-z-]+/g) ?? []) assert.ok(section.includes(flag), `README's emulator section documents ${flag}`);
    for (const value of row.departing) {
      const departing = await fastEmulator({ [row.name]: value });
      try {
        const c = await (await fetch(`${departing.url}/_emulator/config`)).json();
        assert.deepEqual(c.departures, [row.name], `${row.name}: ${JSON.stringify(value)} departs`);
        assert.deepEqual(c.options[row.name], value);
      } finally {
        await departing.close();
      }
    }
  }
  assert.ok(section.includes("/_emulator/config") && section.includes("docs/service.md"));
});

// The contract the developers were handed sits beside the repo (../shared/API.md) on
// their machines and in CI, not in the package: where it is, docs/service.md's field
// lists must say what it says.
const CONTRACT = new URL("../../../shared/API.md", import.meta.url);
let contract = null;
try {
  contract = readFileSync(CONTRACT, "utf8");
} catch {
  // not beside this checkout
}
test("docs/service.md's fields of a read and of a list item are those of the contract (../shared/API.md)", { skip: contract === null && "no ../shared/API.md beside this checkout" }, () => {
  const names = (text) => [...text.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
  const run = contract.slice(contract.indexOf("### Run"));
  const readPart = run.slice(run.indexOf("What `GET /v1/agent-runs/{run_id}` answers"), run.indexOf("**No `user_id`"));
  const read = new Set(names(readPart));
  // "A list item differs: it has `user_id`, … and **no `last_agent_message`**."
  const listPart = run.slice(run.indexOf("A list item differs"));
  const no = listPart.indexOf("**no");
  const list = new Set([...read, ...names(listPart.slice(0, no))]);
  for (const removed of names(listPart.slice(no, listPart.indexOf("**", no + 2)))) list.delete(removed);
  const doc = (column) => new Set(FIELDS.filter((f) => f[column] === "yes").map((f) => f.name));
  assert.ok(read.size >= 10, `read the contract's read fields: ${[...read]}`);
  assert.deepEqual([...doc("read")].sort(), [...read].sort());
  assert.deepEqual([...doc("list")].sort(), [...list].sort());
});
