//! The callback token: an expiry and an HMAC-SHA-256 signature in the callback URL's
//! query, the signature covering every query parameter. This module decides what is
//! signed and whether a token holds; the MAC itself is computed by the runtime's Web
//! Crypto (`crypto.subtle`), in JS.
//!
//! What is signed: a fixed label, then every parameter but the signature (the expiry
//! included) as `name=value`, each percent-encoded byte by byte (all but RFC 3986's
//! unreserved characters), sorted, joined by `&`. Parameters are compared decoded, as
//! `URLSearchParams` reads them, so that how a sender re-encodes the query does not matter.

use crate::route::is_unreserved;

/// The query parameter holding the expiry, in ms since the epoch.
pub const EXPIRES: &str = "th_expires";
/// The query parameter holding the signature, 64 hex digits.
pub const SIGNATURE: &str = "th_signature";
/// What every signed string starts with, so that a MAC of this secret made for
/// anything else can never pass for a callback token.
const LABEL: &str = "toolhouse-agent-runs callback v1\n";
/// The MAC's length: SHA-256.
const MAC_BYTES: usize = 32;
/// A secret shorter than this is refused.
pub const MIN_SECRET_BYTES: usize = 32;
/// Expiries are whole ms since the epoch, at most 15 digits (until the year 33658).
const MAX_EXPIRY_DIGITS: usize = 15;

/// Why a query holds no usable token (the structure only: saying so reveals nothing of
/// the secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// No `th_expires`, more than one, or not whole ms.
    Expiry,
    /// More than one `th_signature`, or not 64 hex digits (when a signature is needed: none).
    Signature,
}

/// The query's pairs, decoded, in their order.
pub type Pairs<'a> = &'a [(String, String)];

/// The string to MAC for these pairs: the label, then every pair but the signature,
/// encoded and sorted. Needs exactly one well-formed expiry; a signature, if any, is
/// left out (and must be at most one).
pub fn string_to_sign(pairs: Pairs) -> Result<String, Malformed> {
    expiry(pairs)?;
    if pairs.iter().filter(|(n, _)| n == SIGNATURE).count() > 1 {
        return Err(Malformed::Signature);
    }
    let mut encoded: Vec<String> = pairs
        .iter()
        .filter(|(n, _)| n != SIGNATURE)
        .map(|(n, v)| {
            let mut pair = encode(n);
            pair.push('=');
            pair.push_str(&encode(v));
            pair
        })
        .collect();
    encoded.sort_unstable();
    Ok([LABEL, &encoded.join("&")].concat())
}

/// The pairs of a URL to sign: those it has, but any `th_expires` or `th_signature`
/// (signing again replaces the token), then the expiry.
pub fn signing_pairs(pairs: Pairs, expires_at_ms: u64) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter(|(n, _)| n != EXPIRES && n != SIGNATURE)
        .cloned()
        .chain(std::iter::once((EXPIRES.to_owned(), decimal(expires_at_ms))))
        .collect()
}

/// The token's expiry, in ms since the epoch: exactly one `th_expires`, 1 to 15 digits.
pub fn expiry(pairs: Pairs) -> Result<u64, Malformed> {
    let mut values = pairs.iter().filter(|(n, _)| n == EXPIRES).map(|(_, v)| v);
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(Malformed::Expiry);
    };
    if value.is_empty() || value.len() > MAX_EXPIRY_DIGITS || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Malformed::Expiry);
    }
    value.parse().map_err(|_| Malformed::Expiry)
}

/// The signature given: exactly one `th_signature` of 64 hex digits (either case).
pub fn signature(pairs: Pairs) -> Result<[u8; MAC_BYTES], Malformed> {
    let mut values = pairs.iter().filter(|(n, _)| n == SIGNATURE).map(|(_, v)| v);
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(Malformed::Signature);
    };
    decode_hex(value).ok_or(Malformed::Signature)
}

/// Whether the token in `pairs` holds at `now_ms`, given `mac`, the MAC of
/// [`string_to_sign`] of the same pairs under the secret: the signature equals it
/// (compared in constant time: every byte, whatever the first difference) and the
/// expiry is not past. A malformed token never holds.
pub fn token_holds(pairs: Pairs, mac: &[u8], now_ms: f64) -> bool {
    let (Ok(expires), Ok(given)) = (expiry(pairs), signature(pairs)) else {
        return false;
    };
    let same = constant_time_eq(mac, &given);
    // Compared after the signature, whatever it was: the time taken does not tell which failed.
    let fresh = now_ms.is_finite() && now_ms <= expires as f64;
    same & fresh
}

