// @ts-check
/**
 * `toolhouse-agent-runs/extension`: runs tracked durably in a Manifest V3 extension, whose
 * service worker Chrome stops whenever it likes. Built on the package's public API only:
 * it imports "./index.js", which scripts/build.mjs leaves as an import of the published
 * entry (so the wasm is embedded once, and the default entry holds nothing of this).
 *
 * How it holds together:
 * - Each tracked run is one record in `chrome.storage` (`session`, or `local` with
 *   `persist`), under a key of its own, so that pages and the worker never overwrite each
 *   other's runs. A record carries no API key unless the extension asks (`storeApiKey`).
 * - Only the service worker polls: one `waitForRun` per run. Pages write records and read
 *   them. A worker that starts (after a stop, at an alarm, when the browser starts)
 *   resumes every record where the last worker left off.
 * - While a run is tracked, a repeating alarm wakes a stopped worker.
 * - Delivery goes `ended` (the end is stored; pages see it) → `delivering` (the marker,
 *   with the attempt's number, written before any listener runs) → the listeners →
 *   `delivered`. A worker that finds `delivering` calls the listeners again, with the next
 *   attempt number: at least once, more than once only if a worker stopped while the
 *   listeners ran (between the marker and their settling), and at most MAX_ATTEMPTS times.
 */
import * as sdk from "./index.js";
import { AgentRuns, AgentRunsError, waitForRun } from "./index.js";
// The registered symbol by which a run continueRun returned says what it was before.
import { BEFORE_CONTINUE } from "./run.js";

/**
 * @typedef {import("./extension.d.ts").TrackRunOptions} TrackRunOptions
 * @typedef {import("./extension.d.ts").TrackingOptions} TrackingOptions
 * @typedef {import("./extension.d.ts").TrackedRun} TrackedRun
 * @typedef {import("./extension.d.ts").RunEnded} RunEnded
 * @typedef {import("./extension.d.ts").RunEndedListener} RunEndedListener
 * @typedef {import("./index.d.ts").AgentRun} AgentRun
 * @typedef {(url: string, init?: any) => Promise<any>} Fetch
 * @typedef {string | (() => string | null | undefined | Promise<string | null | undefined>)} ApiKey
 *
 * The parts of the extension API used here.
 * @typedef {{ addListener(listener: (...args: any[]) => void): void, removeListener(listener: (...args: any[]) => void): void }} ChromeEvent
 * @typedef {{ get(keys?: string | string[] | null): Promise<Record<string, any>>, set(items: Record<string, any>): Promise<void>, remove(keys: string | string[]): Promise<void>, getKeys?: () => Promise<string[]> }} StorageArea
 * @typedef {{
 *   runtime: { id?: string, onStartup: ChromeEvent },
 *   storage: { session: StorageArea, local: StorageArea, onChanged: ChromeEvent },
 *   alarms: { get(name: string): Promise<object | undefined>, create(name: string, info: object): Promise<void>, clear(name: string): Promise<boolean>, onAlarm: ChromeEvent },
 * }} Chrome
 *
 * A record as stored (one key per run).
 * @typedef {{
 *   id: string, token: string, persist: boolean,
 *   state: "tracking" | "ended" | "delivering" | "delivered",
 *   trackedAt: number, deadline: number | null,
 *   options: Record<string, unknown>, apiKey?: string,
 *   after: { updatedAt: string | null, resultsCount: number } | null,
 *   run: AgentRun | null, error: { name: string, message: string, status: number | null } | null,
 *   endedAt: number | null, attempt: number, deliveredAt: number | null,
 * }} Stored
 */

