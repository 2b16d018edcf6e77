//! The errors of the client, as plain data. The binding layer turns each into an
//! instance of its JS class. The kinds, their classes and which HTTP status picks which
//! come from the one table of errors, `js/errors.json` (build.rs writes `ErrorKind`).

use crate::json::{bounded, scalar_text, JsonView};
use crate::text::{push_joined, push_uint};

include!(concat!(env!("OUT_DIR"), "/error_kind.rs"));

/// A failure, ready to become a JS error.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// The HTTP status, when the service answered.
    pub status: Option<u16>,
    /// For client-side validation: the path of the bad field, e.g. `["vars", "age"]`.
    pub field: Vec<String>,
    /// For 429: how long the service asked us to wait.
    pub retry_after_ms: Option<u64>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), status: None, field: Vec::new(), retry_after_ms: None }
    }

    /// A `ValidationError` for input the caller gave, naming the field.
    pub fn invalid(field: &[&str], problem: &str) -> Error {
        let mut message = String::from("invalid ");
        push_joined(&mut message, field, ".");
        message.push_str(": ");
        message.push_str(problem);
        Error {
            kind: ErrorKind::Validation,
            message,
            status: None,
            field: field.iter().map(|s| (*s).to_owned()).collect(),
            retry_after_ms: None,
        }
    }

    /// For a validation error made by [`Error::invalid`]: what is wrong, without the field.
    pub fn problem(&self) -> &str {
        if self.field.is_empty() {
            return &self.message;
        }
        // "invalid " + field path joined by "." + ": "
        let prefix = 8 + self.field.iter().map(String::len).sum::<usize>() + (self.field.len() - 1) + 2;
        self.message.get(prefix..).unwrap_or(&self.message)
    }

    /// An `AgentRunsError` for an answer of the service that cannot be used.
    pub fn bad_response(status: u16, problem: &str) -> Error {
        let mut message = String::from("unexpected response from the service (HTTP ");
        push_uint(&mut message, u64::from(status));
        message.push_str("): ");
        message.push_str(problem);
        Error { status: Some(status), ..Error::new(ErrorKind::Service, message) }
    }

    /// The error for a non-success HTTP answer. `body` is the parsed JSON body, if it
    /// was JSON; `text` the raw body, used when it is short plain text.
    pub fn from_response<V: JsonView>(status: u16, body: Option<&V>, text: &str) -> Error {
        let mut message = String::new();
        push_uint(&mut message, u64::from(status));
        message.push(' ');
        message.push_str(reason_phrase(status));
        let detail = body.and_then(detail_text).or_else(|| plain_text_detail(text));
        if let Some(detail) = detail {
            message.push_str(": ");
            message.push_str(&detail);
        }
        Error { status: Some(status), ..Error::new(ErrorKind::from_status(status), message) }
    }
}

/// The service's own explanation in an error body: `{"detail": "text"}`, or FastAPI's
/// `{"detail": [{"loc": [...], "msg": "..."}]}` (the first ten joined as `loc: msg; …`),
/// or a `message`/`error` string; cut to about [`TEXT_LIMIT`] characters (`err.body`
/// keeps it whole).
pub fn detail_text<V: JsonView>(body: &V) -> Option<String> {
    let detail = body.field("detail");
    if let Some(text) = detail.as_ref().and_then(JsonView::as_str) {
        return Some(text);
    }
    if let Some(items) = detail.as_ref().filter(|d| d.is_array()) {
        let mut out = String::new();
        for i in 0..items.length().unwrap_or(0).min(10) {
            let Some(item) = items.item(i) else { continue };
            let Some(msg) = item.field("msg").and_then(|m| m.as_str()) else { continue };
            if !out.is_empty() {
                out.push_str("; ");
            }
            if let Some(loc) = item.field("loc").filter(JsonView::is_array) {
                let parts: Vec<String> =
                    (0..loc.length().unwrap_or(0).min(10)).filter_map(|j| loc.item(j)).filter_map(|p| scalar_text(&p)).collect();
                if !parts.is_empty() {
                    push_joined(&mut out, &parts, ".");
                    out.push_str(": ");
                }
            }
            out.push_str(&msg);
        }
        if !out.is_empty() {
            return Some(bounded(&out));
        }
    }
    ["message", "error"].iter().find_map(|key| body.field(key).and_then(|v| v.as_str()))
}

