// Control: on install, store "started", then wait 60 s on a bare setTimeout (no extension
// API call, no network) and store "done". Chrome should stop the worker ~30 s in.
const booted = Date.now();
const config = fetch(chrome.runtime.getURL("config.json")).then((r) => r.json());
async function report(event) {
  const { reportUrl, name } = await config;
  const q = new URLSearchParams({ ext: name, id: chrome.runtime.id, event, t: String(Date.now() - booted) });
  await fetch(`${reportUrl}?${q}`).catch(() => {});
}
report("boot");
chrome.runtime.onInstalled.addListener(async () => {
  await chrome.storage.local.set({ started: Date.now() });
  await report("started");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  await chrome.storage.local.set({ result: { status: "done", waitedMs: Date.now() - booted } });
  await report("done");
});
