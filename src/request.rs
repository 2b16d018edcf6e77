//! Everything about a request that can be decided without the network: checking the
//! caller's input, the endpoint and key rules, URLs and JSON bodies.

use crate::error::{Error, ErrorKind};
use crate::json::JsonView;
use crate::text::push_json_string;

pub const DEFAULT_BASE_URL: &str = "https://api.toolhouse.ai/v1";

/// Where requests go and with which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The base URL without a trailing slash.
    pub base_url: String,
    pub api_key: Option<String>,
}

impl Endpoint {
    /// Applies the key rules: the Toolhouse service itself needs a key; a base URL of
    /// the caller's own (a proxy that adds the key) does not; a key never travels over
    /// plain `http:` except to a loopback host.
    pub fn resolve(api_key: Option<String>, base_url: Option<String>) -> Result<Endpoint, Error> {
        let api_key = api_key.filter(|k| !k.is_empty());
        let base_url = match base_url.filter(|b| !b.is_empty()) {
            None => DEFAULT_BASE_URL.to_owned(),
            Some(b) => b.trim_end_matches('/').to_owned(),
        };
        let parts = UrlParts::parse(&base_url)
            .filter(|p| p.query_or_fragment.is_empty())
            .ok_or_else(|| Error::invalid(&["baseUrl"], "must be an absolute http(s) URL without query or fragment"))?;
        if let Some(key) = &api_key {
            if !key.bytes().all(|b| (0x21..0x7f).contains(&b)) {
                // Never echo the key: fetch implementations put bad header values in their messages.
                return Err(Error::invalid(&["apiKey"], "contains spaces or characters not allowed in an HTTP header"));
            }
            if !parts.secure && !parts.is_loopback() {
                return Err(Error::invalid(
                    &["baseUrl"],
                    "an API key is sent over plain http only to a loopback host; use https",
                ));
            }
        } else if base_url == DEFAULT_BASE_URL {
            return Err(Error::new(
                ErrorKind::Authentication,
                "no API key: pass `apiKey` or set the TOOLHOUSE_API_KEY environment variable",
            ));
        }
        Ok(Endpoint { base_url, api_key })
    }

    pub fn runs_url(&self) -> String {
        let mut url = self.base_url.clone();
        url.push_str("/agent-runs");
        url
    }

    /// The URL of one run; `run_id` must have passed [`check_uuid`].
    pub fn run_url(&self, run_id: &str) -> String {
        let mut url = self.runs_url();
        url.push('/');
        url.push_str(run_id);
        url
    }

    /// The `Authorization` header value, when there is a key.
    pub fn authorization(&self) -> Option<String> {
        self.api_key.as_ref().map(|k| {
            let mut v = String::from("Bearer ");
            v.push_str(k);
            v
        })
    }
}

/// The parts of an absolute http(s) URL that the rules above look at.
#[derive(Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub secure: bool,
    /// Host without port (an IPv6 literal keeps its brackets).
    pub host: &'a str,
    pub query_or_fragment: &'a str,
}

