//! Conversions between JS values and the core's types: reading parsed JSON and option
//! objects, writing `AgentRun` objects, and turning core errors into the exported JS
//! error classes of `js/errors.js`.

use js_sys::{Array, Function, Number, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Error, ErrorKind};
use crate::json::{JsonView, TEXT_LIMIT};
use crate::model::Run;

// Every JS operation here that could throw on a value from outside is imported with
// `catch`: an exception that unwinds through wasm frames skips their cleanup and leaks
// wasm stack, so none may. (tests/js/boundary.test.mjs checks the generated glue.)
#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string, without copying it into wasm memory.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array_js(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = create)]
    fn object_create(proto: &JsValue) -> Object;
    /// `Date.parse`, given strings only (so it calls no `toString` of ours or anyone's).
    #[wasm_bindgen(js_namespace = Date, js_name = parse)]
    fn date_parse(text: &JsValue) -> f64;
}

/// A new object with no prototype: keys such as `__proto__` stay plain keys.
pub fn null_object() -> Object {
    object_create(&JsValue::NULL)
}

/// A string property read without copying more than `max` UTF-16 units into wasm
/// memory: `Err(())` when it is longer.
pub fn short_string(value: &JsValue, max: u32) -> Result<Option<String>, ()> {
    match value.dyn_ref::<js_sys::JsString>() {
        None => Ok(None),
        Some(s) if s.length() > max => Err(()),
        Some(s) => Ok(Some(String::from(s))),
    }
}

/// Replaces each occurrence of `secret` in a JS string by a mark no longer than it (so
/// the text never grows), without copying the text into wasm memory.
pub fn redact(text: js_sys::JsString, secret: &str) -> js_sys::JsString {
    if secret.is_empty() || !text.includes(secret, 0) {
        return text;
    }
    let mark = if secret.len() >= 10 { "[redacted]" } else { "**********".get(..secret.len()).unwrap_or("*") };
    text.replace_all(secret, mark)
}

/// The first `max` UTF-16 units of a JS string, copied into Rust (for error messages).
pub fn text_prefix(text: &js_sys::JsString, max: u32) -> String {
    String::from(text.slice(0, max))
}

/// A timestamp (a JS string: it is not copied) as epoch ms, as the runtime's `Date.parse`
/// reads it; `None` for anything else, or a text it cannot read.
pub fn epoch_ms(text: &JsValue) -> Option<f64> {
    text.is_string().then(|| date_parse(text)).filter(|ms| ms.is_finite())
}

/// True for a JS string that is empty or only white space.
pub fn is_blank(text: &js_sys::JsString) -> bool {
    text.trim().length() == 0
}

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// Builds an instance of the error class of `kind`, its row in the table of errors
    /// (see `js/errors.js`).
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(kind: u8, message: &str, init: &Object) -> JsValue;
}