const PREFIX = "toolhouse-agent-runs:run:";
const ALARM = "toolhouse-agent-runs";
/** Chrome's minimum alarm period for packed MV3 extensions (unpacked ones may go lower). */
const ALARM_PERIOD_MINUTES = 0.5;
const DEFAULT_MAX_WAIT_MS = 30 * 60_000;
/** How long an ended run's record is kept for pages to read, unless untracked before. */
const KEEP_ENDED_MS = 24 * 60 * 60_000;
/** Calls of the listeners for one run, at most (a worker stopped during each attempt). */
const MAX_ATTEMPTS = 3;
/** Options of a run that are kept with it in storage (never the key, unless asked). */
const STORED_OPTIONS = ["baseUrl", "timeoutMs", "maxRetries", "maxRetryDelayMs", "pollIntervalMs"];

/** @type {any} */
const g = globalThis;
// Read once, when the module is evaluated: each context keeps the extension API it started with.
/** @type {Chrome | undefined} */
const chromeApi = g.chrome;
const inWorker = typeof g.ServiceWorkerGlobalScope === "function" && g.self instanceof g.ServiceWorkerGlobalScope;

/**
 * The extension API, or a clear error saying what is missing.
 * @param {string} fn
 * @returns {Chrome}
 */
function extensionApi(fn) {
  const where = `toolhouse-agent-runs/extension: ${fn}`;
  if (!chromeApi?.runtime?.id) throw new AgentRunsError(`${where} works only in a Chrome extension (its service worker and its pages)`);
  const missing = [!chromeApi.storage?.session || !chromeApi.storage.local ? "storage" : null, !chromeApi.alarms ? "alarms" : null].filter(Boolean);
  if (missing.length > 0) {
    const names = missing.map((m) => `"${m}"`).join(" and ");
    throw new AgentRunsError(`${where} needs the ${names} permission${missing.length > 1 ? "s" : ""}: add ${names} to "permissions" in manifest.json`);
  }
  return chromeApi;
}

/** @param {string} fn */
function workerOnly(fn) {
  const api = extensionApi(fn);
  if (!inWorker) throw new AgentRunsError(`toolhouse-agent-runs/extension: ${fn} belongs in the background service worker, at its top level (pages use waitForTrackedRun and trackedRuns)`);
  return api;
}

/**
 * One of the package's error classes, by name (their table is js/errors.json): how a
 * stored error becomes an instance of its class again.
 * @param {string} name
 * @returns {typeof AgentRunsError}
 */
function errorClass(name) {
  const named = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (sdk))[name];
  return typeof named === "function" && named.prototype instanceof AgentRunsError ? /** @type {typeof AgentRunsError} */ (named) : AgentRunsError;
}

const ValidationError = errorClass("ValidationError");
const AuthenticationError = errorClass("AuthenticationError");
const WaitTimeoutError = errorClass("WaitTimeoutError");

/** @param {Chrome} api @param {boolean} persist */
const areaOf = (api, persist) => (persist ? api.storage.local : api.storage.session);

/** @param {unknown} runId */
function checkRunId(runId) {
  if (typeof runId !== "string" || runId === "") throw new ValidationError("invalid runId: must be the run's id, a non-empty string", { details: [{ loc: ["runId"], msg: "must be a non-empty string", type: "client_validation" }] });
  return runId;
}

/** @param {string} field @param {string} msg */
const invalidOption = (field, msg) => new ValidationError(`invalid options: ${field} ${msg}`, { details: [{ loc: ["options", field], msg, type: "client_validation" }] });

// ---- Reading records (every context) ----

/**
 * Every record of one area.
 * @param {StorageArea} area
 * @returns {Promise<Stored[]>}
 */
async function readArea(area) {
  // getKeys (Chrome 130+) spares reading the extension's own data.
  const keys = area.getKeys ? (await area.getKeys()).filter((k) => k.startsWith(PREFIX)) : null;
  if (keys && keys.length === 0) return [];
  const items = await area.get(keys);
  return Object.entries(items).filter(([k]) => k.startsWith(PREFIX)).map(([, v]) => v);
}

/** @param {Chrome} api @returns {Promise<Stored[]>} */
async function readAll(api) {
  const [session, local] = await Promise.all([readArea(api.storage.session), readArea(api.storage.local)]);
  return [...session, ...local];
}

