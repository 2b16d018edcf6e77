//! One call to the service, resolved: requests sent through `fetch` with retries, the
//! key masked in whatever comes back, and the caller's callbacks called safely.

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::answer::{Answer, Read};
use crate::error::{Error, ErrorKind};
use crate::js::{self, bare_error_to_js, error_to_js, get, ErrorExtras};
use crate::json::JsonView;
use crate::model::Expected;
use crate::options::Behaviour;
use crate::request::Endpoint;
use crate::retry::{self, Outcome, RetryPolicy};
use crate::text::push_uint;
use crate::transport::{self, Failure, HttpRequest};

/// Everything one call needs: where to send, with what, and how to behave.
pub struct Call {
    pub endpoint: Endpoint,
    pub fetch: Function,
    pub behaviour: Behaviour,
}

/// How long a request may keep trying: its retry policy, and for the polls of a wait,
/// the wait's deadline (epoch ms), which no attempt or pause may cross.
#[derive(Clone, Copy)]
pub struct Budget {
    pub retry: RetryPolicy,
    pub deadline: Option<f64>,
}

impl Call {
    /// The budget of a single call: `maxRetries`, no deadline.
    pub fn call_budget(&self) -> Budget {
        Budget { retry: self.behaviour.retry, deadline: None }
    }

    /// Sends with retries; resolves with a 2xx answer. A write with an idempotency key
    /// sends it on every attempt and retries like a read.
    pub async fn request(&self, method: &'static str, url: &str, body: Option<&JsValue>, budget: Budget) -> Result<Answer, JsValue> {
        let b = &self.behaviour;
        let authorization = self.endpoint.authorization();
        let idempotency_key = if method == "GET" { None } else { b.idempotency_key.as_deref() };
        let idempotent = method == "GET" || idempotency_key.is_some();
        let req = HttpRequest { method, url, body, authorization: authorization.as_deref(), idempotency_key };
        let mut retries_done = 0;
        loop {
            // No attempt may outlast a wait's deadline.
            let left = budget.deadline.map_or(f64::INFINITY, |d| d - js_sys::Date::now());
            let timeout_ms = b.timeout_ms.min(left.max(1.0));
            let (outcome, retry_after_ms, error) = match transport::send(&self.fetch, &req, timeout_ms, b.signal.as_ref()).await {
                Ok(resp) => {
                    let retry_after_ms = resp.retry_after.as_deref().and_then(|v| retry::retry_after_ms(v, js_sys::Date::now()));
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
                    push_uint(&mut message, timeout_ms as u64);
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
                if ms as f64 >= deadline - js_sys::Date::now() {
                    // Timers may fire a little early: sleep until the deadline has surely passed.
                    while js_sys::Date::now() < deadline {
                        transport::sleep((deadline - js_sys::Date::now()).max(1.0), b.signal.as_ref()).await?;
                    }
                    return Err(error);
                }
            }
            retries_done += 1;
            if let Some(on_retry) = &b.on_retry {
                let info = js_sys::Object::new();
                js::set(&info, "attempt", &JsValue::from_f64(f64::from(retries_done)));
                js::set(&info, "delayMs", &JsValue::from_f64(ms as f64));
                js::set(&info, "error", &error);
                call_back(on_retry, "onRetry", &info)?;
            }
            transport::sleep(ms as f64, b.signal.as_ref()).await?;
        }
    }

    /// Reads a run; the answer also gives the `Retry-After` it carried, if any.
    pub async fn read_run(&self, run_id: &str, budget: Budget) -> Result<(Read, Option<u64>), JsValue> {
        let answer = self.request("GET", &self.endpoint.run_url(run_id), None, budget).await?;
        Ok((answer.run(Expected { id: Some(run_id), chat_id: None })?, answer.retry_after_ms))
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
}

/// Calls one of the caller's callbacks; what it throws rejects the call as an
/// `AgentRunsError` with the exception as `cause`.
pub fn call_back(callback: &Function, name: &str, arg: &JsValue) -> Result<(), JsValue> {
    callback.call1(&JsValue::UNDEFINED, arg).map(|_| ()).map_err(|cause| {
        let mut message = String::from(name);
        message.push_str(" threw; the call was stopped");
        error_to_js(Error::new(ErrorKind::Service, message), ErrorExtras { cause: Some(cause), ..ErrorExtras::default() })
    })
}
