//! A read-only view of a JSON value, so the core can inspect what the service sent
//! without owning a JSON parser: in wasm the JS engine parses (`JSON.parse`) and the
//! core reads the resulting JS values; in native tests `serde_json` values stand in.
//!
//! Nothing here copies a value of unbounded size into the core: strings are copied
//! cut to [`TEXT_LIMIT`], arrays and objects are read one item at a time, and values
//! that only pass through (texts of a run, `vars`) stay values of the view's type.

/// The most characters of one string the core copies (the rest is cut, `…` marks the cut).
pub const TEXT_LIMIT: usize = 1024;

/// What the core needs to read of a parsed JSON value. Every method is total: asking
/// a number for a field or an array for a string gives `None`, never a panic.
pub trait JsonView: Sized {
    /// The property `key` of a plain object; `None` for a missing key or a non-object.
    fn field(&self, key: &'static str) -> Option<Self>;
    /// The same, for a key that is itself a value (an item of [`JsonView::keys`]).
    fn field_at(&self, key: &Self) -> Option<Self>;
    /// The value as a string, if it is one, cut to [`TEXT_LIMIT`] characters.
    fn as_str(&self) -> Option<String>;
    /// The whole value as a string, if it is one of at most `max` characters (UTF-16
    /// units); `Err(())` for a longer one, which is not copied.
    fn as_whole_str(&self, max: usize) -> Option<Result<String, ()>>;
    /// True for a string (checked without copying it).
    fn is_string(&self) -> bool;
    /// True for a string that is empty or only white space (checked without copying it).
    fn is_blank(&self) -> bool;
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
    /// The length of an array; `None` if the value is not one.
    fn length(&self) -> Option<usize>;
    /// Item `i` of an array.
    fn item(&self, i: usize) -> Option<Self>;
    /// The own keys of a plain object, in order, as an array value; `None` if the value
    /// is not one.
    fn keys(&self) -> Option<Self>;
    /// A string, a finite number or a boolean as a string value, the way JavaScript's
    /// `String(value)` writes it; `None` for anything else.
    fn to_text(&self) -> Option<Self>;
    /// A string value.
    fn from_text(text: &str) -> Self;
}

/// `text` cut to [`TEXT_LIMIT`] characters, `…` marking a cut.
pub fn bounded(text: &str) -> String {
    match text.char_indices().nth(TEXT_LIMIT) {
        None => text.to_owned(),
        Some((end, _)) => {
            let mut out = text.get(..end).unwrap_or("").to_owned();
            out.push('…');
            out
        }
    }
}

/// A string as scalar text (`loc` items of an error): strings as they are, numbers and
/// booleans written as JavaScript writes them.
pub fn scalar_text<V: JsonView>(value: &V) -> Option<String> {
    value.to_text().and_then(|t| t.as_str())
}

#[cfg(test)]
impl JsonView for serde_json::Value {
    fn field(&self, key: &'static str) -> Option<Self> {
        self.as_object().and_then(|o| o.get(key)).cloned()
    }
    fn field_at(&self, key: &Self) -> Option<Self> {
        self.as_object().and_then(|o| o.get(key.as_str()?)).cloned()
    }
    fn as_str(&self) -> Option<String> {
        serde_json::Value::as_str(self).map(bounded)
    }
    fn as_whole_str(&self, max: usize) -> Option<Result<String, ()>> {
        let s = serde_json::Value::as_str(self)?;
        Some(if s.encode_utf16().count() <= max { Ok(s.to_owned()) } else { Err(()) })
    }
    fn is_string(&self) -> bool {
        serde_json::Value::is_string(self)
    }
    fn is_blank(&self) -> bool {
        serde_json::Value::as_str(self).is_some_and(|s| s.trim().is_empty())
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
    fn length(&self) -> Option<usize> {
        self.as_array().map(Vec::len)
    }
    fn item(&self, i: usize) -> Option<Self> {
        self.as_array().and_then(|a| a.get(i)).cloned()
    }
    fn keys(&self) -> Option<Self> {
        self.as_object().map(|o| o.keys().map(|k| serde_json::Value::String(k.clone())).collect())
    }
    fn to_text(&self) -> Option<Self> {
        match self {
            serde_json::Value::String(_) => Some(self.clone()),
            serde_json::Value::Number(n) => Some(serde_json::Value::String(n.to_string())),
            serde_json::Value::Bool(b) => Some(serde_json::Value::String(b.to_string())),
            _ => None,
        }
    }
    fn from_text(text: &str) -> Self {
        serde_json::Value::String(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_cut_with_a_mark_and_short_ones_kept() {
        assert_eq!(bounded("abc"), "abc");
        let long = "é".repeat(TEXT_LIMIT + 5);
        let cut = bounded(&long);
        assert_eq!(cut.chars().count(), TEXT_LIMIT + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(bounded(&"x".repeat(TEXT_LIMIT)), "x".repeat(TEXT_LIMIT));
    }
}