/** @param {Chrome} api @param {string} id @returns {Promise<Stored | null>} */
async function readOne(api, id) {
  const key = PREFIX + id;
  const [session, local] = await Promise.all([api.storage.session.get(key), api.storage.local.get(key)]);
  return session[key] ?? local[key] ?? null;
}

/**
 * The error a record keeps, as an instance of its class again.
 * @param {Stored} record
 * @returns {AgentRunsError | null}
 */
function errorOf(record) {
  if (!record.error) return null;
  const { name, message, status } = record.error;
  return new (errorClass(name))(message, { status, lastRun: name === "WaitTimeoutError" ? record.run : undefined });
}

/** @param {Stored} record @returns {TrackedRun} */
function publicView(record) {
  const { id, state, persist, run, trackedAt, deadline, endedAt, deliveredAt } = record;
  return { id, state, persist, run, error: errorOf(record), trackedAt, deadline, endedAt, deliveredAt };
}

/** @param {Stored | null | undefined} record */
const hasEnded = (record) => record != null && record.state !== "tracking";

// ---- The public API ----

/**
 * Tracks a run: stores it and has the background service worker poll it until it ends,
 * across worker restarts; returns once it is stored.
 * @param {string} runId
 * @param {TrackRunOptions} [options]
 * @returns {Promise<TrackedRun>}
 */
export function trackRun(runId, options = {}) {
  const api = extensionApi("trackRun");
  const id = checkRunId(runId);
  const o = options ?? {};
  const maxWaitMs = o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  if (typeof maxWaitMs !== "number" || !(maxWaitMs >= 0)) throw invalidOption("maxWaitMs", "must be a number of ms >= 0, or Infinity");
  if (o.apiKey !== undefined && typeof o.apiKey !== "string" && typeof o.apiKey !== "function") throw invalidOption("apiKey", "must be a string or a function that returns it");
  if (o.storeApiKey && typeof o.apiKey !== "string") throw invalidOption("storeApiKey", "needs apiKey as a string");
  // Only the worker polls: a key or fetch given in a page would be silently unused.
  if (!inWorker && !o.storeApiKey && (o.apiKey !== undefined || o.fetch !== undefined)) {
    throw invalidOption(o.apiKey !== undefined ? "apiKey" : "fetch", "is not used when trackRun is called in a page: the background service worker polls, with setTrackingOptions' (or pass storeApiKey: true to store the key with the run)");
  }
  /** @type {Record<string, unknown>} */
  const stored = {};
  for (const key of STORED_OPTIONS) if (/** @type {any} */ (o)[key] !== undefined) stored[key] = /** @type {any} */ (o)[key];
  new AgentRuns(stored); // a bad option is a ValidationError now, not at the worker's first poll
  const after = /** @type {any} */ (o.after);
  const persist = o.persist === true;
  const now = Date.now();
  /** @type {Stored} */
  const record = {
    id,
    token: crypto.randomUUID(),
    persist,
    state: "tracking",
    trackedAt: now,
    deadline: Number.isFinite(maxWaitMs) ? now + maxWaitMs : null,
    options: stored,
    after: after == null ? null : after[BEFORE_CONTINUE] ?? { updatedAt: after.updatedAt ?? null, resultsCount: Array.isArray(after.results) ? after.results.length : 0 },
    run: null,
    error: null,
    endedAt: null,
    attempt: 0,
    deliveredAt: null,
  };
  if (o.storeApiKey) record.apiKey = /** @type {string} */ (o.apiKey);
  return (async () => {
    // The alarm first: whenever this context stops, a stored run has an alarm to wake a worker.
    if (inWorker) {
      tracking++;
      try {
        await ensureAlarm(api);
        if (o.apiKey !== undefined || o.fetch !== undefined) given.set(record.token, { apiKey: o.apiKey, fetch: o.fetch });
        await store(api, record);
        follow(record);
      } finally {
        tracking--;
      }
    } else {
      // Fires at once (or at Chrome's minimum delay), to start a stopped worker; a running
      // one takes the run up from its storage event.
      await api.alarms.create(ALARM, { when: Date.now(), periodInMinutes: ALARM_PERIOD_MINUTES });
      await store(api, record);
    }
    return publicView(record);
  })();
}

