//! The operations: options read and checked, requests sent with retries, answers read
//! into runs. Everything that can be decided without JS is delegated to the core
//! modules (`request`, `retry`, `poll`, `model`, `error`).

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Error, ErrorKind};
use crate::js::{self, bare_error_to_js, error_to_js, get, run_to_js, ErrorExtras};
use crate::json::JsonView;
use crate::model::{self, Expected, Run};
use crate::poll::{self, After, PollSchedule, WaitStep};
use crate::request::{self, CreateRun, Endpoint, ParsedUrl, MAX_OPTION_TEXT};
use crate::retry::{self, Outcome, RetryPolicy};
use crate::runtime::{env_var, is_public_web};
use crate::transport::{self, Failure, HttpRequest, Signal, MAX_TIMER_MS};

pub const DEFAULT_TIMEOUT_MS: f64 = 60_000.0;
/// A wait gives up after 30 minutes unless told otherwise (`maxWaitMs: Infinity` never does).
pub const DEFAULT_MAX_WAIT_MS: f64 = 30.0 * 60_000.0;
/// The shortest `pollIntervalMs` (ten polls a second at most).
pub const MIN_POLL_INTERVAL_MS: f64 = 100.0;
/// Longest `callbackUrl` taken.
const MAX_CALLBACK_URL: u32 = 8192;

