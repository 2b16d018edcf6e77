// Types of toolhouse-agent-runs/extension: runs tracked across an MV3 extension's
// service-worker restarts. scripts/build.mjs publishes this file as pkg/extension.d.ts.
//
// Needs the "storage" and "alarms" permissions: without one, every function throws (at
// once, not as a rejection) an `AgentRunsError` naming it, as it throws a `ValidationError`
// for a bad argument. State lives in `chrome.storage.session` (`chrome.storage.local` with
// `persist: true`); only the service worker polls. README: "Runs tracked across worker restarts".
import type { AgentRun, AgentRunsError, WaitOptions } from "./index.js";

/** Where the background's polls get the API key: the key, or a function called at each poll. */
export type ApiKeySource = string | (() => string | null | undefined | Promise<string | null | undefined>);

/** The background's options for the polls of every tracked run (`setTrackingOptions`). Kept in memory, never stored. */
export interface TrackingOptions extends Pick<WaitOptions, "baseUrl" | "timeoutMs" | "maxRetries" | "maxRetryDelayMs" | "pollIntervalMs" | "fetch"> {
  /** The key, or a function that reads it where the extension keeps it (called at each poll). */
  apiKey?: ApiKeySource;
}

/** Options of `trackRun`. */
export interface TrackRunOptions extends Pick<WaitOptions, "baseUrl" | "timeoutMs" | "maxRetries" | "maxRetryDelayMs" | "pollIntervalMs" | "fetch" | "after"> {
  /**
   * Bound on the tracking, in ms from now (default 30 minutes; `Infinity` for none). Past
   * it the run is delivered with a `WaitTimeoutError`. Counted across worker restarts.
   */
  maxWaitMs?: number;
  /**
   * The key for this run's polls. Called in the service worker: used (with `fetch`) by
   * this worker only, kept in memory; a later worker uses `setTrackingOptions`' key. In
   * a page it is refused (the page does not poll) unless `storeApiKey` is set.
   */
  apiKey?: ApiKeySource;
  /** Stores `apiKey` (a string) with the run, in the same storage area, for every later worker. Off by default: the package copies no key into storage unless asked. */
  storeApiKey?: boolean;
  /** `chrome.storage.local` instead of `session`: the run survives a browser restart and an extension update (default `false`). */
  persist?: boolean;
}

/** Where a tracked run is: polled; ended (its end stored); being delivered to `onRunEnded`'s listeners; delivered. */
export type TrackedRunState = "tracking" | "ended" | "delivering" | "delivered";

/** A tracked run as stored. */
export interface TrackedRun {
  id: string;
  state: TrackedRunState;
  /** Kept in `chrome.storage.local` (`persist: true`) rather than `session`. */
  persist: boolean;
  /** The run as last read; its end once it has ended. `null` if never read. */
  run: AgentRun | null;
  /** What ended its tracking without an end of the run (`WaitTimeoutError`, `NotFoundError`, `AuthenticationError` …), else `null`. */
  error: AgentRunsError | null;
  /** When `trackRun` was called (ms since the epoch). */
  trackedAt: number;
  /** When tracking gives up (`trackedAt + maxWaitMs`), or `null` for never. */
  deadline: number | null;
  /** When its end was stored, or `null`. */
  endedAt: number | null;
  /** When every listener had settled, or `null`. */
  deliveredAt: number | null;
}

/** What an `onRunEnded` listener gets besides the run. */
export interface RunEnded extends TrackedRun {
  /**
   * 1 for the first call. More only when a worker was stopped during an earlier call,
   * after the delivery marker was written and before the listeners settled: that call
   * may or may not have done its work (deduplicate on `id` if it matters).
   */
  attempt: number;
}

/**
 * Called once per tracked run when it ends: with the run (`completed` or `failed`), or,
 * when tracking ended without an end (`ended.error`: the wait ran past `maxWaitMs`, the
 * run does not exist, the key was refused), with the last run read or `null`. Awaited:
 * the run counts as delivered once the returned promise settles (a rejection is logged).
 */
export type RunEndedListener = (run: AgentRun | null, ended: RunEnded) => void | Promise<void>;

/**
 * Tracks a run: stores it and has the background service worker poll it until it ends,
 * across worker stops and restarts (and browser restarts with `persist: true`). Resolves
 * as soon as the run is stored. From a page (a popup that then closes) as well as from
 * the worker. Tracking a run again starts its tracking anew.
 *
 * @example
 * await trackRun(run.id, { maxWaitMs: 60 * 60_000 });
 */
export function trackRun(runId: string, options?: TrackRunOptions): Promise<TrackedRun>;

/**
 * Registers a listener for the end of every tracked run, in the background service
 * worker, at its top level (so that a worker Chrome starts for an alarm has it). Returns
 * a function that removes it.
 *
 * Delivery is **at least once**: a marker (`state: "delivering"`, with the attempt's
 * number) is written before the listeners run and `delivered` after they settle, so a
 * worker stopped at any moment before the marker leads to exactly one call, and one
 * stopped between the marker and the listeners' settling leads to another call with
 * `ended.attempt` one higher (at most 3 in all). A run that ends while no listener is
 * registered waits, stored, for the next worker that has one.
 */
export function onRunEnded(listener: RunEndedListener): () => void;

/** Every tracked run, oldest first: those polled and those ended (kept a day after their end, or until `untrackRun`). */
export function trackedRuns(): Promise<TrackedRun[]>;

/** Stops tracking a run and forgets its record; a pending `waitForTrackedRun` on it rejects. Resolves with whether it was tracked. */
export function untrackRun(runId: string): Promise<boolean>;

/**
 * Resolves with a tracked run once the background has stored its end (at once if it has
 * already: a popup that reopens gets it), in any page of the extension or its worker. It
 * reads storage and polls nothing. Rejects with the error that ended the tracking
 * (`WaitTimeoutError`, `NotFoundError` …), or an `AgentRunsError` if the run is not
 * tracked (or gets untracked); with the signal's reason if it is aborted.
 */
export function waitForTrackedRun(runId: string, options?: { signal?: AbortSignal }): Promise<AgentRun>;

/**
 * Sets the background's options for the polls of every tracked run, in the service
 * worker at its top level: `apiKey` (a string, or a function that reads it where the
 * extension keeps it, called at each poll), `baseUrl`, `fetch` …. A run's own `trackRun`
 * options win over them. Nothing here is stored.
 *
 * @example
 * setTrackingOptions({ apiKey: async () => (await chrome.storage.local.get("apiKey")).apiKey });
 */
export function setTrackingOptions(options: TrackingOptions): void;
