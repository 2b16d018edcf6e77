//! The handler's limits: requests per user (a token bucket's behaviour, time passed in) and the size
//! of request bodies.

/// `rateLimit: { requests, perMs }`: a burst of `requests`, then one request every
/// `perMs / requests`, as a token bucket does. Kept as GCRA (the "generic cell rate
/// algorithm"): a user's state is one instant, the theoretical arrival time of their
/// next request, which is exact at the edges where a bucket of fractional tokens rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub requests: f64,
    pub per_ms: f64,
}

/// What [`take`] decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    /// The user's state to keep: the theoretical arrival time, in ms.
    pub tat_ms: f64,
    /// When refused: how long until a request would pass, in ms (else 0).
    pub retry_after_ms: f64,
}

/// The default: 60 requests a minute per user.
pub const DEFAULT: RateLimit = RateLimit { requests: 60.0, per_ms: 60_000.0 };
/// Bounds of the settings (a year is far more than any window needs).
const MAX_REQUESTS: f64 = 1_000_000.0;
const MAX_PER_MS: f64 = 365.0 * 24.0 * 3_600_000.0;
/// Rounding slack of the comparisons, in ms.
const SLACK_MS: f64 = 1e-6;
/// Default and bounds of `maxBodyBytes`.
pub const DEFAULT_MAX_BODY_BYTES: f64 = 16_384.0;
const MAX_BODY_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// `requests` a whole number from 1 to 1,000,000, `perMs` from 1 ms to a year.
pub fn check_rate_limit(requests: f64, per_ms: f64) -> Result<RateLimit, &'static str> {
    if !(requests.fract() == 0.0 && (1.0..=MAX_REQUESTS).contains(&requests)) {
        return Err("rateLimit.requests: a whole number from 1 to 1000000");
    }
    if !(1.0..=MAX_PER_MS).contains(&per_ms) {
        return Err("rateLimit.perMs: a number of ms from 1 to a year (31536000000)");
    }
    Ok(RateLimit { requests, per_ms })
}

/// One request of a user at `now_ms`, whose state is `tat_ms` (`None` for a user not
/// seen, or forgotten). A clock that goes back gives nothing back.
pub fn take(limit: RateLimit, tat_ms: Option<f64>, now_ms: f64) -> Decision {
    let interval = limit.per_ms / limit.requests;
    let stored = tat_ms.filter(|t| t.is_finite());
    if !now_ms.is_finite() {
        // No clock, no decision to let anything through.
        return Decision { allowed: false, tat_ms: stored.unwrap_or(0.0), retry_after_ms: interval };
    }
    let now = now_ms;
    let tat = stored.map_or(now, |t| t.max(now));
    let next = tat + interval;
    if next - now <= limit.per_ms + SLACK_MS {
        Decision { allowed: true, tat_ms: next, retry_after_ms: 0.0 }
    } else {
        Decision { allowed: false, tat_ms: tat, retry_after_ms: (next - limit.per_ms - now).max(0.0) }
    }
}

/// Whether a user's state gives them the whole burst again at `now_ms`, so that
/// forgetting it changes nothing: lets the table of users stay small.
pub fn forgettable(tat_ms: f64, now_ms: f64) -> bool {
    tat_ms.is_nan() || tat_ms <= now_ms
}

/// The `Retry-After` header for a pause: whole seconds, rounded up, at least 1.
pub fn retry_after_seconds(ms: f64) -> f64 {
    if ms.is_finite() {
        (ms / 1000.0).ceil().max(1.0)
    } else {
        1.0
    }
}

/// `maxBodyBytes`: a whole number from 1 to 16 MiB.
pub fn check_max_body_bytes(bytes: f64) -> Result<f64, &'static str> {
    if bytes.fract() == 0.0 && (1.0..=MAX_BODY_BYTES).contains(&bytes) {
        Ok(bytes)
    } else {
        Err("maxBodyBytes: a whole number from 1 to 16777216")
    }
}