#[wasm_bindgen]
extern "C" {
    /// The runtime's WHATWG URL parser, the one `fetch` uses.
    #[wasm_bindgen(js_name = URL)]
    type Url;
    #[wasm_bindgen(constructor, js_class = "URL", catch)]
    fn new(url: &JsValue) -> Result<Url, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn protocol(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    fn hostname(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    fn href(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    fn username(this: &Url) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn password(this: &Url) -> JsValue;
}

/// What `new URL(text)` makes of a text; `None` when it is not a URL (or there is no
/// `URL` here).
fn parse_url(text: &JsValue) -> Option<ParsedUrl> {
    let url = Url::new(text).ok()?;
    let filled = |v: JsValue| v.as_string().is_some_and(|s| !s.is_empty());
    Some(ParsedUrl {
        protocol: url.protocol(),
        hostname: url.hostname(),
        href: url.href(),
        credentials: filled(url.username()) || filled(url.password()),
    })
}

/// The options of a call, as given (the `AgentRuns` class merges its own in JS).
#[derive(Default)]
pub struct Settings {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout_ms: Option<f64>,
    max_retries: Option<f64>,
    fetch: Option<Function>,
    signal: Option<Signal>,
    poll_interval_ms: Option<f64>,
    max_wait_ms: Option<f64>,
    on_update: Option<Function>,
    max_retry_delay_ms: Option<f64>,
    on_retry: Option<Function>,
    idempotency_key: Option<String>,
    dangerously_allow_browser: Option<bool>,
    pause_when_hidden: Option<bool>,
    after: Option<After>,
}

impl Settings {
    /// Reads and checks an options object (`undefined` and `null` read as none).
    pub fn read(options: &JsValue) -> Result<Settings, Error> {
        if options.is_undefined() || options.is_null() {
            return Ok(Settings::default());
        }
        if !options.is_object() {
            return Err(Error::invalid(&["options"], "must be an object"));
        }
        let signal = match get(options, "signal") {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(Signal::from_js(v).ok_or_else(|| Error::invalid(&["signal"], "must be an AbortSignal"))?),
        };
        let text = |key: &'static str| js::opt_string_prop(options, key, MAX_OPTION_TEXT);
        let number = |key: &'static str, min: f64, max: f64, whole: bool| {
            request::check_number(key, js::opt_number_prop(options, key)?, min, max, whole)
        };
        Ok(Settings {
            api_key: text("apiKey")?,
            base_url: text("baseUrl")?,
            timeout_ms: number("timeoutMs", 1.0, MAX_TIMER_MS, false)?,
            max_retries: number("maxRetries", 0.0, 10.0, true)?,
            fetch: js::opt_function_prop(options, "fetch")?,
            signal,
            poll_interval_ms: number("pollIntervalMs", MIN_POLL_INTERVAL_MS, MAX_TIMER_MS, false)?,
            max_wait_ms: number("maxWaitMs", 0.0, f64::INFINITY, false)?,
            on_update: js::opt_function_prop(options, "onUpdate")?,
            max_retry_delay_ms: number("maxRetryDelayMs", 0.0, MAX_TIMER_MS, false)?,
            on_retry: js::opt_function_prop(options, "onRetry")?,
            idempotency_key: text("idempotencyKey")?
                .map(request::check_idempotency_key)
                .transpose()?,
            dangerously_allow_browser: js::opt_bool_prop(options, "dangerouslyAllowBrowser")?,
            pause_when_hidden: js::opt_bool_prop(options, "pauseWhenHidden")?,
            after: read_after(&get(options, "after"))?,
        })
    }

    /// Fills the defaults (environment variables where there is a `process.env`) and
    /// applies the endpoint rules.
    fn resolve(self) -> Result<Call, Error> {
        let api_key = self.api_key.or_else(|| env_var("TOOLHOUSE_API_KEY"));
        let base_url = self.base_url.or_else(|| env_var("TOOLHOUSE_BASE_URL"));
        let endpoint = Endpoint::resolve(api_key, base_url, |url| parse_url(&JsValue::from_str(url)))?;
        if endpoint.api_key.is_some() && self.dangerously_allow_browser != Some(true) && is_public_web() {
            return Err(Error::invalid(
                &["apiKey"],
                "refused in a web page, where anyone who opens the page can read it; \
                 call a server of yours that adds the key (baseUrl, no apiKey), \
                 or set dangerouslyAllowBrowser: true to accept the risk",
            ));
        }
        let fetch = self
            .fetch
            .or_else(transport::global_fetch)
            .ok_or_else(|| Error::invalid(&["fetch"], "there is no global fetch here: pass a `fetch` option"))?;
        Ok(Call {
            endpoint,
            fetch,
            signal: self.signal,
            timeout_ms: self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
            retry: RetryPolicy {
                max_retries: self.max_retries.map_or(retry::DEFAULT_MAX_RETRIES, |n| n as u32),
                max_retry_delay_ms: self.max_retry_delay_ms.map_or(retry::DEFAULT_MAX_RETRY_DELAY_MS, |ms| ms as u64),
            },
            on_retry: self.on_retry,
            idempotency_key: self.idempotency_key,
            after: self.after,
            poll_interval_ms: self.poll_interval_ms,
            max_wait_ms: self.max_wait_ms.unwrap_or(DEFAULT_MAX_WAIT_MS),
            on_update: self.on_update,
            pause_when_hidden: self.pause_when_hidden != Some(false),
        })
    }
}

/// Everything one call needs, resolved.
struct Call {
    endpoint: Endpoint,
    fetch: Function,
    signal: Option<Signal>,
    timeout_ms: f64,
    retry: RetryPolicy,
    poll_interval_ms: Option<f64>,
    /// Infinite for no bound.
    max_wait_ms: f64,
    on_update: Option<Function>,
    on_retry: Option<Function>,
    idempotency_key: Option<String>,
    after: Option<After>,
    /// Waits poll only while the page is visible and the runtime online.
    pause_when_hidden: bool,
}

/// How long a request may keep trying: its retry policy, and for the polls of a wait,
/// the wait's deadline (epoch ms), which no attempt or pause may cross.
#[derive(Clone, Copy)]
struct Budget {
    retry: RetryPolicy,
    deadline: Option<f64>,
}

/// A successful answer: its body parsed as JSON, or its text (a JS string) when it was
/// not JSON, and the `Retry-After` it carried, if any.
struct Answer {
    status: u16,
    body: Result<JsValue, js_sys::JsString>,
    retry_after_ms: Option<u64>,
}

impl Call {
    /// Sends with retries; resolves with a 2xx answer whose body parsed as JSON. A write
    /// with an idempotency key sends it on every attempt and retries like a read.
    async fn request(&self, method: &'static str, url: &str, body: Option<&JsValue>, budget: Budget) -> Result<Answer, JsValue> {
        let authorization = self.endpoint.authorization();
        let idempotency_key = if method == "GET" { None } else { self.idempotency_key.as_deref() };
        let idempotent = method == "GET" || idempotency_key.is_some();
        let req = HttpRequest { method, url, body, authorization: authorization.as_deref(), idempotency_key };
        let mut retries_done = 0;
        loop {
            // No attempt may outlast a wait's deadline.
            let left = budget.deadline.map_or(f64::INFINITY, |d| d - js_sys::Date::now());
            let timeout_ms = self.timeout_ms.min(left.max(1.0));
            let (outcome, retry_after_ms, error) =
                match transport::send(&self.fetch, &req, timeout_ms, self.signal.as_ref()).await {
                    Ok(resp) => {
                        let retry_after_ms = read_retry_after(resp.retry_after.as_deref());
                        // A service that echoes the key back never gets it into an error or a run.
                        let text = self.redact(resp.text);
                        if (200..300).contains(&resp.status) {
                            let body = js::json_parse(&text).map_err(|_| text);
                            return Ok(Answer { status: resp.status, body, retry_after_ms });
                        }
                        let parsed = js::json_parse(&text).ok();
                        // Only the start of a non-JSON body can become the message's detail.
                        let head = if parsed.is_some() { String::new() } else { js::text_prefix(&text, 256) };
                        let mut err = Error::from_response(resp.status, parsed.as_ref(), &head);
                        err.retry_after_ms = retry_after_ms;
                        if resp.status == 403 && method == "GET" && url != self.endpoint.runs_url() {
                            // What the service answers for a run whose agent was deleted.
                            err.message.push_str(" (the run's agent may have been deleted)");
                        }
                        let body = parsed.unwrap_or_else(|| text.into());
                        let js_err = error_to_js(err, ErrorExtras { body: Some(body), ..ErrorExtras::default() });
                        (Outcome::Status(resp.status), retry_after_ms, js_err)
                    }
                    Err(Failure::Aborted(reason)) => return Err(reason),
                    Err(Failure::Timeout) => {
                        let mut message = String::from("no complete answer within timeoutMs (");
                        crate::text::push_uint(&mut message, timeout_ms as u64);
                        message.push_str(" ms)");
                        (Outcome::Timeout, None, bare_error_to_js(Error::new(ErrorKind::Timeout, message)))
                    }
                    Err(Failure::Connection(cause)) => {
                        let err = Error::new(ErrorKind::Connection, self.connection_message(&cause));
                        let extras = ErrorExtras { cause: Some(cause), ..ErrorExtras::default() };
                        (Outcome::Connection, None, error_to_js(err, extras))
                    }
                    Err(Failure::NotAResponse) => {
                        return Err(bare_error_to_js(Error::new(ErrorKind::Service, "the fetch function did not return a Response")))
                    }
                };
            let delay = budget.retry.delay_before_retry(retries_done, idempotent, outcome, retry_after_ms, js_sys::Math::random());
            let Some(ms) = delay else { return Err(error) };
            if let Some(deadline) = budget.deadline {
                // The pause would cross the deadline: spend what is left, then give up.
                let left = deadline - js_sys::Date::now();
                if ms as f64 >= left {
                    // Timers may fire a little early: sleep until the deadline has surely passed.
                    while js_sys::Date::now() < deadline {
                        transport::sleep((deadline - js_sys::Date::now()).max(1.0), self.signal.as_ref()).await?;
                    }
                    return Err(error);
                }
            }
            retries_done += 1;
            if let Some(on_retry) = &self.on_retry {
                let info = js_sys::Object::new();
                js::set(&info, "attempt", &JsValue::from_f64(f64::from(retries_done)));
                js::set(&info, "delayMs", &JsValue::from_f64(ms as f64));
                js::set(&info, "error", &error);
                call_back(on_retry, "onRetry", &info)?;
            }
            transport::sleep(ms as f64, self.signal.as_ref()).await?;
        }
    }

    /// "could not reach the service: fetch failed (connect ECONNREFUSED 127.0.0.1:9)": Node
    /// hides the useful part in the error's own `cause`. Never with the key in it.
    fn connection_message(&self, cause: &JsValue) -> String {
        let mut message = String::from("could not reach the service");
        let text = |v: &JsValue| {
            let text = get(v, "message").dyn_into::<js_sys::JsString>().ok()?;
            let text: JsValue = self.redact(text).into();
            text.as_str().filter(|m| !m.is_empty())
        };
        if let Some(detail) = text(cause) {
            message.push_str(": ");
            message.push_str(&detail);
            if let Some(inner) = text(&get(cause, "cause")) {
                message.push_str(" (");
                message.push_str(&inner);
                message.push(')');
            }
        }
        message
    }

    /// A text from outside with the key, if the service or the runtime echoed it, masked.
    fn redact(&self, text: js_sys::JsString) -> js_sys::JsString {
        match &self.endpoint.api_key {
            Some(key) => js::redact(text, key),
            None => text,
        }
    }

    /// The budget of a single call: `maxRetries`, no deadline.
    fn call_budget(&self) -> Budget {
        Budget { retry: self.retry, deadline: None }
    }

    /// Reads a run; also gives the `Retry-After` of the answer, if any.
    async fn poll(&self, run_id: &str, budget: Budget) -> Result<(Read, Option<u64>), JsValue> {
        let answer = self.request("GET", &self.endpoint.run_url(run_id), None, budget).await?;
        Ok((read_run(&answer, Expected { id: Some(run_id), chat_id: None })?, answer.retry_after_ms))
    }

    /// Polls until the run has ended. With `after` (the run a continue returned), states
    /// from before the continue are skipped. Transient failures are retried with backoff
    /// for as long as the wait's budget lasts, whatever `maxRetries` and `Retry-After`
    /// say; permanent ones (401, 402, 403, 404 …) end the wait at once.
    async fn wait(&self, run_id: &str) -> Result<JsValue, JsValue> {
        let deadline = Some(self.max_wait_ms).filter(|ms| ms.is_finite()).map(|ms| js_sys::Date::now() + ms);
        // In a wait the deadline bounds every pause, however long a Retry-After asks for.
        let retry = RetryPolicy { max_retries: u32::MAX, max_retry_delay_ms: u64::MAX };
        let budget = Budget { retry, deadline };
        let mut after = self.after.clone();
        let mut schedule = PollSchedule::new(self.poll_interval_ms.map(|ms| ms as u64));
        let mut last_status: Option<String> = None;
        let mut last_run = JsValue::NULL;
        let timed_out = |last_run: JsValue, last_status: &Option<String>, cause: Option<JsValue>| {
            let mut message = String::from("the run did not end within maxWaitMs (");
            crate::text::push_uint(&mut message, self.max_wait_ms as u64);
            message.push_str(" ms)");
            if let Some(status) = last_status {
                message.push_str("; its last status was \"");
                message.push_str(status);
                message.push('"');
            }
            let err = Error::new(ErrorKind::WaitTimeout, message);
            error_to_js(err, ErrorExtras { last_run: Some(last_run), cause, ..ErrorExtras::default() })
        };
        let past = |deadline: Option<f64>| deadline.is_some_and(|d| js_sys::Date::now() >= d);
        let mut delay = 0;
        loop {
            // The pause before this poll (none before the first), and no poll while the
            // page is hidden or the runtime offline.
            let left = deadline.map_or(f64::INFINITY, |d| d - js_sys::Date::now());
            transport::rest(delay as f64, left, self.signal.as_ref(), self.pause_when_hidden).await?;
            if past(deadline) {
                return Err(timed_out(last_run, &last_status, None));
            }
            let (read, retry_after_ms) = match self.poll(run_id, budget).await {
                Ok(polled) => polled,
                Err(e) if past(deadline) => return Err(timed_out(last_run, &last_status, Some(e))),
                Err(e) => return Err(e),
            };
            let fresh = after.as_mut().is_none_or(|a| a.observe(&read.status, read.updated_at.as_deref(), read.results));
            if fresh {
                if last_status.as_deref() != Some(read.status.as_str()) {
                    if let Some(on_update) = &self.on_update {
                        call_back(on_update, "onUpdate", &read.run)?;
                    }
                    last_status = Some(read.status.clone());
                }
                last_run = read.run;
            }
            // A Retry-After on a poll is honoured (up to maxRetryDelayMs).
            let mut next = schedule.next_delay();
            if let Some(ms) = retry_after_ms {
                next = next.max(ms.min(self.retry.max_retry_delay_ms));
            }
            let ended = fresh && model::is_terminal(&read.status);
            match poll::next_step(ended, js_sys::Date::now(), deadline, next) {
                WaitStep::Done => return Ok(last_run),
                WaitStep::TimedOut => return Err(timed_out(last_run, &last_status, None)),
                WaitStep::Sleep(ms) => delay = ms,
            }
        }
    }
}

/// Calls one of the caller's callbacks; what it throws rejects the call as an
/// `AgentRunsError` with the exception as `cause`.
fn call_back(callback: &Function, name: &str, arg: &JsValue) -> Result<(), JsValue> {
    callback.call1(&JsValue::UNDEFINED, arg).map(|_| ()).map_err(|cause| {
        let mut message = String::from(name);
        message.push_str(" threw; the call was stopped");
        error_to_js(Error::new(ErrorKind::Service, message), ErrorExtras { cause: Some(cause), ..ErrorExtras::default() })
    })
}

/// Reads the `after` option: the `AgentRun` a continue returned (its `updatedAt` and
/// `results` are what count).
fn read_after(value: &JsValue) -> Result<Option<After>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(Error::invalid(&["after"], "must be the run that continueRun returned"));
    }
    // A run continueRun returned carries what it was before the continue (js/run.js).
    let count = get(value, "resultsCount").as_f64().map_or_else(|| js::array_len(&get(value, "results")), |n| n as usize);
    Ok(Some(After::new(get(value, "updatedAt").as_str().as_deref(), count)))
}

