// The scenario of bench/waits.mjs, also a step of `npm run bench` (lib/worker.mjs):
// `count` concurrent createRun + waitForRun, one in five of an agent that fails.
import { BROKEN, GREETER } from "../../tests/support/agents.mjs";

/**
 * One round, with the peaks of memory seen while it ran (sampled every 50 ms).
 * @param {{ createRun: Function, waitForRun: Function }} client the package or bench/baseline.js
 * @param {number} count
 * @param {object} opts the options of every call
 */
export async function waitsRound(client, count, opts) {
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
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
  return { elapsedMs: Date.now() - started, correct: outcomes.filter(Boolean).length, peakRss, peakHeap };
}
