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
    /// `retry_after_ms` (from [`retry_after_ms`]) lengthens the pause but never shortens
    /// it below the backoff: a `Retry-After: 0` must not turn retries into a storm. One
    /// longer than `max_retry_delay_ms` gives `None`: the error is returned instead.
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
        let backoff = backoff_ms(retries_done, jitter);
        match retry_after_ms {
            Some(ms) if ms > self.max_retry_delay_ms => None,
            Some(ms) => Some(ms.max(backoff)),
            None => Some(backoff),
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

/// The longest delay [`retry_after_ms`] gives: 2^53 - 1, the largest integer a JS number
/// holds exactly.
pub const MAX_RETRY_AFTER_MS: u64 = (1 << 53) - 1;
const DAY_MS: i64 = 86_400_000;
/// Day names as HTTP-date spells them (case matters); the short forms are their first three letters.
const DAY_NAMES: [&[u8]; 7] = [b"Monday", b"Tuesday", b"Wednesday", b"Thursday", b"Friday", b"Saturday", b"Sunday"];
const MONTH_NAMES: &[u8] = b"JanFebMarAprMayJunJulAugSepOctNovDec";
/// The three forms of HTTP-date (RFC 9110 5.6.7) in strftime terms; `%e` is a day of two
/// digits or a space and one digit, `%y` a two-digit year.
const HTTP_DATE_FORMS: [&[u8]; 3] = [
    b"%a, %d %b %Y %H:%M:%S GMT", // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    b"%A, %d-%b-%y %H:%M:%S GMT", // obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    b"%a %b %e %H:%M:%S %Y",      // asctime: Sun Nov  6 08:49:37 1994
];

/// Reads a `Retry-After` header strictly as RFC 9110 10.2.3 writes it: delay-seconds
/// (ASCII digits only) or an HTTP-date, measured from `now_ms` (epoch milliseconds).
/// Anything else gives `None`, to be ignored; a date in the past gives `Some(0)`. The result
/// is at most [`MAX_RETRY_AFTER_MS`]; delay-seconds saturate.
pub fn retry_after_ms(value: &str, now_ms: f64) -> Option<u64> {
    // Optional white space (SP, HTAB) around the value, nothing else.
    let bytes = value.as_bytes();
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !ows(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    let value = bytes.get(start..end).unwrap_or_default();
    if let Some(seconds) = number(value) {
        return Some(seconds.saturating_mul(1000).min(MAX_RETRY_AFTER_MS));
    }
    // Clamped (NaN reads as 0) so that the date arithmetic below cannot overflow.
    let max = MAX_RETRY_AFTER_MS as i64;
    let now = (now_ms as i64).clamp(-max, max);
    let at = HTTP_DATE_FORMS.iter().find_map(|form| http_date_ms(form, value, now))?;
    // `now` was rounded down: rounding errs towards waiting longer, never shorter.
    Some(at.saturating_sub(now).clamp(0, max) as u64)
}

/// `1*DIGIT` as a number, saturating.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

/// Exactly `len` digits at the start of `s`.
fn digits(s: &[u8], len: usize) -> Option<i64> {
    number(s.get(..len)?).map(|n| n as i64)
}

/// Epoch milliseconds of `value` read in one `form` of HTTP-date, or `None`.
/// The day name is not checked against the date: the grammar does not ask for it.
fn http_date_ms(form: &[u8], value: &[u8], now: i64) -> Option<i64> {
    let (mut year, mut month, mut day, mut hour, mut minute, mut second) = (0, 0, 0, 0, 0, 0);
    let mut two_digit_year = false;
    let mut rest = value;
    let mut form = form.iter();
    while let Some(&c) = form.next() {
        let len = if c != b'%' {
            if rest.first() != Some(&c) {
                return None;
            }
            1
        } else {
            match form.next()? {
                b'a' => DAY_NAMES.iter().any(|name| name.get(..3) == rest.get(..3)).then_some(3)?,
                b'A' => DAY_NAMES.iter().find(|name| rest.starts_with(name))?.len(),
                b'b' => {
                    month = MONTH_NAMES.chunks(3).position(|name| rest.get(..3) == Some(name))? as i64 + 1;
                    3
                }
                b'd' => {
                    day = digits(rest, 2)?;
                    2
                }
                b'e' => {
                    day = if rest.first() == Some(&b' ') { digits(rest.get(1..)?, 1)? } else { digits(rest, 2)? };
                    2
                }
                b'y' => {
                    year = digits(rest, 2)?;
                    two_digit_year = true;
                    2
                }
                b'Y' => {
                    year = digits(rest, 4)?;
                    4
                }
                b'H' => {
                    hour = digits(rest, 2)?;
                    2
                }
                b'M' => {
                    minute = digits(rest, 2)?;
                    2
                }
                b'S' => {
                    second = digits(rest, 2)?;
                    2
                }
                _ => return None,
            }
        };
        rest = rest.get(len..)?;
    }
    if !rest.is_empty() {
        return None;
    }
    if two_digit_year {
        // RFC 9110 5.6.7: a year more than 50 years ahead is the one a century before.
        let this_year = year_of(now);
        year += this_year - this_year.rem_euclid(100);
        if year > this_year + 50 {
            year -= 100;
        }
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 => 28 + i64::from(leap),
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    // A second of 60 is a leap second.
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The year an instant (epoch milliseconds) falls in.
fn year_of(ms: i64) -> i64 {
    let days = ms.div_euclid(DAY_MS);
    // From the mean year of 146097/400 days: off by one at most near a new year.
    let year = 1970 + (days * 400).div_euclid(146_097);
    if days_from_civil(year + 1, 1, 1) <= days {
        year + 1
    } else if days_from_civil(year, 1, 1) > days {
        year - 1
    } else {
        year
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        assert_eq!(P.delay_before_retry(0, true, Outcome::Status(429), Some(60_000), 0.5), Some(60_000));
        assert_eq!(P.delay_before_retry(0, true, Outcome::Status(429), Some(60_001), 0.5), None);
    }

    #[test]
    fn a_short_retry_after_never_shortens_the_backoff() {
        assert_eq!(P.delay_before_retry(0, true, Outcome::Status(429), Some(0), 0.0), Some(500));
        assert_eq!(P.delay_before_retry(1, true, Outcome::Status(503), Some(0), 0.0), Some(1_000));
        assert_eq!(P.delay_before_retry(1, true, Outcome::Status(503), Some(999), 0.0), Some(1_000));
        assert_eq!(P.delay_before_retry(1, true, Outcome::Status(503), Some(1_001), 0.0), Some(1_001));
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_eight_with_jitter_below() {
        assert_eq!([0, 1, 2, 3, 4, 5, 40].map(|n| backoff_ms(n, 0.0)), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(backoff_ms(0, 0.999_999), 376);
        assert_eq!(backoff_ms(0, f64::NAN), 500);
    }

    /// 1994-11-06T08:49:37Z, the date of RFC 9110's examples.
    const RFC_EXAMPLE_MS: f64 = 784_111_777_000.0;

    #[test]
    fn retry_after_reads_delay_seconds() {
        assert_eq!(retry_after_ms("3", 0.0), Some(3_000));
        assert_eq!(retry_after_ms("0", 0.0), Some(0));
        assert_eq!(retry_after_ms("007", 0.0), Some(7_000));
        assert_eq!(retry_after_ms(" \t120\t ", 0.0), Some(120_000));
    }

    #[test]
    fn delay_seconds_saturate_at_the_largest_safe_js_integer() {
        assert_eq!(MAX_RETRY_AFTER_MS, 9_007_199_254_740_991);
        assert_eq!(retry_after_ms("9007199254740", 0.0), Some(9_007_199_254_740_000));
        assert_eq!(retry_after_ms("9007199254741", 0.0), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(retry_after_ms("99999999999999999999", 0.0), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(retry_after_ms(&"9".repeat(10_000), 0.0), Some(MAX_RETRY_AFTER_MS));
    }

    #[test]
    fn retry_after_reads_an_imf_fixdate() {
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_MS - 10_000.0), Some(10_000));
        assert_eq!(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_470_000.0), Some(10_000));
        assert_eq!(retry_after_ms(" Tue, 29 Feb 2000 00:00:00 GMT\t", 951_782_400_000.0 - 1.0), Some(1));
    }

    #[test]
    fn retry_after_reads_an_rfc_850_date() {
        assert_eq!(retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", RFC_EXAMPLE_MS - 10_000.0), Some(10_000));
        assert_eq!(retry_after_ms("Wednesday, 21-Oct-15 07:28:00 GMT", 1_445_412_470_000.0), Some(10_000));
    }

    #[test]
    fn retry_after_reads_an_asctime_date_with_the_day_padded_by_a_space_or_a_zero() {
        assert_eq!(retry_after_ms("Sun Nov  6 08:49:37 1994", RFC_EXAMPLE_MS - 10_000.0), Some(10_000));
        assert_eq!(retry_after_ms("Sun Nov 06 08:49:37 1994", RFC_EXAMPLE_MS - 10_000.0), Some(10_000));
        assert_eq!(retry_after_ms("Wed Oct 21 07:28:00 2015", 1_445_412_470_000.0), Some(10_000));
    }

    #[test]
    fn a_date_in_the_past_is_no_delay() {
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_MS), Some(0));
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_MS + 1.0), Some(0));
        assert_eq!(retry_after_ms("Thu, 01 Jan 1970 00:00:00 GMT", 1_700_000_000_000.0), Some(0));
        assert_eq!(retry_after_ms("Sat, 01 Jan 0000 00:00:00 GMT", 1_700_000_000_000.0), Some(0));
    }

    #[test]
    fn a_fraction_of_a_millisecond_in_now_never_makes_the_wait_shorter() {
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_MS - 0.5), Some(1));
    }

    #[test]
    fn a_two_digit_year_more_than_fifty_years_ahead_is_in_the_past_century() {
        let june_2025 = 1_748_736_000_000;
        assert_eq!(http_date_ms(HTTP_DATE_FORMS[1], b"Tuesday, 01-Jan-75 00:00:00 GMT", june_2025), Some(3_313_526_400_000));
        assert_eq!(http_date_ms(HTTP_DATE_FORMS[1], b"Thursday, 01-Jan-76 00:00:00 GMT", june_2025), Some(189_302_400_000));
        assert_eq!(http_date_ms(HTTP_DATE_FORMS[1], b"Saturday, 01-Jan-50 00:00:00 GMT", june_2025), Some(2_524_608_000_000));
        assert_eq!(retry_after_ms("Thursday, 01-Jan-76 00:00:00 GMT", june_2025 as f64), Some(0));
        let january_2090 = 3_786_912_000_000;
        assert_eq!(http_date_ms(HTTP_DATE_FORMS[1], b"Friday, 01-Jan-10 00:00:00 GMT", january_2090), Some(1_262_304_000_000));
    }

    #[test]
    fn malformed_retry_after_values_are_ignored() {
        for value in [
            "",
            " \t ",
            "-1",
            "+1",
            "-0",
            "1.5",
            "1.",
            ".5",
            " 1 2",
            "1 2",
            "0x10",
            "1e3",
            "\"-1\"",
            "\"1\"",
            "1\n",
            "\u{0663}",
            "１",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 GMT GMT",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "SUN, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 NOV 1994 08:49:37 GMT",
            "Sunday, 06 Nov 1994 08:49:37 GMT",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 Nov 01994 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "Sun, 06 Nov 1994 08:49:37.5 GMT",
            "Sun, 06-Nov-1994 08:49:37 GMT",
            "Sun, -6 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "sunday, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06 Nov 94 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov   6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov  6 08:49:37 1994 GMT",
            "sun Nov  6 08:49:37 1994",
            "1994-11-06T08:49:37Z",
        ] {
            assert_eq!(retry_after_ms(value, RFC_EXAMPLE_MS), None, "{value:?}");
        }
    }

    #[test]
    fn dates_with_fields_out_of_range_are_ignored() {
        for value in [
            "Mon, 30 Feb 2015 00:00:00 GMT",
            "Thu, 29 Feb 1900 00:00:00 GMT",
            "Sun, 29 Feb 2015 00:00:00 GMT",
            "Fri, 31 Apr 2015 00:00:00 GMT",
            "Fri, 00 Jan 2015 00:00:00 GMT",
            "Fri, 32 Jan 2015 00:00:00 GMT",
            "Fri, 01 Jan 2015 24:00:00 GMT",
            "Fri, 01 Jan 2015 23:60:00 GMT",
            "Fri, 01 Jan 2015 23:59:61 GMT",
            "Fri, 01 Foo 2015 00:00:00 GMT",
            "Friday, 30-Feb-15 00:00:00 GMT",
            "Mon Feb 30 00:00:00 2015",
            "Mon Feb  0 00:00:00 2015",
        ] {
            assert_eq!(retry_after_ms(value, 0.0), None, "{value}");
        }
        // The edges themselves are dates: a leap day, a leap second, the last second of a year.
        assert_eq!(retry_after_ms("Tue, 29 Feb 2000 00:00:00 GMT", 0.0), Some(951_782_400_000));
        assert_eq!(retry_after_ms("Wed, 31 Dec 2008 23:59:60 GMT", 0.0), Some(1_230_768_000_000));
        assert_eq!(retry_after_ms("Fri, 31 Dec 2049 23:59:59 GMT", 0.0), Some(2_524_607_999_000));
    }

    const DAY_NAMES_TEST: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    const MONTHS_TEST: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    fn reference_is_leap(year: i64) -> bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    fn reference_month_length(year: i64, month: i64) -> i64 {
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        lengths[(month - 1) as usize] + i64::from(month == 2 && reference_is_leap(year))
    }

    /// Days since 1970-01-01, counted one year and one month at a time.
    fn reference_days(year: i64, month: i64, day: i64) -> i64 {
        let year_length = |y| if reference_is_leap(y) { 366 } else { 365 };
        let mut days: i64 = if year >= 1970 {
            (1970..year).map(year_length).sum()
        } else {
            -(year..1970).map(year_length).sum::<i64>()
        };
        days += (1..month).map(|m| reference_month_length(year, m)).sum::<i64>();
        days + day - 1
    }

    /// A valid date and time, as fields.
    fn any_date() -> impl Strategy<Value = (i64, i64, i64, i64, i64, i64)> {
        (0i64..=9999, 1i64..=12, 1i64..=31, 0i64..24, 0i64..60, 0i64..=60)
            .prop_map(|(y, mo, d, h, mi, s)| (y, mo, d.min(reference_month_length(y, mo)), h, mi, s))
    }

    proptest! {
        #[test]
        fn no_retry_after_value_makes_the_parser_panic(value in any::<String>(), now in any::<f64>()) {
            let _ = retry_after_ms(&value, now);
        }

        #[test]
        fn no_near_miss_of_a_date_makes_the_parser_panic(
            value in "[A-Za-z]{0,10}[ ,]{0,2}[0-9 ]{0,3}[A-Za-z -]{0,5}[0-9 -]{0,5}[0-9: ]{0,9}[A-Z]{0,3}",
            now in any::<i64>(),
        ) {
            let _ = retry_after_ms(&value, now as f64);
        }

        #[test]
        fn every_http_date_form_reads_back_the_instant_it_was_written_from((y, mo, d, h, mi, s) in any_date()) {
            let days = reference_days(y, mo, d);
            let epoch = days * 86_400_000 + (h * 3600 + mi * 60 + s) * 1000;
            let long_day = DAY_NAMES_TEST[(days + 4).rem_euclid(7) as usize];
            let short_day = &long_day[..3];
            let month = MONTHS_TEST[(mo - 1) as usize];
            let imf = format!("{short_day}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} GMT");
            let rfc850 = format!("{long_day}, {d:02}-{month}-{:02} {h:02}:{mi:02}:{s:02} GMT", y % 100);
            let asctime = format!("{short_day} {month} {d:>2} {h:02}:{mi:02}:{s:02} {y:04}");
            prop_assert_eq!(retry_after_ms(&imf, (epoch - 1234) as f64), Some(1234), "{}", imf);
            prop_assert_eq!(retry_after_ms(&asctime, (epoch - 1234) as f64), Some(1234), "{}", asctime);
            // A two-digit year reads as the year of `now` when it is that very year.
            prop_assert_eq!(retry_after_ms(&rfc850, (epoch - 1234) as f64), Some(1234), "{}", rfc850);
            prop_assert_eq!(retry_after_ms(&imf, (epoch + 1) as f64), Some(0), "{}", imf);
        }

        #[test]
        fn the_year_of_an_instant_is_exact(days in -1_000_000i64..1_000_000, ms_of_day in 0i64..86_400_000) {
            let year = year_of(days * 86_400_000 + ms_of_day);
            prop_assert!(reference_days(year, 1, 1) <= days && days < reference_days(year + 1, 1, 1));
        }

        #[test]
        fn a_retry_after_never_makes_the_pause_shorter_than_the_backoff(
            retry_after in prop_oneof![any::<u64>(), 0u64..=70_000],
            retries_done in 0u32..5,
            jitter in 0.0f64..1.0,
            status in prop::sample::select(vec![408u16, 429, 500, 502, 503, 504]),
        ) {
            let policy = RetryPolicy { max_retries: 5, max_retry_delay_ms: 60_000 };
            let delay = policy.delay_before_retry(retries_done, true, Outcome::Status(status), Some(retry_after), jitter);
            let backoff = backoff_ms(retries_done, jitter);
            prop_assert_eq!(delay, (retry_after <= 60_000).then(|| retry_after.max(backoff)));
        }

        #[test]
        fn a_retry_after_header_never_makes_the_pause_shorter_than_the_backoff(
            value in prop_oneof![any::<String>(), "[-+ ]?[0-9]{0,4}([.e][0-9])?"],
            now in any::<f64>(),
            retries_done in 0u32..2,
            jitter in 0.0f64..1.0,
        ) {
            let delay = P.delay_before_retry(retries_done, true, Outcome::Status(429), retry_after_ms(&value, now), jitter);
            prop_assert!(delay.is_none_or(|d| d >= backoff_ms(retries_done, jitter)));
        }
    }
}