/// A short plain-text body (not HTML) said as it is.
fn plain_text_detail(text: &str) -> Option<String> {
    let text = text.trim();
    let looks_like_markup = text.starts_with('<');
    if text.is_empty() || looks_like_markup || text.len() > 200 {
        return None;
    }
    Some(text.to_owned())
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "HTTP error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::TEXT_LIMIT;
    use serde_json::json;

    #[test]
    fn each_documented_status_maps_to_its_class() {
        let cases = [
            (401, "AuthenticationError"),
            (402, "InsufficientCreditsError"),
            (403, "PermissionDeniedError"),
            (404, "NotFoundError"),
            (406, "RunNotCompletedError"),
            (422, "ValidationError"),
            (429, "RateLimitError"),
            (500, "ServerError"),
            (503, "ServerError"),
            (418, "AgentRunsError"),
        ];
        for (status, class) in cases {
            assert_eq!(ErrorKind::from_status(status).class_name(), class, "status {status}");
        }
    }

    #[test]
    fn message_carries_the_services_detail_text() {
        let body = json!({"detail": "You can only add messages to completed runs"});
        let err = Error::from_response(406, Some(&body), "");
        assert_eq!(err.message, "406 Not Acceptable: You can only add messages to completed runs");
        assert_eq!(err.status, Some(406));
        assert_eq!(err.kind, ErrorKind::RunNotCompleted);
    }

    #[test]
    fn fastapi_validation_details_are_joined_with_their_location() {
        let body = json!({"detail": [
            {"loc": ["body", "chat_id"], "msg": "value is not a valid uuid", "type": "type_error.uuid"},
            {"loc": ["body", "vars", "n"], "msg": "str type expected", "type": "type_error.str"}
        ]});
        let err = Error::from_response(422, Some(&body), "");
        assert_eq!(
            err.message,
            "422 Unprocessable Entity: body.chat_id: value is not a valid uuid; body.vars.n: str type expected"
        );
    }

    #[test]
    fn html_error_pages_are_not_pasted_into_the_message() {
        let err = Error::from_response::<serde_json::Value>(502, None, "<html><body>Bad gateway</body></html>");
        assert_eq!(err.message, "502 Bad Gateway");
        assert_eq!(err.kind, ErrorKind::Server);
    }

    #[test]
    fn short_plain_text_bodies_become_the_detail() {
        let err = Error::from_response::<serde_json::Value>(500, None, "upstream exploded\n");
        assert_eq!(err.message, "500 Internal Server Error: upstream exploded");
    }

    #[test]
    fn odd_detail_shapes_fall_back_to_the_status_line() {
        for body in [json!({"detail": 5}), json!([1, 2]), json!(null), json!({"detail": [{"x": 1}]})] {
            let err = Error::from_response(418, Some(&body), "");
            assert_eq!(err.message, "418 HTTP error");
        }
    }

    #[test]
    fn invalid_names_the_field_path() {
        let err = Error::invalid(&["vars", "a: b"], "must be a string");
        assert_eq!(err.problem(), "must be a string");
        let err = Error::invalid(&["vars", "age"], "must be a string, number or boolean");
        assert_eq!(err.problem(), "must be a string, number or boolean");
        assert_eq!(err.message, "invalid vars.age: must be a string, number or boolean");
        assert_eq!(err.field, vec!["vars".to_owned(), "age".to_owned()]);
        assert_eq!(err.kind, ErrorKind::Validation);
    }
    #[test]
    fn a_huge_detail_is_cut_to_about_a_kilobyte_in_the_message() {
        let body = json!({"detail": "x".repeat(5_000_000)});
        let err = Error::from_response(422, Some(&body), "");
        assert!(err.message.len() < 2 * TEXT_LIMIT, "{}", err.message.len());
        assert!(err.message.ends_with('…'));
        let many: Vec<_> = (0..100_000).map(|i| json!({"loc": ["body", i], "msg": "m".repeat(100)})).collect();
        let err = Error::from_response(422, Some(&json!({"detail": many})), "");
        assert!(err.message.len() < 2 * TEXT_LIMIT, "{}", err.message.len());
    }
}
