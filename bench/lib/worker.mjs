// A client process of the bench, driven by run.mjs over IPC: one of the two clients
// (argv[2]: "toolhouse" = ../pkg, "baseline" = ../baseline.js) makes the calls, the
// emulator runs in another process, so process.cpuUsage() here is the client's alone.
import { wasmMemoryBytes } from "./wasm-probe.mjs"; // first: it wraps WebAssembly.Instance
const which = process.argv[2];
const client = await import(which === "toolhouse" ? "../../pkg/index.js" : "../baseline.js");
const gc = globalThis.gc ?? (() => { throw new Error("run with node --expose-gc"); });

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, wasm: wasmMemoryBytes() };
}

/** n getRun calls, `concurrency` at a time, round-robin over ids. */
async function calls(n, concurrency, ids, opts) {
  let next = 0;
  const loop = async () => {
    for (let i = next++; i < n; i = next++) {
      const run = await client.getRun(ids[i % ids.length], opts);
      if (run.status !== "completed") throw new Error(`unexpected run status ${run.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

const GREETER = "0b5c1a1e-2f3d-4c5b-8a9e-7f6d5c4b3a21";
const BROKEN = "5f0e7d6c-4b3a-4921-8e7f-6a5b4c3d2e1f";

/** One round of bench/waits.mjs: `count` concurrent createRun + waitForRun. */
async function waitsRound(count, opts) {
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
  const started = Date.now();
  const outcomes = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const chatId = i % 5 === 0 ? BROKEN : GREETER;
      const run = await client.createRun({ chatId, vars: { name: `n${i}`, topic: "t", city: "c" } }, opts);
      const done = await client.waitForRun(run.id, { ...opts, maxWaitMs: 120_000 });
      return done.status === (chatId === BROKEN ? "failed" : "completed");
    }),
  );
  clearInterval(sampler);
  return { elapsedMs: Date.now() - started, correct: outcomes.filter(Boolean).length, peakHeap };
}

const RUN_ID = "3f9d2c1a-7b6e-4d5c-9a8b-1e2f3a4b5c6d";
const CANNED = JSON.stringify({ data: { id: RUN_ID, chat_id: GREETER, status: "completed", results: [{ role: "user", content: "Hi" }, { role: "assistant", content: [{ type: "text", text: "Hello" }] }], last_agent_message: "Hello", created_at: "2025-01-15T01:46:23.568338", updated_at: "2025-01-15T01:46:25.568338", bundle: "default", toolhouse_id: "default", vars: {}, callback_url: null, error: null } });
let pollsDone = 0;

const tasks = {
  async setup({ baseUrl, count }) {
    const opts = { apiKey: "th-bench", baseUrl };
    const ids = [];
    for (let i = 0; i < count; i++) ids.push((await client.createRun({ chatId: GREETER, vars: { name: `bench${i}` } }, opts)).id);
    return { ids };
  },
  async cpu({ baseUrl, ids, n }) {
    const opts = { apiKey: "th-bench", baseUrl };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await calls(n, 1, ids, opts);
    const c = process.cpuUsage(c0);
    return { n, cpuUs: c.user + c.system, wallMs: performance.now() - t0 };
  },
  /** The client's own cost: getRun with an in-memory fetch (no network, no undici). */
  async overhead({ n }) {
    const res = { status: 200, ok: true, statusText: "OK", headers: new Headers({ "content-type": "application/json" }), text: async () => CANNED };
    const opts = { apiKey: "th-bench", baseUrl: "http://127.0.0.1:9/v1", fetch: async () => res };
    const c0 = process.cpuUsage();
    await calls(n, 1, [RUN_ID], opts);
    const c = process.cpuUsage(c0);
    return { n, cpuUs: c.user + c.system };
  },
  /** More getRun polls, `concurrency` at a time, up to `at` in all; then memory after gc. */
  async pollsTo({ baseUrl, ids, at, concurrency }) {
    const opts = { apiKey: "th-bench", baseUrl };
    const t0 = performance.now();
    await calls(at - pollsDone, concurrency, ids, opts);
    pollsDone = at;
    return { at, wallMs: performance.now() - t0, ...memory() };
  },
  async waits({ baseUrl, count }) {
    const opts = { apiKey: "th-bench", baseUrl };
    const start = memory();
    const first = await waitsRound(count, opts);
    await new Promise((r) => setTimeout(r, 200));
    const afterFirst = memory();
    const second = await waitsRound(count, opts);
    await new Promise((r) => setTimeout(r, 200));
    const afterSecond = memory();
    return { rounds: [first, second], start, afterFirst, afterSecond };
  },
};

process.on("message", async ({ id, task, args }) => {
  try {
    process.send({ id, ok: true, result: await tasks[task](args) });
  } catch (e) {
    process.send({ id, ok: false, error: String(e?.stack ?? e) });
  }
});
process.send({ ready: true, memory: memory() });
