// Waits on one run share their polls in a realm: fifty waits started together send the
// requests one wait sends; two waits started apart send one request per interval; waits
// with another key or another fetch share nothing; getRun is never served from a share.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as sdk from "../../pkg/index.js";

const RUN = "c0ffee00-1234-4abc-8def-0123456789ab";

/** A fake service whose run is queued for `polls` polls, then completed; counts the polls per key. */
function service(polls = 4) {
  const seen = [];
  const fetch = async (url, init) => {
    seen.push({ url, auth: init?.headers?.Authorization });
    const status = seen.length > polls ? "completed" : "queued";
    await new Promise((r) => setTimeout(r, 5)); // a little time on the wire
    return new Response(JSON.stringify({ data: { id: RUN, status, results: [] } }), { status: 200 });
  };
  return { fetch, seen };
}

test("fifty waits on one run send as many requests as one wait does", async () => {
  const alone = service();
  await sdk.waitForRun(RUN, { apiKey: "th-a", fetch: alone.fetch, pollIntervalMs: 100 });
  const together = service();
  const runs = await Promise.all(Array.from({ length: 50 }, () => sdk.waitForRun(RUN, { apiKey: "th-a", fetch: together.fetch, pollIntervalMs: 100 })));
  assert.ok(runs.every((r) => r.status === "completed"));
  assert.equal(together.seen.length, alone.seen.length);
  // Each wait has its own objects: changing one run leaves the others as they were.
  runs[0].raw.status = "changed";
  assert.equal(runs[1].raw.status, "completed");
});

test("two waits started apart send one request per interval, not two", async () => {
  const { fetch, seen } = service(8);
  const first = sdk.waitForRun(RUN, { apiKey: "th-a", fetch, pollIntervalMs: 300 });
  await new Promise((r) => setTimeout(r, 150));
  const second = sdk.waitForRun(RUN, { apiKey: "th-a", fetch, pollIntervalMs: 300 });
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.status, "completed");
  assert.equal(b.status, "completed");
  // Alone, the first wait polls 9 times (8 queued, then completed); the second adds its first poll only.
  assert.ok(seen.length <= 10, `${seen.length} requests`);
});

test("waits with other keys or another fetch share nothing, and getRun always asks the service", async () => {
  const { fetch, seen } = service(2);
  await Promise.all([
    sdk.waitForRun(RUN, { apiKey: "th-a", fetch, pollIntervalMs: 100 }),
    sdk.waitForRun(RUN, { apiKey: "th-b", fetch, pollIntervalMs: 100 }),
  ]);
  const keys = new Set(seen.map((s) => s.auth));
  assert.deepEqual([...keys].sort(), ["Bearer th-a", "Bearer th-b"]);
  const before = seen.length;
  await Promise.all([sdk.getRun(RUN, { apiKey: "th-a", fetch }), sdk.getRun(RUN, { apiKey: "th-a", fetch })]);
  assert.equal(seen.length, before + 2);
});