fn read_retry_after(value: Option<&str>) -> Option<u64> {
    value.and_then(|v| retry::retry_after_ms(v, js_sys::Date::now()))
}

/// The parsed JSON body of a 2xx answer, or an `AgentRunsError` carrying the text.
fn json_body(answer: &Answer) -> Result<&JsValue, JsValue> {
    answer.body.as_ref().map_err(|text| {
        let problem = if js::is_blank(text) { "the body is empty" } else { "the body is not JSON" };
        let extras = ErrorExtras { body: Some(text.into()), ..ErrorExtras::default() };
        error_to_js(Error::bad_response(answer.status, problem), extras)
    })
}

/// An error about a JSON body that is not what was expected, with the body attached.
fn bad_body(body: &JsValue) -> impl Fn(Error) -> JsValue + '_ {
    move |err| error_to_js(err, ErrorExtras { body: Some(body.clone()), ..ErrorExtras::default() })
}

/// A run as read: the `AgentRun` for the caller, and what a wait looks at.
struct Read {
    run: JsValue,
    id: String,
    status: String,
    updated_at: Option<String>,
    results: usize,
}

impl Read {
    fn new(run: Run<JsValue>) -> Read {
        Read {
            run: run_to_js(&run),
            updated_at: run.updated_at.as_ref().and_then(JsonView::as_str),
            results: run.results.as_ref().and_then(JsonView::length).unwrap_or(0),
            id: run.id,
            status: run.status_text,
        }
    }
}