/**
 * Stores a new record; a run tracked again moves to the area its new options ask for.
 * @param {Chrome} api
 * @param {Stored} record
 */
async function store(api, record) {
  await areaOf(api, !record.persist).remove(PREFIX + record.id);
  await areaOf(api, record.persist).set({ [PREFIX + record.id]: record });
}

/**
 * Registers a listener called once per tracked run when it ends (see the .d.ts for the
 * exact guarantee). In the service worker, at top level. Returns a function that removes it.
 * @param {RunEndedListener} listener
 * @returns {() => void}
 */
export function onRunEnded(listener) {
  workerOnly("onRunEnded");
  if (typeof listener !== "function") throw new ValidationError("invalid listener: must be a function");
  listeners.add(listener);
  // Runs that ended with no listener to hear them are delivered now (after the top level has run).
  resumeSoon();
  return () => void listeners.delete(listener);
}

/**
 * Every tracked run, oldest first: those being polled and those ended (kept a day, or
 * until `untrackRun`).
 * @returns {Promise<TrackedRun[]>}
 */
export function trackedRuns() {
  const api = extensionApi("trackedRuns");
  return readAll(api).then((records) => records.sort((a, b) => a.trackedAt - b.trackedAt).map(publicView));
}

/**
 * Stops tracking a run and forgets it (a waiting `waitForTrackedRun` rejects). Resolves
 * with whether it was tracked.
 * @param {string} runId
 * @returns {Promise<boolean>}
 */
export function untrackRun(runId) {
  const api = extensionApi("untrackRun");
  const id = checkRunId(runId);
  return (async () => {
    const record = await readOne(api, id);
    await Promise.all([api.storage.session.remove(PREFIX + id), api.storage.local.remove(PREFIX + id)]);
    if (inWorker) stopWaiting(id);
    return record !== null;
  })();
}

/**
 * Resolves with a tracked run once the background has stored its end (at once if it has
 * already), in any context of the extension; rejects with the error that ended its
 * tracking (`WaitTimeoutError`, `NotFoundError` …), or if it is not tracked or gets untracked.
 * @param {string} runId
 * @param {{ signal?: AbortSignal }} [options]
 * @returns {Promise<AgentRun>}
 */
export function waitForTrackedRun(runId, options = {}) {
  const api = extensionApi("waitForTrackedRun");
  const id = checkRunId(runId);
  const key = PREFIX + id;
  const signal = options?.signal;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = () => {
      done = true;
      api.storage.onChanged.removeListener(onChanged);
      signal?.removeEventListener("abort", onAbort);
    };
    /** @param {Stored | null} record */
    const settle = (record) => {
      if (done) return;
      if (record === null) {
        finish();
        reject(new AgentRunsError(`toolhouse-agent-runs/extension: run ${id} is not tracked (never tracked, untracked, or kept past its time)`));
      } else if (hasEnded(record)) {
        finish();
        const error = errorOf(record);
        if (error) reject(error);
        else resolve(/** @type {AgentRun} */ (record.run));
      }
    };
    const check = () => readOne(api, id).then(settle, (e) => (finish(), reject(e)));
    /** @param {Record<string, { newValue?: Stored }>} changes */
    const onChanged = (changes) => {
      const change = changes[key];
      if (!change) return;
      // A removal may be a move between areas: read both again before saying it is gone.
      if (change.newValue === undefined) check();
      else settle(change.newValue);
    };
    const onAbort = () => {
      if (done) return;
      finish();
      reject(signal?.reason);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort);
    // Listening first, then reading: no change falls between the two.
    api.storage.onChanged.addListener(onChanged);
    check();
  });
}

