//! The only code that touches the network and the clock: `fetch` (the global one or
//! the caller's), `setTimeout`, `AbortController`. Nothing here uses `window`, so the
//! same code runs in Node, Deno, Bun, pages, workers and extension service workers.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit};

use crate::js::{constant, get, set};
use crate::runtime;

/// An `AbortSignal`: the loader hands every call a real one (`js/index.js` follows the
/// caller's with a signal of its own).
pub type Signal = web_sys::AbortSignal;

#[wasm_bindgen]
extern "C" {
    /// `Promise.resolve`, which calls a thenable's `then`: a hostile `fetch` may answer
    /// one whose `then` throws.
    #[wasm_bindgen(js_namespace = Promise, js_name = resolve, catch)]
    fn promise_resolve(value: &JsValue) -> Result<Promise, JsValue>;
}

/// The signal's reason if it has been aborted.
fn abort_reason(signal: &Signal) -> Option<JsValue> {
    signal.aborted().then(|| signal.reason())
}

/// Accepts anything with the shape of an `AbortSignal`.
pub fn signal_from_js(value: JsValue) -> Option<Signal> {
    let looks_like_signal = get(&value, "aborted").as_bool().is_some()
        && get(&value, "addEventListener").is_function()
        && get(&value, "removeEventListener").is_function();
    looks_like_signal.then(|| value.unchecked_into())
}

/// A timer's delay as `setTimeout` takes it (whole ms, at most [`MAX_TIMER_MS`]).
fn timer_ms(ms: f64) -> u32 {
    ms.clamp(0.0, MAX_TIMER_MS) as u32
}

/// An `abort` listener on the caller's signal, removed when dropped.
struct AbortListener {
    signal: Signal,
    callback: Closure<dyn FnMut()>,
}

