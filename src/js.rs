//! Conversions between JS values and the core's types: reading parsed JSON and option
//! objects, writing `AgentRun` objects, and turning core errors into the exported JS
//! error classes of `js/errors.js`.

use js_sys::{Array, Function, Number, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Error, ErrorKind};
use crate::json::JsonView;
use crate::model::Run;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string, without copying it into wasm memory.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// The first `max` UTF-16 units of a JS string, copied into Rust (for error messages).
pub fn text_prefix(text: &js_sys::JsString, max: u32) -> String {
    String::from(text.slice(0, max))
}

/// True for a JS string that is empty or only white space.
pub fn is_blank(text: &js_sys::JsString) -> bool {
    text.trim().length() == 0
}

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// Builds an instance of the error class `name` (see `js/errors.js`).
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(name: &str, message: &str, init: &Object) -> JsValue;
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

/// Reads a property whose name is known only at run time.
pub fn get_named(target: &JsValue, name: &str) -> JsValue {
    get_key(target, &JsValue::from_str(name))
}

fn get_key(target: &JsValue, key: &JsValue) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, key).unwrap_or(JsValue::UNDEFINED)
}

/// The length of an array; 0 for anything else. (`Array::from` would copy it first.)
pub fn array_len(value: &JsValue) -> usize {
    if Array::is_array(value) { value.unchecked_ref::<Array>().length() as usize } else { 0 }
}

/// Sets a property on an object this crate created (cannot fail for plain objects).
pub fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

impl JsonView for JsValue {
    fn field(&self, name: &'static str) -> Option<JsValue> {
        if !self.is_object() || Array::is_array(self) {
            return None;
        }
        Some(get(self, name)).filter(|v| !v.is_undefined())
    }
    fn field_named(&self, name: &str) -> Option<JsValue> {
        if !self.is_object() || Array::is_array(self) {
            return None;
        }
        Some(get_named(self, name)).filter(|v| !v.is_undefined())
    }
    fn as_str(&self) -> Option<String> {
        self.as_string()
    }
    fn is_string(&self) -> bool {
        JsValue::is_string(self)
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
        self.is_object() && !Array::is_array(self)
    }
    fn is_array(&self) -> bool {
        Array::is_array(self)
    }
    fn items(&self) -> Option<Vec<JsValue>> {
        Array::is_array(self).then(|| self.unchecked_ref::<Array>().iter().collect())
    }
    fn keys(&self) -> Option<Vec<String>> {
        if !JsonView::is_object(self) {
            return None;
        }
        Some(Object::keys(self.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect())
    }
    fn scalar_text(&self) -> Option<String> {
        if let Some(s) = self.as_string() {
            return Some(s);
        }
        if let Some(b) = self.as_bool() {
            return Some(if b { "true" } else { "false" }.to_owned());
        }
        // JS's own number formatting (`String(n)`), not Rust's: same text, no float code in wasm.
        self.as_f64()
            .filter(|n| n.is_finite())
            .and_then(|_| self.unchecked_ref::<Number>().to_string_with_radix(10).ok())
            .map(String::from)
    }
}

#[wasm_bindgen(module = "/js/run.js")]
extern "C" {
    /// Builds the `AgentRun` object in one call (see `js/run.js`).
    #[wasm_bindgen(js_name = makeRun)]
    #[allow(clippy::too_many_arguments)]
    fn make_run(
        id: &str,
        chat_id: &str,
        status: &str,
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

/// The `AgentRun` object handed to JS.
pub fn run_to_js(run: Run<JsValue>) -> JsValue {
    let or_null = |v: &Option<JsValue>| v.clone().unwrap_or(JsValue::NULL);
    let vars = run.vars.map_or(JsValue::NULL, |vars| {
        let o = Object::new();
        for (k, v) in vars {
            set(&o, &k, &JsValue::from_str(&v));
        }
        o.into()
    });
    make_run(
        &run.id,
        &run.chat_id,
        &run.status,
        &or_null(&run.results),
        &or_null(&run.last_agent_message),
        &or_null(&run.created_at),
        &or_null(&run.updated_at),
        &or_null(&run.bundle),
        &or_null(&run.toolhouse_id),
        &vars,
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
    make_error(err.kind.class_name(), &err.message, &init)
}

/// A core error with no extras.
pub fn to_js(err: Error) -> JsValue {
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

/// An optional property that must be a string.
pub fn opt_string_prop(options: &JsValue, key: &'static str) -> Result<Option<String>, Error> {
    let v = get(options, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| Error::invalid(&[key], "must be a string"))
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
