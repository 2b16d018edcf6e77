// A model of what Chrome gives an MV3 extension, enough to test
// toolhouse-agent-runs/extension in Node, deterministically: chrome.storage (session and
// local, with onChanged), chrome.alarms (its times multiplied by `alarmScale`), and
// contexts in worker threads (extension_context.mjs): at most one service worker, started
// for an alarm or the browser starting, and pages. The test can stop the worker at any
// call it makes: the call is carried out (a write is committed) and the worker is
// terminated before it hears back, as a worker Chrome stops right then.
import { Worker } from "node:worker_threads";

const CONTEXT = new URL("./extension_context.mjs", import.meta.url);

export class Browser {
  /**
   * @param {{ worker: string | URL, page?: string | URL, config?: object, permissions?: string[], alarmScale?: number, wakeOnStorage?: boolean }} options
   */
  constructor({ worker, page = worker, config = {}, permissions = ["storage", "alarms"], alarmScale = 0.01, wakeOnStorage = false }) {
    this.scripts = { worker: String(worker), page: String(page) };
    this.config = config;
    this.permissions = permissions;
    this.alarmScale = alarmScale;
    this.wakeOnStorage = wakeOnStorage;
    /** @type {{ session: Map<string, unknown>, local: Map<string, unknown> }} */
    this.storage = { session: new Map(), local: new Map() };
    /** @type {Map<string, { name: string, scheduledTime: number, periodInMinutes?: number, timer: NodeJS.Timeout }>} */
    this.alarms = new Map();
    /** @type {Context | null} */
    this.worker = null;
    /** @type {Set<Context>} */
    this.contexts = new Set();
    /** Workers started so far. */
    this.workerStarts = 0;
    /** What the contexts reported (`__report`), in order. @type {{ from: Context, what: any }[]} */
    this.reports = [];
    /** Asked before each reply to the worker: true stops the worker there. @type {((call: { method: string, args: any[] }) => boolean) | null} */
    this.stopWorkerAt = null;
    /** Every call of the worker, in order: { method, args }. */
    this.workerCalls = [];
  }

  /** The service worker, started if it is not running (for an event, say). */
  async wakeWorker() {
    if (this.worker && !this.worker.stopped) return this.worker;
    this.workerStarts++;
    this.worker = new Context(this, "worker", this.scripts.worker);
    await this.worker.ready;
    return this.worker;
  }

  /** Opens a page of the extension. */
  async openPage(kind = "page") {
    const page = new Context(this, kind, this.scripts.page);
    await page.ready;
    return page;
  }

  /** Stops the service worker now, wherever it is. */
  async stopWorker() {
    await this.worker?.stop();
  }

  /** The browser closed and opened again: contexts gone, session storage and alarms cleared; the worker starts for runtime.onStartup. */
  async restart() {
    for (const c of [...this.contexts]) await c.stop();
    this.storage.session.clear();
    for (const a of this.alarms.values()) clearTimeout(a.timer);
    this.alarms.clear();
    const worker = await this.wakeWorker();
    worker.dispatch("runtime.onStartup", []);
  }

  async close() {
    for (const a of this.alarms.values()) clearTimeout(a.timer);
    this.alarms.clear();
    for (const c of [...this.contexts]) await c.stop();
  }

  /** Every stored value of one area, by key. */
  stored(area = "session") {
    return Object.fromEntries(this.storage[area]);
  }

