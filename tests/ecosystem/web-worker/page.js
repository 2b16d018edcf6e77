// The page only starts the worker and shows what it posts back.
const baseUrl = new URLSearchParams(location.search).get("base");
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
worker.onerror = (e) => { window.__result = { ok: false, error: `worker error: ${e.message ?? e.type}` }; };
worker.onmessage = (e) => { window.__result = { ...e.data, inWorker: true }; };
worker.postMessage(baseUrl);