/**
 * The background's options for the polls of every tracked run: `apiKey` (a string, or a
 * function called at each poll), `baseUrl`, `fetch`, …. A run's own `trackRun` options
 * win over them. Not stored: call it at the top level of the service worker, so that every
 * new worker has them.
 * @param {TrackingOptions} options
 */
export function setTrackingOptions(options) {
  workerOnly("setTrackingOptions");
  if (options === null || typeof options !== "object") throw new ValidationError("invalid options: must be an object");
  if (options.apiKey !== undefined && typeof options.apiKey !== "string" && typeof options.apiKey !== "function") throw invalidOption("apiKey", "must be a string or a function that returns it");
  new AgentRuns({ ...options, apiKey: typeof options.apiKey === "string" ? options.apiKey : undefined }); // checks the others now
  defaults = { ...options };
}

// ---- The background (service worker only) ----

/** @type {Set<RunEndedListener>} */
const listeners = new Set();
/** @type {TrackingOptions} */
let defaults = {};
/** The key and fetch given to trackRun in this worker, by record token: kept in memory only. @type {Map<string, { apiKey?: ApiKey, fetch?: Fetch }>} */
const given = new Map();
/** The runs this worker polls: id → the record's token and a way to stop. @type {Map<string, { token: string, controller: AbortController }>} */
const waiting = new Map();
/** Tokens of the records this worker is delivering. @type {Set<string>} */
const delivering = new Set();
/** trackRun calls under way in this worker (their runs need the alarm too). */
let tracking = 0;

/**
 * Writes changes to a record if it is still in one of the states `from`: not untracked,
 * not tracked anew (another token), not moved on by an earlier write. (Storage events
 * arrive late and twice; this is what makes acting on them safe.)
 * @param {Chrome} api
 * @param {Stored} record
 * @param {Stored["state"][]} from
 * @param {Partial<Stored>} changes
 * @returns {Promise<Stored | null>} the record as written, or null
 */
async function update(api, record, from, changes) {
  const current = await stillTracked(api, record);
  if (!current || !from.includes(current.state)) return null;
  const next = { ...current, ...changes };
  await areaOf(api, record.persist).set({ [PREFIX + record.id]: next });
  return next;
}

/**
 * The record as stored now, if it is still the same tracking (same token).
 * @param {Chrome} api
 * @param {Stored} record
 * @returns {Promise<Stored | null>}
 */
async function stillTracked(api, record) {
  const key = PREFIX + record.id;
  const current = /** @type {Stored | undefined} */ ((await areaOf(api, record.persist).get(key))[key]);
  return current && current.token === record.token ? current : null;
}

/** @param {Chrome} api */
async function ensureAlarm(api) {
  if (!(await api.alarms.get(ALARM))) await api.alarms.create(ALARM, { periodInMinutes: ALARM_PERIOD_MINUTES });
}

/** @param {string} id */
function stopWaiting(id) {
  const entry = waiting.get(id);
  if (!entry) return;
  waiting.delete(id);
  entry.controller.abort();
}

/**
 * Acts on a record: polls it, or delivers it. Idempotent: a run already in hand is left
 * be, and a record that has moved on since (a late storage event) is left to its state.
 * @param {Stored} record
 */
function follow(record) {
  const api = /** @type {Chrome} */ (chromeApi);
  if (record.state === "tracking") {
    const current = waiting.get(record.id);
    if (current?.token === record.token) return;
    if (current) stopWaiting(record.id);
    const controller = new AbortController();
    waiting.set(record.id, { token: record.token, controller });
    poll(api, record, controller.signal)
      .catch(logFailure)
      .finally(() => {
        if (waiting.get(record.id)?.controller === controller) waiting.delete(record.id);
      });
  } else if ((record.state === "ended" || record.state === "delivering") && listeners.size > 0) {
    // A failure (storage full, say) leaves the record as it was, for the next resume.
    deliver(api, record).catch(logFailure);
  }
}

