// The public types of toolhouse-agent-runs: their one home. scripts/build.mjs publishes
// this file as pkg/index.d.ts (and .d.cts), with the error subclasses written in from
// js/errors.json; tests/js/types-match.test.mjs checks it against the runtime exports.

/** Where and how to reach the service. Every field is optional. */
export interface ClientOptions {
  /** API key (`th-…`). In Node, Deno and Bun defaults to `process.env.TOOLHOUSE_API_KEY`. */
  apiKey?: string;
  /** Defaults to `TOOLHOUSE_BASE_URL`, else `https://api.toolhouse.ai/v1`. With a base URL of your own (a proxy that adds the key, such as `toolhouse-agent-runs/server`) no key is needed. In a page (or a worker) a relative URL such as `"/api/toolhouse"` is read against the page's own URL. */
  baseUrl?: string;
  /** Bound on each attempt, headers and body together, in ms (default 60000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 2; 0 to 10). */
  maxRetries?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** A `Retry-After` longer than this (ms, default 60000) is not slept through: the `RateLimitError` is returned at once. (In a wait, `maxWaitMs` bounds the pause instead.) */
  maxRetryDelayMs?: number;
  /** Called before each retry, with what failed and how long the pause will be. If it throws, the call rejects with an `AgentRunsError` whose `cause` is the exception. */
  onRetry?: (retry: RetryInfo) => void;
  /** Allow an `apiKey` in a web page or its workers, where anyone who opens the page can read it. Prefer a server of yours that adds the key (`baseUrl`, no `apiKey`). Extensions, Node, Deno and Bun need no flag. */
  dangerouslyAllowBrowser?: boolean;
}

/** What `onRetry` hears. */
export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  /** The pause before it, in ms. */
  delayMs: number;
  /** Why the previous attempt failed. */
  error: AgentRunsError;
}

/** Options of one call. */
export interface RequestOptions extends ClientOptions {
  /** Aborting it rejects the call at once with the signal's reason. */
  signal?: AbortSignal;
  /** For `createRun` and `continueRun`: sent as `Idempotency-Key` on every attempt, and lets them be retried like reads. Use a new key per logical operation. */
  idempotencyKey?: string;
}

/** Options of `waitForRun`. */
export interface WaitOptions extends RequestOptions {
  /** A fixed pause between polls, in ms, at least 100. By default polling starts at 1 s and slows to 10 s. */
  pollIntervalMs?: number;
  /** Bound on the whole wait, in ms (default 30 minutes; `Infinity` for none); past it the wait rejects with `WaitTimeoutError`. */
  maxWaitMs?: number;
  /** Called with the run each time its status changes (and with the first run read). If it throws, the wait rejects with an `AgentRunsError` whose `cause` is the exception. */
  onUpdate?: (run: AgentRun) => void;
  /** The run `continueRun` returned: states from before that continue are ignored, so the old `completed` answer is never taken for the new one. */
  after?: AgentRun;
  /** In a web page, no polls while the tab is hidden (a poll at once when it is visible again); wherever `navigator.onLine` exists, no polls while offline (the wait resumes when back online instead of failing). Both within `maxWaitMs`. Default `true`. */
  pauseWhenHidden?: boolean;
}

/** What a callback says. Callbacks are not signed: confirm with `getRun` before trusting one. */
export interface RunCallback {
  runId: string;
  status: RunStatus;
  lastAgentMessage: string | null;
}

/**
 * Polls a run and yields a snapshot each time its status changes, ending after the one
 * that is `completed` or `failed`. Leaving the loop early (`break`, `return`, `throw`)
 * stops polling at once.
 *
 * @example
 * for await (const run of watchRun(id)) console.log(run.status);
 */
export function watchRun(runId: string, options?: WaitOptions): AsyncIterableIterator<AgentRun>;

/**
 * A client that keeps its options, so calls need not repeat them. Per-call options
 * override the client's. The options are checked when it is built (a bad one throws
 * `ValidationError`), except in a page whose wasm is still compiling in the background:
 * then the check is made before the first call, which rejects with it. The key and base
 * URL defaults are read at each call. The options
 * are kept private: `console.log(client)` and `JSON.stringify(client)` show no key.
 *
 * @example
 * const runs = new AgentRuns({ apiKey: process.env.TOOLHOUSE_API_KEY });
 * const run = await runs.createAndWait({ chatId });
 */
export class AgentRuns {
  constructor(options?: ClientOptions);
  /** Starts an agent run; resolves with the run as queued. */
  createRun(params: CreateRunParams, options?: RequestOptions): Promise<AgentRun>;
  /** Reads a run. */
  getRun(runId: string, options?: RequestOptions): Promise<AgentRun>;
  /** Adds a message to a completed run, which queues it again. */
  continueRun(runId: string, message: string, options?: RequestOptions): Promise<AgentRun>;
  /** Polls a run until it is `completed` or `failed`, and resolves with it. */
  waitForRun(runId: string, options?: WaitOptions): Promise<AgentRun>;
  /** Lists the caller's runs. */
  listRuns(options?: RequestOptions): Promise<AgentRun[]>;
  /** Starts a run and resolves when it has ended. */
  createAndWait(params: CreateRunParams, options?: WaitOptions): Promise<AgentRun>;
  /** Adds a message to a completed run and resolves when it has ended again. */
  continueAndWait(runId: string, message: string, options?: WaitOptions): Promise<AgentRun>;
  /** Polls a run and yields a snapshot at each change of status, ending after the terminal one. */
  watchRun(runId: string, options?: WaitOptions): AsyncIterableIterator<AgentRun>;
}

