// The benchmark of toolhouse-agent-runs (the built package in ../pkg) against a minimal
// hand-written fetch client (bench/baseline.js) and, for size, other SDKs. Not a timed
// test: it prints a table of ratios, all measured in one run, and writes bench/RESULTS.md.
//   node --expose-gc bench/run.mjs            (npm run bench)
// Timings on a shared machine are noisy: the two clients are always measured in the same
// run, interleaved, and compared by ratio.
import { execFileSync, fork, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { CHROMIUM, CHROMIUM_FLAGS } from "../tests/support/chromium.mjs";
import { CANNED, RUN_ID } from "./lib/canned.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const BENCH = here(".");
const PKG = here("../pkg/index.js");
const OUT = here("./.out/");
const QUICK = process.env.BENCH_QUICK === "1"; // fewer repetitions, to try the bench out

// ---------------------------------------------------------------------------- preflight
if (!existsSync(PKG)) {
  console.error("bench: ../pkg/index.js is missing: the package is not built. Run `npm run build` first (or `npm run setup && npm run build`).");
  process.exit(1);
}
if (typeof globalThis.gc !== "function") {
  console.error("bench: run with `node --expose-gc bench/run.mjs` (or `npm run bench`).");
  process.exit(1);
}
const deps = Object.keys(JSON.parse(readFileSync(here("./package.json"), "utf8")).devDependencies);
if (deps.some((d) => !existsSync(here(`./node_modules/${d}/package.json`)))) {
  const how = existsSync(here("./package-lock.json")) ? "ci" : "install";
  console.log(`bench: installing the bench's devDependencies (npm ${how} in bench/) …`);
  execFileSync("npm", [how, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: BENCH, stdio: "inherit" });
}
mkdirSync(OUT, { recursive: true });
const { build } = await import("esbuild");
const started = Date.now();
const step = (name) => console.log(`\n[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${name}`);

// ---------------------------------------------------------------------------- helpers
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const ms = (n) => `${n.toFixed(1)} ms`;
const x = (a, b) => `${(a / b).toFixed(2)}×`;
const version = (name) => JSON.parse(readFileSync(here(`./node_modules/${name}/package.json`), "utf8")).version;
const pkgVersion = JSON.parse(readFileSync(here("../pkg/package.json"), "utf8")).version;

// Child processes are ended with the bench, however it ends.
const children = new Set();
const track = (child) => (children.add(child), child.on("exit", () => children.delete(child)), child);
process.on("exit", () => children.forEach((c) => c.kill()));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => process.exit(130));
process.stdout.on("error", () => process.exit(1)); // e.g. a closed pipe

/** An emulator in a process of its own (so its CPU and memory are not the client's). */
async function startEmulatorProcess(args) {
  const child = track(spawn(process.execPath, [here("../emulator/cli.js"), ...args], { stdio: ["ignore", "pipe", "inherit"] }));
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  child.stdout.resume();
  return { baseUrl: `${line.replace("listening on ", "")}/v1`, child, stop: () => child.kill() };
}