/**
 * The options of one poll: the background's, under the run's stored ones, under what
 * trackRun was given in this worker; the key, if a function, called at each request.
 * @param {Stored} record
 */
async function pollOptions(record) {
  const own = given.get(record.token);
  /** @type {ApiKey | undefined} */
  const apiKey = own?.apiKey ?? record.apiKey ?? defaults.apiKey;
  const base = own?.fetch ?? defaults.fetch;
  /** @type {Record<string, unknown>} */
  const options = { ...defaults, ...record.options };
  delete options.apiKey;
  delete options.fetch;
  if (typeof apiKey === "function") {
    // The wasm checks the first key it is given (and the URL it goes to); each request
    // then carries the key the function gives at that moment.
    options.apiKey = (await apiKey()) ?? undefined;
    options.fetch = /** @type {Fetch} */ async (url, init) => {
      const key = await apiKey();
      const headers = { ...init?.headers };
      if (key) headers.Authorization = `Bearer ${key}`;
      else delete headers.Authorization;
      return (base ?? globalThis.fetch)(url, { ...init, headers });
    };
  } else {
    options.apiKey = apiKey;
    if (base) options.fetch = base;
  }
  if (!options.apiKey && options.baseUrl === undefined) {
    throw new AuthenticationError(
      "toolhouse-agent-runs/extension: no API key for the background's polls: call setTrackingOptions({ apiKey }) at the top level of the service worker (a string, or a function that reads it), or track the run with storeApiKey: true",
    );
  }
  return options;
}

/**
 * Polls a tracked run until it ends, and stores the end (or the error that ended its
 * tracking: a permanent one, or maxWaitMs past; waitForRun retries the others).
 * @param {Chrome} api
 * @param {Stored} record
 * @param {AbortSignal} signal
 */
async function poll(api, record, signal) {
  /** @type {Partial<Stored>} */
  let end;
  try {
    const now = await stillTracked(api, record);
    if (!now || now.state !== "tracking" || signal.aborted) return;
    record = now;
    // Whoever stored the run (a page, say) may have raced a resume that cleared the alarm.
    await ensureAlarm(api);
    let last = record.run;
    let after = record.after;
    try {
      const left = record.deadline === null ? Infinity : record.deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError("the run did not end within maxWaitMs", { lastRun: last });
      const options = await pollOptions(record);
      const run = await waitForRun(record.id, {
        ...options,
        maxWaitMs: left,
        // A plain { updatedAt, resultsCount } is what waitForRun reads of `after`.
        after: /** @type {AgentRun | undefined} */ (/** @type {unknown} */ (after ?? undefined)),
        signal,
        // Each change of status is stored, for pages and for a later worker; once the run
        // is seen running again after a continue, any end is its own.
        onUpdate: (run) => {
          last = run;
          if (after && run.status !== "completed" && run.status !== "failed") after = null;
          update(api, record, ["tracking"], { run, after }).catch(() => {});
        },
      });
      end = { run, after: null };
    } catch (error) {
      if (signal.aborted) return;
      const e = error instanceof AgentRunsError ? error : new AgentRunsError(`toolhouse-agent-runs/extension: tracking failed (${String(error)})`, { cause: error });
      const lastRun = /** @type {{ lastRun?: AgentRun | null }} */ (e).lastRun;
      end = { run: lastRun ?? last, error: { name: e.name, message: e.message, status: e.status ?? null } };
    }
    if (signal.aborted) return;
    const ended = await update(api, record, ["tracking"], { ...end, state: "ended", endedAt: Date.now() });
    if (ended && listeners.size > 0) follow(ended);
    else if (ended) resumeSoon(); // nothing more to do for it here: the alarm may go
  } finally {
    given.delete(record.token);
  }
}

/**
 * Delivers an ended run to the listeners: the marker first, then the calls, then
 * `delivered` once every listener has settled.
 * @param {Chrome} api
 * @param {Stored} record
 */