  /**
   * Carries out a context's call of the extension API.
   * @param {Context} from
   * @param {string} method
   * @param {any[]} args
   */
  handle(from, method, args) {
    const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
    switch (method) {
      case "storage.get": {
        const [area, keys] = args;
        const map = this.storage[area];
        const wanted = keys === null ? [...map.keys()] : [keys].flat();
        return Object.fromEntries(wanted.filter((k) => map.has(k)).map((k) => [k, clone(map.get(k))]));
      }
      case "storage.getKeys":
        return [...this.storage[args[0]].keys()];
      case "storage.set": {
        const [area, items] = args;
        const changes = {};
        for (const [k, v] of Object.entries(items)) {
          changes[k] = { oldValue: clone(this.storage[area].get(k)), newValue: clone(v) };
          this.storage[area].set(k, clone(v));
        }
        this.changed(changes, area);
        return undefined;
      }
      case "storage.remove": {
        const [area, keys] = args;
        const changes = {};
        for (const k of [keys].flat()) {
          if (!this.storage[area].has(k)) continue;
          changes[k] = { oldValue: clone(this.storage[area].get(k)) };
          this.storage[area].delete(k);
        }
        if (Object.keys(changes).length > 0) this.changed(changes, area);
        return undefined;
      }
      case "alarms.get": {
        const a = this.alarms.get(args[0]);
        return a ? { name: a.name, scheduledTime: a.scheduledTime, periodInMinutes: a.periodInMinutes } : undefined;
      }
      case "alarms.create": {
        const [name, info] = args;
        const delayMinutes = info.when !== undefined ? Math.max(0, info.when - Date.now()) / 60_000 : info.delayInMinutes ?? info.periodInMinutes;
        this.schedule(name, delayMinutes, info.periodInMinutes);
        return undefined;
      }
      case "alarms.clear": {
        const a = this.alarms.get(args[0]);
        if (a) clearTimeout(a.timer);
        return this.alarms.delete(args[0]);
      }
      default:
        throw new Error(`the model has no ${method}`);
    }
  }

  /** @param {string} name @param {number} delayMinutes @param {number | undefined} periodInMinutes */
  schedule(name, delayMinutes, periodInMinutes) {
    const old = this.alarms.get(name);
    if (old) clearTimeout(old.timer);
    const ms = delayMinutes * 60_000 * this.alarmScale;
    const timer = setTimeout(async () => {
      if (periodInMinutes) this.schedule(name, periodInMinutes, periodInMinutes);
      else this.alarms.delete(name);
      const worker = await this.wakeWorker();
      worker.dispatch("alarms.onAlarm", [{ name, scheduledTime: Date.now() }]);
    }, ms);
    this.alarms.set(name, { name, scheduledTime: Date.now() + ms, periodInMinutes, timer });
  }

  /** storage.onChanged, after the write's own answer (as events come: later, and to every context). */
  changed(changes, area) {
    setTimeout(async () => {
      if (this.wakeOnStorage) await this.wakeWorker();
      for (const c of this.contexts) c.dispatch("storage.onChanged", [changes, area]);
    }, 0);
  }
}

class Context {
  /** @param {Browser} browser @param {string} kind @param {string} script */
  constructor(browser, kind, script) {
    this.browser = browser;
    this.kind = kind;
    this.stopped = false;
    this.thread = new Worker(CONTEXT, { workerData: { kind: kind === "worker" ? "worker" : kind === "outside" ? "none" : "page", script, config: browser.config, permissions: browser.permissions } });
    browser.contexts.add(this);
    this.done = new Map();
    let nextDo = 0;
    this.nextDo = () => nextDo++;
    this.ready = new Promise((resolve, reject) => {
      this.thread.on("message", (m) => {
        if (this.stopped) return;
        if (m.type === "ready") (m.error ? reject(new Error(m.error)) : resolve(this));
        else if (m.type === "call") this.call(m);
        else if (m.type === "report") browser.reports.push({ from: this, what: m.what });
        else if (m.type === "done") this.done.get(m.id)?.(m);
      });
      this.thread.on("error", reject);
    });
  }

  /** @param {{ id: number, method: string, args: any[] }} m */
  call(m) {
    let answer;
    try {
      answer = { value: this.browser.handle(this, m.method, m.args) };
    } catch (e) {
      answer = { error: String(e?.message ?? e) };
    }
    if (this.kind === "worker") {
      this.browser.workerCalls.push({ method: m.method, args: m.args });
      if (this.browser.stopWorkerAt?.({ method: m.method, args: m.args })) return void this.stop();
    }
    this.thread.postMessage({ type: "reply", id: m.id, ...answer });
  }

  dispatch(name, args) {
    if (!this.stopped) this.thread.postMessage({ type: "event", name, args });
  }

  /** Runs one of the script's `actions` in this context: resolves with { value } or { error }. */
  do(action, ...args) {
    const id = this.nextDo();
    return new Promise((resolve) => {
      this.done.set(id, resolve);
      this.thread.postMessage({ type: "do", id, action, args });
    });
  }

  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    for (const answer of this.done.values()) answer({ error: { name: "Stopped", message: "the context was stopped" } });
    this.browser.contexts.delete(this);
    await this.thread.terminate();
  }
}
