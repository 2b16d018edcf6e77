//! When to try a request again, and after how long.

/// How an attempt ended, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The service answered with this non-success status.
    Status(u16),
    /// No answer: refused, reset, DNS, CORS.
    Connection,
    /// The attempt ran past `timeoutMs`.
    Timeout,
}

pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const DEFAULT_MAX_RETRY_DELAY_MS: u64 = 60_000;
const BACKOFF_START_MS: u64 = 500;
const BACKOFF_CAP_MS: u64 = 8_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// A `Retry-After` longer than this is not slept through: the error is returned.
    pub max_retry_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: DEFAULT_MAX_RETRIES, max_retry_delay_ms: DEFAULT_MAX_RETRY_DELAY_MS }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retries_done + 1`, or `None` to give up.
    ///
    /// `idempotent` is true for reads (and writes with an idempotency key): those retry
    /// on every transient failure. Creating or continuing a run without a key retries
    /// only on 429, where the service refused before acting: anything else may have
    /// acted already, and a second attempt would start a second run.
    /// `jitter` is a random number in `[0, 1)`.
    pub fn delay_before_retry(
        &self,
        retries_done: u32,
        idempotent: bool,
        outcome: Outcome,
        retry_after_ms: Option<u64>,
        jitter: f64,
    ) -> Option<u64> {
        if retries_done >= self.max_retries {
            return None;
        }
        let transient = match outcome {
            Outcome::Status(429) => true,
            Outcome::Status(status) => idempotent && (status == 408 || (500..=599).contains(&status)),
            Outcome::Connection | Outcome::Timeout => idempotent,
        };
        if !transient {
            return None;
        }
        match retry_after_ms {
            Some(ms) if ms > self.max_retry_delay_ms => None,
            Some(ms) => Some(ms),
            None => Some(backoff_ms(retries_done, jitter)),
        }
    }
}

/// Exponential backoff from 0.5 s, doubling, capped at 8 s, less up to a quarter at random.
pub fn backoff_ms(retries_done: u32, jitter: f64) -> u64 {
    let exp = BACKOFF_START_MS.saturating_mul(1u64 << retries_done.min(16)).min(BACKOFF_CAP_MS);
    let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
    let cut = (exp as f64 * 0.25 * jitter) as u64;
    exp - cut.min(exp)
}

/// Reads a `Retry-After` header: delay-seconds, or an HTTP date (read by `parse_date`,
/// which gives epoch milliseconds) measured from `now_ms`. Nonsense gives `None`.
pub fn retry_after_ms(value: &str, now_ms: f64, parse_date: impl Fn(&str) -> Option<f64>) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Some(ms) = seconds_to_ms(value) {
        return Some(ms);
    }
    let at = parse_date(value).filter(|t| t.is_finite())?;
    Some((at - now_ms).max(0.0).ceil() as u64)
}

/// `"3"` or `"1.5"` seconds as milliseconds, saturating (no float parsing in the wasm).
fn seconds_to_ms(value: &str) -> Option<u64> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let mut ms: u64 = 0;
    for b in whole.bytes() {
        ms = ms.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    ms = ms.saturating_mul(1000);
    let mut scale = 100;
    for b in fraction.bytes() {
        ms = ms.saturating_add(u64::from(b - b'0') * scale);
        scale /= 10;
    }
    // A leftover below a millisecond still rounds up: never retry early.
    let below_ms = fraction.bytes().skip(3).any(|b| b != b'0');
    Some(if below_ms { ms.saturating_add(1) } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: RetryPolicy = RetryPolicy { max_retries: 2, max_retry_delay_ms: 60_000 };

    #[test]
    fn reads_retry_on_every_transient_failure() {
        for outcome in [Outcome::Connection, Outcome::Timeout, Outcome::Status(408), Outcome::Status(429), Outcome::Status(500), Outcome::Status(503)] {
            assert!(P.delay_before_retry(0, true, outcome, None, 0.0).is_some(), "{outcome:?}");
        }
    }

    #[test]
    fn permanent_failures_are_never_retried() {
        for status in [400, 401, 402, 403, 404, 406, 422] {
            assert_eq!(P.delay_before_retry(0, true, Outcome::Status(status), None, 0.0), None, "{status}");
        }
    }

    #[test]
    fn writes_without_a_key_retry_only_where_the_service_cannot_have_acted() {
        assert!(P.delay_before_retry(0, false, Outcome::Status(429), None, 0.0).is_some());
        for outcome in [Outcome::Connection, Outcome::Timeout, Outcome::Status(500), Outcome::Status(502), Outcome::Status(408)] {
            assert_eq!(P.delay_before_retry(0, false, outcome, None, 0.0), None, "{outcome:?}");
        }
    }

    #[test]
    fn retries_stop_at_max_retries() {
        assert!(P.delay_before_retry(1, true, Outcome::Connection, None, 0.0).is_some());
        assert_eq!(P.delay_before_retry(2, true, Outcome::Connection, None, 0.0), None);
        let none = RetryPolicy { max_retries: 0, ..P };
        assert_eq!(none.delay_before_retry(0, true, Outcome::Connection, None, 0.0), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap_and_past_it_the_error_is_returned() {
        assert_eq!(P.delay_before_retry(0, true, Outcome::Status(429), Some(3_000), 0.5), Some(3_000));
        assert_eq!(P.delay_before_retry(0, true, Outcome::Status(429), Some(60_001), 0.5), None);
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_eight_with_jitter_below() {
        assert_eq!([0, 1, 2, 3, 4, 5, 40].map(|n| backoff_ms(n, 0.0)), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(backoff_ms(0, 0.999_999), 376);
        assert_eq!(backoff_ms(0, f64::NAN), 500);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let never = |_: &str| None;
        assert_eq!(retry_after_ms("3", 0.0, never), Some(3_000));
        assert_eq!(retry_after_ms(" 0 ", 0.0, never), Some(0));
        assert_eq!(retry_after_ms("1.5", 0.0, never), Some(1_500));
        assert_eq!(retry_after_ms("0.0001", 0.0, never), Some(1));
        assert_eq!(retry_after_ms("1.", 0.0, never), Some(1_000));
        assert_eq!(retry_after_ms(".5", 0.0, never), None);
        assert_eq!(retry_after_ms("99999999999999999999", 0.0, never), Some(u64::MAX));
        let date = |s: &str| (s == "Wed, 21 Oct 2015 07:28:00 GMT").then_some(1_445_412_480_000.0);
        assert_eq!(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_470_000.0, date), Some(10_000));
        assert_eq!(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_490_000.0, date), Some(0));
        assert_eq!(retry_after_ms("soon", 0.0, never), None);
        assert_eq!(retry_after_ms("", 0.0, never), None);
        assert_eq!(retry_after_ms("-5", 0.0, never), None);
    }
}
