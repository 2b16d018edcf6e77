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

/// Decides the next step. `ended` is whether the run read has ended (and is not a stale
/// state). `deadline_ms` is the epoch time the wait must end by; the last sleep is cut
/// short so that the final poll happens right at the deadline.
pub fn next_step(ended: bool, now_ms: f64, deadline_ms: Option<f64>, delay_ms: u64) -> WaitStep {
    if ended {
        return WaitStep::Done;
    }
    match deadline_ms {
        Some(deadline) if now_ms >= deadline => WaitStep::TimedOut,
        Some(deadline) => WaitStep::Sleep(delay_ms.min((deadline - now_ms).ceil() as u64)),
        None => WaitStep::Sleep(delay_ms),
    }
}

/// What a wait that follows a continue knows of the run as it was continued, so that it
/// can tell the stale `completed` (served for a while after a continue) from the new end.
/// Times are epoch ms as the runtime's `Date.parse` reads the run's `updatedAt` (any
/// reading will do, as long as both sides of a comparison are read the same way).
#[derive(Debug, Clone, PartialEq)]
pub struct After {
    updated_at_ms: Option<f64>,
    results: usize,
    picked_up: bool,
}

impl After {
    /// From the run as it was before the continue: its `updatedAt` and its number of
    /// results. (Its status says nothing: a queued answer to the PUT can still be
    /// followed by reads of the old `completed` state.)
    pub fn new(updated_at_ms: Option<f64>, results: usize) -> After {
        After { updated_at_ms, results, picked_up: false }
    }

    /// Takes in a polled state and says whether it is the continued run's own, not the
    /// one before the continue. A state counts once the run has been seen running again
    /// (which this remembers), or when it was updated after the continue, or when it has
    /// more results than the run had before it.
    pub fn observe(&mut self, status: &str, updated_at_ms: Option<f64>, results: usize) -> bool {
        if !is_terminal(status) {
            self.picked_up = true;
            return true;
        }
        let updated_later = matches!((self.updated_at_ms, updated_at_ms), (Some(before), Some(now)) if now > before);
        self.picked_up || updated_later || results > self.results
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_continue_the_stale_completed_state_is_ignored() {
        // continueRun answered the queued run, with the new message appended (3 results).
        let mut after = After::new(Some(1_736_905_620_000.0), 3);
        // The service still serves the state from before the continue.
        assert!(!after.observe("completed", Some(1_736_905_619_000.0), 2));
        // Then the run ends anew: more results and a later update.
        assert!(after.observe("completed", Some(1_736_905_625_000.0), 4));
    }

    #[test]
    fn when_continue_only_saw_the_stale_run_a_later_update_or_more_results_count() {
        let after = After::new(Some(1_736_905_619_000.0), 2);
        assert!(!after.clone().observe("completed", Some(1_736_905_619_000.0), 2));
        assert!(after.clone().observe("completed", Some(1_736_905_630_000.0), 2));
        // A time that could not be read says nothing.
        assert!(!after.clone().observe("completed", None, 2));
        assert!(after.clone().observe("completed", None, 4));
    }

    #[test]
    fn once_the_run_is_seen_running_again_its_next_end_counts() {
        let mut after = After::new(None, 2);
        assert!(!after.observe("completed", None, 2));
        assert!(after.observe("in_progress", None, 3));
        assert!(after.observe("completed", None, 2));
    }

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
    fn an_ended_run_ends_the_wait_even_past_the_deadline() {
        assert_eq!(next_step(true, 10.0, Some(5.0), 100), WaitStep::Done);
        assert_eq!(next_step(true, 0.0, None, 100), WaitStep::Done);
    }

    #[test]
    fn a_run_not_ended_sleeps_never_busy_loops() {
        assert_eq!(next_step(false, 0.0, None, 1000), WaitStep::Sleep(1000));
        let mut schedule = PollSchedule::new(Some(0));
        assert_eq!(next_step(false, 0.0, None, schedule.next_delay()), WaitStep::Sleep(0));
    }

    #[test]
    fn the_last_sleep_ends_at_the_deadline_and_then_the_wait_times_out() {
        assert_eq!(next_step(false, 1000.0, Some(1300.0), 1000), WaitStep::Sleep(300));
        assert_eq!(next_step(false, 1300.0, Some(1300.0), 1000), WaitStep::TimedOut);
    }
}
