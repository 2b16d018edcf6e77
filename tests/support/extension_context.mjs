// One context of the model extension (tests/support/fake_extension.mjs), in a worker
// thread: the background service worker or a page. Installs a `chrome` whose calls go to
// the model browser in the main thread, then imports the context's script and runs the
// actions the browser asks for. Stopping the context is terminating the thread: it can
// happen between any two of its calls, as Chrome stops a service worker.
import { parentPort, workerData } from "node:worker_threads";

const { kind, script, config, permissions } = workerData;
let nextCall = 0;
/** @type {Map<number, { resolve: (v: unknown) => void, reject: (e: unknown) => void }>} */
const pending = new Map();
const call = (method, ...args) =>
  new Promise((resolve, reject) => {
    const id = nextCall++;
    pending.set(id, { resolve, reject });
    parentPort.postMessage({ type: "call", id, method, args });
  });

/** @type {Record<string, Set<Function>>} */
const listeners = {};
const event = (name) => {
  const set = (listeners[name] = new Set());
  return { addListener: (l) => set.add(l), removeListener: (l) => set.delete(l), hasListener: (l) => set.has(l) };
};
const area = (name) => ({
  get: (keys) => call("storage.get", name, keys ?? null),
  set: (items) => call("storage.set", name, items),
  remove: (keys) => call("storage.remove", name, keys),
  getKeys: () => call("storage.getKeys", name),
});

const chrome = { runtime: { id: "thar-model-extension", onStartup: event("runtime.onStartup"), getPlatformInfo: (cb) => (cb?.({ os: "linux" }), Promise.resolve({ os: "linux" })) } };
if (permissions.includes("storage")) chrome.storage = { session: area("session"), local: area("local"), onChanged: event("storage.onChanged") };
if (permissions.includes("alarms")) {
  chrome.alarms = {
    get: (name) => call("alarms.get", name),
    create: (name, info) => call("alarms.create", name, info),
    clear: (name) => call("alarms.clear", name),
    onAlarm: event("alarms.onAlarm"),
  };
}
if (kind !== "none") globalThis.chrome = chrome;
if (kind === "worker") {
  // `self` is the global scope, as in a worker (the wasm finds `fetch` on it).
  globalThis.ServiceWorkerGlobalScope = class ServiceWorkerGlobalScope {
    static [Symbol.hasInstance](value) {
      return value === globalThis;
    }
  };
  globalThis.self = globalThis;
}

/** What crosses back to the test: errors as { error: { name, message } }. */
const plain = (value) => JSON.parse(JSON.stringify(value ?? null));
const failure = (e) => ({ error: { name: e?.name ?? typeof e, message: e?.message ?? String(e), status: e?.status ?? null, lastRunStatus: e?.lastRun?.status ?? null } });

globalThis.__report = (what) => parentPort.postMessage({ type: "report", what: plain(what) });
globalThis.__config = config;

parentPort.on("message", async (m) => {
  if (m.type === "reply") {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(m.error));
    else p?.resolve(m.value);
  } else if (m.type === "event") {
    for (const l of listeners[m.name] ?? []) l(...m.args);
  } else if (m.type === "do") {
    let answer;
    try {
      const { actions } = await imported;
      answer = { value: plain(await actions[m.action](...m.args)) };
    } catch (e) {
      answer = failure(e);
    }
    parentPort.postMessage({ type: "done", id: m.id, ...answer });
  }
});

const imported = import(script);
imported.then(
  () => parentPort.postMessage({ type: "ready" }),
  (e) => parentPort.postMessage({ type: "ready", error: String(e?.stack ?? e) }),
);