/** A client process (lib/worker.mjs) for one of the two clients, driven over IPC. */
async function startWorker(which) {
  const child = track(fork(here("./lib/worker.mjs"), [which], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  const pending = new Map();
  let seq = 0;
  let ready;
  const readyP = new Promise((r) => (ready = r));
  child.on("message", (m) => {
    if (m.ready) return ready(m);
    const p = pending.get(m.id);
    pending.delete(m.id);
    m.ok ? p.resolve(m.result) : p.reject(new Error(`${which} worker: ${m.error}`));
  });
  child.on("exit", (code) => {
    for (const p of pending.values()) p.reject(new Error(`${which} worker exited (${code})`));
  });
  const first = await readyP;
  return {
    which,
    atImport: first.memory,
    call: (task, args) => new Promise((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      child.send({ id, task, args });
    }),
    stop: () => child.kill(),
  };
}

const machine = {
  cpu: (readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown").trim(),
  cores: cpus().length,
  node: process.version,
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
};
console.log(`toolhouse-agent-runs ${pkgVersion} bench on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${QUICK ? " (BENCH_QUICK)" : ""}`);

const rows = []; // metric | toolhouse-agent-runs | baseline | ratio | target
const notes = [];

// ---------------------------------------------------------------------------- 1. size
step("size: esbuild --bundle --minify (browser, ESM), gzip level 9");
async function bundle(entry, name) {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "browser", write: false, logLevel: "silent" });
  const code = out.outputFiles[0].contents;
  writeFileSync(`${OUT}${name}.js`, code);
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
const sizes = {
  toolhouse: await bundle(PKG, "pkg-default-entry"), // the default entry as a whole, as tests/js/size-budget.test.mjs
  baseline: await bundle(here("./baseline.js"), "baseline-all"),
};
// The bundles the browser cold start imports (the four calls of each client).
await bundle(here("./entries/toolhouse.js"), "toolhouse");
await bundle(here("./entries/baseline.js"), "baseline");
// The slim entry: its JS, and the .wasm it fetches (served next to it).
const slimJs = await bundle(here("./entries/slim.js"), "slim");
const slimWasm = readFileSync(here("../pkg/agent_runs.wasm"));
writeFileSync(`${OUT}agent_runs.wasm`, slimWasm);
const slimTotal = slimJs.gzip + gzipSync(slimWasm, { level: 9 }).length;
const sdkSizes = [];
for (const [name, file] of [["openai", "openai"], ["@anthropic-ai/sdk", "anthropic"], ["stripe", "stripe"]]) {
  try {
    sdkSizes.push({ name, version: version(name), ...(await bundle(here(`./entries/${file}.js`), file)) });
  } catch (e) {
    const neutral = await build({ entryPoints: [here(`./entries/${file}.js`)], bundle: true, minify: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
    const code = neutral.outputFiles[0].contents;
    sdkSizes.push({ name, version: version(name), raw: code.length, gzip: gzipSync(code, { level: 9 }).length, note: "--platform=neutral (browser build failed)" });
  }
}
for (const s of [{ name: "toolhouse-agent-runs (default entry)", ...sizes.toolhouse }, { name: "baseline.js (4 calls)", ...sizes.baseline }, ...sdkSizes]) {
  console.log(`  ${s.name.padEnd(40)} ${kb(s.raw).padStart(9)} min  ${kb(s.gzip).padStart(8)} gzip${s.note ? `  ${s.note}` : ""}`);
}
// The target is the cap that `npm test` holds the default entry to (size-budget.json).
const { cap } = JSON.parse(readFileSync(here("../size-budget.json"), "utf8")).defaultEntry;
rows.push(["size, gzipped (JS + wasm)", `${kb(sizes.toolhouse.gzip)} (${sizes.toolhouse.gzip} B)`, `${kb(sizes.baseline.gzip)}`, x(sizes.toolhouse.gzip, sizes.baseline.gzip), `≤ ${kb(cap)}: ${sizes.toolhouse.gzip <= cap ? "met" : "MISSED"}`]);
console.log(`  toolhouse-agent-runs/slim (JS + .wasm)   ${kb(slimJs.gzip)} + ${kb(slimTotal - slimJs.gzip)} gzip`);
rows.push(["  slim entry, gzipped (JS + .wasm file)", `${kb(slimTotal)} (${kb(slimJs.gzip)} + ${kb(slimTotal - slimJs.gzip)})`, "", "", `≤ 32 KB: ${slimTotal <= 32768 ? "met" : "MISSED"}`]);

// ---------------------------------------------------------------------------- a server for cold starts
// Answers any GET /v1/agent-runs/<id> with a completed run and notes when each request
// arrived; serves the cold-start page and the bundles for Chromium.
let lastArrival = null;
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path.startsWith("/v1/")) {
    lastArrival = performance.timeOrigin + performance.now();
    return res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(CANNED);
  }
  const file = path === "/cold.html" ? here("./lib/cold.html") : /^\/[\w-]+\.(js|wasm)$/.test(path) ? `${OUT}${path.slice(1)}` : null;
  if (!file || !existsSync(file)) return res.writeHead(404).end();
  const type = file.endsWith(".html") ? "text/html" : file.endsWith(".wasm") ? "application/wasm" : "text/javascript";
  res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" }).end(readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---------------------------------------------------------------------------- 2. cold start, Node
const COLD_N = QUICK ? 6 : 25;
step(`cold start in Node: ${COLD_N} fresh processes per client, interleaved`);
const modules = { toolhouse: pathToFileURL(PKG).href, baseline: pathToFileURL(here("./baseline.js")).href };
const cold = { toolhouse: [], baseline: [] };
function coldOnce(which) {
  lastArrival = null;
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [here("./lib/cold-node.mjs"), modules[which], `${origin}/v1`, RUN_ID], { stdio: ["ignore", "pipe", "inherit"] }));
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`cold start of ${which} exited with ${code}`));
      const r = JSON.parse(out.trim());
      resolve({ ...r, wireMs: lastArrival - r.wall0 });
    });
  });
}
await coldOnce("toolhouse"); // warm the OS file cache for both
await coldOnce("baseline");
for (let i = 0; i < COLD_N; i++) for (const which of i % 2 ? ["baseline", "toolhouse"] : ["toolhouse", "baseline"]) cold[which].push(await coldOnce(which));
const coldStat = (which, key) => median(cold[which].map((r) => r[key]));
for (const key of ["importMs", "fetchMs", "wireMs"]) {
  console.log(`  median ${key.padEnd(9)} toolhouse ${ms(coldStat("toolhouse", key)).padStart(9)}   baseline ${ms(coldStat("baseline", key)).padStart(9)}`);
}
{
  const [t, b] = [coldStat("toolhouse", "wireMs"), coldStat("baseline", "wireMs")];
  rows.push(["cold start, Node: import → request on the wire (median)", ms(t), ms(b), `${x(t, b)}, +${(t - b).toFixed(1)} ms`, `≤ baseline + 5 ms: ${t - b <= 5 ? "met" : "MISSED"}`]);
  const [ti, bi] = [coldStat("toolhouse", "importMs"), coldStat("baseline", "importMs")];
  rows.push(["  of which the import itself (median)", ms(ti), ms(bi), `+${(ti - bi).toFixed(1)} ms`, ""]);
}

