// Control: on install, store "started", then fetch every 5 s for 60 s (network activity
// like the package's polls, but no extension API call) and store "done". Shows whether
// outgoing requests alone keep the worker alive.
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
  for (let i = 1; i <= 12; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await report(`tick${i}`);
  }
  await chrome.storage.local.set({ result: { status: "done", waitedMs: Date.now() - booted } });
  await report("done");
});