impl<'a> UrlParts<'a> {
    pub fn parse(url: &'a str) -> Option<UrlParts<'a>> {
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let (secure, rest) = if let Some(r) = strip_prefix_ignore_case(url, "https://") {
            (true, r)
        } else {
            (false, strip_prefix_ignore_case(url, "http://")?)
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = rest.get(..authority_end)?;
        let tail = rest.get(authority_end..)?;
        let query_or_fragment = tail.find(['?', '#']).map_or("", |i| tail.get(i..).unwrap_or(""));
        // Credentials in the URL would leak into logs; refuse them.
        if authority.contains('@') {
            return None;
        }
        let host = if authority.starts_with('[') {
            let close = authority.find(']')?;
            authority.get(..=close)?
        } else {
            authority.split(':').next().unwrap_or("")
        };
        if host.is_empty() {
            return None;
        }
        Some(UrlParts { secure, host, query_or_fragment })
    }

    pub fn is_loopback(&self) -> bool {
        let host = self.host.to_ascii_lowercase();
        host == "localhost"
            || host.ends_with(".localhost")
            || host == "[::1]"
            || (host.starts_with("127.") && host.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// Ids go into URL paths, so only the UUID form is let through (no `../`, `?`, `#`).
pub fn check_uuid(field: &str, value: Option<String>) -> Result<String, Error> {
    let value = value.ok_or_else(|| Error::invalid(&[field], "must be a string (a UUID)"))?;
    let well_formed = value.len() == 36
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if well_formed {
        Ok(value)
    } else {
        Err(Error::invalid(&[field], "must be a UUID like 3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f"))
    }
}

/// An `Idempotency-Key`: 1 to 255 visible ASCII characters (it becomes a header).
pub fn check_idempotency_key(key: String) -> Result<String, Error> {
    let ok = !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| (0x21..0x7f).contains(&b));
    if ok {
        Ok(key)
    } else {
        Err(Error::invalid(&["idempotencyKey"], "must be 1 to 255 visible ASCII characters"))
    }
}

/// The message of a continue: a string with something in it.
pub fn check_message(value: Option<String>) -> Result<String, Error> {
    match value {
        Some(m) if !m.trim().is_empty() => Ok(m),
        Some(_) => Err(Error::invalid(&["message"], "must not be empty")),
        None => Err(Error::invalid(&["message"], "must be a string")),
    }
}

/// A number option: absent, or finite within `[min, max]` (and whole, when asked).
pub fn check_number(field: &str, value: Option<f64>, min: f64, max: f64, whole: bool) -> Result<Option<f64>, Error> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v >= min && v <= max && (!whole || v.fract() == 0.0) => Ok(Some(v)),
        Some(_) => Err(Error::invalid(
            &[field],
            if whole { "must be a whole number in range" } else { "must be a finite number in range" },
        )),
    }
}

/// The checked body of `POST /agent-runs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRun {
    pub chat_id: String,
    pub vars: Option<Vec<(String, String)>>,
    pub bundle: Option<String>,
    pub toolhouse_id: Option<String>,
    pub callback_url: Option<String>,
}

impl CreateRun {
    /// Reads and checks `CreateRunParams`. `vars` numbers and booleans become strings,
    /// since the service takes strings only.
    pub fn from_params<V: JsonView>(params: &V) -> Result<CreateRun, Error> {
        if !params.is_object() {
            return Err(Error::invalid(&["params"], "must be an object with a chatId"));
        }
        let chat_id = check_uuid("chatId", params.field("chatId").and_then(|v| v.as_str()))?;
        let optional_text = |key: &'static str| -> Result<Option<String>, Error> {
            match params.field(key) {
                None => Ok(None),
                Some(v) if v.is_null() => Ok(None),
                Some(v) => v.as_str().map(Some).ok_or_else(|| Error::invalid(&[key], "must be a string")),
            }
        };
        let bundle = optional_text("bundle")?;
        let toolhouse_id = optional_text("toolhouseId")?;
        let callback_url = optional_text("callbackUrl")?;
        if let Some(url) = &callback_url {
            if UrlParts::parse(url).is_none() {
                return Err(Error::invalid(&["callbackUrl"], "must be an absolute http(s) URL"));
            }
        }
        let vars = match params.field("vars") {
            None => None,
            Some(v) if v.is_null() => None,
            Some(v) => Some(read_vars(&v)?),
        };
        Ok(CreateRun { chat_id, vars, bundle, toolhouse_id, callback_url })
    }

    /// The JSON body, with the service's snake_case names.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"chat_id\":");
        push_json_string(&mut out, &self.chat_id);
        if let Some(vars) = &self.vars {
            out.push_str(",\"vars\":{");
            for (i, (k, v)) in vars.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(&mut out, k);
                out.push(':');
                push_json_string(&mut out, v);
            }
            out.push('}');
        }
        for (name, value) in [
            ("bundle", &self.bundle),
            ("toolhouse_id", &self.toolhouse_id),
            ("callback_url", &self.callback_url),
        ] {
            if let Some(value) = value {
                out.push(',');
                push_json_string(&mut out, name);
                out.push(':');
                push_json_string(&mut out, value);
            }
        }
        out.push('}');
        out
    }
}

