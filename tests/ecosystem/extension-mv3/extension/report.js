// How the workers (this extension's and the controls') tell the test harness what happens:
// plain fetches to the harness's server (no extension API), named by extension and event,
// with the time since the worker booted.
export const booted = Date.now();
/** The config.json that check.mjs wrote beside the worker. */
export const config = fetch(chrome.runtime.getURL("config.json")).then((r) => r.json());

/** @param {string} event @param {unknown} [data] */
export async function report(event, data) {
  const { reportUrl, name } = await config;
  const q = new URLSearchParams({ ext: name, id: chrome.runtime.id, event, t: String(Date.now() - booted) });
  if (data !== undefined) q.set("data", JSON.stringify(data));
  await fetch(`${reportUrl}?${q}`).catch(() => {});
}
