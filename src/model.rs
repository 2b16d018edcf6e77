//! The Run as the service sends it, read leniently: every field but `id` and `status`
//! may be missing, null or of another type, and the whole object is kept as `raw`.

use crate::error::Error;
use crate::json::JsonView;

/// A status the client knows; any other string is kept and treated as not finished.
pub fn is_terminal(status: &str) -> bool {
    status == "completed" || status == "failed"
}

/// A run read from the service. `V` is the JSON value type (a `JsValue` in wasm).
#[derive(Debug, Clone, PartialEq)]
pub struct Run<V> {
    /// A UUID (checked: it goes into URL paths).
    pub id: String,
    /// The status as sent (a string), and as the core reads it (cut to a bounded length).
    pub status: V,
    pub status_text: String,
    // Text fields stay values of `V` (strings, checked), so that in wasm they are never
    // copied into wasm memory and back, whatever their size.
    pub chat_id: Option<V>,
    /// The `results` array as sent; `None` when missing, null or not an array.
    pub results: Option<V>,
    pub last_agent_message: Option<V>,
    pub created_at: Option<V>,
    pub updated_at: Option<V>,
    pub bundle: Option<V>,
    pub toolhouse_id: Option<V>,
    /// `vars` as sent, when it is an object (the binding keeps its strings, numbers and
    /// booleans as strings; `raw` keeps them all).
    pub vars: Option<V>,
    pub callback_url: Option<V>,
    pub error: Option<V>,
    /// The run exactly as sent.
    pub raw: V,
}

/// What the caller already knows of the run: the id it asked for (an answer about
/// another run is an error), the chat it started (used where the service leaves it out).
#[derive(Debug, Clone, Copy, Default)]
pub struct Expected<'a> {
    pub id: Option<&'a str>,
    pub chat_id: Option<&'a str>,
}

/// The `data` member of a `{"data": …}` envelope.
pub fn envelope_data<V: JsonView>(status: u16, body: &V) -> Result<V, Error> {
    if !body.is_object() {
        return Err(Error::bad_response(status, "the body is not a JSON object"));
    }
    match body.field("data") {
        Some(data) if !data.is_null() => Ok(data),
        _ => Err(Error::bad_response(status, "the body has no \"data\"")),
    }
}

/// Reads one run from the value of `data`.
pub fn parse_run<V: JsonView>(status: u16, data: V, known: Expected<'_>) -> Result<Run<V>, Error> {
    if !data.is_object() {
        return Err(Error::bad_response(status, "\"data\" is not a run object"));
    }
    let id = run_id(status, data.field("id"), known.id)?;
    let (status_value, status_text) = match data.field("status") {
        Some(v) if v.is_string() => {
            let text = v.as_str().unwrap_or_default();
            (v, text)
        }
        Some(v) if v.as_number().is_some() => {
            return Err(Error::bad_response(status, "the run's \"status\" is a number, not a string"))
        }
        Some(v) if !v.is_null() => return Err(Error::bad_response(status, "the run's \"status\" is not a string")),
        _ => return Err(Error::bad_response(status, "the run has no \"status\"")),
    };
    let string = |key: &'static str| data.field(key).filter(JsonView::is_string);
    let chat_id = string("chat_id").or_else(|| known.chat_id.map(V::from_text));
    Ok(Run {
        id,
        status: status_value,
        status_text,
        chat_id,
        results: data.field("results").filter(JsonView::is_array),
        last_agent_message: string("last_agent_message"),
        created_at: string("created_at"),
        updated_at: string("updated_at"),
        bundle: string("bundle"),
        toolhouse_id: string("toolhouse_id"),
        vars: data.field("vars").filter(JsonView::is_object),
        callback_url: string("callback_url"),
        error: string("error"),
        raw: data,
    })
}