impl AbortListener {
    fn start(signal: &Signal, callback: impl FnMut() + 'static) -> AbortListener {
        let callback = Closure::<dyn FnMut()>::new(callback);
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        AbortListener { signal: signal.clone(), callback }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// Longest pause in an extension service worker between calls that keep it alive
/// (Chrome stops it after about 30 s without events).
const EXTENSION_KEEPALIVE_MS: f64 = 20_000.0;

/// Waits `ms` milliseconds; an abort of `signal` ends the wait at once with its reason.
/// No timer or listener outlives the call. In an extension service worker the worker is
/// kept alive meanwhile, so that a long wait there is not cut short.
pub async fn sleep(ms: f64, signal: Option<&Signal>) -> Result<(), JsValue> {
    // setTimeout fires at once past 2^31 - 1 ms (about 24.8 days): longer pauses go in steps.
    let extension = runtime::is_extension_service_worker();
    let step_max = if extension { EXTENSION_KEEPALIVE_MS } else { MAX_TIMER_MS };
    let mut left = ms;
    loop {
        if extension {
            runtime::keep_extension_alive();
        }
        let step = left.min(step_max);
        sleep_once(step, signal).await?;
        left -= step;
        if left <= 0.0 {
            return Ok(());
        }
    }
}

#[wasm_bindgen(module = "/js/page.js")]
extern "C" {
    #[wasm_bindgen(js_name = rest)]
    fn page_rest(ms: f64, limit: f64, signal: &JsValue) -> JsValue;
}

/// The pause before a poll of a wait: `ms`, and with `watch_page`, no poll while the
/// page is hidden or the runtime offline (until it is back, at most `limit` ms; see
/// `js/page.js`); a page that comes back is polled at once.
pub async fn rest(ms: f64, limit: f64, signal: Option<&Signal>, watch_page: bool) -> Result<(), JsValue> {
    if watch_page {
        let signal_value = signal.map_or(JsValue::UNDEFINED, |s| s.clone().into());
        if let Ok(pending) = page_rest(ms.min(MAX_TIMER_MS), limit.min(MAX_TIMER_MS), &signal_value).dyn_into::<Promise>() {
            return JsFuture::from(pending).await.map(|_| ());
        }
    }
    if ms <= 0.0 {
        return Ok(());
    }
    sleep(ms, signal).await
}

/// Largest delay `setTimeout` takes without firing at once.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

async fn sleep_once(ms: f64, signal: Option<&Signal>) -> Result<(), JsValue> {
    if let Some(reason) = signal.and_then(abort_reason) {
        return Err(reason);
    }
    let mut settle: Option<(Function, Function)> = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let Some((resolve, reject)) = settle else { return Ok(()) };
    let _timer = Timeout::new(timer_ms(ms), move || {
        let _ = resolve.call0(&JsValue::UNDEFINED);
    });
    let _listener = signal.map(|s| {
        let s2 = s.clone();
        AbortListener::start(s, move || {
            let _ = reject.call1(&JsValue::UNDEFINED, &s2.reason());
        })
    });
    JsFuture::from(promise).await.map(|_| ())
}

/// One HTTP request.
pub struct HttpRequest<'a> {
    pub method: &'static str,
    pub url: &'a str,
    /// A JSON text (a JS string: the caller's values are never copied into wasm memory).
    pub body: Option<&'a JsValue>,
    pub authorization: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
}

/// What came back.
pub struct HttpResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The body as a JS string: it stays on the JS side (no copy into wasm memory, which
    /// never shrinks) and goes straight to `JSON.parse`.
    pub text: js_sys::JsString,
}

/// Why no response came back.
pub enum Failure {
    /// The caller's signal fired; carries its reason.
    Aborted(JsValue),
    /// `timeout_ms` passed before the whole body arrived.
    Timeout,
    /// `fetch` rejected (refused, reset, DNS, CORS…); carries what it rejected with.
    Connection(JsValue),
    /// The `fetch` given returned something that is not a `Response`.
    NotAResponse,
}

/// Sends one request through `fetch`, bounding headers and body together by
/// `timeout_ms`, and following the caller's `signal`. Both bounds hold even against a
/// `fetch` that ignores its signal or a body that never ends: each step is raced
/// against them.
pub async fn send(
    fetch: &Function,
    request: &HttpRequest<'_>,
    timeout_ms: f64,
    signal: Option<&Signal>,
) -> Result<HttpResponse, Failure> {
    if let Some(reason) = signal.and_then(abort_reason) {
        return Err(Failure::Aborted(reason));
    }
    // A slow answer must not let an extension's service worker be stopped under it.
    let _keepalive = runtime::is_extension_service_worker()
        .then(|| Interval::new(timer_ms(EXTENSION_KEEPALIVE_MS), runtime::keep_extension_alive));
    // (`new AbortController()` does not throw where there is a `fetch` that takes a signal.)
    let controller = AbortController::new().map_err(Failure::Connection)?;
    let timed_out = Rc::new(Cell::new(false));
    // Rejected when the time is up or the caller aborts, whatever `fetch` does.
    let mut stop_reject: Option<Function> = None;
    let stop = Promise::new(&mut |_, reject| stop_reject = Some(reject));
    let stop_reject = stop_reject.unwrap_or_else(|| Function::from(JsValue::UNDEFINED));
    let _timer = {
        let (controller, timed_out, stop_reject) = (controller.clone(), timed_out.clone(), stop_reject.clone());
        Timeout::new(timer_ms(timeout_ms), move || {
            timed_out.set(true);
            controller.abort();
            let _ = stop_reject.call0(&JsValue::UNDEFINED);
        })
    };
    let _listener = signal.map(|s| {
        let (controller, s2) = (controller.clone(), s.clone());
        AbortListener::start(s, move || {
            controller.abort_with_reason(&s2.reason());
            let _ = stop_reject.call0(&JsValue::UNDEFINED);
        })
    });
    let why = |error: JsValue| {
        if let Some(reason) = signal.and_then(abort_reason) {
            Failure::Aborted(reason)
        } else if timed_out.get() {
            Failure::Timeout
        } else {
            Failure::Connection(error)
        }
    };
    let bounded = |pending: JsValue| {
        let pending = promise_resolve(&pending)?;
        Ok::<_, JsValue>(JsFuture::from(Promise::race(&js_sys::Array::of2(&pending, &stop))))
    };

    let init = RequestInit::new();
    init.set_method(request.method);
    // A plain object, so that a `fetch` of the caller's gets one.
    let headers = Object::new();
    set(&headers, "Accept", &constant("application/json"));
    if request.body.is_some() {
        set(&headers, "Content-Type", &constant("application/json"));
    }
    if let Some(auth) = request.authorization {
        set(&headers, "Authorization", &JsValue::from_str(auth));
    }
    if let Some(key) = request.idempotency_key {
        set(&headers, "Idempotency-Key", &JsValue::from_str(key));
    }
    init.set_headers(&headers);
    if let Some(body) = request.body {
        init.set_body(body);
    }
    init.set_signal(Some(&controller.signal()));

    let pending = fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(request.url), &init).map_err(&why)?;
    let response = bounded(pending).map_err(&why)?.await.map_err(&why)?;

    let status = get(&response, "status").as_f64().filter(|s| (100.0..=599.0).contains(s)).ok_or(Failure::NotAResponse)?;
    let headers = get(&response, "headers");
    let retry_after = get(&headers, "get")
        .dyn_into::<Function>()
        .ok()
        .and_then(|f| f.call1(&headers, &constant("retry-after")).ok())
        // A real Retry-After is a few characters; anything long is not one.
        .and_then(|v| crate::js::short_string(&v, 64).ok().flatten());
    let text_fn = get(&response, "text").dyn_into::<Function>().map_err(|_| Failure::NotAResponse)?;
    let text_promise = text_fn.call0(&response).map_err(&why)?;
    let text = bounded(text_promise).map_err(&why)?.await.map_err(&why)?;
    let text = text.dyn_into::<js_sys::JsString>().unwrap_or_else(|_| js_sys::JsString::from(""));
    Ok(HttpResponse { status: status as u16, retry_after, text })
}

/// The global `fetch`, looked up at call time so that a polyfill installed later counts.
pub fn global_fetch() -> Option<Function> {
    get(&js_sys::global(), "fetch").dyn_into::<Function>().ok()
}
