//! The operations the package exports: each checks its input, resolves its options
//! into a [`Call`] and sends. Everything that can be decided without JS is delegated to
//! the core modules (`request`, `retry`, `poll`, `model`, `error`).

use wasm_bindgen::JsValue;

use crate::answer::Read;
use crate::call::Call;
use crate::error::Error;
use crate::js::{self, bare_error_to_js};
use crate::model::{self, Expected};
use crate::options::Settings;
use crate::poll::After;
use crate::request::{self, ContinueRun, CreateRun};
use crate::url;

/// Longest `callbackUrl` taken.
const MAX_CALLBACK_URL: u32 = 8192;

fn resolve(options: &JsValue) -> Result<Call, JsValue> {
    Settings::read(options).and_then(Settings::resolve).map_err(bare_error_to_js)
}

/// Checks `createRun`'s params and writes its body.
fn create_body(params: &JsValue) -> Result<(String, JsValue), JsValue> {
    // Only a URL of sane length is parsed (its parts are copied into wasm memory).
    let is_web_url = |v: &JsValue| {
        js::short_string(v, MAX_CALLBACK_URL).is_ok_and(|s| s.is_some())
            && url::parse(v).is_some_and(|u| u.protocol == "https:" || u.protocol == "http:")
    };
    let params = CreateRun::from_params(params, is_web_url).map_err(bare_error_to_js)?;
    let body = request::body_json(&params).map_err(bare_error_to_js)?;
    Ok((params.chat_id, JsValue::from_str(&body)))
}

/// Checks a continue's message and writes its body.
fn continue_body(message: &JsValue) -> Result<JsValue, JsValue> {
    let body = ContinueRun::from_message(message).and_then(|m| request::body_json(&m)).map_err(bare_error_to_js)?;
    Ok(JsValue::from_str(&body))
}

fn check_run_id(run_id: &JsValue) -> Result<String, JsValue> {
    let text = js::short_string(run_id, 64).ok().flatten();
    request::check_uuid("runId", text.as_deref()).map_err(bare_error_to_js)
}

/// `createRun`.
pub async fn create_run(params: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (chat_id, body) = create_body(&params)?;
    let call = resolve(&options)?;
    Ok(create(&call, &chat_id, &body).await?.run)
}

async fn create(call: &Call, chat_id: &str, body: &JsValue) -> Result<Read, JsValue> {
    let answer = call.request("POST", &call.endpoint.runs_url(), Some(body), call.call_budget()).await?;
    answer.run(Expected { id: None, chat_id: Some(chat_id) })
}

/// `createAndWait`: starts a run and waits for its end (`maxWaitMs` bounds the wait).
pub async fn create_and_wait(params: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (chat_id, body) = create_body(&params)?;
    let call = resolve(&options)?;
    // The id is a UUID (`Answer::run` checks it) before it goes into the poll's path.
    let run = create(&call, &chat_id, &body).await?;
    call.wait(&run.id).await
}

/// `getRun`.
pub async fn get_run(run_id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = check_run_id(&run_id)?;
    let call = resolve(&options)?;
    Ok(call.read_run(&run_id, call.call_budget()).await?.0.run)
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
    let call = resolve(&options)?;
    let before = call.read_run(&run_id, call.call_budget()).await?.0;
    let answer = call.request("PUT", &call.endpoint.run_url(&run_id), Some(&body), call.call_budget()).await?;
    let continued = match answer.run(Expected { id: Some(&run_id), chat_id: None }) {
        Ok(read) => read,
        Err(_) => call.read_run(&run_id, call.call_budget()).await?.0,
    };
    js::mark_continued(&continued.run, &before.run);
    Ok(continued.run)
}

/// `continueAndWait`: reads the run, adds the message and waits for the run's new end:
/// a state is taken only once it differs from the one read before the continue.
pub async fn continue_and_wait(run_id: JsValue, message: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = check_run_id(&run_id)?;
    let body = continue_body(&message)?;
    let mut call = resolve(&options)?;
    let before = call.read_run(&run_id, call.call_budget()).await?.0;
    call.request("PUT", &call.endpoint.run_url(&run_id), Some(&body), call.call_budget()).await?;
    call.behaviour.after = Some(After::new(before.updated_at_ms, before.results));
    call.wait(&run_id).await
}

/// `listRuns`.
pub async fn list_runs(options: JsValue) -> Result<JsValue, JsValue> {
    let call = resolve(&options)?;
    call.request("GET", &call.endpoint.runs_url(), None, call.call_budget()).await?.runs()
}

/// `waitForRun`: polls until the run has ended and resolves with it (a failed run
/// resolves too). `onUpdate` hears of each change of status.
pub async fn wait_for_run(run_id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let run_id = check_run_id(&run_id)?;
    resolve(&options)?.wait(&run_id).await
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
    let settings = Settings::read(options).map_err(bare_error_to_js)?;
    let b = &settings.behaviour;
    let per_call = [("signal", b.signal.is_some()), ("idempotencyKey", b.idempotency_key.is_some()), ("after", b.after.is_some())];
    match per_call.iter().find(|(_, given)| *given) {
        Some((name, _)) => Err(bare_error_to_js(Error::invalid(&[name], "belongs to a call, not to the client"))),
        None => Ok(()),
    }
}
