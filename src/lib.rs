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

    use crate::operations;

    fn or_undefined(options: Option<JsValue>) -> JsValue {
        options.unwrap_or(JsValue::UNDEFINED)
    }

    /// One boxed future type for every export: one instance of the promise machinery in
    /// the wasm instead of one per call (a few KB each).
    fn spawn(f: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
        let boxed: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>> = Box::pin(f);
        future_to_promise(boxed)
    }

    // The exports. `js/index.js` wraps each (it reads the caller's input first) and
    // `js/index.d.ts` documents them for users: wasm-bindgen writes no types of its own.

    /// `createRun(params, options?)`: starts a run.
    #[wasm_bindgen(js_name = createRun, skip_typescript)]
    pub fn create_run(params: JsValue, options: Option<JsValue>) -> Promise {
        spawn(operations::create_run(params, or_undefined(options)))
    }

    /// `getRun(runId, options?)`: reads a run.
    #[wasm_bindgen(js_name = getRun, skip_typescript)]
    pub fn get_run(run_id: JsValue, options: Option<JsValue>) -> Promise {
        spawn(operations::get_run(run_id, or_undefined(options)))
    }

    /// `continueRun(runId, message, options?)`: adds a message to a completed run.
    #[wasm_bindgen(js_name = continueRun, skip_typescript)]
    pub fn continue_run(run_id: JsValue, message: JsValue, options: Option<JsValue>) -> Promise {
        spawn(operations::continue_run(run_id, message, or_undefined(options)))
    }

    /// `waitForRun(runId, options?)`: polls a run until it has ended.
    #[wasm_bindgen(js_name = waitForRun, skip_typescript)]
    pub fn wait_for_run(run_id: JsValue, options: Option<JsValue>) -> Promise {
        spawn(operations::wait_for_run(run_id, or_undefined(options)))
    }

    /// `listRuns(options?)`: the caller's runs.
    #[wasm_bindgen(js_name = listRuns, skip_typescript)]
    pub fn list_runs(options: Option<JsValue>) -> Promise {
        spawn(operations::list_runs(or_undefined(options)))
    }

    /// `createAndWait(params, options?)`: starts a run and waits for its end.
    #[wasm_bindgen(js_name = createAndWait, skip_typescript)]
    pub fn create_and_wait(params: JsValue, options: Option<JsValue>) -> Promise {
        spawn(operations::create_and_wait(params, or_undefined(options)))
    }

    /// `continueAndWait(runId, message, options?)`: continues a run and waits for its new end.
    #[wasm_bindgen(js_name = continueAndWait, skip_typescript)]
    pub fn continue_and_wait(run_id: JsValue, message: JsValue, options: Option<JsValue>) -> Promise {
        spawn(operations::continue_and_wait(run_id, message, or_undefined(options)))
    }

    /// `parseRunCallback(body)`: reads a callback's body. Returns the error instead of
    /// throwing it, which keeps a sizeable shim out of the wasm; `js/index.js` throws it.
    #[wasm_bindgen(js_name = parseRunCallback, skip_typescript)]
    pub fn parse_run_callback(body: JsValue) -> JsValue {
        operations::parse_run_callback(&body).unwrap_or_else(|err| err)
    }

    /// Checks the options of an `AgentRuns` client (the class is plain JS, in
    /// `js/index.js`: one set of exports in the wasm instead of two). Returns the error
    /// (`undefined` when they are fine) for `js/index.js` to throw.
    #[wasm_bindgen(js_name = checkClientOptions, skip_typescript)]
    pub fn check_client_options(options: Option<JsValue>) -> JsValue {
        operations::check_client_options(&or_undefined(options)).err().unwrap_or(JsValue::UNDEFINED)
    }
}
