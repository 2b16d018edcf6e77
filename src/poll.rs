//! The polling schedule of `waitForRun`.

use crate::model::is_terminal;

pub const FIRST_POLL_MS: u64 = 1_000;
pub const MAX_POLL_MS: u64 = 10_000;

/// Fast at first (1 s), then half as long again each time up to 10 s; or a fixed interval.
#[derive(Debug, Clone)]
pub struct PollSchedule {
    fixed: Option<u64>,
    next: u64,
}

impl PollSchedule {
    pub fn new(fixed_interval_ms: Option<u64>) -> PollSchedule {
        PollSchedule { fixed: fixed_interval_ms, next: FIRST_POLL_MS }
    }

    /// The pause before the next poll.
    pub fn next_delay(&mut self) -> u64 {
        if let Some(fixed) = self.fixed {
            return fixed;
        }
        let delay = self.next;
        self.next = (self.next + self.next / 2).min(MAX_POLL_MS);
        delay
    }
}

/// What the wait does after reading a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitStep {
    /// The run has ended: resolve with it.
    Done,
    /// Poll again after this many milliseconds.
    Sleep(u64),
    /// `maxWaitMs` has run out.
    TimedOut,
}

/// Decides the next step. `deadline_ms` is the epoch time the wait must end by; the
/// last sleep is cut short so that the final poll happens right at the deadline.
pub fn next_step(status: &str, now_ms: f64, deadline_ms: Option<f64>, delay_ms: u64) -> WaitStep {
    if is_terminal(status) {
        return WaitStep::Done;
    }
    match deadline_ms {
        Some(deadline) if now_ms >= deadline => WaitStep::TimedOut,
        Some(deadline) => WaitStep::Sleep(delay_ms.min((deadline - now_ms).ceil() as u64)),
        None => WaitStep::Sleep(delay_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_starts_fast_and_slows_to_a_cap() {
        let mut s = PollSchedule::new(None);
        let delays: Vec<u64> = (0..9).map(|_| s.next_delay()).collect();
        assert_eq!(delays, [1000, 1500, 2250, 3375, 5062, 7593, 10000, 10000, 10000]);
    }

    #[test]
    fn a_fixed_interval_is_kept() {
        let mut s = PollSchedule::new(Some(250));
        assert_eq!([s.next_delay(), s.next_delay(), s.next_delay()], [250, 250, 250]);
    }

    #[test]
    fn terminal_statuses_end_the_wait_even_past_the_deadline() {
        assert_eq!(next_step("completed", 10.0, Some(5.0), 100), WaitStep::Done);
        assert_eq!(next_step("failed", 0.0, None, 100), WaitStep::Done);
    }

    #[test]
    fn unknown_and_running_statuses_sleep_never_busy_loop() {
        for status in ["queued", "in_progress", "paused", ""] {
            assert_eq!(next_step(status, 0.0, None, 1000), WaitStep::Sleep(1000));
        }
    }

    #[test]
    fn the_last_sleep_ends_at_the_deadline_and_then_the_wait_times_out() {
        assert_eq!(next_step("queued", 1000.0, Some(1300.0), 1000), WaitStep::Sleep(300));
        assert_eq!(next_step("queued", 1300.0, Some(1300.0), 1000), WaitStep::TimedOut);
    }
}
