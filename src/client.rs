//! The operations: options read and checked, requests sent with retries, answers read
//! into runs. Everything that can be decided without JS is delegated to the core
//! modules (`request`, `retry`, `poll`, `model`, `error`).

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::js::{self, error_to_js, get, run_to_js, to_js, ErrorExtras};
use crate::model::{self, Known};
use crate::poll::{self, After, PollSchedule, WaitStep};
use crate::request::{self, CreateRun, Endpoint};
use crate::retry::{self, Outcome, RetryPolicy};
use crate::runtime::{env_var, is_public_web};
use crate::transport::{self, Failure, HttpRequest, Signal};

pub const DEFAULT_TIMEOUT_MS: f64 = 60_000.0;
/// Largest delay `setTimeout` takes without firing at once (2^31 - 1 ms, about 24.8 days).
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

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
        let number = |key: &'static str, min: f64, max: f64, whole: bool| {
            request::check_number(key, js::opt_number_prop(options, key)?, min, max, whole)
        };
        Ok(Settings {
            api_key: js::opt_string_prop(options, "apiKey")?,
            base_url: js::opt_string_prop(options, "baseUrl")?,
            timeout_ms: number("timeoutMs", 1.0, MAX_TIMER_MS, false)?,
            max_retries: number("maxRetries", 0.0, 10.0, true)?,
            fetch: js::opt_function_prop(options, "fetch")?,
            signal,
            poll_interval_ms: number("pollIntervalMs", 0.0, MAX_TIMER_MS, false)?,
            max_wait_ms: number("maxWaitMs", 0.0, 1e15, false)?,
            on_update: js::opt_function_prop(options, "onUpdate")?,
            max_retry_delay_ms: number("maxRetryDelayMs", 0.0, MAX_TIMER_MS, false)?,
            on_retry: js::opt_function_prop(options, "onRetry")?,
            idempotency_key: js::opt_string_prop(options, "idempotencyKey")?
                .map(request::check_idempotency_key)
                .transpose()?,
            dangerously_allow_browser: js::opt_bool_prop(options, "dangerouslyAllowBrowser")?,
            after: read_after(&get(options, "after"))?,
        })
    }

    /// Fills the defaults (environment variables where there is a `process.env`) and
    /// applies the endpoint rules.
    fn resolve(self) -> Result<Call, Error> {
        let api_key = self.api_key.or_else(|| env_var("TOOLHOUSE_API_KEY"));
        let base_url = self.base_url.or_else(|| env_var("TOOLHOUSE_BASE_URL"));
        let endpoint = Endpoint::resolve(api_key, base_url)?;
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
            max_wait_ms: self.max_wait_ms,
            on_update: self.on_update,
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
    max_wait_ms: Option<f64>,
    on_update: Option<Function>,
    on_retry: Option<Function>,
    idempotency_key: Option<String>,
    after: Option<After>,
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
    async fn request(&self, method: &'static str, url: &str, body: Option<&str>, budget: Budget) -> Result<Answer, JsValue> {
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
                    Ok(resp) if (200..300).contains(&resp.status) => {
                        let retry_after_ms = read_retry_after(resp.retry_after.as_deref());
                        let body = js::json_parse(&resp.text).map_err(|_| resp.text);
                        return Ok(Answer { status: resp.status, body, retry_after_ms });
                    }
                    Ok(resp) => {
                        let retry_after = read_retry_after(resp.retry_after.as_deref());
                        let parsed = js::json_parse(&resp.text).ok();
                        // Only the start of a non-JSON body can become the message's detail.
                        let head = if parsed.is_some() { String::new() } else { js::text_prefix(&resp.text, 256) };
                        let mut err = Error::from_response(resp.status, parsed.as_ref(), &head);
                        err.retry_after_ms = retry_after;
                        let body = parsed.unwrap_or_else(|| resp.text.into());
                        let js_err = error_to_js(err, ErrorExtras { body: Some(body), ..ErrorExtras::default() });
                        (Outcome::Status(resp.status), retry_after, js_err)
                    }
                    Err(Failure::Aborted(reason)) => return Err(reason),
                    Err(Failure::Timeout) => {
                        let mut message = String::from("no complete answer within timeoutMs (");
                        crate::text::push_uint(&mut message, timeout_ms as u64);
                        message.push_str(" ms)");
                        (Outcome::Timeout, None, to_js(Error::new(ErrorKind::Timeout, message)))
                    }
                    Err(Failure::Connection(cause)) => {
                        let err = Error::new(ErrorKind::Connection, connection_message(&cause));
                        let extras = ErrorExtras { cause: Some(cause), ..ErrorExtras::default() };
                        (Outcome::Connection, None, error_to_js(err, extras))
                    }
                    Err(Failure::NotAResponse) => {
                        return Err(to_js(Error::new(ErrorKind::Service, "the fetch function did not return a Response")))
                    }
                };
            let delay = budget.retry.delay_before_retry(retries_done, idempotent, outcome, retry_after_ms, js_sys::Math::random());
            let Some(ms) = delay else { return Err(error) };
            if let Some(deadline) = budget.deadline {
                // The pause would cross the deadline: spend what is left, then give up.
                let left = deadline - js_sys::Date::now();
                if ms as f64 >= left {
                    transport::sleep(left.max(0.0), self.signal.as_ref()).await?;
                    return Err(error);
                }
            }
            retries_done += 1;
            if let Some(on_retry) = &self.on_retry {
                let info = js_sys::Object::new();
                js::set(&info, "attempt", &JsValue::from_f64(f64::from(retries_done)));
                js::set(&info, "delayMs", &JsValue::from_f64(ms as f64));
                js::set(&info, "error", &error);
                on_retry.call1(&JsValue::UNDEFINED, &info)?;
            }
            transport::sleep(ms as f64, self.signal.as_ref()).await?;
        }
    }

    /// The budget of a single call: `maxRetries`, no deadline.
    fn call_budget(&self) -> Budget {
        Budget { retry: self.retry, deadline: None }
    }

    async fn get_run(&self, run_id: &str) -> Result<JsValue, JsValue> {
        self.poll(run_id, self.call_budget()).await.map(|(run, _)| run)
    }

    /// Reads a run; also gives the `Retry-After` of the answer, if any.
    async fn poll(&self, run_id: &str, budget: Budget) -> Result<(JsValue, Option<u64>), JsValue> {
        let answer = self.request("GET", &self.endpoint.run_url(run_id), None, budget).await?;
        Ok((read_run(&answer, Known { id: Some(run_id), chat_id: None })?, answer.retry_after_ms))
    }

    /// Polls until the run has ended. With `after` (the run a continue returned), states
    /// from before the continue are skipped. Transient failures are retried with backoff
    /// for as long as the wait's budget lasts, whatever `maxRetries` says; permanent ones
    /// (401, 402, 403, 404 …) end the wait at once.
    async fn wait(&self, run_id: &str) -> Result<JsValue, JsValue> {
        let deadline = self.max_wait_ms.map(|ms| js_sys::Date::now() + ms);
        let budget = Budget { retry: RetryPolicy { max_retries: u32::MAX, ..self.retry }, deadline };
        let mut after = self.after.clone();
        let mut schedule = PollSchedule::new(self.poll_interval_ms.map(|ms| ms as u64));
        let mut last_status: Option<String> = None;
        let mut last_run = JsValue::NULL;
        let timed_out = |last_run: JsValue, cause: Option<JsValue>| {
            let err = Error::new(ErrorKind::WaitTimeout, "the run did not end within maxWaitMs");
            error_to_js(err, ErrorExtras { last_run: Some(last_run), cause, ..ErrorExtras::default() })
        };
        let past = |deadline: Option<f64>| deadline.is_some_and(|d| js_sys::Date::now() >= d);
        loop {
            if past(deadline) {
                return Err(timed_out(last_run, None));
            }
            let (run, retry_after_ms) = match self.poll(run_id, budget).await {
                Ok(polled) => polled,
                Err(e) if past(deadline) => return Err(timed_out(last_run, Some(e))),
                Err(e) => return Err(e),
            };
            let status = get(&run, "status").as_string().unwrap_or_default();
            let updated_at = get(&run, "updatedAt").as_string();
            let results = js::array_len(&get(&run, "results"));
            let fresh = after.as_mut().is_none_or(|a| a.is_new(&status, updated_at.as_deref(), results));
            if fresh {
                if last_status.as_deref() != Some(status.as_str()) {
                    if let Some(on_update) = &self.on_update {
                        on_update.call1(&JsValue::UNDEFINED, &run)?;
                    }
                    last_status = Some(status.clone());
                }
                last_run = run;
            }
            // A Retry-After on a poll is honoured (up to maxRetryDelayMs).
            let mut delay = schedule.next_delay();
            if let Some(ms) = retry_after_ms {
                delay = delay.max(ms.min(self.retry.max_retry_delay_ms));
            }
            let ended = fresh && model::is_terminal(&status);
            match poll::next_step(ended, js_sys::Date::now(), deadline, delay) {
                WaitStep::Done => return Ok(last_run),
                WaitStep::TimedOut => return Err(timed_out(last_run, None)),
                WaitStep::Sleep(ms) => transport::sleep(ms as f64, self.signal.as_ref()).await?,
            }
        }
    }
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
    let count = js::array_len(&get(value, "results"));
    Ok(Some(After::new(get(value, "updatedAt").as_string().as_deref(), count)))
}

