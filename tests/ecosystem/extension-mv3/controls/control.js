// The shape of a control worker: on install, store "started", do its work (with no
// extension API call), then store "done". A worker that Chrome stops meanwhile never
// gets to "done", which is what check.mjs looks for.
import { booted, report } from "../extension/report.js";

/** @param {(report: (event: string) => Promise<void>) => Promise<void>} work */
export function control(work) {
  report("boot");
  chrome.runtime.onInstalled.addListener(async () => {
    await chrome.storage.local.set({ started: Date.now() });
    await report("started");
    await work(report);
    await chrome.storage.local.set({ result: { status: "done", waitedMs: Date.now() - booted } });
    await report("done");
  });
}