/// Equal lengths and bytes; the time depends on the lengths only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Whether a secret of this many bytes (UTF-8) is long enough.
pub fn secret_long_enough(bytes: usize) -> bool {
    bytes >= MIN_SECRET_BYTES
}

/// A number in decimal digits (without `core::fmt`, which would triple the wasm).
fn decimal(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

/// Percent-encodes every byte but the unreserved ones, upper-case hex.
fn encode(text: &str) -> String {
    let digit = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0').to_ascii_uppercase();
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(digit(b >> 4));
            out.push(digit(b & 0xf));
        }
    }
    out
}

/// 64 hex digits into 32 bytes; `None` for anything else. Every digit is read (no early
/// return on a bad one), so the time depends on the length only.
fn decode_hex(text: &str) -> Option<[u8; MAC_BYTES]> {
    if text.len() != MAC_BYTES * 2 {
        return None;
    }
    let mut out = [0u8; MAC_BYTES];
    let mut bad = false;
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let (hi, lo) = match pair {
            [hi, lo] => (nibble(*hi), nibble(*lo)),
            _ => (None, None),
        };
        bad |= hi.is_none() | lo.is_none();
        *byte = (hi.unwrap_or(0) << 4) | lo.unwrap_or(0);
    }
    (!bad).then_some(out)
}

fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    const MAC: [u8; 32] = [0xab; 32];
    fn hex(mac: &[u8]) -> String {
        mac.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_string_to_sign_covers_every_parameter_but_the_signature_sorted_and_encoded() {
        let p = pairs(&[("b", "2 3"), (EXPIRES, "1700000000000"), ("a", "é&="), (SIGNATURE, "ff")]);
        assert_eq!(string_to_sign(&p).unwrap(), format!("{LABEL}a=%C3%A9%26%3D&b=2%203&th_expires=1700000000000"));
    }

    #[test]
    fn the_order_of_the_parameters_does_not_matter_but_their_values_do() {
        let a = pairs(&[("x", "1"), ("y", "2"), (EXPIRES, "5")]);
        let b = pairs(&[(EXPIRES, "5"), ("y", "2"), ("x", "1")]);
        assert_eq!(string_to_sign(&a), string_to_sign(&b));
        let c = pairs(&[(EXPIRES, "5"), ("y", "2"), ("x", "2")]);
        assert_ne!(string_to_sign(&a), string_to_sign(&c));
        // Moving a character between a name and its value changes what is signed.
        let d = pairs(&[("ab", "c"), (EXPIRES, "5")]);
        let e = pairs(&[("a", "bc"), (EXPIRES, "5")]);
        assert_ne!(string_to_sign(&d), string_to_sign(&e));
        // So does a repeated parameter.
        let f = pairs(&[("x", "1"), ("x", "1"), (EXPIRES, "5")]);
        let g = pairs(&[("x", "1"), (EXPIRES, "5")]);
        assert_ne!(string_to_sign(&f), string_to_sign(&g));
    }

    #[test]
    fn a_token_needs_exactly_one_expiry_of_whole_ms() {
        for bad in [vec![], pairs(&[(EXPIRES, "")]), pairs(&[(EXPIRES, "1.5")]), pairs(&[(EXPIRES, "-1")]), pairs(&[(EXPIRES, "+1")]), pairs(&[(EXPIRES, "1e3")]), pairs(&[(EXPIRES, "1"), (EXPIRES, "1")]), pairs(&[(EXPIRES, "1234567890123456")])] {
            assert_eq!(string_to_sign(&bad), Err(Malformed::Expiry), "{bad:?}");
        }
        assert_eq!(expiry(&pairs(&[(EXPIRES, "0042")])), Ok(42));
    }

    #[test]
    fn a_token_holds_with_the_right_mac_until_it_expires() {
        let p = pairs(&[("run", "x"), (EXPIRES, "1000"), (SIGNATURE, &hex(&MAC))]);
        assert!(token_holds(&p, &MAC, 999.0));
        assert!(token_holds(&p, &MAC, 1000.0));
        assert!(!token_holds(&p, &MAC, 1000.5), "expired");
        assert!(!token_holds(&p, &MAC, f64::NAN));
        let upper = pairs(&[(EXPIRES, "1000"), (SIGNATURE, &hex(&MAC).to_uppercase())]);
        assert!(token_holds(&upper, &MAC, 0.0));
    }

    #[test]
    fn a_wrong_missing_or_malformed_signature_never_holds() {
        let mut wrong = MAC;
        wrong[31] ^= 1;
        let cases = [
            pairs(&[(EXPIRES, "1000"), (SIGNATURE, &hex(&wrong))]),
            pairs(&[(EXPIRES, "1000")]),
            pairs(&[(EXPIRES, "1000"), (SIGNATURE, "")]),
            pairs(&[(EXPIRES, "1000"), (SIGNATURE, &hex(&MAC)[..62])]),
            pairs(&[(EXPIRES, "1000"), (SIGNATURE, &format!("{}zz", &hex(&MAC)[..62]))]),
            pairs(&[(EXPIRES, "1000"), (SIGNATURE, &hex(&MAC)), (SIGNATURE, &hex(&MAC))]),
            pairs(&[(SIGNATURE, &hex(&MAC))]),
        ];
        for p in &cases {
            assert!(!token_holds(p, &MAC, 0.0), "{p:?}");
        }
        // A MAC of another length (not SHA-256) never matches.
        let p = pairs(&[(EXPIRES, "1000"), (SIGNATURE, &hex(&MAC))]);
        assert!(!token_holds(&p, &MAC[..31], 0.0));
        assert!(!token_holds(&p, &[], 0.0));
    }

    #[test]
    fn signing_again_replaces_the_token() {
        let p = pairs(&[("a", "1"), (EXPIRES, "5"), (SIGNATURE, "x"), ("b", "2")]);
        assert_eq!(signing_pairs(&p, 99), pairs(&[("a", "1"), ("b", "2"), (EXPIRES, "99")]));
    }

    #[test]
    fn expiries_are_written_in_decimal() {
        for n in [0, 7, 10, 1_700_000_000_000, u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn secrets_are_at_least_32_bytes() {
        assert!(!secret_long_enough(31));
        assert!(secret_long_enough(32));
    }

    #[test]
    fn constant_time_eq_compares_lengths_and_every_byte() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"xbc", b"abc"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(constant_time_eq(b"", b""));
    }

    fn any_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::vec((prop_oneof![Just(EXPIRES.to_owned()), Just(SIGNATURE.to_owned()), any::<String>()], any::<String>()), 0..6)
    }

    proptest! {
        #[test]
        fn no_query_makes_the_token_code_panic(p in any_pairs(), mac in prop::collection::vec(any::<u8>(), 0..40), now in any::<f64>()) {
            let _ = string_to_sign(&p);
            prop_assert!(!token_holds(&p, &mac, now) || mac.len() == 32);
        }

        #[test]
        fn a_signed_query_holds_and_any_change_to_it_does_not_sign_the_same(p in prop::collection::vec(("[a-z_]{1,6}", any::<String>()), 0..5), expires in 0u64..1_000_000_000_000_000, extra in ("[a-z_]{1,6}", any::<String>())) {
            let signed = signing_pairs(&p, expires);
            let text = string_to_sign(&signed).unwrap();
            // A parameter added, removed or changed changes what is signed.
            let mut added = signed.clone();
            added.push(extra.clone());
            prop_assert_ne!(string_to_sign(&added).unwrap(), text.clone());
            if let Some((first, rest)) = signed.split_first() {
                if first.0 != EXPIRES {
                    prop_assert_ne!(string_to_sign(rest).unwrap(), text.clone());
                    let mut changed = signed.clone();
                    if let Some(pair) = changed.first_mut() {
                        pair.1.push('x');
                    }
                    prop_assert_ne!(string_to_sign(&changed).unwrap(), text.clone());
                }
            }
            // With its signature (any MAC standing for the real one) it holds until it expires.
            let mut with_sig = signed.clone();
            with_sig.push((SIGNATURE.to_owned(), hex(&MAC)));
            prop_assert_eq!(string_to_sign(&with_sig).unwrap(), text);
            prop_assert!(token_holds(&with_sig, &MAC, expires as f64));
            prop_assert!(!token_holds(&with_sig, &MAC, expires as f64 + 1.0));
        }

        #[test]
        fn any_other_mac_is_refused(mac in prop::collection::vec(any::<u8>(), 32)) {
            prop_assume!(mac.as_slice() != MAC.as_slice());
            let p = pairs(&[(EXPIRES, "1000"), (SIGNATURE, &hex(&MAC))]);
            prop_assert!(!token_holds(&p, &mac, 0.0));
        }
    }
}
