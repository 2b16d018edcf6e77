// A client process of the bench, driven by run.mjs over IPC: one of the two clients
// (argv[2]: "toolhouse" = ../pkg, "baseline" = ../baseline.js) makes the calls, the
// emulator runs in another process, so process.cpuUsage() here is the client's alone.
import { wasmMemoryBytes } from "./wasm-probe.mjs"; // first: it wraps WebAssembly.Instance
import { GREETER } from "../../tests/support/agents.mjs";
import { CANNED, RUN_ID } from "./canned.mjs";
import { waitsRound } from "./waits-round.mjs";
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
    const first = await waitsRound(client, count, opts);
    await new Promise((r) => setTimeout(r, 200));
    const afterFirst = memory();
    const second = await waitsRound(client, count, opts);
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
