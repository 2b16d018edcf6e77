//! Answers of the service read into runs: the JSON body of a success, or an
//! `AgentRunsError` that carries the body when it is not what was expected.

use wasm_bindgen::JsValue;

use crate::error::Error;
use crate::js::{self, error_to_js, run_to_js, ErrorExtras};
use crate::json::JsonView;
use crate::model::{self, Expected, Run};

/// A successful answer: its body parsed as JSON, or its text (a JS string) when it was
/// not JSON, and the `Retry-After` it carried, if any.
pub struct Answer {
    pub status: u16,
    pub body: Result<JsValue, js_sys::JsString>,
    pub retry_after_ms: Option<u64>,
}

impl Answer {
    /// The parsed JSON body, or an `AgentRunsError` carrying the text.
    pub fn json(&self) -> Result<&JsValue, JsValue> {
        self.body.as_ref().map_err(|text| {
            let problem = if js::is_blank(text) { "the body is empty" } else { "the body is not JSON" };
            let extras = ErrorExtras { body: Some(text.into()), ..ErrorExtras::default() };
            error_to_js(Error::bad_response(self.status, problem), extras)
        })
    }

    /// The run the answer holds (checked against what was `expected` of it).
    pub fn run(&self, expected: Expected<'_>) -> Result<Read, JsValue> {
        let body = self.json()?;
        let data = model::envelope_data(self.status, body).map_err(with_body(body))?;
        let run = model::parse_run(self.status, data, expected).map_err(with_body(body))?;
        Ok(Read::new(run))
    }

    /// The runs of a list answer, as a JS array, made one run at a time (never all at
    /// once in wasm memory).
    pub fn runs(&self) -> Result<JsValue, JsValue> {
        let body = self.json()?;
        let runs = js_sys::Array::new();
        model::parse_run_list(self.status, body, |run| {
            runs.push(&run_to_js(&run));
        })
        .map_err(with_body(body))?;
        Ok(runs.into())
    }
}

/// Makes an error about a JSON body that is not what was expected, with the body attached.
fn with_body(body: &JsValue) -> impl Fn(Error) -> JsValue + '_ {
    move |err| error_to_js(err, ErrorExtras { body: Some(body.clone()), ..ErrorExtras::default() })
}

/// A run as read: the `AgentRun` for the caller, and what a wait looks at.
pub struct Read {
    pub run: JsValue,
    pub id: String,
    pub status: String,
    /// `updatedAt` as the runtime's `Date.parse` reads it.
    pub updated_at_ms: Option<f64>,
    pub results: usize,
}

impl Read {
    fn new(run: Run<JsValue>) -> Read {
        Read {
            run: run_to_js(&run),
            updated_at_ms: run.updated_at.as_ref().and_then(js::epoch_ms),
            results: run.results.as_ref().and_then(JsonView::length).unwrap_or(0),
            id: run.id,
            status: run.status_text,
        }
    }
}
