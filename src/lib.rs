//! `toolhouse-agent-runs`: a client for Toolhouse Agent Runs, compiled to WebAssembly.
//!
//! The core (`error`, `json`, `model`, `poll`, `request`, `retry`, `text`) is plain Rust
//! and is tested natively with `cargo test`. The rest binds it to JS: `options` (the
//! caller's options, defaults and key rules), `call` (requests with retries), `wait`
//! (the wait loop), `answer` (answers read into runs), `operations` (the exported
//! operations), `js` (values and errors), `transport` (fetch, timers, signals), `url`
//! (the runtime's URL parser) and `runtime` (which runtime this is); this file is the
//! exported JS API. The caller's input reaches them through `js/index.js`, which reads
//! it first.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

pub mod error;
pub mod json;
pub mod model;
pub mod poll;
pub mod request;
pub mod retry;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod answer;
#[cfg(target_arch = "wasm32")]
mod call;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod operations;
#[cfg(target_arch = "wasm32")]
mod options;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod transport;
#[cfg(target_arch = "wasm32")]
mod url;
#[cfg(target_arch = "wasm32")]
mod wait;

#[cfg(target_arch = "wasm32")]
pub use exports::*;

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread, which is
// what AssumeSingleThreaded requires.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(target_arch = "wasm32")]
mod exports {
    use js_sys::Promise;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::future_to_promise;

    use crate::operations as client;

    #[wasm_bindgen(typescript_custom_section)]
    const TS_TYPES: &'static str = r#"
/** Where and how to reach the service. Every field is optional. */
export interface ClientOptions {
  /** API key (`th-…`). In Node, Deno and Bun defaults to `process.env.TOOLHOUSE_API_KEY`. */
  apiKey?: string;
  /** Defaults to `TOOLHOUSE_BASE_URL`, else `https://api.toolhouse.ai/v1`. With a base URL of your own (a proxy that adds the key) no key is needed. */
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
 * `ValidationError`); the key and base URL defaults are read at each call. The options
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
"#;

    fn or_undefined(options: Option<JsValue>) -> JsValue {
        options.unwrap_or(JsValue::UNDEFINED)
    }

    /// One boxed future type for every export: one instance of the promise machinery in
    /// the wasm instead of one per call (a few KB each).
    fn spawn(f: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
        let boxed: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>> = Box::pin(f);
        future_to_promise(boxed)
    }

    /// Starts an agent run; resolves with the run as queued.
    ///
    /// @example
    /// const run = await createRun({ chatId, vars: { name: "Ada" } });
    #[wasm_bindgen(js_name = createRun, unchecked_return_type = "Promise<AgentRun>")]
    pub fn create_run(
        #[wasm_bindgen(unchecked_param_type = "CreateRunParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        spawn(client::create_run(params, or_undefined(options)))
    }

    /// Reads a run.
    #[wasm_bindgen(js_name = getRun, unchecked_return_type = "Promise<AgentRun>")]
    pub fn get_run(
        #[wasm_bindgen(js_name = runId, unchecked_param_type = "string")] run_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        spawn(client::get_run(run_id, or_undefined(options)))
    }

    /// Adds a message to a completed run, which queues it again (the agent keeps its
    /// context). Rejects with `RunNotCompletedError` if the run is not completed.
    #[wasm_bindgen(js_name = continueRun, unchecked_return_type = "Promise<AgentRun>")]
    pub fn continue_run(
        #[wasm_bindgen(js_name = runId, unchecked_param_type = "string")] run_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] message: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        spawn(client::continue_run(run_id, message, or_undefined(options)))
    }

    /// Polls a run until it is `completed` or `failed`, and resolves with it (a failed
    /// run resolves; it does not reject).
    #[wasm_bindgen(js_name = waitForRun, unchecked_return_type = "Promise<AgentRun>")]
    pub fn wait_for_run(
        #[wasm_bindgen(js_name = runId, unchecked_param_type = "string")] run_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<JsValue>,
    ) -> Promise {
        spawn(client::wait_for_run(run_id, or_undefined(options)))
    }

    /// Lists the caller's runs.
    #[wasm_bindgen(js_name = listRuns, unchecked_return_type = "Promise<AgentRun[]>")]
    pub fn list_runs(#[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>) -> Promise {
        spawn(client::list_runs(or_undefined(options)))
    }

    /// Starts a run and resolves when it has ended (`maxWaitMs` bounds the wait).
    ///
    /// @example
    /// const run = await createAndWait({ chatId, vars: { name: "Ada" } });
    #[wasm_bindgen(js_name = createAndWait, unchecked_return_type = "Promise<AgentRun>")]
    pub fn create_and_wait(
        #[wasm_bindgen(unchecked_param_type = "CreateRunParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<JsValue>,
    ) -> Promise {
        spawn(client::create_and_wait(params, or_undefined(options)))
    }

    /// Adds a message to a completed run and resolves when the run has ended again. The
    /// state from before the continue, which the service may still serve for a while, is
    /// never taken for the new end.
    #[wasm_bindgen(js_name = continueAndWait, unchecked_return_type = "Promise<AgentRun>")]
    pub fn continue_and_wait(
        #[wasm_bindgen(js_name = runId, unchecked_param_type = "string")] run_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] message: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<JsValue>,
    ) -> Promise {
        spawn(client::continue_and_wait(run_id, message, or_undefined(options)))
    }

    /// Reads the body of a callback (the text, its bytes as a `Uint8Array`, `Buffer` or
    /// `ArrayBuffer`, or the parsed JSON), in either shape the service sends. Throws
    /// `ValidationError` for anything else, a `run_id` that is not a UUID included.
    /// Callbacks are not signed: confirm with `getRun`.
    ///
    /// (The wasm export returns the error instead of throwing it, which keeps a sizeable
    /// shim out of the wasm; `js/index.js` throws it.)
    #[wasm_bindgen(js_name = parseRunCallback, unchecked_return_type = "RunCallback")]
    pub fn parse_run_callback(#[wasm_bindgen(unchecked_param_type = "string | object | ArrayBuffer | ArrayBufferView")] body: JsValue) -> JsValue {
        client::parse_run_callback(&body).unwrap_or_else(|err| err)
    }

    /// Checks the options of an `AgentRuns` client (the class is plain JS, in
    /// `js/index.js`: one set of exports in the wasm instead of two). Returns the error
    /// (`undefined` when they are fine) for `js/index.js` to throw.
    #[wasm_bindgen(js_name = checkClientOptions, skip_typescript)]
    pub fn check_client_options(options: Option<JsValue>) -> JsValue {
        client::check_client_options(&or_undefined(options)).err().unwrap_or(JsValue::UNDEFINED)
    }
}
