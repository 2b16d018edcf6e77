// The client meets the service's published shapes without surprise: a null `results`,
// list items without `last_agent_message`, reads without `error`, and the 403 a read
// gets once the run's agent has been deleted.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as sdk from "../../pkg/index.js";
import { scriptedFetch, GREETER as CHAT } from "./helpers.mjs";

const RUN = "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
const opts = (fetch, extra = {}) => ({ apiKey: "th-test", fetch, maxRetries: 0, ...extra });

test("a queued run whose results are null reads with results []; a read carries no error", async () => {
  const { fetch } = scriptedFetch([{ body: { data: { id: RUN, chat_id: CHAT, status: "queued", results: null, last_agent_message: null } } }]);
  const run = await sdk.getRun(RUN, opts(fetch));
  assert.deepEqual(run.results, []);
  assert.equal(run.raw.results, null);
  assert.equal(run.error, null);
  assert.equal(run.lastAgentMessage, null);
});

test("list items carry error and no lastAgentMessage", async () => {
  const item = { id: RUN, chat_id: CHAT, status: "failed", results: [], user_id: "u-1", error: "tool failed", mcp_servers: ["web_search"] };
  const { fetch } = scriptedFetch([{ body: { data: [item] } }]);
  const [run] = await sdk.listRuns(opts(fetch));
  assert.equal(run.error, "tool failed");
  assert.equal(run.lastAgentMessage, null);
  assert.deepEqual(run.raw.mcp_servers, ["web_search"]);
});

test("a 403 during a wait ends it at once with a PermissionDeniedError that says the agent may have been deleted", async () => {
  const { fetch, requests } = scriptedFetch([
    { body: { data: { id: RUN, chat_id: CHAT, status: "in_progress", results: [] } } },
    { status: 403, body: { detail: "Chat ID associated to this Agent Run is invalid" } },
  ]);
  const started = Date.now();
  const err = await sdk.waitForRun(RUN, opts(fetch, { pollIntervalMs: 100, maxWaitMs: 60_000 })).catch((e) => e);
  assert.ok(err instanceof sdk.PermissionDeniedError, String(err));
  assert.match(err.message, /Chat ID associated to this Agent Run is invalid.*agent may have been deleted/);
  assert.equal(requests.length, 2);
  assert.ok(Date.now() - started < 5_000);
});