fn read_retry_after(value: Option<&str>) -> Option<u64> {
    value.and_then(|v| retry::retry_after_ms(v, js_sys::Date::now(), parse_http_date))
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

fn read_run(answer: &Answer, known: Known<'_>) -> Result<JsValue, JsValue> {
    let body = json_body(answer)?;
    let data = model::envelope_data(answer.status, body).map_err(bad_body(body))?;
    let run = model::parse_run(answer.status, data, known).map_err(bad_body(body))?;
    Ok(run_to_js(run))
}

fn parse_http_date(value: &str) -> Option<f64> {
    Some(js_sys::Date::parse(value)).filter(|t| t.is_finite())
}

/// "could not reach the service: fetch failed (connect ECONNREFUSED 127.0.0.1:9)": Node
/// hides the useful part in the error's own `cause`.
fn connection_message(cause: &JsValue) -> String {
    let mut message = String::from("could not reach the service");
    let text = |v: &JsValue| get(v, "message").as_string().filter(|m| !m.is_empty());
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

fn read_settings(options: &JsValue) -> Result<Settings, JsValue> {
    Settings::read(options).map_err(to_js)
}

/// `createRun`.
pub async fn create_run(params: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let params = CreateRun::from_params(&params).map_err(to_js)?;
    let call = read_settings(&options)?.resolve().map_err(to_js)?;
    create(&call, &params).await
}

async fn create(call: &Call, create: &CreateRun) -> Result<JsValue, JsValue> {
    let answer = call.request("POST", &call.endpoint.runs_url(), Some(&create.to_json()), call.call_budget()).await?;
    read_run(&answer, Known { id: None, chat_id: Some(&create.chat_id) })
}

/// `createAndWait`: starts a run and waits for its end (`maxWaitMs` bounds the wait).
pub async fn create_and_wait(params: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let params = CreateRun::from_params(&params).map_err(to_js)?;
    let call = read_settings(&options)?.resolve().map_err(to_js)?;
    let run = create(&call, &params).await?;
    let run_id = get(&run, "id").as_string().unwrap_or_default();
    call.wait(&run_id).await
}

/// `getRun`.
pub async fn get_run(run_id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = request::check_uuid("runId", run_id.as_string()).map_err(to_js)?;
    let call = read_settings(&options)?.resolve().map_err(to_js)?;
    call.get_run(&run_id).await
}

/// `continueRun`. The service's answer to the PUT is not documented: when it holds a
/// run, that is the result; otherwise (any other body, even none) the run is read again.
pub async fn continue_run(run_id: JsValue, message: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = request::check_uuid("runId", run_id.as_string()).map_err(to_js)?;
    let message = request::check_message(message.as_string()).map_err(to_js)?;
    let call = read_settings(&options)?.resolve().map_err(to_js)?;
    continue_with(&call, &run_id, &message).await
}

async fn continue_with(call: &Call, run_id: &str, message: &str) -> Result<JsValue, JsValue> {
    let body = request::continue_body(message);
    let answer = call.request("PUT", &call.endpoint.run_url(run_id), Some(&body), call.call_budget()).await?;
    match read_run(&answer, Known { id: Some(run_id), chat_id: None }) {
        Ok(run) => Ok(run),
        Err(_) => call.get_run(run_id).await,
    }
}

/// `continueAndWait`: adds the message and waits for the run's new end, never taking
/// the state from before the continue for it.
pub async fn continue_and_wait(run_id: JsValue, message: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = request::check_uuid("runId", run_id.as_string()).map_err(to_js)?;
    let message = request::check_message(message.as_string()).map_err(to_js)?;
    let mut call = read_settings(&options)?.resolve().map_err(to_js)?;
    let continued = continue_with(&call, &run_id, &message).await?;
    call.after = read_after(&continued).map_err(to_js)?;
    call.wait(&run_id).await
}

/// `listRuns`.
pub async fn list_runs(options: JsValue) -> Result<JsValue, JsValue> {
    let call = read_settings(&options)?.resolve().map_err(to_js)?;
    let answer = call.request("GET", &call.endpoint.runs_url(), None, call.call_budget()).await?;
    let body = json_body(&answer)?;
    let runs = model::parse_run_list(answer.status, body).map_err(bad_body(body))?;
    Ok(runs.into_iter().map(run_to_js).collect::<js_sys::Array>().into())
}

/// `waitForRun`: polls until the run has ended and resolves with it (a failed run
/// resolves too). `onUpdate` hears of each change of status.
pub async fn wait_for_run(run_id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = request::check_uuid("runId", run_id.as_string()).map_err(to_js)?;
    let call = read_settings(&options)?.resolve().map_err(to_js)?;
    call.wait(&run_id).await
}

/// `parseRunCallback`: the body a callback POSTed (text or parsed), in either shape.
pub fn parse_run_callback(body: &JsValue) -> Result<JsValue, JsValue> {
    let parsed = if body.is_string() {
        js::json_parse(body).map_err(|_| to_js(Error::invalid(&["body"], "is not JSON")))?
    } else {
        body.clone()
    };
    let callback = model::parse_callback(&parsed).map_err(to_js)?;
    let out = js_sys::Object::new();
    js::set(&out, "runId", &JsValue::from_str(&callback.run_id));
    js::set(&out, "status", &JsValue::from_str(&callback.status));
    let message = callback.last_agent_message.map_or(JsValue::NULL, |m| JsValue::from_str(&m));
    js::set(&out, "lastAgentMessage", &message);
    Ok(out.into())
}

/// Checks the options of an `AgentRuns` client when it is built: what a call checks,
/// and no option that belongs to one call only.
pub fn check_client_options(options: &JsValue) -> Result<(), JsValue> {
    let settings = read_settings(options)?;
    if settings.signal.is_some() {
        return Err(to_js(Error::invalid(&["signal"], "belongs to a call, not to the client")));
    }
    if settings.idempotency_key.is_some() {
        return Err(to_js(Error::invalid(&["idempotencyKey"], "belongs to a call, not to the client")));
    }
    if settings.after.is_some() {
        return Err(to_js(Error::invalid(&["after"], "belongs to a call, not to the client")));
    }
    Ok(())
}