fn read_run(answer: &Answer, known: Expected<'_>) -> Result<Read, JsValue> {
    let body = json_body(answer)?;
    let data = model::envelope_data(answer.status, body).map_err(bad_body(body))?;
    let run = model::parse_run(answer.status, data, known).map_err(bad_body(body))?;
    Ok(Read::new(run))
}

fn read_settings(options: &JsValue) -> Result<Settings, JsValue> {
    Settings::read(options).map_err(bare_error_to_js)
}

/// A JSON request body, built in JS of JS values.
fn json_text(body: &js_sys::Object) -> Result<JsValue, JsValue> {
    js::json_stringify(body).map_err(|cause| {
        let err = Error::invalid(&["params"], "cannot be written as JSON");
        error_to_js(err, ErrorExtras { cause: Some(cause), ..ErrorExtras::default() })
    })
}

/// Checks `createRun`'s params and writes its body.
fn create_body(params: &JsValue) -> Result<(String, JsValue), JsValue> {
    let vars = js::null_object();
    // Only a URL of sane length is parsed (its parts are copied into wasm memory).
    let is_web_url = |v: &JsValue| {
        js::short_string(v, MAX_CALLBACK_URL).is_ok_and(|s| s.is_some())
            && parse_url(v).is_some_and(|u| u.protocol == "https:" || u.protocol == "http:")
    };
    let params = CreateRun::from_params(params, is_web_url, |k, v| {
        let _ = js_sys::Reflect::set(&vars, &k, &v);
    })
    .map_err(bare_error_to_js)?;
    let body = js::null_object();
    js::set(&body, "chat_id", &JsValue::from_str(&params.chat_id));
    if params.has_vars {
        js::set(&body, "vars", &vars);
    }
    for (name, value) in [("bundle", &params.bundle), ("toolhouse_id", &params.toolhouse_id), ("callback_url", &params.callback_url)] {
        if let Some(value) = value {
            js::set(&body, name, value);
        }
    }
    Ok((params.chat_id, json_text(&body)?))
}