/// Whether a body of `bytes` (declared, or read so far) is over the limit: 413.
pub fn body_too_large(bytes: f64, max_bytes: f64) -> bool {
    bytes.is_nan() || bytes > max_bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const L: RateLimit = RateLimit { requests: 3.0, per_ms: 3_000.0 };

    /// Sends `n` requests at `now`: how many passed, the state, the last pause asked.
    fn burst(mut tat: Option<f64>, now: f64, n: usize) -> (usize, Option<f64>, f64) {
        let (mut passed, mut retry) = (0, 0.0);
        for _ in 0..n {
            let d = take(L, tat, now);
            tat = Some(d.tat_ms);
            if d.allowed {
                passed += 1;
            } else {
                retry = d.retry_after_ms;
            }
        }
        (passed, tat, retry)
    }

    #[test]
    fn a_new_user_has_the_whole_burst_then_is_refused_with_the_time_to_wait() {
        let (passed, tat, retry) = burst(None, 0.0, 5);
        assert_eq!(passed, 3);
        assert_eq!(retry, 1000.0, "one request comes back every second");
        let d = take(L, tat, 999.0);
        assert!(!d.allowed);
        assert_eq!(d.retry_after_ms, 1.0);
        assert!(take(L, tat, 1000.0).allowed);
    }

    #[test]
    fn the_allowance_comes_back_at_the_rate_and_never_beyond_the_burst() {
        let (_, tat, _) = burst(None, 0.0, 3);
        let (passed, _, _) = burst(tat, 1_000_000.0, 10);
        assert_eq!(passed, 3);
    }

    #[test]
    fn a_clock_going_back_gives_nothing_back() {
        let (_, tat, _) = burst(None, 10_000.0, 3);
        assert!(!take(L, tat, 0.0).allowed);
        assert!(!take(L, tat, f64::NAN).allowed);
    }

    #[test]
    fn the_default_is_sixty_a_minute() {
        let limit = check_rate_limit(60.0, 60_000.0).unwrap();
        assert_eq!(limit, DEFAULT);
        let mut tat = None;
        let mut passed = 0;
        for i in 0..100 {
            let d = take(limit, tat, f64::from(i));
            tat = Some(d.tat_ms);
            passed += usize::from(d.allowed);
        }
        assert_eq!(passed, 60);
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        for (r, p) in [(0.0, 1000.0), (1.5, 1000.0), (-1.0, 1000.0), (f64::NAN, 1000.0), (f64::INFINITY, 1000.0), (1e7, 1000.0), (1.0, 0.0), (1.0, f64::NAN), (1.0, 1e12), (1.0, f64::INFINITY)] {
            assert!(check_rate_limit(r, p).is_err(), "{r} {p}");
        }
        assert!(check_rate_limit(1.0, 1.0).is_ok());
    }

    #[test]
    fn a_user_with_the_whole_burst_back_can_be_forgotten() {
        let d = take(L, None, 0.0);
        assert!(!forgettable(d.tat_ms, 0.0));
        assert!(!forgettable(d.tat_ms, 999.0));
        assert!(forgettable(d.tat_ms, 1000.0));
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(retry_after_seconds(1.0), 1.0);
        assert_eq!(retry_after_seconds(1000.0), 1.0);
        assert_eq!(retry_after_seconds(1001.0), 2.0);
        assert_eq!(retry_after_seconds(0.0), 1.0);
        assert_eq!(retry_after_seconds(f64::NAN), 1.0);
    }

    #[test]
    fn bodies_over_the_limit_are_too_large() {
        assert!(!body_too_large(16_384.0, 16_384.0));
        assert!(body_too_large(16_385.0, 16_384.0));
        assert!(body_too_large(f64::NAN, 16_384.0));
        assert!(check_max_body_bytes(DEFAULT_MAX_BODY_BYTES).is_ok());
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, 1e9] {
            assert!(check_max_body_bytes(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn no_window_lets_more_through_than_a_burst_and_the_rate(
            requests in 1u32..20,
            per_ms in 1u32..100_000,
            gaps in prop::collection::vec(0u32..5_000, 1..200),
        ) {
            let limit = check_rate_limit(f64::from(requests), f64::from(per_ms)).unwrap();
            let mut tat = None;
            let mut now = 0.0;
            let mut passed_at = Vec::new();
            for gap in gaps {
                now += f64::from(gap);
                let d = take(limit, tat, now);
                tat = Some(d.tat_ms);
                if d.allowed {
                    passed_at.push(now);
                } else {
                    prop_assert!(d.retry_after_ms > 0.0);
                    prop_assert!(d.retry_after_ms <= f64::from(per_ms) / f64::from(requests) + 1e-6);
                }
            }
            // In any window of perMs, at most `requests` plus what the rate refills in it
            // (a bucket: the burst, then the steady rate).
            for (i, start) in passed_at.iter().enumerate() {
                let within = passed_at.iter().skip(i).take_while(|t| **t < start + f64::from(per_ms)).count();
                prop_assert!(within <= 2 * requests as usize, "{} in a window", within);
            }
        }

        #[test]
        fn a_refused_user_passes_once_the_pause_is_over(requests in 1u32..20, per_ms in 1u32..100_000, now in 0u32..1_000_000) {
            let limit = check_rate_limit(f64::from(requests), f64::from(per_ms)).unwrap();
            let now = f64::from(now);
            let mut d = take(limit, None, now);
            let mut passed = 0;
            while d.allowed {
                passed += 1;
                d = take(limit, Some(d.tat_ms), now);
            }
            prop_assert_eq!(passed, requests);
            prop_assert!(take(limit, Some(d.tat_ms), now + d.retry_after_ms).allowed);
            prop_assert!(d.retry_after_ms < 1.0 || !take(limit, Some(d.tat_ms), now + d.retry_after_ms - 1.0).allowed);
        }
    }
}
