// An extension page (a popup, as far as the package can tell), driven by its query:
//   ?action=track[&persist=1][&alsoSession=1]  start a run here, track it, then wait for it
//   ?action=wait&run=ID                         wait for a tracked run (waitForTrackedRun)
//   ?action=list                                what is tracked, and what storage holds
// The harness closes it whenever it likes. Every request it sends is reported: it should
// send none to read a run (only the worker polls).
import { createRun } from "toolhouse-agent-runs";
import { trackRun, trackedRuns, waitForTrackedRun } from "toolhouse-agent-runs/extension";
import config from "./config.js";

const opened = Date.now();
const report = (event, data = {}) =>
  realFetch(`${config.reportUrl}?${new URLSearchParams({ ext: config.name, id: chrome.runtime.id, event, data: JSON.stringify(data) })}`).catch(() => {});
const realFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = (url, init) => {
  report("pageFetch", { url: String(url), method: init?.method ?? "GET" });
  return realFetch(url, init);
};
const show = (text) => (document.getElementById("status").textContent = text);

async function main() {
  const q = new URLSearchParams(location.search);
  const action = q.get("action");
  if (action === "track") {
    const { apiKey } = await chrome.storage.local.get("apiKey");
    const start = () => createRun({ chatId: config.chatId, vars: { subject: config.name } }, { apiKey, baseUrl: config.baseUrl });
    const run = await start();
    await trackRun(run.id, { maxWaitMs: 10 * 60_000, persist: q.has("persist") });
    const runIds = [run.id];
    if (q.has("alsoSession")) {
      const other = await start();
      await trackRun(other.id, { maxWaitMs: 10 * 60_000 });
      runIds.push(other.id);
    }
    report("tracked", { runIds });
    show("tracked");
    const done = await waitForTrackedRun(run.id);
    report("waited", { runId: run.id, status: done.status, message: done.lastAgentMessage, ms: Date.now() - opened });
  } else if (action === "wait") {
    const runId = q.get("run");
    report("waiting", { runId });
    const done = await waitForTrackedRun(runId);
    report("waited", { runId, status: done.status, message: done.lastAgentMessage, ms: Date.now() - opened });
    show(`${done.status}: ${done.lastAgentMessage}`);
  } else if (action === "list") {
    const runs = await trackedRuns();
    const storage = { session: await chrome.storage.session.get(null), local: await chrome.storage.local.get(null) };
    report("list", { runs: runs.map((r) => ({ id: r.id, state: r.state, persist: r.persist, status: r.run?.status ?? null, error: r.error?.name ?? null })), storage });
  }
}
main().catch((error) => report("error", { where: "page", message: String(error?.stack ?? error) }));
