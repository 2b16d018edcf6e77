//! Everything about a request that can be decided without the network: checking the
//! caller's input, the endpoint and key rules, URLs and request bodies.
//!
//! URLs are judged on what the runtime's WHATWG URL parser (`new URL`, the parser
//! `fetch` itself uses) makes of them, passed in as [`ParsedUrl`]: no hand-written URL
//! parser can disagree with `fetch` about which host a request goes to.

use crate::error::{Error, ErrorKind};
use serde::Serialize;

use crate::json::JsonView;

pub const DEFAULT_BASE_URL: &str = "https://api.toolhouse.ai/v1";
/// Longest API key, base URL or idempotency key read (longer ones are refused unread).
pub const MAX_OPTION_TEXT: u32 = 2048;
/// Most `vars` one run takes.
pub const MAX_VARS: usize = 1000;

/// What the WHATWG URL parser says of a URL, as far as the rules here care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    /// `"https:"`, `"http:"`, …
    pub protocol: String,
    /// The host without port, as `URL.hostname` serializes it (an IPv6 literal keeps its
    /// brackets, an IPv4 address is in dotted decimal).
    pub hostname: String,
    /// The serialized URL (`URL.href`).
    pub href: String,
    /// A user name or password is present.
    pub credentials: bool,
}

/// Where requests go and with which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The base URL as `URL.href` writes it, without trailing slashes.
    pub base_url: String,
    pub api_key: Option<String>,
}

