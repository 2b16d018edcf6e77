//! Tiny text helpers (decimal digits, joining, JSON string literals) written out instead
//! of going through `format!`/`write!`. What keeps `core::fmt`'s float code (about 14 KB)
//! out of the wasm is using no `{:?}` and no float `Display` at all; these helpers are
//! only the few places that would otherwise reach for `format!`.

/// Appends the decimal digits of `n`.
pub fn push_uint(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        if let Some(slot) = digits.get_mut(len) {
            *slot = b'0' + (rest % 10) as u8;
        }
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for d in digits.iter().take(len).rev() {
        out.push(char::from(*d));
    }
}

/// Appends the parts with `sep` between them (`[T]::join` without its generic machinery).
pub fn push_joined<S: AsRef<str>>(out: &mut String, parts: &[S], sep: &str) {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part.as_ref());
    }
}

/// Appends `s` as a JSON string literal, quotes included.
pub fn push_json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let code = c as u32;
                out.push_str("\\u");
                for shift in [12u32, 8, 4, 0] {
                    let nibble = ((code >> shift) & 0xf) as usize;
                    out.push(char::from(HEX.get(nibble).copied().unwrap_or(b'0')));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_uint_writes_decimal_digits() {
        for n in [0u64, 7, 10, 406, 65535, u64::MAX] {
            let mut s = String::new();
            push_uint(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn push_joined_puts_the_separator_between_parts_only() {
        let mut s = String::new();
        push_joined(&mut s, &["body", "vars", "n"], ".");
        assert_eq!(s, "body.vars.n");
        let mut e = String::new();
        push_joined::<&str>(&mut e, &[], ".");
        assert_eq!(e, "");
    }

    #[test]
    fn push_json_string_round_trips_through_a_json_parser() {
        let samples = ["plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{0}\u{1f}", "ünï 😀", "\u{2028}"];
        for s in samples {
            let mut out = String::new();
            push_json_string(&mut out, s);
            let back: String = serde_json::from_str(&out).unwrap_or_default();
            assert_eq!(back, s);
        }
    }
}