// ---------------------------------------------------------------------------- 3. cold start, Chromium
const BROWSER_N = QUICK ? 4 : 15;
step(`cold start in headless Chromium: ${BROWSER_N} fresh browser contexts per client, interleaved`);
const browserCold = { toolhouse: [], baseline: [], slim: [] };
let chromiumVersion = null;
try {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", ...CHROMIUM_FLAGS] });
  chromiumVersion = browser.version();
  try {
    const pageOnce = async (which) => {
      const context = await browser.newContext(); // fresh: no HTTP or code cache
      try {
        const page = await context.newPage();
        await page.goto(`${origin}/cold.html?m=${which}.js&run=${RUN_ID}`);
        const result = await (await page.waitForFunction(() => window.__result, null, { timeout: 30_000 })).jsonValue();
        if (!result.ok) throw new Error(`Chromium cold start of ${which}: ${result.error}`);
        return result;
      } finally {
        await context.close();
      }
    };
    await pageOnce("toolhouse");
    await pageOnce("baseline");
    await pageOnce("slim");
    for (let i = 0; i < BROWSER_N; i++) for (const which of i % 2 ? ["baseline", "toolhouse", "slim"] : ["toolhouse", "slim", "baseline"]) browserCold[which].push(await pageOnce(which));
  } finally {
    await browser.close();
  }
  const bStat = (which, key) => median(browserCold[which].map((r) => r[key]));
  for (const key of ["importMs", "fetchMs", "maxTaskMs"]) console.log(`  median ${key.padEnd(9)} toolhouse ${ms(bStat("toolhouse", key)).padStart(9)}   slim ${ms(bStat("slim", key)).padStart(9)}   baseline ${ms(bStat("baseline", key)).padStart(9)}`);
  const [t, b, sl] = [bStat("toolhouse", "fetchMs"), bStat("baseline", "fetchMs"), bStat("slim", "fetchMs")];
  rows.push([`cold start, Chromium ${chromiumVersion}: import() → fetch called (median)`, ms(t), ms(b), `${x(t, b)}, +${(t - b).toFixed(1)} ms`, `≤ baseline + 10 ms: ${t - b <= 10 ? "met" : "MISSED"}`]);
  rows.push(["  the same, slim entry (the .wasm fetched)", ms(sl), ms(b), `${x(sl, b)}, +${(sl - b).toFixed(1)} ms`, `≤ baseline + 10 ms: ${sl - b <= 10 ? "met" : "MISSED"}`]);
  const [mt, mb] = [bStat("toolhouse", "maxTaskMs"), bStat("baseline", "maxTaskMs")];
  rows.push(["  longest main-thread task until then (median)", ms(mt), ms(mb), `+${(mt - mb).toFixed(1)} ms`, `≤ 5 ms: ${mt <= 5 ? "met" : "MISSED"}`]);
} catch (e) {
  console.log(`  skipped: ${e.message.split("\n")[0]}`);
  rows.push(["cold start, Chromium", "not measured", "", "", `(${e.message.split("\n")[0].slice(0, 60)})`]);
}
server.close();

