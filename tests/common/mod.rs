//! The binding layer's behaviour, run by each test file in its own JS environment
//! (Node, a browser page, a browser service worker). The scripted fetch stands in for
//! the network, so these check what the wasm does with real JS values and promises.

use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use toolhouse_agent_runs::error::ErrorKind;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[wasm_bindgen(module = "/tests/support/fake_fetch.js")]
extern "C" {
    #[wasm_bindgen(js_name = scriptedFetch)]
    fn scripted_fetch(answers: JsValue) -> JsValue;
    fn options(fetch: &JsValue, extra: JsValue) -> JsValue;
    #[wasm_bindgen(js_name = errorName)]
    fn error_name(err: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = abortAfter)]
    fn abort_after(ms: f64, reason: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = runBody)]
    fn run_body(id: &str, chat_id: &str, status: &str, extra: JsValue) -> JsValue;
    #[wasm_bindgen(js_name = isPublicWeb)]
    fn is_public_web() -> bool;
    #[wasm_bindgen(js_name = pretendExtension)]
    fn pretend_extension(on: bool);
}

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = errorClass)]
    fn error_class(name: &str, fields: &JsValue) -> JsValue;
}

/// The package's loader makes the error classes of the table (`js/errors.json`:
/// scripts/build.mjs writes the module that does); these tests load the wasm alone, so
/// they make them here, once, from the same table.
fn make_error_classes() {
    thread_local! { static MADE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) }; }
    if MADE.with(|made| made.replace(true)) {
        return;
    }
    let rows = Array::from(&get(&parse(include_str!("../../js/errors.json")), "errors"));
    for row in rows.iter().skip(1) {
        let fields = Object::new();
        let declared = get(&row, "fields");
        if declared.is_object() {
            for field in Array::from(&declared).iter() {
                Reflect::set(&fields, &get(&field, "name"), &get(&field, "default")).unwrap();
            }
        }
        error_class(&get(&row, "class").as_string().unwrap(), &fields);
    }
}

const RUN: &str = "a3a26d33-6f4d-4490-a56f-e17f867ba451";
/// The emulator's agents: the one home of the fixtures' chat ids.
const AGENTS: &str = include_str!("../../emulator/agents.json");