/// The id of a run in an answer: a UUID, and the one asked for when one was (compared
/// without regard to case). A missing id is the one asked for.
fn run_id<V: JsonView>(status: u16, sent: Option<V>, asked: Option<&str>) -> Result<String, Error> {
    let sent = sent.filter(|v| !v.is_null());
    let Some(sent) = sent else {
        return asked.map(str::to_owned).ok_or_else(|| Error::bad_response(status, "the run has no \"id\""));
    };
    let id = sent
        .as_str()
        .and_then(|s| crate::request::check_uuid("id", Some(&s)).ok())
        .ok_or_else(|| Error::bad_response(status, "the run's \"id\" is not a UUID"))?;
    match asked {
        Some(asked) if !asked.eq_ignore_ascii_case(&id) => {
            let mut problem = String::from("it answered with run ");
            problem.push_str(&id);
            problem.push_str(" for run ");
            problem.push_str(asked);
            Err(Error::bad_response(status, &problem))
        }
        _ => Ok(id),
    }
}

/// Reads the list of `GET /agent-runs`, `{"data": [Run, …]}`, handing each run to
/// `each` as it is read (one item at a time: the list is never copied). Items that are
/// not runs make the whole answer an error rather than silently shrinking the list.
pub fn parse_run_list<V: JsonView>(status: u16, body: &V, mut each: impl FnMut(Run<V>)) -> Result<(), Error> {
    let data = envelope_data(status, body)?;
    let len = data.length().ok_or_else(|| Error::bad_response(status, "\"data\" is not an array"))?;
    for i in 0..len {
        let item = data.item(i).ok_or_else(|| Error::bad_response(status, "\"data\" changed while read"))?;
        each(parse_run(status, item, Expected::default())?);
    }
    Ok(())
}

/// What a callback says: a hint to confirm with a read, since callbacks are not signed.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback<V> {
    pub run_id: String,
    pub status: V,
    pub last_agent_message: Option<V>,
}