/// Checks a continue's message and writes its body.
fn continue_body(message: &JsValue) -> Result<JsValue, JsValue> {
    request::check_message(message).map_err(bare_error_to_js)?;
    let body = js::null_object();
    js::set(&body, "message", message);
    json_text(&body)
}

fn check_run_id(run_id: &JsValue) -> Result<String, JsValue> {
    let text = js::short_string(run_id, 64).ok().flatten();
    request::check_uuid("runId", text.as_deref()).map_err(bare_error_to_js)
}

/// `createRun`.
pub async fn create_run(params: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (chat_id, body) = create_body(&params)?;
    let call = read_settings(&options)?.resolve().map_err(bare_error_to_js)?;
    Ok(create(&call, &chat_id, &body).await?.run)
}

async fn create(call: &Call, chat_id: &str, body: &JsValue) -> Result<Read, JsValue> {
    let answer = call.request("POST", &call.endpoint.runs_url(), Some(body), call.call_budget()).await?;
    read_run(&answer, Expected { id: None, chat_id: Some(chat_id) })
}

/// `createAndWait`: starts a run and waits for its end (`maxWaitMs` bounds the wait).
pub async fn create_and_wait(params: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (chat_id, body) = create_body(&params)?;
    let call = read_settings(&options)?.resolve().map_err(bare_error_to_js)?;
    // The id is a UUID (read_run checks it) before it goes into the poll's path.
    let run = create(&call, &chat_id, &body).await?;
    call.wait(&run.id).await
}