// ---------------------------------------------------------------------------- 4. per-call CPU
step("per-call CPU of getRun against the emulator (another process), interleaved rounds");
const emulator = await startEmulatorProcess(["--time-scale", "0.001", "--queue-ms", "0"]);
const workers = { toolhouse: await startWorker("toolhouse"), baseline: await startWorker("baseline") };
const { ids } = await workers.toolhouse.call("setup", { baseUrl: emulator.baseUrl, count: 20 });
await new Promise((r) => setTimeout(r, 500)); // every run completed: all answers alike
const ROUNDS = QUICK ? 2 : 5;
const PER_ROUND = QUICK ? 1000 : 2000;
for (const w of Object.values(workers)) await w.call("cpu", { baseUrl: emulator.baseUrl, ids, n: 2000 }); // warm-up (JIT)
const cpu = { toolhouse: [], baseline: [] };
for (let i = 0; i < ROUNDS; i++) {
  for (const which of i % 2 ? ["baseline", "toolhouse"] : ["toolhouse", "baseline"]) {
    cpu[which].push(await workers[which].call("cpu", { baseUrl: emulator.baseUrl, ids, n: PER_ROUND }));
  }
}
const perCall = (which) => cpu[which].reduce((s, r) => s + r.cpuUs, 0) / cpu[which].reduce((s, r) => s + r.n, 0);
const roundRatios = cpu.toolhouse.map((r, i) => r.cpuUs / r.n / (cpu.baseline[i].cpuUs / cpu.baseline[i].n));
for (const which of ["toolhouse", "baseline"]) {
  console.log(`  ${which.padEnd(9)} ${perCall(which).toFixed(1)} µs CPU per call over ${ROUNDS * PER_ROUND} calls; rounds: ${cpu[which].map((r) => (r.cpuUs / r.n).toFixed(0)).join(", ")} µs; wall ${(cpu[which].reduce((s, r) => s + r.wallMs, 0) / (ROUNDS * PER_ROUND) * 1000).toFixed(0)} µs/call`);
}
console.log(`  ratio per round: ${roundRatios.map((r) => r.toFixed(2)).join(", ")} (median ${median(roundRatios).toFixed(2)})`);
{
  const r = perCall("toolhouse") / perCall("baseline");
  rows.push([`client CPU per getRun (${ROUNDS * PER_ROUND} calls each)`, `${perCall("toolhouse").toFixed(1)} µs`, `${perCall("baseline").toFixed(1)} µs`, `${r.toFixed(2)}× (rounds ${Math.min(...roundRatios).toFixed(2)}–${Math.max(...roundRatios).toFixed(2)})`, `≤ 1.10×: ${r <= 1.1 ? "met" : "MISSED"}`]);
}

// The clients' own cost, without the network: getRun with an in-memory fetch.
const OVERHEAD_N = QUICK ? 5_000 : 20_000;
for (const w of Object.values(workers)) await w.call("overhead", { n: 5_000 }); // warm-up
const overhead = { toolhouse: [], baseline: [] };
for (let i = 0; i < 3; i++) for (const which of i % 2 ? ["baseline", "toolhouse"] : ["toolhouse", "baseline"]) overhead[which].push(await workers[which].call("overhead", { n: OVERHEAD_N }));
const ovh = (which) => median(overhead[which].map((r) => r.cpuUs / r.n));
console.log(`  with an in-memory fetch (no network): toolhouse ${ovh("toolhouse").toFixed(1)} µs, baseline ${ovh("baseline").toFixed(1)} µs per call (median of 3 × ${OVERHEAD_N})`);
rows.push(["  of which the client itself (getRun, in-memory fetch)", `${ovh("toolhouse").toFixed(1)} µs`, `${ovh("baseline").toFixed(1)} µs`, x(ovh("toolhouse"), ovh("baseline")), `≤ 3×: ${ovh("toolhouse") <= 3 * ovh("baseline") ? "met" : "MISSED"}`]);