/** What `createRun` starts. */
export interface CreateRunParams {
  /** The agent: the chat id (a UUID) from Agent Studio's Share button. */
  chatId: string;
  /** Values for `{name}` placeholders in the agent's prompt; numbers and booleans are sent as strings. */
  vars?: Record<string, string | number | boolean>;
  /** Set of MCP servers (service default: `"default"`). */
  bundle?: string;
  /** End-user id that scopes the agent's memory (service default: `"default"`). */
  toolhouseId?: string;
  /** The service POSTs to this absolute http(s) URL when the run ends. */
  callbackUrl?: string;
}

/** A run's status; an unknown status is kept as its string and means "not finished". */
export type RunStatus = "queued" | "in_progress" | "completed" | "failed" | (string & {});

/** One Agent Run, read leniently: missing fields are `null`, and `raw` keeps the run exactly as the service sent it. */
export interface AgentRun {
  id: string;
  chatId: string;
  status: RunStatus;
  /** The run's conversation: `{ role, content }` items, as sent. A failed run carries its errors here. */
  results: unknown[];
  /** The agent's final answer; `null` until the run ends. */
  lastAgentMessage: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  bundle: string | null;
  toolhouseId: string | null;
  /** A null-prototype object: keys such as `__proto__` are plain keys. */
  vars: Record<string, string> | null;
  callbackUrl: string | null;
  error: string | null;
  /** The run object exactly as the service sent it, unknown fields included. */
  raw: object;
}

/**
 * Starts an agent run; resolves with the run as queued.
 *
 * @example
 * const run = await createRun({ chatId, vars: { name: "Ada" } });
 */
export function createRun(params: CreateRunParams, options?: RequestOptions): Promise<AgentRun>;

/** Reads a run. A 403 may mean that the run's agent was deleted. */
export function getRun(runId: string, options?: RequestOptions): Promise<AgentRun>;

/**
 * Adds a message to a completed run, which queues it again (the agent keeps its
 * context). Rejects with `RunNotCompletedError` if the run is not completed. Give the
 * run it resolves with to `waitForRun` as `after`.
 */
export function continueRun(runId: string, message: string, options?: RequestOptions): Promise<AgentRun>;

/**
 * Polls a run until it is `completed` or `failed`, and resolves with it (a failed
 * run resolves; it does not reject). `maxWaitMs` (default 30 minutes) bounds the wait.
 */
export function waitForRun(runId: string, options?: WaitOptions): Promise<AgentRun>;

/** Lists the caller's runs. Their `lastAgentMessage` is `null`: read a run with `getRun` for it. */
export function listRuns(options?: RequestOptions): Promise<AgentRun[]>;

/**
 * Starts a run and resolves when it has ended (`maxWaitMs` bounds the wait).
 *
 * @example
 * const run = await createAndWait({ chatId, vars: { name: "Ada" } });
 */
export function createAndWait(params: CreateRunParams, options?: WaitOptions): Promise<AgentRun>;

/**
 * Adds a message to a completed run and resolves when the run has ended again. The
 * state from before the continue, which the service may still serve for a while, is
 * never taken for the new end.
 */
export function continueAndWait(runId: string, message: string, options?: WaitOptions): Promise<AgentRun>;

/**
 * Reads the body of a callback (the text, its bytes as a `Uint8Array`, `Buffer` or
 * `ArrayBuffer`, or the parsed JSON), in either shape the service sends. Throws
 * `ValidationError` for anything else, a `run_id` that is not a UUID included.
 * Callbacks are not signed: confirm with `getRun`. Synchronous: in the slim entry it
 * throws an `AgentRunsError` until the `.wasm` has loaded (once any call has resolved).
 */
export function parseRunCallback(body: string | object | ArrayBuffer | ArrayBufferView): RunCallback;

/** What the error constructors take. */
export interface ErrorInit {
  /** HTTP status of the service's answer. */
  status?: number | null;
  /** The answer's body: parsed JSON, or text. */
  body?: unknown;
  /** The underlying failure. */
  cause?: unknown;
  /** For `ValidationError`. */
  details?: ValidationDetail[];
  /** For `RateLimitError`. */
  retryAfterMs?: number | null;
  /** For `WaitTimeoutError`. */
  lastRun?: AgentRun | null;
}

/** One problem found by a validation, in the service's (FastAPI's) shape. */
export interface ValidationDetail {
  /** Where: e.g. `["body", "chat_id"]`, or `["vars", "age"]` for a check made before sending. */
  loc: (string | number)[];
  /** What is wrong. */
  msg: string;
  /** A machine-readable kind. */
  type: string;
}

/**
 * Base class of every error of this package. Every error the package throws is an
 * `AgentRunsError` (except an abort, which rejects with the signal's reason, as `fetch`
 * does). They never hold the API key. `instanceof` also works across two copies of the
 * package (its ESM and CommonJS builds in one program).
 */
export class AgentRunsError extends Error {
  constructor(message: string, init?: ErrorInit);
  /** HTTP status of the service's answer; `null` when there was no answer. */
  status: number | null;
  /** The service's answer: parsed JSON, or text; `null` when there was none. */
  body: unknown;
}

// @errors: the subclasses, written here from js/errors.json by scripts/build.mjs.