/// Reads a callback body in either shape seen: `{"run_id", "status", …}` at the top level
/// or wrapped in `{"data": {…}}` (`id` is taken where `run_id` is missing).
pub fn parse_callback<V: JsonView>(body: &V) -> Result<Callback<V>, Error> {
    if !body.is_object() {
        return Err(Error::invalid(&["body"], "must be a JSON object"));
    }
    let data = body.field("data").filter(JsonView::is_object);
    let data = data.as_ref().unwrap_or(body);
    let text = |key: &'static str| data.field(key).filter(JsonView::is_string);
    let run_id = text("run_id").or_else(|| text("id")).and_then(|v| v.as_str());
    let run_id = crate::request::check_uuid("run_id", run_id.as_deref())?;
    let status = text("status").ok_or_else(|| Error::invalid(&["status"], "must be a string"))?;
    Ok(Callback { run_id, status, last_agent_message: text("last_agent_message") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    const RUN: &str = "bcb7e865-9e6c-4a1b-8c2d-c0110fdf5c2e";

    fn text(v: &Option<Value>) -> Option<&str> {
        v.as_ref().and_then(Value::as_str)
    }

    fn documented_run() -> Value {
        json!({
            "id": "bcb7e865-9e6c-4a1b-8c2d-c0110fdf5c2e",
            "chat_id": "a3a26d33-6f4d-4490-a56f-e17f867ba451",
            "callback_url": "https://webhooks.example.com/my-webhook",
            "status": "queued",
            "results": [],
            "last_agent_message": null,
            "created_at": "2025-01-15T01:46:23.568338",
            "updated_at": "2025-01-15T01:46:59.270078",
            "bundle": "default",
            "toolhouse_id": "default"
        })
    }

    #[test]
    fn the_documented_run_reads_field_by_field() {
        let run = parse_run(200, documented_run(), Expected::default()).unwrap();
        assert_eq!(run.id, "bcb7e865-9e6c-4a1b-8c2d-c0110fdf5c2e");
        assert_eq!(text(&run.chat_id), Some("a3a26d33-6f4d-4490-a56f-e17f867ba451"));
        assert_eq!(run.status, json!("queued"));
        assert_eq!(run.status_text, "queued");
        assert_eq!(run.last_agent_message, None);
        assert_eq!(text(&run.updated_at), Some("2025-01-15T01:46:59.270078"));
        assert_eq!(text(&run.callback_url), Some("https://webhooks.example.com/my-webhook"));
        assert_eq!(run.vars, None);
        assert_eq!(run.raw, documented_run());
    }

    #[test]
    fn a_create_answer_without_chat_id_takes_the_known_one() {
        let mut data = documented_run();
        data.as_object_mut().unwrap().remove("chat_id");
        let known = Expected { id: None, chat_id: Some("a3a26d33-6f4d-4490-a56f-e17f867ba451") };
        let run = parse_run(200, data, known).unwrap();
        assert_eq!(text(&run.chat_id), Some("a3a26d33-6f4d-4490-a56f-e17f867ba451"));
    }

    #[test]
    fn unknown_status_is_kept_as_its_string_and_is_not_terminal() {
        let mut data = documented_run();
        data["status"] = json!("paused_for_review");
        let run = parse_run(200, data, Expected::default()).unwrap();
        assert_eq!(run.status_text, "paused_for_review");
        assert!(!is_terminal(&run.status_text));
        assert!(is_terminal("completed") && is_terminal("failed"));
        assert!(!is_terminal("queued") && !is_terminal("in_progress"));
    }

    #[test]
    fn unknown_fields_stay_in_raw() {
        let mut data = documented_run();
        data["new_field"] = json!({"nested": [1, 2, 3]});
        let run = parse_run(200, data.clone(), Expected::default()).unwrap();
        assert_eq!(run.raw["new_field"], json!({"nested": [1, 2, 3]}));
    }

    #[test]
    fn fields_of_the_wrong_type_become_none() {
        let data = json!({"id": RUN, "status": "completed", "results": "oops", "last_agent_message": 5,
                          "created_at": false, "vars": [1], "bundle": {"a": 1}});
        let run = parse_run(200, data, Expected::default()).unwrap();
        assert_eq!(run.results, None);
        assert_eq!(run.last_agent_message, None);
        assert_eq!(run.created_at, None);
        assert_eq!(run.bundle, None);
        assert_eq!(run.vars, None);
    }

    #[test]
    fn vars_stay_the_object_sent_for_the_binding_to_read() {
        let data = json!({"id": RUN, "status": "queued", "vars": {"name": "Ada", "n": 3, "__proto__": "x"}});
        let run = parse_run(200, data, Expected::default()).unwrap();
        assert_eq!(run.vars, Some(json!({"name": "Ada", "n": 3, "__proto__": "x"})));
    }

    #[test]
    fn a_huge_status_is_kept_whole_for_the_caller_and_cut_for_the_core() {
        let long = "s".repeat(100_000);
        let run = parse_run(200, json!({"id": RUN, "status": long}), Expected::default()).unwrap();
        assert_eq!(run.status, json!(long));
        assert!(run.status_text.chars().count() <= crate::json::TEXT_LIMIT + 1);
    }

    #[test]
    fn a_numeric_status_is_said_to_be_a_number() {
        let err = parse_run(200, json!({"id": RUN, "status": 3}), Expected::default()).unwrap_err();
        assert!(err.message.contains("is a number"), "{}", err.message);
        let err = parse_run(200, json!({"id": RUN, "status": [1]}), Expected::default()).unwrap_err();
        assert!(err.message.contains("not a string"), "{}", err.message);
    }

    #[test]
    fn an_answer_about_another_run_or_with_a_non_uuid_id_is_a_bad_response() {
        let other = "00000000-0000-4000-8000-000000000000";
        let err = parse_run(200, json!({"id": other, "status": "queued"}), Expected { id: Some(RUN), chat_id: None }).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(err.message.contains(other) && err.message.contains(RUN), "{}", err.message);
        for bad in [json!("../../v2/x"), json!(5), json!("x".repeat(10_000))] {
            let err = parse_run(200, json!({"id": bad, "status": "queued"}), Expected::default()).unwrap_err();
            assert!(err.message.contains("not a UUID"), "{}", err.message);
        }
        let upper = RUN.to_uppercase();
        assert!(parse_run(200, json!({"id": upper, "status": "queued"}), Expected { id: Some(RUN), chat_id: None }).is_ok());
    }

    #[test]
    fn a_run_without_status_is_a_bad_response() {
        let err = parse_run(200, json!({"id": RUN}), Expected::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(err.message.contains("no \"status\""), "{}", err.message);
    }

    #[test]
    fn a_run_without_id_takes_the_requested_id_or_fails() {
        let data = json!({"status": "queued"});
        let run = parse_run(200, data.clone(), Expected { id: Some(RUN), chat_id: None }).unwrap();
        assert_eq!(run.id, RUN);
        assert!(parse_run(200, data, Expected::default()).is_err());
    }

    #[test]
    fn envelope_without_data_is_a_bad_response() {
        for body in [json!({}), json!({"data": null}), json!([]), json!("x"), json!(null)] {
            let err = envelope_data(200, &body).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Service);
            assert_eq!(err.status, Some(200));
        }
    }

    #[test]
    fn list_reads_every_item_and_rejects_a_non_array() {
        let list = |body: &Value| {
            let mut runs = Vec::new();
            parse_run_list(200, body, |r| runs.push(r)).map(|()| runs)
        };
        let body = json!({"data": [documented_run(), {"id": RUN, "status": "failed", "error": "boom"}]});
        let runs = list(&body).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(text(&runs[1].error), Some("boom"));
        assert!(list(&json!({"data": {"id": "x"}})).is_err());
        assert!(list(&json!({"data": []})).unwrap().is_empty());
    }

    #[test]
    fn callbacks_read_in_both_shapes() {
        let flat = json!({"run_id": RUN, "status": "completed", "last_agent_message": "hi"});
        let wrapped = json!({"data": {"run_id": RUN, "status": "completed", "last_agent_message": "hi"}});
        let expected = Callback { run_id: RUN.into(), status: json!("completed"), last_agent_message: Some(json!("hi")) };
        assert_eq!(parse_callback(&flat).unwrap(), expected);
        assert_eq!(parse_callback(&wrapped).unwrap(), expected);
        let as_run = json!({"data": {"id": RUN, "status": "failed", "last_agent_message": null}});
        assert_eq!(parse_callback(&as_run).unwrap().last_agent_message, None);
    }

    #[test]
    fn callbacks_without_a_uuid_run_id_or_a_status_are_refused() {
        for (body, field) in [
            (json!({"run_id": "../admin", "status": "completed"}), "run_id"),
            (json!({"status": "completed"}), "run_id"),
            (json!({"run_id": RUN}), "status"),
            (json!("text"), "body"),
            (json!([RUN]), "body"),
        ] {
            let err = parse_callback(&body).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Validation);
            assert_eq!(err.field, vec![field.to_owned()], "{body}");
        }
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
            "[a-z_]{0,12}".prop_map(Value::String),
            prop_oneof![Just("completed"), Just("failed"), Just("queued"), Just("id"), Just("status")]
                .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let keys = prop_oneof![
                Just("id".to_string()), Just("status".to_string()), Just("data".to_string()),
                Just("results".to_string()), Just("vars".to_string()), Just("detail".to_string()),
                Just("msg".to_string()), Just("loc".to_string()), "[a-z]{1,6}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(keys, inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn no_json_value_makes_the_parsers_panic(body in arbitrary_json(), status in 100u16..600) {
            let _ = envelope_data(status, &body).and_then(|d| parse_run(status, d, Expected::default()));
            let _ = parse_run_list(status, &body, |_| ());
            let _ = Error::from_response(status, Some(&body), "");
            let _ = parse_callback(&body);
        }

        #[test]
        fn every_parsed_run_keeps_its_raw_value(body in arbitrary_json()) {
            if let Ok(run) = parse_run(200, body.clone(), Expected::default()) {
                prop_assert_eq!(run.raw, body);
            }
        }
    }
}