// ---------------------------------------------------------------------------- 5. memory over 100,000 polls
const POLLS = QUICK ? 20_000 : 100_000;
const checkpoints = QUICK ? [2_000, 10_000, 20_000] : [10_000, 50_000, 100_000];
step(`memory over ${POLLS.toLocaleString("en")} getRun polls (10 at a time), after gc at ${checkpoints.map((c) => c.toLocaleString("en")).join(", ")}`);
const polls = { toolhouse: [{ at: 0, ...workers.toolhouse.atImport }], baseline: [{ at: 0, ...workers.baseline.atImport }] };
for (const at of checkpoints) {
  for (const which of ["toolhouse", "baseline"]) polls[which].push(await workers[which].call("pollsTo", { baseUrl: emulator.baseUrl, ids, at, concurrency: 10 }));
}
for (const which of ["toolhouse", "baseline"]) {
  const secs = polls[which].reduce((s, p) => s + (p.wallMs ?? 0), 0) / 1000;
  console.log(`  ${which.padEnd(9)} ${secs.toFixed(1)} s; ` + polls[which].map((s) => `${s.at.toLocaleString("en")}: heap ${mb(s.heapUsed)}${which === "toolhouse" ? `, wasm ${mb(s.wasm)}` : ""}`).join(" | "));
}
emulator.stop();
const growth = (which, key) => polls[which].at(-1)[key] - polls[which][1][key];
{
  const heapT = polls.toolhouse.slice(1).map((s) => mb(s.heapUsed)).join(" / ");
  const heapB = polls.baseline.slice(1).map((s) => mb(s.heapUsed)).join(" / ");
  const [gT, gB] = [growth("toolhouse", "heapUsed"), growth("baseline", "heapUsed")];
  const wasmSeries = polls.toolhouse.map((s) => mb(s.wasm)).join(" / ");
  // Flat: under 2 MB from the first checkpoint to the last (after-gc heap moves by about a MB
  // either way with undici's pools and JIT code; keeping even 25 bytes a poll would exceed it).
  const flatHeap = gT < 2 * 1024 * 1024;
  const flatWasm = growth("toolhouse", "wasm") === 0;
  rows.push([`JS heap after ${checkpoints.map((c) => `${c / 1000}k`).join(" / ")} polls (gc)`, heapT, heapB, `growth ${gT >= 0 ? "+" : ""}${kb(gT)} vs ${gB >= 0 ? "+" : ""}${kb(gB)}`, `no growth (< 2 MB): ${flatHeap ? "met" : "MISSED"}`]);
  rows.push([`wasm linear memory at import / ${checkpoints.map((c) => `${c / 1000}k`).join(" / ")}`, wasmSeries, "–", `growth ${kb(growth("toolhouse", "wasm"))}`, `no growth: ${flatWasm ? "met" : "MISSED"}`]);
}

// ---------------------------------------------------------------------------- 6. 1,000 concurrent waits
const WAITS = QUICK ? 200 : 1000;
step(`${WAITS} concurrent createRun + waitForRun, two rounds per client (bench/waits.mjs's scenario)`);
const slowEmulator = await startEmulatorProcess(["--time-scale", "0.5"]);
const waits = {};
for (const which of ["toolhouse", "baseline"]) {
  waits[which] = await workers[which].call("waits", { baseUrl: slowEmulator.baseUrl, count: WAITS });
  const w = waits[which];
  console.log(`  ${which.padEnd(9)} ` + w.rounds.map((r, i) => `round ${i + 1}: ${r.correct}/${WAITS} right, ${(r.elapsedMs / 1000).toFixed(1)} s, peak heap ${mb(r.peakHeap)}`).join("; ") + `; after gc: heap ${mb(w.afterFirst.heapUsed)} → ${mb(w.afterSecond.heapUsed)}${which === "toolhouse" ? `, wasm ${mb(w.afterFirst.wasm)} → ${mb(w.afterSecond.wasm)}` : ""}`);
  if (w.rounds.some((r) => r.correct !== WAITS)) notes.push(`${which}: some of the ${WAITS} concurrent waits ended wrongly`);
}
slowEmulator.stop();
for (const w of Object.values(workers)) w.stop();
{
  const [t, b] = [waits.toolhouse, waits.baseline];
  const peak = (w) => Math.max(...w.rounds.map((r) => r.peakHeap));
  rows.push([`${WAITS.toLocaleString("en")} concurrent waits: peak JS heap`, mb(peak(t)), mb(peak(b)), x(peak(t), peak(b)), "(none)"]);
  rows.push([`  JS heap after round 1 → 2 (gc)`, `${mb(t.afterFirst.heapUsed)} → ${mb(t.afterSecond.heapUsed)}`, `${mb(b.afterFirst.heapUsed)} → ${mb(b.afterSecond.heapUsed)}`, "", `no growth: ${t.afterSecond.heapUsed - t.afterFirst.heapUsed < 1024 * 1024 ? "met" : "MISSED"}`]);
  rows.push([`  wasm linear memory after round 1 → 2`, `${mb(t.afterFirst.wasm)} → ${mb(t.afterSecond.wasm)}`, "–", "", `no growth: ${t.afterSecond.wasm === t.afterFirst.wasm ? "met" : "MISSED"}`]);
}

