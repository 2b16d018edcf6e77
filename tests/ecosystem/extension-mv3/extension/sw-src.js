// The extension's service worker (bundled by esbuild into a classic sw.js): on install,
// it creates a run of the Slow researcher (150 s), waits for it with the package's
// defaults and continues it, then stores the result for result.html. Between the start and the end it makes
// no extension API call of its own: only the package can keep the worker alive.
// `report` (report.js) tells the test harness what happens.
import { continueRun, createRun, waitForRun } from "toolhouse-agent-runs";
import { SLOW } from "../shared/agents.js";
import { booted, config, report } from "./report.js";

async function research() {
  const { baseUrl, subject } = await config;
  const options = { apiKey: "th-ext", baseUrl };
  let result;
  try {
    const created = await createRun({ chatId: SLOW, vars: { subject } }, options);
    await report("created", { runId: created.id, status: created.status });
    const ended = await waitForRun(created.id, { ...options, onUpdate: (run) => report("update", { status: run.status }) });
    // Continue it too (its second answer would take another 150 s: only the continue is checked).
    const continued = await continueRun(ended.id, "Thank you, one more source please.", options);
    result = { ok: true, runId: ended.id, status: ended.status, lastAgentMessage: ended.lastAgentMessage, continued: continued.status };
  } catch (error) {
    result = { ok: false, error: String(error?.stack ?? error) };
  }
  result.where = typeof ServiceWorkerGlobalScope !== "undefined" && self instanceof ServiceWorkerGlobalScope ? "service-worker" : "other";
  result.waitedMs = Date.now() - booted;
  await chrome.storage.local.set({ result });
  await report("done", result);
}

report("boot");
chrome.runtime.onInstalled.addListener(() => {
  research();
});