/// `getRun`.
pub async fn get_run(run_id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = check_run_id(&run_id)?;
    let call = read_settings(&options)?.resolve().map_err(bare_error_to_js)?;
    Ok(call.poll(&run_id, call.call_budget()).await?.0.run)
}

/// `continueRun`. The service's answer to the PUT is not documented (the published
/// description leaves it out): when it holds a run, that is the result; otherwise (any
/// other body, even none) the run is read again. The run is read first too: what it was
/// before the continue goes with the result (see `js/run.js`, `markContinued`), so that
/// a wait given it as `after` never takes the state from before the continue for the
/// new end, nor the new end, if the agent was quick, for a state from before.
pub async fn continue_run(run_id: JsValue, message: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = check_run_id(&run_id)?;
    let body = continue_body(&message)?;
    let call = read_settings(&options)?.resolve().map_err(bare_error_to_js)?;
    let before = call.poll(&run_id, call.call_budget()).await?.0;
    let answer = call.request("PUT", &call.endpoint.run_url(&run_id), Some(&body), call.call_budget()).await?;
    let continued = match read_run(&answer, Expected { id: Some(&run_id), chat_id: None }) {
        Ok(read) => read,
        Err(_) => call.poll(&run_id, call.call_budget()).await?.0,
    };
    let updated_at = before.updated_at.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    js::mark_continued(&continued.run, &updated_at, before.results as f64);
    Ok(continued.run)
}