thread_local! {
    /// JS strings of the property names used, made once: decoding a name from wasm
    /// memory on every read was a good part of a call's own cost.
    static KEYS: std::cell::RefCell<Vec<(&'static str, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The JS string of a property name (cached; names are `'static`, so a pointer compare
/// finds them).
fn key(name: &'static str) -> JsValue {
    KEYS.with(|keys| {
        let Ok(mut keys) = keys.try_borrow_mut() else { return JsValue::from_str(name) };
        if let Some((_, k)) = keys.iter().find(|(n, _)| std::ptr::eq(*n, name)) {
            return k.clone();
        }
        let k = JsValue::from_str(name);
        keys.push((name, k.clone()));
        k
    })
}

/// Reads a property; a throwing getter or a non-object reads as `undefined`.
pub fn get(target: &JsValue, name: &'static str) -> JsValue {
    get_key(target, &key(name))
}

fn get_key(target: &JsValue, key: &JsValue) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, key).unwrap_or(JsValue::UNDEFINED)
}

/// True for an array (a revoked Proxy reads as not one).
pub fn is_array(value: &JsValue) -> bool {
    value.is_object() && is_array_js(value).unwrap_or(false)
}

/// The length of an array; 0 for anything else. (`Array::from` would copy it first.)
pub fn array_len(value: &JsValue) -> usize {
    JsonView::length(value).unwrap_or(0)
}

/// Sets a property on an object this crate created (cannot fail for plain objects).
pub fn set(target: &Object, name: &'static str, value: &JsValue) {
    let _ = Reflect::set(target, &key(name), value);
}

/// A JS string of a text that never changes, made once (see [`key`]).
pub fn constant(text: &'static str) -> JsValue {
    key(text)
}

impl JsonView for JsValue {
    fn field(&self, name: &'static str) -> Option<JsValue> {
        JsonView::is_object(self).then(|| get(self, name)).filter(|v| !v.is_undefined())
    }
    fn field_at(&self, key: &JsValue) -> Option<JsValue> {
        JsonView::is_object(self).then(|| get_key(self, key)).filter(|v| !v.is_undefined())
    }
    fn as_str(&self) -> Option<String> {
        let s = self.dyn_ref::<js_sys::JsString>()?;
        if s.length() as usize <= TEXT_LIMIT {
            return Some(String::from(s));
        }
        let mut cut = String::from(s.slice(0, TEXT_LIMIT as u32));
        cut.push('…');
        Some(cut)
    }
    fn as_whole_str(&self, max: usize) -> Option<Result<String, ()>> {
        short_string(self, max.min(u32::MAX as usize) as u32).transpose()
    }
    fn is_string(&self) -> bool {
        JsValue::is_string(self)
    }
    fn is_blank(&self) -> bool {
        self.dyn_ref::<js_sys::JsString>().is_some_and(|s| s.trim().length() == 0)
    }
    fn as_number(&self) -> Option<f64> {
        self.as_f64().filter(|n| n.is_finite())
    }
    fn as_bool(&self) -> Option<bool> {
        self.as_bool()
    }
    fn is_null(&self) -> bool {
        self.is_null() || self.is_undefined()
    }
    fn is_object(&self) -> bool {
        self.is_object() && !is_array(self)
    }
    fn is_array(&self) -> bool {
        is_array(self)
    }
    fn length(&self) -> Option<usize> {
        is_array(self).then(|| get(self, "length").as_f64().unwrap_or(0.0) as usize)
    }
    fn item(&self, i: usize) -> Option<JsValue> {
        Reflect::get_u32(self, i as u32).ok()
    }
    fn keys(&self) -> Option<JsValue> {
        if !JsonView::is_object(self) {
            return None;
        }
        object_keys(self).ok()
    }
    fn to_text(&self) -> Option<JsValue> {
        if self.is_string() {
            return Some(self.clone());
        }
        if let Some(b) = self.as_bool() {
            return Some(JsValue::from_str(if b { "true" } else { "false" }));
        }
        // JS's own number formatting (`String(n)`), not Rust's: same text, no float code in wasm.
        self.as_f64()
            .filter(|n| n.is_finite())
            .and_then(|_| self.unchecked_ref::<Number>().to_string_with_radix(10).ok())
            .map(JsValue::from)
    }
    fn from_text(text: &str) -> JsValue {
        JsValue::from_str(text)
    }
}

#[wasm_bindgen(module = "/js/run.js")]
extern "C" {
    /// Builds the `AgentRun` object in one call (see `js/run.js`).
    #[wasm_bindgen(js_name = makeRun)]
    #[allow(clippy::too_many_arguments)]
    fn make_run(
        id: &str,
        chat_id: &JsValue,
        status: &JsValue,
        results: &JsValue,
        last_agent_message: &JsValue,
        created_at: &JsValue,
        updated_at: &JsValue,
        bundle: &JsValue,
        toolhouse_id: &JsValue,
        vars: &JsValue,
        callback_url: &JsValue,
        error: &JsValue,
        raw: &JsValue,
    ) -> JsValue;
}

#[wasm_bindgen(module = "/js/run.js")]
extern "C" {
    /// Attaches to a run `continueRun` returns what the run was before the continue
    /// (`before`, the `AgentRun` read then).
    #[wasm_bindgen(js_name = markContinued)]
    pub fn mark_continued(run: &JsValue, before: &JsValue);
}

/// The `AgentRun` object handed to JS.
pub fn run_to_js(run: &Run<JsValue>) -> JsValue {
    let or_null = |v: &Option<JsValue>| v.clone().unwrap_or(JsValue::NULL);
    make_run(
        &run.id,
        &or_null(&run.chat_id),
        &run.status,
        &or_null(&run.results),
        &or_null(&run.last_agent_message),
        &or_null(&run.created_at),
        &or_null(&run.updated_at),
        &or_null(&run.bundle),
        &or_null(&run.toolhouse_id),
        &or_null(&run.vars),
        &or_null(&run.callback_url),
        &or_null(&run.error),
        &run.raw,
    )
}

/// Extra properties for an error, beyond its class and message.
#[derive(Default)]
pub struct ErrorExtras {
    /// The response body: parsed JSON, or the text when it was not JSON.
    pub body: Option<JsValue>,
    /// For a timed-out wait: the last run seen.
    pub last_run: Option<JsValue>,
    /// The underlying failure (a fetch `TypeError`, say).
    pub cause: Option<JsValue>,
}

/// Turns a core error into an instance of its exported JS class.
pub fn error_to_js(err: Error, extras: ErrorExtras) -> JsValue {
    let init = Object::new();
    set(&init, "status", &err.status.map_or(JsValue::NULL, |s| JsValue::from_f64(f64::from(s))));
    set(&init, "body", &extras.body.clone().unwrap_or(JsValue::NULL));
    if err.kind == ErrorKind::Validation {
        set(&init, "details", &validation_details(&err, extras.body.as_ref()));
    }
    if err.kind == ErrorKind::RateLimit {
        let ms = err.retry_after_ms.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64));
        set(&init, "retryAfterMs", &ms);
    }
    if err.kind == ErrorKind::WaitTimeout {
        set(&init, "lastRun", &extras.last_run.unwrap_or(JsValue::NULL));
    }
    if let Some(cause) = extras.cause {
        set(&init, "cause", &cause);
    }
    make_error(err.kind as u8, &err.message, &init)
}

/// A core error with no extras.
pub fn bare_error_to_js(err: Error) -> JsValue {
    error_to_js(err, ErrorExtras::default())
}

/// `details` in FastAPI's shape, `[{loc, msg, type}]`: the service's own for a 422,
/// one item naming the field for a check made here.
fn validation_details(err: &Error, body: Option<&JsValue>) -> JsValue {
    if let Some(items) = body.and_then(|b| b.field("detail")).filter(JsonView::is_array) {
        return items;
    }
    let details = Array::new();
    if !err.field.is_empty() {
        let item = Object::new();
        let loc: Array = err.field.iter().map(|f| JsValue::from_str(f)).collect();
        set(&item, "loc", &loc);
        set(&item, "msg", &JsValue::from_str(err.problem()));
        set(&item, "type", &JsValue::from_str("client_validation"));
        details.push(&item);
    }
    details.into()
}

/// An optional property that must be a string of at most `max` characters (a longer
/// one is refused without being copied).
pub fn opt_string_prop(options: &JsValue, key: &'static str, max: u32) -> Result<Option<String>, Error> {
    let v = get(options, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match short_string(&v, max) {
        Ok(Some(s)) => Ok(Some(s)),
        Ok(None) => Err(Error::invalid(&[key], "must be a string")),
        Err(()) => Err(Error::invalid(&[key], "is too long")),
    }
}

/// An optional property that must be a number (range checks are the caller's).
pub fn opt_number_prop(options: &JsValue, key: &'static str) -> Result<Option<f64>, Error> {
    let v = get(options, key);
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or_else(|| Error::invalid(&[key], "must be a number"))
}

/// An optional property that must be a function.
pub fn opt_function_prop(options: &JsValue, key: &'static str) -> Result<Option<Function>, Error> {
    let v = get(options, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| Error::invalid(&[key], "must be a function"))
}

/// An optional property that must be a boolean.
pub fn opt_bool_prop(options: &JsValue, key: &'static str) -> Result<Option<bool>, Error> {
    let v = get(options, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_bool().map(Some).ok_or_else(|| Error::invalid(&[key], "must be a boolean"))
}
