// 1,000 concurrent waitForRun in one Node process against the emulator. Not a timed
// test: it prints what happened, for a person to read.
//   node --expose-gc bench/waits.mjs [count]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import * as sdk from "../pkg/index.js";
import { waitsRound } from "./lib/waits-round.mjs";

const count = Number(process.argv[2] ?? 1000);
const gc = globalThis.gc ?? (() => {});
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;

// The emulator runs in a process of its own, so that the memory measured here is the
// client's; its timers are scaled so that runs take 1 to 2 s.
const child = spawn(process.execPath, [new URL("../emulator/cli.js", import.meta.url).pathname, "--time-scale", "0.5"], { stdio: ["ignore", "pipe", "inherit"] });
const [line] = await once(createInterface({ input: child.stdout }), "line");
const baseUrl = `${line.replace("listening on ", "")}/v1`;
const opts = { apiKey: "th-bench", baseUrl };
const stats = async () => (await (await fetch(baseUrl.replace("/v1", "/_emulator/stats"))).json());
const memory = () => {
  gc();
  return process.memoryUsage();
};

/** waitsRound, and the requests the emulator got meanwhile (less the stats request). */
async function round() {
  const requestsBefore = (await stats()).requests;
  const r = await waitsRound(sdk, count, opts);
  return { ...r, requests: (await stats()).requests - requestsBefore - 1 };
}

const start = memory();
const first = await round();
await new Promise((r) => setTimeout(r, 200));
const afterFirst = memory();
const second = await round();
await new Promise((r) => setTimeout(r, 200));
const afterSecond = memory();
child.kill();

for (const [name, r] of [["round 1", first], ["round 2", second]]) {
  const ok = r.correct === count ? "all ended correctly" : `${count - r.correct} WRONG`;
  console.log(`${name}: ${count} concurrent waits, ${ok}, ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.requests} requests (${(r.requests / count).toFixed(1)} a wait: 1 create + polls at 1 s, 1.5 s, 2.25 s …), peak rss ${mb(r.peakRss)}, peak heap ${mb(r.peakHeap)}`);
}
console.log(`memory at start:     rss ${mb(start.rss)}, heap ${mb(start.heapUsed)}`);
console.log(`after round 1 (gc):  rss ${mb(afterFirst.rss)}, heap ${mb(afterFirst.heapUsed)}`);
console.log(`after round 2 (gc):  rss ${mb(afterSecond.rss)}, heap ${mb(afterSecond.heapUsed)}`);
console.log(`growth, round 1 to 2: heap ${mb(afterSecond.heapUsed - afterFirst.heapUsed)} (flat means nothing is left behind)`);
if (first.correct !== count || second.correct !== count) process.exitCode = 1;
