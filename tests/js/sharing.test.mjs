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

test("no answer outlives the waits that shared it: 300 ended waits on 300 runs of 100 KB answers leave the heap as it was", async () => {
  const { setFlagsFromString } = await import("node:v8");
  const { runInNewContext } = await import("node:vm");
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc");
  const filler = "x".repeat(100_000);
  const ids = (wave) => Array.from({ length: 300 }, (_, i) => `c0ffee0${wave}-1234-4abc-8def-${String(i).padStart(12, "0")}`);
  const fetch = async (url) => {
    const id = url.slice(-36);
    return new Response(JSON.stringify({ data: { id, status: "completed", results: [{ role: "assistant", content: filler }] } }), { status: 200 });
  };
  const wave = (n) => Promise.all(ids(n).map((id) => sdk.waitForRun(id, { apiKey: "th-share", fetch })));
  await wave(1); // warm up: code, caches of the engine
  gc();
  const before = process.memoryUsage().heapUsed;
  await wave(2);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  // Kept, the answers would be 300 × 100 KB = 30 MB.
  assert.ok(grown < 5_000_000, `the heap grew by ${(grown / 1e6).toFixed(1)} MB`);
});