/// The chat id of the emulator's "Greeter".
fn greeter() -> String {
    Array::from(&get(&parse(AGENTS), "agents"))
        .iter()
        .find(|agent| get(agent, "name").as_string().as_deref() == Some("Greeter"))
        .and_then(|agent| get(&agent, "chatId").as_string())
        .unwrap()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn parse(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn answers(items: &[JsValue]) -> JsValue {
    items.iter().collect::<Array>().into()
}

fn ok(status: &str) -> JsValue {
    let a = Object::new();
    Reflect::set(&a, &"body".into(), &run_body(RUN, &greeter(), status, JsValue::UNDEFINED)).unwrap();
    a.into()
}

fn error_answer(status: u16, body: &str, retry_after: Option<&str>) -> JsValue {
    let a = Object::new();
    Reflect::set(&a, &"status".into(), &JsValue::from(status)).unwrap();
    Reflect::set(&a, &"body".into(), &JsValue::from_str(body)).unwrap();
    if let Some(ra) = retry_after {
        Reflect::set(&a, &"headers".into(), &parse(&format!("{{\"retry-after\":\"{ra}\"}}"))).unwrap();
    }
    a.into()
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    make_error_classes();
    JsFuture::from(p).await
}

fn requests(fake: &JsValue) -> Array {
    get(fake, "requests").into()
}

#[wasm_bindgen_test]
async fn create_run_posts_snake_case_json_with_a_bearer_key_and_string_vars() {
    let fake = scripted_fetch(answers(&[ok("queued")]));
    let chat = greeter();
    let params = parse(&format!(r#"{{"chatId":"{chat}","vars":{{"name":"Ada","n":3,"ok":true}},"toolhouseId":"u1"}}"#));
    let run = settle(toolhouse_agent_runs::create_run(params, Some(options(&get(&fake, "fetch"), JsValue::UNDEFINED))))
        .await
        .unwrap();
    assert_eq!(get(&run, "status").as_string().unwrap(), "queued");
    let req = requests(&fake).get(0);
    assert_eq!(get(&req, "method").as_string().unwrap(), "POST");
    assert_eq!(get(&req, "url").as_string().unwrap(), "https://api.example.test/v1/agent-runs");
    assert_eq!(get(&get(&req, "headers"), "Authorization").as_string().unwrap(), "Bearer th-test");
    let body = parse(&get(&req, "body").as_string().unwrap());
    assert_eq!(get(&body, "chat_id").as_string().unwrap(), chat);
    assert_eq!(get(&get(&body, "vars"), "n").as_string().unwrap(), "3");
    assert_eq!(get(&get(&body, "vars"), "ok").as_string().unwrap(), "true");
    assert_eq!(get(&body, "toolhouse_id").as_string().unwrap(), "u1");
}

#[wasm_bindgen_test]
async fn get_run_maps_fields_and_keeps_unknown_ones_in_raw() {
    let extra = parse(r#"{"last_agent_message":"hi","future_field":{"x":[1]}}"#);
    let a = Object::new();
    Reflect::set(&a, &"body".into(), &run_body(RUN, &greeter(), "completed", extra)).unwrap();
    let fake = scripted_fetch(answers(&[a.into()]));
    let run = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(options(&get(&fake, "fetch"), JsValue::UNDEFINED))))
        .await
        .unwrap();
    assert_eq!(get(&run, "lastAgentMessage").as_string().unwrap(), "hi");
    assert_eq!(get(&run, "chatId").as_string().unwrap(), greeter());
    assert!(get(&run, "createdAt").is_null());
    let future = get(&get(&run, "raw"), "future_field");
    assert_eq!(JSON::stringify(&future).unwrap().as_string().unwrap(), r#"{"x":[1]}"#);
}

#[wasm_bindgen_test]
async fn each_error_status_rejects_with_its_class_and_the_service_detail() {
    // Which class a status gets is the core's choice (src/error.rs, tested natively there):
    // here, that the JS error is of that class.
    for status in [401, 402, 403, 404, 406, 422] {
        let class = ErrorKind::from_status(status).class_name();
        let fake = scripted_fetch(answers(&[error_answer(status, r#"{"detail":"nope"}"#, None)]));
        let err = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(options(&get(&fake, "fetch"), JsValue::UNDEFINED))))
            .await
            .unwrap_err();
        assert_eq!(error_name(&err).as_string().unwrap(), class);
        assert_eq!(get(&err, "status").as_f64().unwrap(), f64::from(status));
        assert!(get(&err, "message").as_string().unwrap().contains(": nope"));
        assert!(err.is_instance_of::<js_sys::Error>());
    }
}

#[wasm_bindgen_test]
async fn rate_limits_are_retried_after_retry_after_then_reported_with_it() {
    let fake = scripted_fetch(answers(&[error_answer(429, "{}", Some("0"))]));
    let opts = options(&get(&fake, "fetch"), parse(r#"{"maxRetries":2}"#));
    let err = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(opts))).await.unwrap_err();
    assert_eq!(error_name(&err).as_string().unwrap(), "RateLimitError");
    assert_eq!(get(&err, "retryAfterMs").as_f64().unwrap(), 0.0);
    assert_eq!(requests(&fake).length(), 3);
}

#[wasm_bindgen_test]
async fn a_failed_create_is_not_retried_since_it_may_have_started_a_run() {
    let fake = scripted_fetch(answers(&[error_answer(502, "<html>bad gateway</html>", None)]));
    let params = parse(&format!(r#"{{"chatId":"{}"}}"#, greeter()));
    let err = settle(toolhouse_agent_runs::create_run(params, Some(options(&get(&fake, "fetch"), JsValue::UNDEFINED))))
        .await
        .unwrap_err();
    assert_eq!(error_name(&err).as_string().unwrap(), "ServerError");
    assert_eq!(get(&err, "message").as_string().unwrap(), "502 Bad Gateway");
    assert_eq!(requests(&fake).length(), 1);
}

#[wasm_bindgen_test]
async fn a_hung_request_ends_with_a_timeout_error() {
    let fake = scripted_fetch(answers(&["hang".into()]));
    let opts = options(&get(&fake, "fetch"), parse(r#"{"timeoutMs":30,"maxRetries":0}"#));
    let err = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(opts))).await.unwrap_err();
    assert_eq!(error_name(&err).as_string().unwrap(), "TimeoutError");
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_a_connection_error() {
    let fake = scripted_fetch(answers(&["refuse".into()]));
    let opts = options(&get(&fake, "fetch"), parse(r#"{"maxRetries":0}"#));
    let err = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(opts))).await.unwrap_err();
    assert_eq!(error_name(&err).as_string().unwrap(), "ConnectionError");
}

#[wasm_bindgen_test]
async fn bad_input_is_a_validation_error_before_any_request() {
    let fake = scripted_fetch(answers(&[ok("queued")]));
    let f = get(&fake, "fetch");
    let bad_vars = parse(&format!(r#"{{"chatId":"{}","vars":{{"when":{{"d":1}}}}}}"#, greeter()));
    let cases = [
        toolhouse_agent_runs::create_run(bad_vars, Some(options(&f, JsValue::UNDEFINED))),
        toolhouse_agent_runs::get_run("../etc".into(), Some(options(&f, JsValue::UNDEFINED))),
        toolhouse_agent_runs::continue_run(RUN.into(), "".into(), Some(options(&f, JsValue::UNDEFINED))),
        toolhouse_agent_runs::get_run(RUN.into(), Some(options(&f, parse(r#"{"timeoutMs":-5}"#)))),
    ];
    for p in cases {
        let err = settle(p).await.unwrap_err();
        assert_eq!(error_name(&err).as_string().unwrap(), "ValidationError");
        assert_eq!(Array::from(&get(&err, "details")).length(), 1);
    }
    assert_eq!(requests(&fake).length(), 0);
}

#[wasm_bindgen_test]
async fn a_non_json_success_body_is_a_typed_error_and_the_module_keeps_working() {
    let fake = scripted_fetch(answers(&[error_answer(200, "<html>oops", None), ok("queued")]));
    let f = get(&fake, "fetch");
    let err = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(options(&f, JsValue::UNDEFINED)))).await.unwrap_err();
    assert_eq!(error_name(&err).as_string().unwrap(), "AgentRunsError");
    let run = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(options(&f, JsValue::UNDEFINED)))).await.unwrap();
    assert_eq!(get(&run, "status").as_string().unwrap(), "queued");
}

#[wasm_bindgen_test]
async fn wait_for_run_resolves_with_a_failed_run_and_reports_each_change() {
    let fake = scripted_fetch(answers(&[ok("queued"), ok("queued"), ok("in_progress"), ok("failed")]));
    let seen = Array::new();
    let seen2 = seen.clone();
    let on_update = Closure::<dyn FnMut(JsValue)>::new(move |run: JsValue| {
        seen2.push(&get(&run, "status"));
    });
    let extra = Object::new();
    Reflect::set(&extra, &"pollIntervalMs".into(), &JsValue::from(100)).unwrap();
    Reflect::set(&extra, &"onUpdate".into(), on_update.as_ref()).unwrap();
    let run = settle(toolhouse_agent_runs::wait_for_run(RUN.into(), Some(options(&get(&fake, "fetch"), extra.into()))))
        .await
        .unwrap();
    assert_eq!(get(&run, "status").as_string().unwrap(), "failed");
    let statuses: Vec<String> = seen.iter().filter_map(|s| s.as_string()).collect();
    assert_eq!(statuses, ["queued", "in_progress", "failed"]);
    assert_eq!(requests(&fake).length(), 4);
}

#[wasm_bindgen_test]
async fn an_abort_during_the_poll_sleep_rejects_with_the_signals_reason() {
    let fake = scripted_fetch(answers(&[ok("queued")]));
    let reason = JsValue::from_str("user pressed stop");
    let extra = Object::new();
    Reflect::set(&extra, &"signal".into(), &abort_after(20.0, &reason)).unwrap();
    Reflect::set(&extra, &"pollIntervalMs".into(), &JsValue::from(60_000)).unwrap();
    let err = settle(toolhouse_agent_runs::wait_for_run(RUN.into(), Some(options(&get(&fake, "fetch"), extra.into()))))
        .await
        .unwrap_err();
    assert_eq!(err.as_string().unwrap(), "user pressed stop");
}

#[wasm_bindgen_test]
async fn max_wait_ms_ends_the_wait_with_the_last_run() {
    let fake = scripted_fetch(answers(&[ok("in_progress")]));
    let opts = options(&get(&fake, "fetch"), parse(r#"{"pollIntervalMs":100,"maxWaitMs":40}"#));
    let err = settle(toolhouse_agent_runs::wait_for_run(RUN.into(), Some(opts))).await.unwrap_err();
    assert_eq!(error_name(&err).as_string().unwrap(), "WaitTimeoutError");
    assert_eq!(get(&get(&err, "lastRun"), "status").as_string().unwrap(), "in_progress");
}

#[wasm_bindgen_test]
fn client_options_are_checked_and_call_only_options_refused() {
    let fine = |v: JsValue| v.is_undefined();
    make_error_classes();
    let check = |json: &str| toolhouse_agent_runs::check_client_options(Some(parse(json)));
    assert_eq!(error_name(&check(r#"{"maxRetries":99}"#)).as_string().unwrap(), "ValidationError");
    assert!(fine(check(r#"{"apiKey":"th-1","timeoutMs":5000}"#)));
    assert!(!fine(check(r#"{"idempotencyKey":"k"}"#)));
    assert!(fine(toolhouse_agent_runs::check_client_options(None)));
    let f: Function = Function::new_no_args("return 1");
    let o = Object::new();
    Reflect::set(&o, &"fetch".into(), &f).unwrap();
    assert!(fine(toolhouse_agent_runs::check_client_options(Some(o.into()))));
}

#[wasm_bindgen_test]
async fn a_key_in_a_web_page_needs_dangerously_allow_browser_and_elsewhere_not() {
    let fake = scripted_fetch(answers(&[ok("queued")]));
    let opts = options(&get(&fake, "fetch"), parse(r#"{"dangerouslyAllowBrowser":false}"#));
    let result = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(opts))).await;
    if is_public_web() {
        let err = result.unwrap_err();
        assert_eq!(error_name(&err).as_string().unwrap(), "ValidationError");
        assert!(get(&err, "message").as_string().unwrap().contains("dangerouslyAllowBrowser"));
        assert_eq!(requests(&fake).length(), 0);
    } else {
        assert!(result.is_ok());
    }
    // An extension's pages and service worker are not readable by web sites: no flag needed.
    pretend_extension(true);
    let opts = options(&get(&fake, "fetch"), parse(r#"{"dangerouslyAllowBrowser":false}"#));
    let in_extension = settle(toolhouse_agent_runs::get_run(RUN.into(), Some(opts))).await;
    pretend_extension(false);
    assert!(in_extension.is_ok());
    let no_key = parse(r#"{"baseUrl":"https://my.app/api"}"#);
    Reflect::set(&no_key, &"fetch".into(), &get(&fake, "fetch")).unwrap();
    assert!(settle(toolhouse_agent_runs::get_run(RUN.into(), Some(no_key))).await.is_ok());
}

#[wasm_bindgen_test]
async fn on_retry_hears_each_retry_and_an_idempotency_key_makes_a_create_retryable() {
    let fake = scripted_fetch(answers(&[error_answer(503, "{}", Some("0")), error_answer(503, "{}", Some("0")), ok("queued")]));
    let heard = Array::new();
    let heard2 = heard.clone();
    let on_retry = Closure::<dyn FnMut(JsValue)>::new(move |info: JsValue| {
        heard2.push(&get(&info, "attempt"));
        assert_eq!(error_name(&get(&info, "error")).as_string().unwrap(), "ServerError");
    });
    let extra = Object::new();
    Reflect::set(&extra, &"onRetry".into(), on_retry.as_ref()).unwrap();
    Reflect::set(&extra, &"idempotencyKey".into(), &"create-1".into()).unwrap();
    let params = parse(&format!(r#"{{"chatId":"{}"}}"#, greeter()));
    let run = settle(toolhouse_agent_runs::create_run(params, Some(options(&get(&fake, "fetch"), extra.into())))).await.unwrap();
    assert_eq!(get(&run, "status").as_string().unwrap(), "queued");
    assert_eq!(heard.iter().filter_map(|a| a.as_f64()).collect::<Vec<_>>(), [1.0, 2.0]);
    let reqs = requests(&fake);
    assert_eq!(reqs.length(), 3);
    for r in reqs.iter() {
        assert_eq!(get(&get(&r, "headers"), "Idempotency-Key").as_string().unwrap(), "create-1");
    }
}
