//! A read-only view of a JSON value, so the core can inspect what the service sent
//! without owning a JSON parser: in wasm the JS engine parses (`JSON.parse`) and the
//! core reads the resulting JS values; in native tests `serde_json` values stand in.

/// What the core needs to read of a parsed JSON value. Every method is total: asking
/// a number for a field or an array for a string gives `None`, never a panic.
pub trait JsonView: Sized {
    /// The property `key` of a plain object; `None` for a missing key or a non-object.
    fn field(&self, key: &'static str) -> Option<Self>;
    /// The same, for a key known only at run time (the names in `vars`).
    fn field_named(&self, key: &str) -> Option<Self>;
    /// The value as a string, if it is one.
    fn as_str(&self) -> Option<String>;
    /// True for a string (checked without copying it).
    fn is_string(&self) -> bool;
    /// The value as a finite number, if it is one.
    fn as_number(&self) -> Option<f64>;
    /// The value as a boolean, if it is one.
    fn as_bool(&self) -> Option<bool>;
    /// True for `null` and for a missing (`undefined`) value.
    fn is_null(&self) -> bool;
    /// True for a plain object (not an array, not null).
    fn is_object(&self) -> bool;
    /// True for an array.
    fn is_array(&self) -> bool;
    /// The items of an array; `None` if the value is not one.
    fn items(&self) -> Option<Vec<Self>>;
    /// The own keys of a plain object, in order; `None` if the value is not one.
    fn keys(&self) -> Option<Vec<String>>;
    /// How a string, a number or a boolean reads as a string, the way JavaScript's
    /// `String(value)` writes it; `None` for anything else.
    fn scalar_text(&self) -> Option<String>;
}

#[cfg(test)]
impl JsonView for serde_json::Value {
    fn field(&self, key: &'static str) -> Option<Self> {
        self.field_named(key)
    }
    fn field_named(&self, key: &str) -> Option<Self> {
        self.as_object().and_then(|o| o.get(key)).cloned()
    }
    fn as_str(&self) -> Option<String> {
        serde_json::Value::as_str(self).map(str::to_owned)
    }
    fn is_string(&self) -> bool {
        serde_json::Value::is_string(self)
    }
    fn as_number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn as_bool(&self) -> Option<bool> {
        serde_json::Value::as_bool(self)
    }
    fn is_null(&self) -> bool {
        serde_json::Value::is_null(self)
    }
    fn is_object(&self) -> bool {
        serde_json::Value::is_object(self)
    }
    fn is_array(&self) -> bool {
        serde_json::Value::is_array(self)
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
    fn keys(&self) -> Option<Vec<String>> {
        self.as_object().map(|o| o.keys().cloned().collect())
    }
    fn scalar_text(&self) -> Option<String> {
        match self {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}