// ---------------------------------------------------------------------------- the table
const header = ["metric", `toolhouse-agent-runs ${pkgVersion}`, "baseline (bench/baseline.js)", "ratio", "target"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(" | ");
console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("-|-")}\n${rows.map(line).join("\n")}`);
if (notes.length) console.log(`\n${notes.join("\n")}`);

const md = (r) => `| ${r.join(" | ")} |`;
const markdown = `# Benchmark results

\`npm run bench\` (\`node --expose-gc bench/run.mjs\`), ${machine.date}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${chromiumVersion ? `, Chromium ${chromiumVersion}` : ""}${QUICK ? " (BENCH_QUICK: fewer repetitions)" : ""}.
Both clients are measured in the same run, interleaved; compare ratios, not absolute times
(the machine may be shared). The baseline is \`bench/baseline.js\`, a minimal hand-written
fetch client of the same four calls (Bearer auth, JSON, timeout, errors by status, retries,
polling).

${md(header)}
${md(header.map(() => "---"))}
${rows.map(md).join("\n")}

- Size: esbuild ${version("esbuild")} \`--bundle --minify --format=esm --platform=browser\`, gzip level 9,
  of the package's default entry as a whole (the wasm is embedded in it), as \`tests/js/size-budget.test.mjs\` measures.
- Cold start, Node: a fresh process per sample (${COLD_N} per client); from a timestamp taken just before
  \`await import()\` to the request's arrival at a local HTTP server (wall clock of both processes).
- Cold start, Chromium: a fresh browser context per sample (${BROWSER_N} per client, no HTTP or code cache); from the
  start of the page's module script, before \`import()\` of the bundle, to the call of \`fetch\`.
- CPU: \`process.cpuUsage()\` of the client process over ${ROUNDS} rounds of ${PER_ROUND} sequential \`getRun\` calls per client
  after 2,000 of warm-up, rounds alternating between the clients; the emulator runs in another process.
- The client itself: the same \`getRun\` with a \`fetch\` option that answers from memory, so only the
  client's own work is counted (building the request, reading the answer, the run object).
- Memory: \`process.memoryUsage().heapUsed\` after two \`gc()\`, the two clients alternating between checkpoints; the wasm linear memory read through a wrapper
  of \`WebAssembly.Instance\` installed by the bench (\`bench/lib/wasm-probe.mjs\`).

Bundle size of other SDKs, each entry calling one API method (\`bench/entries/\`):

| package | version | minified | gzipped | vs toolhouse-agent-runs |
| --- | --- | --- | --- | --- |
${[{ name: "toolhouse-agent-runs (default entry)", version: pkgVersion, ...sizes.toolhouse }, { name: "bench/baseline.js (4 calls)", version: "–", ...sizes.baseline }, ...sdkSizes]
  .map((s) => md([s.name, s.version, kb(s.raw), kb(s.gzip) + (s.note ? ` (${s.note})` : ""), x(s.gzip, sizes.toolhouse.gzip)]))
  .join("\n")}
`;
writeFileSync(here("./RESULTS.md"), markdown);
console.log(`\nwrote bench/RESULTS.md (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
