// toolhouse-agent-runs/extension in Chromium: runs tracked durably by MV3 extensions
// (bundled by esbuild from the installed tarball), whatever happens to their service
// workers. Five extensions, each with its own emulator (timeScale 1, one agent), in one
// profile:
//   persist    a page tracks a run with persist: true (and one without); the browser is
//              closed mid-run and opened again on the same profile: the persisted run is
//              delivered after the restart, the session one is gone, as documented
//   popup      a page tracks a run and closes at once: the worker delivers it; pages that
//              wait (one closed before the end, one reopened after it) get it from storage
//              and send no request to read the run (only the worker polls)
//   stops      the worker is stopped 3 times mid-run (CDP ServiceWorker.stopWorker); each
//              alarm starts a new one that resumes; the run ends while no worker is alive
//              and is delivered at the next alarm, once
//   redeliver  the worker is stopped while the listener runs (after the delivery marker):
//              the next worker calls it again, with attempt 2, and never a third time
//   noalarms   without the "alarms" permission the functions throw, naming it
// Chromium is driven over --remote-debugging-pipe and attaches to no worker (an attached
// DevTools session keeps a worker alive); a page session's ServiceWorker domain shows
// when each worker runs and stops it. Extension code reports by plain fetches.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./cdp.mjs";

const ESBUILD = "esbuild@0.28.2";
const KEY = "th-tracked-extension";
const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'";
const ALARM_MS = 30_000; // the package's alarm period (the minimum of packed MV3 extensions)
/** Each extension: its agent's duration, its permissions, what its worker does on install. */
const EXTENSIONS = {
  persist: { durationMs: 25_000 },
  popup: { durationMs: 20_000 },
  stops: { durationMs: 70_000, startRun: true },
  redeliver: { durationMs: 2_000, startRun: true, hangOnAttempt: 1 },
  noalarms: { durationMs: 1_000, startRun: true, permissions: ["storage"] },
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, [ESBUILD]);
  const started = Date.now();
  const at = () => Date.now() - started;
  const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;

  // What the extensions report: { at, ext, id, event, data }.
  const { reports, url: reportUrl, close: closeReports } = await lib.reportServer(at);
  const emulators = {};
  const dirs = {};
  /** The Chromium running now, if any. */
  let current = null;
  try {
    for (const [name, spec] of Object.entries(EXTENSIONS)) {
      const chatId = "c0ffee00-0000-4000-8000-00000000000" + Object.keys(EXTENSIONS).indexOf(name);
      emulators[name] = await lib.startEmulator({
        timeScale: 1,
        apiKey: KEY,
        agents: [{ chatId, name, prompt: "Research {subject}.", durationMs: spec.durationMs, outcome: "completed", reply: `Note on {subject}, after ${spec.durationMs / 1000} s.` }],
      });
      const dir = (dirs[name] = join(workDir, "build", name));
      mkdirSync(dir, { recursive: true });
      const manifest = { manifest_version: 3, name: `thar-tracked-${name}`, version: "1.0", permissions: spec.permissions ?? ["storage", "alarms"], background: { service_worker: "sw.js" }, content_security_policy: { extension_pages: CSP } };
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
      const config = { name, chatId, baseUrl: emulators[name].baseUrl, apiKey: KEY, reportUrl, startRun: spec.startRun ?? false, hangOnAttempt: spec.hangOnAttempt ?? null };
      writeFileSync(join(dir, "config.js"), `export default ${JSON.stringify(config)};\n`);
      for (const f of ["sw-src.js", "popup-src.js", "popup.html"]) copyFileSync(join(workDir, "extension", f), join(dir, f));
      for (const [entry, out] of [["sw-src.js", "sw.js"], ["popup-src.js", "popup.js"]]) {
        await lib.run(join(workDir, "node_modules", ".bin", "esbuild"), [join(dir, entry), "--bundle", "--format=iife", `--outfile=${join(dir, out)}`, "--log-level=warning"], { cwd: workDir });
      }
    }

    const find = (ext, event, test = () => true) => reports.find((r) => r.ext === ext && r.event === event && test(r.data));
    const all = (ext, event, test = () => true) => reports.filter((r) => r.ext === ext && r.event === event && test(r.data));
    const waitFor = async (what, check, ms) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out (${sec(ms)}) waiting for ${what}\n${timeline()}`);
        await sleep(200);
      }
    };
    // When each extension's worker ran: { at, ext (its id), versionId, status }.
    const statuses = [];
    const timeline = () =>
      [
        `reports: ${reports.filter((r) => r.event !== "pageFetch").map((r) => `${sec(r.at)} ${r.ext} ${r.event}${r.event === "listener" ? ` #${r.data.attempt}` : ""}`).join("; ")}`,
        `workers: ${statuses.map((s) => `${sec(s.at)} ${nameOf(s.ext)} ${s.status}`).join("; ")}`,
      ].join("\n");
    const ids = {};
    const nameOf = (id) => Object.keys(ids).find((n) => ids[n] === id) ?? id;
    const runState = async (name, runId) => {
      const answer = await fetch(`${emulators[name].baseUrl}/agent-runs/${runId}`, { headers: { Authorization: `Bearer ${KEY}` } }).then((r) => r.json());
      return { status: answer.data.status, endedAt: answer.data.status === "completed" ? Date.parse(`${answer.data.updated_at.slice(0, 23)}Z`) - started : null };
    };

    const profile = join(workDir, "profile");
    /** @param {string[]} names */
    const launch = async (names) => {
      const launchedAt = at();
      const list = names.map((n) => dirs[n]).join(",");
      const browser = launchChromium(lib.CHROMIUM, ["--headless=new", ...lib.CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--disable-extensions-except=${list}`, `--load-extension=${list}`, "about:blank"]);
      browser.on((m) => {
        if (m.method !== "ServiceWorker.workerVersionUpdated") return;
        for (const v of m.params.versions) {
          const ext = new URL(v.scriptURL).host;
          const last = statuses.findLast((s) => s.ext === ext);
          if (last?.status !== v.runningStatus || last.versionId !== v.versionId) statuses.push({ at: at(), ext, versionId: v.versionId, status: v.runningStatus });
        }
      });
      current = browser;
      // A page session's ServiceWorker domain sees the profile's workers (the browser's has none).
      let page;
      for (let i = 0; !page; i++) {
        if (i === 100) throw new Error(`no page in Chromium:\n${browser.stderr()}`);
        if (i > 0) await sleep(100);
        page = (await browser.send("Target.getTargets")).targetInfos.find((t) => t.type === "page");
      }
      const { sessionId } = await browser.send("Target.attachToTarget", { targetId: page.targetId, flatten: true });
      await browser.send("ServiceWorker.enable", {}, sessionId);
      for (const name of names) ids[name] = (await waitFor(`${name}'s worker`, () => reports.find((r) => r.ext === name && r.event === "boot" && r.at >= launchedAt), 30_000)).id;
      return {
        browser,
        /** Opens an extension page; resolves with its target id. */
        open: async (name, query) => (await browser.send("Target.createTarget", { url: `chrome-extension://${ids[name]}/popup.html?${query}` })).targetId,
        close: (targetId) => browser.send("Target.closeTarget", { targetId }),
        running: (name) => statuses.findLast((s) => s.ext === ids[name])?.status === "running",
        /** Stops the extension's worker now, wherever it is (CDP ServiceWorker.stopWorker). */
        stop: async (name) => {
          const version = statuses.findLast((s) => s.ext === ids[name]);
          await browser.send("ServiceWorker.stopWorker", { versionId: version.versionId }, sessionId);
          await waitFor(`${name}'s worker stopped`, () => statuses.findLast((s) => s.ext === ids[name])?.status === "stopped", 10_000);
        },
      };
    };

    // ---- 1. The first session: a page tracks two runs, persisted and not; the browser
    // is closed while they run.
    let session = await launch(["persist"]);
    let persistPage = await session.open("persist", "action=track&persist=1&alsoSession=1");
    const [persistedRun, sessionRun] = (await waitFor("persist's page to track", () => find("persist", "tracked"), 30_000)).data.runIds;
    await session.close(persistPage);
    // Mid-run: the persisted run in progress, and polled by the worker since.
    for (let polled = 0; ; await sleep(200)) {
      if (polled === 0 && (await runState("persist", persistedRun)).status === "in_progress") polled = emulators.persist.stats.requests + 1;
      if (polled > 0 && emulators.persist.stats.requests > polled + 1) break; // (one request was the harness's)
      if (at() > 30_000) throw new Error("persist's worker did not poll its runs");
    }
    const closedAt = at();
    await session.browser.close();
    const midRun = await runState("persist", persistedRun);
    if (midRun.status === "completed") throw new Error(`the persisted run ended before the browser closed (at ${sec(closedAt)})`);
    await sleep(2_000);

    // ---- 2. The same profile again, with the other extensions.
    const restartedAt = at();
    session = await launch(Object.keys(EXTENSIONS));
    const s = session;

    const popupFlow = async () => {
      const tracker = await s.open("popup", "action=track");
      const tracked = await waitFor("popup's page to track", () => find("popup", "tracked"), 30_000);
      await s.close(tracker);
      const closed = at();
      const runId = tracked.data.runIds[0];
      await sleep(3_000);
      const waiters = [await s.open("popup", `action=wait&run=${runId}`), await s.open("popup", `action=wait&run=${runId}`)];
      await waitFor("popup's waiting pages", () => all("popup", "waiting").length === 2, 20_000);
      await sleep(2_000);
      await s.close(waiters[0]); // one leaves before the end
      await waitFor("popup's page to get the end", () => find("popup", "waited"), 60_000);
      await waitFor("popup's listener", () => find("popup", "listener"), 30_000);
      const reopened = await s.open("popup", `action=wait&run=${runId}`); // after the end
      await waitFor("popup's reopened page", () => all("popup", "waited").length === 2, 20_000);
      for (const t of [waiters[1], reopened]) await s.close(t);
      return { runId, closed };
    };

    const stopsFlow = async () => {
      const tracked = await waitFor("stops' worker to track its run", () => find("stops", "tracked"), 30_000);
      const stoppedAt = [];
      for (let i = 0; i < 3; i++) {
        if (i > 0) await waitFor(`stops' worker to run again (stop ${i + 1})`, () => s.running("stops"), ALARM_MS + 15_000);
        await sleep(i === 0 ? 5_000 : 3_000);
        await s.stop("stops");
        stoppedAt.push(at());
      }
      await waitFor("stops' listener", () => find("stops", "listener"), ALARM_MS + 45_000);
      return { runId: tracked.data.runIds[0], stoppedAt };
    };

    const redeliverFlow = async () => {
      await waitFor("redeliver's first listener call", () => find("redeliver", "listener", (d) => d.attempt === 1), 30_000);
      await s.stop("redeliver"); // while the listener still runs
      const stoppedAt = at();
      await waitFor("redeliver's second listener call", () => find("redeliver", "listener", (d) => d.attempt === 2), ALARM_MS + 15_000);
      return { stoppedAt };
    };

    const [popup, stops, redeliver] = await Promise.all([popupFlow(), stopsFlow(), redeliverFlow(), waitFor("persist's listener", () => find("persist", "listener"), 60_000)]);
    await sleep(3_000); // anything more would come now: no second call anywhere
    // What each extension stores, read by one of its pages.
    const lists = {};
    for (const name of ["persist", "popup", "stops", "redeliver"]) {
      const page = await s.open(name, "action=list");
      lists[name] = (await waitFor(`${name}'s list`, () => find(name, "list"), 20_000)).data;
      await s.close(page);
    }
    await s.browser.close();
    console.log(timeline());

    // ---- The proofs.
    const listenerCalls = (name) => all(name, "listener").map((r) => r.data);
    const once = (name, runId) => {
      const calls = listenerCalls(name);
      if (calls.length !== 1 || calls[0].runId !== runId || calls[0].attempt !== 1 || calls[0].status !== "completed" || !/^Note on /.test(calls[0].message)) {
        throw new Error(`${name}: expected one call of the listener for ${runId}, got ${JSON.stringify(calls)}\n${timeline()}`);
      }
      if (calls[0].stateSeen !== "delivering") throw new Error(`${name}: the listener saw state ${calls[0].stateSeen}, not the marker "delivering"`);
    };
    for (const name of Object.keys(EXTENSIONS)) {
      const errors = all(name, "error");
      if (name !== "noalarms" && errors.length > 0) throw new Error(`${name}: ${JSON.stringify(errors)}`);
    }

    // persist: closed and opened again mid-run; delivered after the restart; the session run gone.
    once("persist", persistedRun);
    const persistCall = find("persist", "listener");
    if (persistCall.at < restartedAt) throw new Error("persist: delivered before the restart");
    if (all("persist", "listener", (d) => d.runId === sessionRun).length > 0) throw new Error("persist: the session run was delivered");
    const persistRuns = lists.persist.runs;
    if (persistRuns.length !== 1 || persistRuns[0].id !== persistedRun || persistRuns[0].state !== "delivered" || !persistRuns[0].persist) throw new Error(`persist: trackedRuns ${JSON.stringify(persistRuns)}`);
    console.log(`persist: tracked from a page, browser closed at ${sec(closedAt)} with the run ${midRun.status}, reopened at ${sec(restartedAt)}; delivered once at ${sec(persistCall.at)}; the session-only run is gone`);

    // popup: the page that tracked closed at once; delivered by the worker; pages got it
    // from storage (also after reopening) and never read the run themselves.
    once("popup", popup.runId);
    const popupEnd = await runState("popup", popup.runId);
    if (popup.closed > popupEnd.endedAt) throw new Error("popup: the tracking page closed after the run ended");
    const waited = all("popup", "waited");
    if (waited.length !== 2 || waited.some((w) => w.data.runId !== popup.runId || w.data.status !== "completed")) throw new Error(`popup: pages got ${JSON.stringify(waited)}`);
    if (waited[1].data.ms > 5_000) throw new Error(`popup: the page opened after the end waited ${waited[1].data.ms} ms`);
    const pageReads = all("popup", "pageFetch", (d) => d.method === "GET" && d.url.includes("/agent-runs/"));
    if (pageReads.length > 0) throw new Error(`popup: pages read the run themselves: ${JSON.stringify(pageReads)}`);
    console.log(`popup: the tracking page closed at ${sec(popup.closed)}, the run ended at ${sec(popupEnd.endedAt)}; delivered once at ${sec(find("popup", "listener").at)}; a waiting page got it at ${sec(waited[0].at)}, one opened after it in ${waited[1].data.ms} ms; pages sent no read of the run`);

    // stops: several workers; the end while none ran; delivered at the next alarm, once.
    once("stops", stops.runId);
    const stopsId = ids.stops;
    const stopsEnd = await runState("stops", stops.runId);
    const wasRunning = (t) => statuses.findLast((x) => x.ext === stopsId && x.at <= t)?.status === "running";
    const boots = all("stops", "boot").filter((b) => b.at >= restartedAt);
    if (boots.length < 4) throw new Error(`stops: ${boots.length} workers, expected the first and one after each stop\n${timeline()}`);
    if (wasRunning(stopsEnd.endedAt)) throw new Error(`stops: a worker was running when the run ended at ${sec(stopsEnd.endedAt)}\n${timeline()}`);
    const stopsCall = find("stops", "listener");
    const wake = boots.findLast((b) => b.at <= stopsCall.at);
    const alarm = all("stops", "alarm").find((a) => a.at >= wake.at - 100 && a.at <= stopsCall.at);
    if (!alarm || wake.at < stopsEnd.endedAt) throw new Error(`stops: the delivering worker did not start for the alarm after the end\n${timeline()}`);
    console.log(`stops: stopped at ${stops.stoppedAt.map(sec).join(", ")}, ${boots.length} workers; the run ended at ${sec(stopsEnd.endedAt)} with none running; the alarm at ${sec(alarm.at)} started one, which delivered once at ${sec(stopsCall.at)} (${sec(stopsCall.at - stopsEnd.endedAt)} after the end; the alarm period is ${sec(ALARM_MS)})`);

    // redeliver: stopped inside the listener, after the marker: called again, attempt 2, and no more.
    const redeliverCalls = listenerCalls("redeliver");
    if (redeliverCalls.map((c) => c.attempt).join() !== "1,2" || redeliverCalls.some((c) => c.stateSeen !== "delivering" || c.status !== "completed")) {
      throw new Error(`redeliver: calls ${JSON.stringify(redeliverCalls)}\n${timeline()}`);
    }
    if (lists.redeliver.runs[0]?.state !== "delivered") throw new Error(`redeliver: ends as ${JSON.stringify(lists.redeliver.runs)}`);
    console.log(`redeliver: the worker stopped at ${sec(redeliver.stoppedAt)} inside the listener (state "delivering"); the next worker called it again with attempt 2 at ${sec(find("redeliver", "listener", (d) => d.attempt === 2).at)}; no third call`);

    // noalarms: a clear error naming the permission.
    const refusals = all("noalarms", "error");
    if (refusals.length !== 2 || refusals.some((r) => !/needs the "alarms" permission: add "alarms" to "permissions" in manifest.json/.test(r.data.message))) {
      throw new Error(`noalarms: ${JSON.stringify(refusals)}`);
    }
    console.log(`noalarms: ${refusals[0].data.message}`);

    // No key in the package's records: only the extension's own setting holds it.
    for (const [name, list] of Object.entries(lists)) {
      const records = Object.entries({ ...list.storage.session, ...list.storage.local }).filter(([k]) => k.startsWith("toolhouse-agent-runs:"));
      if (records.length === 0) throw new Error(`${name}: no record in storage`);
      if (JSON.stringify(records).includes(KEY)) throw new Error(`${name}: the API key was stored with a run`);
      if (list.storage.local.apiKey !== KEY) throw new Error(`${name}: the extension's own key setting is missing`);
    }
  } finally {
    await current?.close();
    await closeReports();
    for (const e of Object.values(emulators)) await e.close();
  }
}