async function deliver(api, record) {
  if (delivering.has(record.token)) return;
  delivering.add(record.token);
  let done = false;
  try {
    // As stored now: a late event may describe a state already moved on from.
    const now = await stillTracked(api, record);
    if (!now || (now.state !== "ended" && now.state !== "delivering")) return;
    const attempt = now.attempt + 1;
    if (attempt > MAX_ATTEMPTS) {
      console.warn(`toolhouse-agent-runs/extension: run ${now.id}: the worker stopped during ${now.attempt} deliveries; not delivered again`);
      await update(api, now, [now.state], { state: "delivered", deliveredAt: Date.now() });
      return;
    }
    const marked = await update(api, now, [now.state], { state: "delivering", attempt });
    if (!marked) return;
    /** @type {RunEnded} */
    const ended = { ...publicView(marked), attempt };
    await Promise.all(
      [...listeners].map(async (listener) => {
        try {
          await listener(marked.run, ended);
        } catch (error) {
          // A listener's failure is its own: the run counts as delivered.
          console.error(`toolhouse-agent-runs/extension: an onRunEnded listener failed for run ${marked.id}:`, error);
        }
      }),
    );
    if (await update(api, marked, ["delivering"], { state: "delivered", deliveredAt: Date.now() })) done = true;
  } finally {
    delivering.delete(record.token);
    // The last delivery clears the alarm now rather than at its next firing.
    if (done && waiting.size === 0 && delivering.size === 0) resumeSoon();
  }
}

/**
 * Takes up every record: polls the tracked, delivers the ended, drops those ended over a
 * day ago; keeps the alarm while anything is left to do. Runs when a worker starts, at
 * each alarm, and when a listener is added.
 * @param {Chrome} api
 */
async function resume(api) {
  let active = 0;
  for (const record of await readAll(api)) {
    if (record.endedAt !== null && Date.now() - record.endedAt > KEEP_ENDED_MS) {
      await areaOf(api, record.persist).remove(PREFIX + record.id);
      continue;
    }
    if (record.state === "tracking" || (record.state !== "delivered" && listeners.size > 0)) active++;
    follow(record);
  }
  // A run taken up meanwhile (a page's, by its storage event) keeps the alarm too.
  if (active > 0 || waiting.size > 0 || delivering.size > 0 || tracking > 0) await ensureAlarm(api);
  else await api.alarms.clear(ALARM);
}

/** @param {unknown} error */
const logFailure = (error) => console.error("toolhouse-agent-runs/extension:", error);

/** @type {ReturnType<typeof setTimeout> | null} */
let resumeTimer = null;
/** A resume after the current turn (the top level's, when the worker starts), one for many asks. */
function resumeSoon() {
  const api = /** @type {Chrome} */ (chromeApi);
  resumeTimer ??= setTimeout(() => {
    resumeTimer = null;
    resume(api).catch(logFailure);
  }, 0);
}

if (inWorker && chromeApi?.runtime?.id && chromeApi.storage?.session && chromeApi.alarms) {
  const api = chromeApi;
  // Registered when the module is evaluated, in the worker's first turn, so that Chrome
  // starts a stopped worker for them: the alarm, a run tracked from a page, the browser starting.
  api.alarms.onAlarm.addListener((/** @type {{ name: string }} */ alarm) => {
    if (alarm.name === ALARM) resumeSoon();
  });
  api.storage.onChanged.addListener((/** @type {Record<string, { newValue?: Stored, oldValue?: Stored }>} */ changes) => {
    for (const [key, change] of Object.entries(changes)) {
      if (!key.startsWith(PREFIX)) continue;
      if (change.newValue) follow(change.newValue);
      else if (change.oldValue && waiting.get(change.oldValue.id)?.token === change.oldValue.token) stopWaiting(change.oldValue.id);
    }
  });
  api.runtime.onStartup.addListener(() => {}); // the resume below does the work
  resumeSoon();
}