impl Endpoint {
    /// Applies the key rules: the Toolhouse service itself needs a key; a base URL of
    /// the caller's own (a proxy that adds the key) does not; a key never travels over
    /// plain `http:` except to a loopback host. `parse` is the runtime's URL parser.
    pub fn resolve(
        api_key: Option<String>,
        base_url: Option<String>,
        parse: impl Fn(&str) -> Option<ParsedUrl>,
    ) -> Result<Endpoint, Error> {
        let api_key = api_key.filter(|k| !k.is_empty());
        let given = base_url.filter(|b| !b.is_empty());
        let official = given.is_none();
        let url = parse(given.as_deref().unwrap_or(DEFAULT_BASE_URL))
            .filter(|u| (u.protocol == "https:" || u.protocol == "http:") && !u.hostname.is_empty())
            .ok_or_else(|| Error::invalid(&["baseUrl"], "must be an absolute http(s) URL (in a page, a path on the page's own site will do)"))?;
        if url.credentials || url.href.contains(['?', '#']) {
            // Credentials would leak into logs; a query or fragment would swallow the path.
            return Err(Error::invalid(&["baseUrl"], "must have no user name, password, query or fragment"));
        }
        if let Some(key) = &api_key {
            if !key.bytes().all(|b| (0x21..0x7f).contains(&b)) {
                // Never echo the key: fetch implementations put bad header values in their messages.
                return Err(Error::invalid(&["apiKey"], "contains spaces or characters not allowed in an HTTP header"));
            }
            if url.protocol != "https:" && !is_loopback(&url.hostname) {
                return Err(Error::invalid(
                    &["baseUrl"],
                    "an API key is sent over plain http only to localhost, 127.0.0.0/8 or [::1]; use https",
                ));
            }
        } else if official {
            return Err(Error::new(
                ErrorKind::Authentication,
                "no API key: pass `apiKey` or set the TOOLHOUSE_API_KEY environment variable",
            ));
        }
        Ok(Endpoint { base_url: url.href.trim_end_matches('/').to_owned(), api_key })
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

/// A host that is this machine whatever the resolver says: `localhost` itself, an IPv4
/// address in 127.0.0.0/8, or `[::1]`, as the WHATWG parser serializes them. Names
/// under `.localhost` are not: some resolvers send them to DNS.
pub fn is_loopback(hostname: &str) -> bool {
    if hostname == "localhost" || hostname == "[::1]" {
        return true;
    }
    let mut parts = hostname.split('.');
    let is_octet = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
    parts.next() == Some("127") && parts.clone().count() == 3 && parts.all(is_octet)
}

/// Ids go into URL paths, so only the UUID form is let through (no `../`, `?`, `#`).
pub fn check_uuid(field: &str, value: Option<&str>) -> Result<String, Error> {
    let value = value.ok_or_else(|| Error::invalid(&[field], "must be a string (a UUID)"))?;
    let well_formed = value.len() == 36
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if well_formed {
        Ok(value.to_owned())
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

/// A number option: absent, or within `[min, max]` (and whole, when asked); infinite
/// only when `max` is.
pub fn check_number(field: &str, value: Option<f64>, min: f64, max: f64, whole: bool) -> Result<Option<f64>, Error> {
    match value {
        None => Ok(None),
        Some(v) if !v.is_nan() && v >= min && v <= max && (!whole || v.fract() == 0.0) => Ok(Some(v)),
        Some(_) => Err(Error::invalid(
            &[field],
            if whole { "must be a whole number in range" } else { "must be a finite number in range" },
        )),
    }
}

/// Most characters (UTF-16 units, as JS counts them) of the texts of one request body
/// together: far beyond any prompt a model takes, and a bound on what is copied into
/// wasm memory, which never shrinks.
pub const MAX_BODY_TEXT: usize = 1_000_000;

/// The checked parameters of `POST /agent-runs`, which serialize as its JSON body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateRun {
    pub chat_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vars: Option<Vars>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toolhouse_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

/// The `vars` of a run, in the caller's order: a JSON object of strings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vars(pub Vec<(String, String)>);

impl Serialize for Vars {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// The body of `PUT /agent-runs/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContinueRun {
    pub message: String,
}

/// The JSON text of a request body.
pub fn body_json(body: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(body).map_err(|_| Error::invalid(&["params"], "cannot be written as JSON"))
}

/// What is left of [`MAX_BODY_TEXT`] as the texts of a body are read.
struct TextBudget(usize);

impl TextBudget {
    /// A text of the body, counted against the budget.
    fn take<V: JsonView>(&mut self, field: &[&str], value: &V) -> Result<String, Error> {
        match value.as_whole_str(self.0) {
            Some(Ok(text)) => {
                self.0 -= text.encode_utf16().count().min(self.0);
                Ok(text)
            }
            Some(Err(())) => Err(Error::invalid(field, "is too long: a request body holds at most 1,000,000 characters")),
            None => Err(Error::invalid(field, "must be a string")),
        }
    }
}

impl CreateRun {
    /// Reads and checks `CreateRunParams`. Numbers and booleans in `vars` become strings,
    /// since the service takes strings only. `is_web_url` tells an absolute http(s) URL
    /// (the runtime's parser).
    pub fn from_params<V: JsonView>(params: &V, is_web_url: impl Fn(&V) -> bool) -> Result<Self, Error> {
        if !params.is_object() {
            return Err(Error::invalid(&["params"], "must be an object with a chatId"));
        }
        let chat_id = check_uuid("chatId", params.field("chatId").and_then(|v| v.as_str()).as_deref())?;
        let given = |key: &'static str| params.field(key).filter(|v| !v.is_null());
        let mut budget = TextBudget(MAX_BODY_TEXT);
        let callback_url = given("callbackUrl");
        if callback_url.as_ref().is_some_and(|url| url.is_string() && !is_web_url(url)) {
            return Err(Error::invalid(&["callbackUrl"], "must be an absolute http(s) URL"));
        }
        let mut text = |key: &'static str, value: Option<V>| value.map(|v| budget.take(&[key], &v)).transpose();
        let bundle = text("bundle", given("bundle"))?;
        let toolhouse_id = text("toolhouseId", given("toolhouseId"))?;
        let callback_url = text("callbackUrl", callback_url)?;
        let vars = given("vars").map(|v| read_vars(&v, &mut budget)).transpose()?;
        Ok(CreateRun { chat_id, vars, bundle, toolhouse_id, callback_url })
    }
}

impl ContinueRun {
    /// The message of a continue: a string with something in it.
    pub fn from_message<V: JsonView>(message: &V) -> Result<Self, Error> {
        if message.is_string() && message.is_blank() {
            return Err(Error::invalid(&["message"], "must not be empty"));
        }
        Ok(ContinueRun { message: TextBudget(MAX_BODY_TEXT).take(&["message"], message)? })
    }
}

fn read_vars<V: JsonView>(vars: &V, budget: &mut TextBudget) -> Result<Vars, Error> {
    let keys = vars.keys().ok_or_else(|| Error::invalid(&["vars"], "must be an object of strings"))?;
    let count = keys.length().unwrap_or(0);
    if count > MAX_VARS {
        return Err(Error::invalid(&["vars"], "has more than 1000 entries"));
    }
    let mut out = Vars(Vec::with_capacity(count));
    for i in 0..count {
        let Some(key) = keys.item(i) else { continue };
        let name = budget.take(&["vars"], &key)?;
        match vars.field_at(&key).as_ref().and_then(JsonView::to_text) {
            Some(text) => {
                let value = budget.take(&["vars", &name], &text)?;
                out.0.push((name, value));
            }
            None => return Err(Error::invalid(&["vars", &name], "must be a string, a finite number or a boolean")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const CHAT: &str = "a3a26d33-6f4d-4490-a56f-e17f867ba451";

    /// What `new URL(input)` says of the inputs used here (the wasm tests check the real
    /// parser against the WHATWG URL test data).
    fn url(input: &str) -> Option<ParsedUrl> {
        let (protocol, hostname, href, credentials) = match input {
            "https://api.toolhouse.ai/v1" => ("https:", "api.toolhouse.ai", "https://api.toolhouse.ai/v1", false),
            "https://my.app/api/toolhouse/" => ("https:", "my.app", "https://my.app/api/toolhouse/", false),
            "http://example.com/v1" => ("http:", "example.com", "http://example.com/v1", false),
            "http://127.0.0.1:8080/v1" => ("http:", "127.0.0.1", "http://127.0.0.1:8080/v1", false),
            "http://0x7f.1/v1" => ("http:", "127.0.0.1", "http://127.0.0.1/v1", false),
            "http://localhost:3000" => ("http:", "localhost", "http://localhost:3000/", false),
            "HTTP://LOCALHOST" => ("http:", "localhost", "http://localhost/", false),
            "http://[::1]:9/v1" => ("http:", "[::1]", "http://[::1]:9/v1", false),
            "http://evil.test\\.localhost/v1" => ("http:", "evil.test", "http://evil.test/.localhost/v1", false),
            "http://app.localhost/v1" => ("http:", "app.localhost", "http://app.localhost/v1", false),
            "http://localhost./v1" => ("http:", "localhost.", "http://localhost./v1", false),
            "http://127.0.0.1.evil.test/" => ("http:", "127.0.0.1.evil.test", "http://127.0.0.1.evil.test/", false),
            "ftp://x" => ("ftp:", "x", "ftp://x/", false),
            "https://user:pw@host/v1" => ("https:", "host", "https://user:pw@host/v1", true),
            "https://h/v1?x=1" => ("https:", "h", "https://h/v1?x=1", false),
            "https://h/v1#" => ("https:", "h", "https://h/v1#", false),
            "file:///etc" => ("file:", "", "file:///etc", false),
            _ => return None,
        };
        Some(ParsedUrl { protocol: protocol.into(), hostname: hostname.into(), href: href.into(), credentials })
    }

    fn resolve(key: Option<&str>, base: Option<&str>) -> Result<Endpoint, Error> {
        Endpoint::resolve(key.map(str::to_owned), base.map(str::to_owned), url)
    }

    #[test]
    fn the_toolhouse_service_without_a_key_is_an_authentication_error() {
        let err = resolve(None, None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Authentication);
        assert!(err.message.contains("TOOLHOUSE_API_KEY"));
        assert_eq!(resolve(Some(""), None).unwrap_err().kind, ErrorKind::Authentication);
    }

    #[test]
    fn a_proxy_base_url_needs_no_key_and_gets_no_authorization_header() {
        let ep = resolve(None, Some("https://my.app/api/toolhouse/")).unwrap();
        assert_eq!(ep.base_url, "https://my.app/api/toolhouse");
        assert_eq!(ep.authorization(), None);
        assert_eq!(ep.run_url(CHAT), format!("https://my.app/api/toolhouse/agent-runs/{CHAT}"));
    }

    #[test]
    fn a_key_goes_as_a_bearer_token() {
        let ep = resolve(Some("th-123"), None).unwrap();
        assert_eq!(ep.authorization().as_deref(), Some("Bearer th-123"));
        assert_eq!(ep.runs_url(), "https://api.toolhouse.ai/v1/agent-runs");
    }

    #[test]
    fn a_key_is_never_sent_over_plain_http_except_to_loopback_as_the_url_parser_reads_it() {
        for bad in ["http://example.com/v1", "http://evil.test\\.localhost/v1", "http://app.localhost/v1", "http://localhost./v1", "http://127.0.0.1.evil.test/"] {
            let err = resolve(Some("th-1"), Some(bad)).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Validation, "{bad}");
            assert!(!err.message.contains("th-1"));
        }
        for ok in ["http://127.0.0.1:8080/v1", "http://0x7f.1/v1", "http://localhost:3000", "http://[::1]:9/v1", "HTTP://LOCALHOST"] {
            assert!(resolve(Some("th-1"), Some(ok)).is_ok(), "{ok}");
        }
        assert!(resolve(None, Some("http://example.com/v1")).is_ok());
    }

    #[test]
    fn requests_go_to_the_url_as_the_parser_serializes_it() {
        assert_eq!(resolve(Some("k"), Some("http://0x7f.1/v1")).unwrap().base_url, "http://127.0.0.1/v1");
        assert_eq!(resolve(Some("k"), Some("HTTP://LOCALHOST")).unwrap().base_url, "http://localhost");
    }

    #[test]
    fn loopback_is_localhost_127_slash_8_and_ipv6_one_only() {
        for yes in ["localhost", "127.0.0.1", "127.255.0.9", "[::1]"] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in ["localhost.", "a.localhost", "127.0.0.1.nip.io", "128.0.0.1", "127.0.0", "[::2]", "127.0.0.1.", "", "127..0.1"] {
            assert!(!is_loopback(no), "{no}");
        }
    }

    #[test]
    fn a_key_with_header_breaking_characters_is_refused_without_echoing_it() {
        let err = resolve(Some("th-abc\r\nX-Evil: 1"), None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(!err.message.contains("th-abc"));
    }

    #[test]
    fn bad_base_urls_are_validation_errors() {
        for bad in ["api.toolhouse.ai", "ftp://x", "https://user:pw@host/v1", "https://h/v1?x=1", "https://h/v1#", "file:///etc"] {
            let err = resolve(Some("k"), Some(bad)).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Validation, "{bad}");
            assert_eq!(err.field, vec!["baseUrl".to_owned()], "{bad}");
        }
    }

    #[test]
    fn ids_must_be_uuids_so_nothing_else_reaches_the_path() {
        assert!(check_uuid("runId", Some(CHAT)).is_ok());
        assert!(check_uuid("runId", Some(&CHAT.to_uppercase())).is_ok());
        for bad in ["", "../x", "?a=b", "bcb7e865-9e6c-xxxx-xxxx-c0110fdf5c2e", "a3a26d33-6f4d-4490-a56f-e17f867ba45/"] {
            let err = check_uuid("runId", Some(bad)).unwrap_err();
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
    fn continue_message_must_have_content_and_becomes_the_body() {
        let continued = ContinueRun::from_message(&json!("hi \"you\"")).unwrap();
        assert_eq!(body_json(&continued).unwrap(), r#"{"message":"hi \"you\""}"#);
        for bad in [json!("  \n"), json!(null), json!(5)] {
            assert_eq!(ContinueRun::from_message(&bad).unwrap_err().field, vec!["message".to_owned()], "{bad}");
        }
    }

    #[test]
    fn a_body_over_a_million_characters_is_refused_unread() {
        let long = "x".repeat(MAX_BODY_TEXT + 1);
        assert!(ContinueRun::from_message(&json!(long)).unwrap_err().message.contains("too long"));
        assert!(ContinueRun::from_message(&json!("x".repeat(MAX_BODY_TEXT))).is_ok());
        // The texts of a create count together.
        let half = "y".repeat(MAX_BODY_TEXT / 2 + 1);
        let err = create(&json!({"chatId": CHAT, "bundle": half, "vars": {"a": half}})).unwrap_err();
        assert_eq!(err.field, vec!["vars".to_owned(), "a".to_owned()]);
        // Counted as JS counts: "é" is one unit, "😀" two.
        assert!(ContinueRun::from_message(&json!("😀".repeat(MAX_BODY_TEXT / 2 + 1))).is_err());
        assert!(ContinueRun::from_message(&json!("é".repeat(MAX_BODY_TEXT))).is_ok());
    }

    #[test]
    fn number_options_must_be_in_range_and_finite_unless_the_range_is_not() {
        assert_eq!(check_number("timeoutMs", Some(5.0), 1.0, 1e9, false).unwrap(), Some(5.0));
        assert_eq!(check_number("timeoutMs", None, 1.0, 1e9, false).unwrap(), None);
        for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0] {
            assert!(check_number("timeoutMs", Some(bad), 1.0, 1e9, false).is_err());
        }
        assert!(check_number("maxRetries", Some(1.5), 0.0, 10.0, true).is_err());
        assert_eq!(check_number("maxWaitMs", Some(f64::INFINITY), 0.0, f64::INFINITY, false).unwrap(), Some(f64::INFINITY));
        assert!(check_number("maxWaitMs", Some(f64::NAN), 0.0, f64::INFINITY, false).is_err());
    }

    fn create(params: &Value) -> Result<CreateRun, Error> {
        let is_web_url = |v: &Value| v.as_str().and_then(url).is_some_and(|u| u.protocol.starts_with("http"));
        CreateRun::from_params(params, is_web_url)
    }

    #[test]
    fn create_params_keep_their_values_and_vars_become_strings() {
        let params = json!({"chatId": CHAT, "vars": {"name": "Ada", "n": 3, "ok": false},
                            "bundle": "b1", "toolhouseId": "user-7", "callbackUrl": "https://my.app/api/toolhouse/"});
        let run = create(&params).unwrap();
        assert_eq!(run.chat_id, CHAT);
        assert_eq!(run.bundle.as_deref(), Some("b1"));
        assert_eq!(run.toolhouse_id.as_deref(), Some("user-7"));
        assert_eq!(run.callback_url.as_deref(), Some("https://my.app/api/toolhouse/"));
        let vars = run.vars.clone().unwrap().0;
        assert_eq!(vars, [("n", "3"), ("name", "Ada"), ("ok", "false")].map(|(k, v)| (k.to_owned(), v.to_owned())));
        let body: Value = serde_json::from_str(&body_json(&run).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"chat_id": CHAT, "vars": {"name": "Ada", "n": "3", "ok": "false"}, "bundle": "b1",
                   "toolhouse_id": "user-7", "callback_url": "https://my.app/api/toolhouse/"})
        );
    }

    #[test]
    fn create_params_leave_out_what_was_not_given() {
        let run = create(&json!({"chatId": CHAT, "bundle": null, "vars": null})).unwrap();
        assert_eq!(run, CreateRun { chat_id: CHAT.into(), vars: None, bundle: None, toolhouse_id: None, callback_url: None });
        assert_eq!(body_json(&run).unwrap(), format!(r#"{{"chat_id":"{CHAT}"}}"#));
        let empty = create(&json!({"chatId": CHAT, "vars": {}})).unwrap();
        assert_eq!(body_json(&empty).unwrap(), format!(r#"{{"chat_id":"{CHAT}","vars":{{}}}}"#));
    }

    #[test]
    fn a_var_of_another_type_is_a_validation_error_naming_the_key() {
        for bad in [json!({"a": "x", "when": {"d": 1}}), json!({"when": [1]}), json!({"when": null})] {
            let err = create(&json!({"chatId": CHAT, "vars": bad})).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Validation);
            assert_eq!(err.message, "invalid vars.when: must be a string, a finite number or a boolean");
        }
        assert!(create(&json!({"chatId": CHAT, "vars": [1]})).is_err());
    }

    #[test]
    fn more_vars_than_a_prompt_could_hold_are_refused() {
        let many: serde_json::Map<String, Value> = (0..=MAX_VARS).map(|i| (i.to_string(), json!("x"))).collect();
        let err = create(&json!({"chatId": CHAT, "vars": many})).unwrap_err();
        assert_eq!(err.field, vec!["vars".to_owned()]);
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
            (json!({"chatId": CHAT, "callbackUrl": "ftp://x"}), "callbackUrl"),
        ];
        for (params, field) in cases {
            let err = create(&params).unwrap_err();
            assert_eq!(err.field, vec![field.to_owned()], "{params}");
        }
    }
}
