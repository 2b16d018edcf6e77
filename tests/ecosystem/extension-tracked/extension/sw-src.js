// The service worker of each test extension (bundled by esbuild into a classic sw.js).
// At top level, as the README says: the background's options (the key read where the
// extension keeps it, chrome.storage.local) and a listener. On install it keeps its key
// and, if its config says so, starts a run and tracks it. `report` tells the harness what
// happens (plain fetches; config.js is written by check.mjs).
import { createRun } from "toolhouse-agent-runs";
import { onRunEnded, setTrackingOptions, trackRun, trackedRuns } from "toolhouse-agent-runs/extension";
import config from "./config.js";

const report = (event, data = {}) =>
  fetch(`${config.reportUrl}?${new URLSearchParams({ ext: config.name, id: chrome.runtime.id, event, data: JSON.stringify(data) })}`).catch(() => {});

report("boot");
chrome.alarms?.onAlarm.addListener((alarm) => report("alarm", { name: alarm.name, scheduledTime: alarm.scheduledTime }));

try {
  setTrackingOptions({ baseUrl: config.baseUrl, apiKey: async () => (await chrome.storage.local.get("apiKey")).apiKey });
  onRunEnded(async (run, ended) => {
    // What storage says while the listener runs: the marker is written before it.
    const stateSeen = (await trackedRuns()).find((r) => r.id === ended.id)?.state ?? null;
    report("listener", { runId: ended.id, attempt: ended.attempt, status: run?.status ?? null, message: run?.lastAgentMessage ?? null, error: ended.error?.name ?? null, stateSeen });
    // A listener still at work when the worker is stopped (the harness stops it now).
    if (config.hangOnAttempt === ended.attempt) await new Promise(() => {});
  });
} catch (error) {
  report("error", { where: "top level", message: error.message });
}

chrome.runtime.onInstalled.addListener(async () => {
  // The extension's own settings: where its key lives (the package reads it at each poll).
  await chrome.storage.local.set({ apiKey: config.apiKey });
  if (!config.startRun) return;
  try {
    const run = await createRun({ chatId: config.chatId, vars: { subject: config.name } }, { apiKey: config.apiKey, baseUrl: config.baseUrl });
    await trackRun(run.id, { maxWaitMs: 10 * 60_000 });
    report("tracked", { runIds: [run.id] });
  } catch (error) {
    report("error", { where: "trackRun", message: error.message });
  }
});