/// `continueAndWait`: reads the run, adds the message and waits for the run's new end:
/// a state is taken only once it differs from the one read before the continue.
pub async fn continue_and_wait(run_id: JsValue, message: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = check_run_id(&run_id)?;
    let body = continue_body(&message)?;
    let mut call = read_settings(&options)?.resolve().map_err(bare_error_to_js)?;
    let before = call.poll(&run_id, call.call_budget()).await?.0;
    call.request("PUT", &call.endpoint.run_url(&run_id), Some(&body), call.call_budget()).await?;
    call.after = Some(After::new(before.updated_at.as_deref(), before.results));
    call.wait(&run_id).await
}

/// `listRuns`: the runs are read one at a time into the JS array, never all at once
/// into wasm memory.
pub async fn list_runs(options: JsValue) -> Result<JsValue, JsValue> {
    let call = read_settings(&options)?.resolve().map_err(bare_error_to_js)?;
    let answer = call.request("GET", &call.endpoint.runs_url(), None, call.call_budget()).await?;
    let body = json_body(&answer)?;
    let runs = js_sys::Array::new();
    model::parse_run_list(answer.status, body, |run| {
        runs.push(&run_to_js(&run));
    })
    .map_err(bad_body(body))?;
    Ok(runs.into())
}

/// `waitForRun`: polls until the run has ended and resolves with it (a failed run
/// resolves too). `onUpdate` hears of each change of status.
pub async fn wait_for_run(run_id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = check_run_id(&run_id)?;
    let call = read_settings(&options)?.resolve().map_err(bare_error_to_js)?;
    call.wait(&run_id).await
}

/// `parseRunCallback`: the body a callback POSTed (text or parsed), in either shape.
pub fn parse_run_callback(body: &JsValue) -> Result<JsValue, JsValue> {
    let parsed = if body.is_string() {
        js::json_parse(body).map_err(|_| bare_error_to_js(Error::invalid(&["body"], "is not JSON")))?
    } else {
        body.clone()
    };
    let callback = model::parse_callback(&parsed).map_err(bare_error_to_js)?;
    let out = js_sys::Object::new();
    js::set(&out, "runId", &JsValue::from_str(&callback.run_id));
    js::set(&out, "status", &callback.status);
    js::set(&out, "lastAgentMessage", &callback.last_agent_message.unwrap_or(JsValue::NULL));
    Ok(out.into())
}

/// Checks the options of an `AgentRuns` client when it is built: what a call checks,
/// and no option that belongs to one call only.
pub fn check_client_options(options: &JsValue) -> Result<(), JsValue> {
    let settings = read_settings(options)?;
    if settings.signal.is_some() {
        return Err(bare_error_to_js(Error::invalid(&["signal"], "belongs to a call, not to the client")));
    }
    if settings.idempotency_key.is_some() {
        return Err(bare_error_to_js(Error::invalid(&["idempotencyKey"], "belongs to a call, not to the client")));
    }
    if settings.after.is_some() {
        return Err(bare_error_to_js(Error::invalid(&["after"], "belongs to a call, not to the client")));
    }
    Ok(())
}
