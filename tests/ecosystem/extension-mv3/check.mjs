// A Manifest V3 extension, loaded unpacked into Chromium: its service worker (bundled by
// esbuild, no plugin, no wasm configuration, no init call) creates a run that takes 150 s
// and waits for it with the package's defaults; an extension page then shows the result.
//
// Chrome stops an extension service worker after ~30 s without events or extension API
// calls, and a DevTools (CDP) session attached to a worker keeps it alive: Playwright
// attaches to every service worker of a browser it launches. So Chromium is started here
// by hand (a DevTools port open, nothing attached) and Playwright connects only after the
// wait. The worker reports what happens by plain fetches to a local server, and the
// emulator's request count is sampled, so the harness sees the polls go on (or stop).
//
// Three control extensions run alongside in the same browser and prove that the harness
// sees a worker being stopped: one waits 60 s on a bare setTimeout, one fetches every 5 s
// for 60 s (neither calls an extension API meanwhile), and one is the main worker with the
// package's keep-alive disabled (chrome.runtime.getPlatformInfo made a no-op), polling its
// own emulator. None of them may get to "done".
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ESBUILD = "esbuild@0.28.2";
const RUN_MS = 150_000; // the Slow researcher at timeScale 1
const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, [ESBUILD]);

  // The extensions.
  const build = join(workDir, "build");
  const names = ["main", "control-sleep", "control-fetch", "control-no-keepalive"];
  const controls = names.slice(1);
  const dirs = Object.fromEntries(names.map((n) => [n, join(build, n)]));
  for (const [name, dir] of Object.entries(dirs)) {
    mkdirSync(dir, { recursive: true });
    for (const f of ["result.html", "result.js"]) copyFileSync(join(workDir, "extension", f), join(dir, f));
    const manifest = { manifest_version: 3, name: `thar-${name}`, version: "1.0", permissions: ["storage"], background: { service_worker: "sw.js" } };
    if (name === "main" || name === "control-no-keepalive") manifest.content_security_policy = { extension_pages: CSP };
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  }
  const esbuild = (entry, dir) => lib.run(join(workDir, "node_modules", ".bin", "esbuild"), [entry, "--bundle", "--format=iife", `--outfile=${join(dir, "sw.js")}`, "--log-level=warning"], { cwd: workDir });
  await esbuild("extension/sw-src.js", dirs.main);
  await esbuild("controls/no-keepalive-entry.js", dirs["control-no-keepalive"]);
  await esbuild("controls/sleep-sw.js", dirs["control-sleep"]);
  await esbuild("controls/fetch-sw.js", dirs["control-fetch"]);

  const emulator = await lib.startEmulator({ timeScale: 1 });
  const emulator2 = await lib.startEmulator({ timeScale: 1 }); // control-no-keepalive's
  const started = Date.now();
  const at = () => Date.now() - started;
  const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

  // What the workers report: { at, ext, id, event, t, data }.
  const { reports, url: reportUrl, close: closeReports } = await lib.reportServer(at);
  for (const [name, dir] of Object.entries(dirs)) {
    writeFileSync(join(dir, "config.json"), JSON.stringify({ name, baseUrl: (name === "main" ? emulator : emulator2).baseUrl, reportUrl, subject: "tide pools" }));
  }
  const find = (ext, event) => reports.find((r) => r.ext === ext && r.event === event);
  const count = (ext, event) => reports.filter((r) => r.ext === ext && r.event === event).length;

  // When each emulator saw requests (each has one worker as its only client).
  const requestTimes = [];
  const requestTimes2 = [];
  const sample = () => {
    while (requestTimes.length < emulator.stats.requests) requestTimes.push(at());
    while (requestTimes2.length < emulator2.stats.requests) requestTimes2.push(at());
  };
  const sampler = setInterval(sample, 100);

  const profile = join(workDir, "profile");
  const list = Object.values(dirs).join(",");
  const chromium = spawn(lib.CHROMIUM, ["--headless=new", ...lib.CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", `--disable-extensions-except=${list}`, `--load-extension=${list}`, "about:blank"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  chromium.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((r) => chromium.on("exit", r));
  let browser;
  try {
    // Wait: the main worker reports the end, or stops being heard of.
    const deadline = RUN_MS + 90_000;
    for (;;) {
      await sleep(500);
      if (find("main", "done")) break;
      const created = find("main", "created");
      const lastActivity = Math.max(requestTimes.at(-1) ?? 0, created?.at ?? 0);
      if (at() > deadline) break;
      if (created && at() - lastActivity > 45_000) break; // polls stopped: the worker is gone
      if (!created && at() > 60_000) break;
      if (chromium.exitCode !== null) throw new Error(`Chromium exited early (${chromium.exitCode}):\n${stderr}`);
    }
    // The controls had 60 s (or the run's 150 s) of work from their start; give them more.
    for (const [c, event, ms] of [["control-sleep", "started", 90_000], ["control-fetch", "started", 90_000], ["control-no-keepalive", "created", RUN_MS + 10_000]]) {
      const s = find(c, event);
      if (s) while (at() < s.at + ms) await sleep(500);
    }
    clearInterval(sampler);
    sample();

    const created = find("main", "created");
    const done = find("main", "done");
    const gaps = requestTimes.slice(1).map((t, i) => t - requestTimes[i]);
    const times = (list) => `${list.map((t) => (t / 1000).toFixed(1)).join(", ")} s`;
    const timeline = [
      `reports: ${reports.map((r) => `${sec(r.at)} ${r.ext} ${r.event}`).join("; ")}`,
      `main's emulator, requests at: ${times(requestTimes)} (longest gap ${sec(Math.max(0, ...gaps))})`,
      `control-no-keepalive's emulator, requests at: ${times(requestTimes2)}`,
    ].join("\n");
    console.log(timeline);

    // The long wait survived on its own.
    if (!created) throw new Error(`the main worker never created its run\n${timeline}\n${stderr}`);
    if (!done) throw new Error(`the main worker never finished its wait: it was stopped (last emulator request at ${sec(requestTimes.at(-1) ?? 0)}, run created at ${sec(created.at)})\n${timeline}`);
    if (count("main", "boot") !== 1) throw new Error(`the main worker started ${count("main", "boot")} times\n${timeline}`);
    const r = done.data;
    if (!r?.ok || r.status !== "completed" || !/^Research note on tide pools/.test(r.lastAgentMessage ?? "") || r.continued !== "queued") {
      throw new Error(`main result: ${JSON.stringify(r)}`);
    }
    if (r.where !== "service-worker") throw new Error(`ran in ${r.where}`);
    if (done.at - created.at < RUN_MS - 1_000 || r.waitedMs < RUN_MS) throw new Error(`ended too early: ${JSON.stringify(r)} after ${sec(done.at - created.at)}`);
    const during = gaps.filter((_, i) => requestTimes[i] >= created.at - 1_000);
    if (Math.max(...during) > 12_000) throw new Error(`polls paused for ${sec(Math.max(...during))}\n${timeline}`);

    // The controls were stopped: they started, and never got to "done".
    for (const c of controls) {
      if (!find(c, c === "control-no-keepalive" ? "created" : "started")) throw new Error(`${c} never started\n${timeline}`);
      if (find(c, "done")) throw new Error(`${c} was not stopped: the harness cannot see a worker being stopped\n${timeline}`);
    }
    const ticks = reports.filter((x) => x.ext === "control-fetch" && x.event.startsWith("tick"));
    const nk = find("control-no-keepalive", "created");
    const nkLast = requestTimes2.at(-1) ?? 0;
    if (nkLast > nk.at + RUN_MS - 30_000) throw new Error(`control-no-keepalive kept polling until ${sec(nkLast)}\n${timeline}`);
    console.log(`controls: sleep started at ${sec(find("control-sleep", "started").at)}, no "done"; fetch: ${ticks.length}/12 ticks, last at ${sec(ticks.at(-1)?.at ?? 0)}; no-keepalive: run created at ${sec(nk.at)}, last poll at ${sec(nkLast)}, no "done"`);

    // Only now attach DevTools: the extension pages show what the workers stored.
    const { chromium: pw } = await import("playwright-core");
    const ws = /DevTools listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
    if (!ws) throw new Error(`no DevTools endpoint:\n${stderr}`);
    browser = await pw.connectOverCDP(ws);
    const page = await browser.contexts()[0].newPage();
    const show = async (ext) => {
      await page.goto(`chrome-extension://${find(ext, "boot").id}/result.html`);
      await page.waitForSelector("body[data-ready='1']", { timeout: 10_000 });
      return { status: await page.textContent("#status"), message: await page.textContent("#message"), raw: await page.textContent("#raw") };
    };
    const main = await show("main");
    if (main.status !== "completed" || main.message !== r.lastAgentMessage) throw new Error(`result.html shows ${JSON.stringify(main)}`);
    console.log(`result.html: ${main.status}: ${main.message}`);
    for (const c of controls) {
      const shown = await show(c);
      if (shown.status !== "no result yet" || (c !== "control-no-keepalive" && !/"started"/.test(shown.raw))) throw new Error(`${c}'s result.html shows ${JSON.stringify(shown)}`);
    }
  } finally {
    clearInterval(sampler);
    await browser?.close().catch(() => {});
    if (chromium.exitCode === null) {
      chromium.kill("SIGTERM");
      const timer = setTimeout(() => chromium.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await closeReports();
    await emulator.close();
    await emulator2.close();
  }
}