fn read_vars<V: JsonView>(vars: &V) -> Result<Vec<(String, String)>, Error> {
    let keys = vars.keys().ok_or_else(|| Error::invalid(&["vars"], "must be an object of strings"))?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let value = vars.field_named(&key);
        let text = value.as_ref().and_then(|v| {
            if v.as_number().is_none() && v.as_bool().is_none() && v.as_str().is_none() {
                return None;
            }
            v.scalar_text()
        });
        match text {
            Some(t) => out.push((key, t)),
            None => return Err(Error::invalid(&["vars", &key], "must be a string, a finite number or a boolean")),
        }
    }
    Ok(out)
}

/// The JSON body of `PUT /agent-runs/{id}`.
pub fn continue_body(message: &str) -> String {
    let mut out = String::from("{\"message\":");
    push_json_string(&mut out, message);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const CHAT: &str = "a3a26d33-6f4d-4490-a56f-e17f867ba451";

    #[test]
    fn the_toolhouse_service_without_a_key_is_an_authentication_error() {
        let err = Endpoint::resolve(None, None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Authentication);
        assert!(err.message.contains("TOOLHOUSE_API_KEY"));
        assert_eq!(Endpoint::resolve(Some(String::new()), None).unwrap_err().kind, ErrorKind::Authentication);
    }

    #[test]
    fn a_proxy_base_url_needs_no_key_and_gets_no_authorization_header() {
        let ep = Endpoint::resolve(None, Some("https://my.app/api/toolhouse/".into())).unwrap();
        assert_eq!(ep.base_url, "https://my.app/api/toolhouse");
        assert_eq!(ep.authorization(), None);
        assert_eq!(ep.run_url(CHAT), format!("https://my.app/api/toolhouse/agent-runs/{CHAT}"));
    }

    #[test]
    fn a_key_goes_as_a_bearer_token() {
        let ep = Endpoint::resolve(Some("th-123".into()), None).unwrap();
        assert_eq!(ep.authorization().as_deref(), Some("Bearer th-123"));
        assert_eq!(ep.runs_url(), "https://api.toolhouse.ai/v1/agent-runs");
    }

    #[test]
    fn a_key_is_never_sent_over_plain_http_except_to_loopback() {
        let err = Endpoint::resolve(Some("th-1".into()), Some("http://example.com/v1".into())).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(!err.message.contains("th-1"));
        for ok in ["http://127.0.0.1:8080/v1", "http://localhost:3000", "http://[::1]:9/v1", "HTTP://LOCALHOST"] {
            assert!(Endpoint::resolve(Some("th-1".into()), Some(ok.into())).is_ok(), "{ok}");
        }
        assert!(Endpoint::resolve(None, Some("http://example.com/v1".into())).is_ok());
    }

    #[test]
    fn a_key_with_header_breaking_characters_is_refused_without_echoing_it() {
        let err = Endpoint::resolve(Some("th-abc\r\nX-Evil: 1".into()), None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(!err.message.contains("th-abc"));
    }

    #[test]
    fn bad_base_urls_are_validation_errors() {
        for bad in ["api.toolhouse.ai", "ftp://x", "https://", "https://user:pw@host/v1", "https://h/v1?x=1", "https://a b"] {
            let err = Endpoint::resolve(Some("k".into()), Some(bad.into())).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Validation, "{bad}");
        }
    }

    #[test]
    fn ids_must_be_uuids_so_nothing_else_reaches_the_path() {
        assert!(check_uuid("runId", Some(CHAT.into())).is_ok());
        assert!(check_uuid("runId", Some(CHAT.to_uppercase())).is_ok());
        for bad in ["", "../x", "?a=b", "bcb7e865-9e6c-xxxx-xxxx-c0110fdf5c2e", "a3a26d33-6f4d-4490-a56f-e17f867ba45/"] {
            let err = check_uuid("runId", Some(bad.into())).unwrap_err();
            assert_eq!(err.field, vec!["runId".to_owned()]);
        }
        assert!(check_uuid("runId", None).is_err());
    }

    #[test]
    fn idempotency_keys_must_be_header_safe() {
        assert_eq!(check_idempotency_key("run-42_a".into()).unwrap(), "run-42_a");
        for bad in ["", "a b", "x\ny", &"k".repeat(256)] {
            assert_eq!(check_idempotency_key(bad.to_owned()).unwrap_err().field, vec!["idempotencyKey".to_owned()]);
        }
    }

    #[test]
    fn continue_message_must_have_content() {
        assert_eq!(check_message(Some("hi".into())).unwrap(), "hi");
        assert!(check_message(Some("  \n".into())).is_err());
        assert!(check_message(None).is_err());
        assert_eq!(continue_body("say \"hi\""), r#"{"message":"say \"hi\""}"#);
    }

    #[test]
    fn number_options_must_be_finite_and_in_range() {
        assert_eq!(check_number("timeoutMs", Some(5.0), 1.0, 1e9, false).unwrap(), Some(5.0));
        assert_eq!(check_number("timeoutMs", None, 1.0, 1e9, false).unwrap(), None);
        for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0] {
            assert!(check_number("timeoutMs", Some(bad), 1.0, 1e9, false).is_err());
        }
        assert!(check_number("maxRetries", Some(1.5), 0.0, 10.0, true).is_err());
    }

    #[test]
    fn create_body_writes_snake_case_and_coerces_vars_to_strings() {
        let params = json!({"chatId": CHAT, "vars": {"name": "Ada", "n": 3, "ok": false},
                            "bundle": "b1", "toolhouseId": "user-7", "callbackUrl": "https://x.example/cb"});
        let body: Value = serde_json::from_str(&CreateRun::from_params(&params).unwrap().to_json()).unwrap();
        assert_eq!(body, json!({"chat_id": CHAT, "vars": {"name": "Ada", "n": "3", "ok": "false"},
                                "bundle": "b1", "toolhouse_id": "user-7", "callback_url": "https://x.example/cb"}));
    }

    #[test]
    fn create_body_leaves_out_what_was_not_given() {
        let body = CreateRun::from_params(&json!({"chatId": CHAT, "bundle": null})).unwrap().to_json();
        assert_eq!(body, format!("{{\"chat_id\":\"{CHAT}\"}}"));
    }

    #[test]
    fn a_var_of_another_type_is_a_validation_error_naming_the_key() {
        for bad in [json!({"a": "x", "when": {"d": 1}}), json!({"when": [1]}), json!({"when": null})] {
            let err = CreateRun::from_params(&json!({"chatId": CHAT, "vars": bad})).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Validation);
            assert_eq!(err.message, "invalid vars.when: must be a string, a finite number or a boolean");
        }
        assert!(CreateRun::from_params(&json!({"chatId": CHAT, "vars": [1]})).is_err());
    }

    #[test]
    fn create_params_are_checked_field_by_field() {
        let cases = [
            (json!(null), "params"),
            (json!("x"), "params"),
            (json!({}), "chatId"),
            (json!({"chatId": "nope"}), "chatId"),
            (json!({"chatId": CHAT, "bundle": 1}), "bundle"),
            (json!({"chatId": CHAT, "toolhouseId": true}), "toolhouseId"),
            (json!({"chatId": CHAT, "callbackUrl": "/relative"}), "callbackUrl"),
        ];
        for (params, field) in cases {
            let err = CreateRun::from_params(&params).unwrap_err();
            assert_eq!(err.field, vec![field.to_owned()], "{params}");
        }
    }
}
