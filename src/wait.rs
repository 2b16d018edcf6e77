//! The wait loop of `waitForRun`, `createAndWait` and `continueAndWait`: polls on the
//! schedule of `poll`, sleeping through transient failures until `maxWaitMs`.

use wasm_bindgen::JsValue;

use crate::call::{call_back, Budget, Call};
use crate::error::{Error, ErrorKind};
use crate::js::{error_to_js, ErrorExtras};
use crate::model;
use crate::poll::{self, PollSchedule, WaitStep};
use crate::retry::RetryPolicy;
use crate::text::push_uint;
use crate::transport;

impl Call {
    /// Polls until the run has ended. With `after` (the run a continue returned), states
    /// from before the continue are skipped. Transient failures are retried with backoff
    /// for as long as the wait's budget lasts, whatever `maxRetries` and `Retry-After`
    /// say; permanent ones (401, 402, 403, 404 …) end the wait at once.
    pub async fn wait(&self, run_id: &str) -> Result<JsValue, JsValue> {
        let b = &self.behaviour;
        let deadline = Some(b.max_wait_ms).filter(|ms| ms.is_finite()).map(|ms| js_sys::Date::now() + ms);
        // In a wait the deadline bounds every pause, however long a Retry-After asks for.
        let budget = Budget { retry: RetryPolicy { max_retries: u32::MAX, max_retry_delay_ms: u64::MAX }, deadline };
        let mut after = b.after.clone();
        let mut schedule = PollSchedule::new(b.poll_interval_ms.map(|ms| ms as u64));
        let mut last = Last { run: JsValue::NULL, status: None };
        let past = |deadline: Option<f64>| deadline.is_some_and(|d| js_sys::Date::now() >= d);
        let mut delay = 0;
        loop {
            // The pause before this poll (none before the first), and no poll while the
            // page is hidden or the runtime offline.
            let left = deadline.map_or(f64::INFINITY, |d| d - js_sys::Date::now());
            transport::rest(delay as f64, left, b.signal.as_ref(), b.pause_when_hidden).await?;
            if past(deadline) {
                return Err(last.timed_out(b.max_wait_ms, None));
            }
            let (read, retry_after_ms) = match self.read_run(run_id, budget).await {
                Ok(polled) => polled,
                Err(e) if past(deadline) => return Err(last.timed_out(b.max_wait_ms, Some(e))),
                Err(e) => return Err(e),
            };
            let fresh = after.as_mut().is_none_or(|a| a.observe(&read.status, read.updated_at_ms, read.results));
            if fresh {
                if last.status.as_deref() != Some(read.status.as_str()) {
                    if let Some(on_update) = &b.on_update {
                        call_back(on_update, "onUpdate", &read.run)?;
                    }
                    last.status = Some(read.status.clone());
                }
                last.run = read.run;
            }
            // A Retry-After on a poll is honoured (up to maxRetryDelayMs).
            let mut next = schedule.next_delay();
            if let Some(ms) = retry_after_ms {
                next = next.max(ms.min(b.retry.max_retry_delay_ms));
            }
            let ended = fresh && model::is_terminal(&read.status);
            match poll::next_step(ended, js_sys::Date::now(), deadline, next) {
                WaitStep::Done => return Ok(last.run),
                WaitStep::TimedOut => return Err(last.timed_out(b.max_wait_ms, None)),
                WaitStep::Sleep(ms) => delay = ms,
            }
        }
    }
}

/// The last state of the run the wait took.
struct Last {
    run: JsValue,
    status: Option<String>,
}

impl Last {
    /// The `WaitTimeoutError`, saying which status the run was stuck in.
    fn timed_out(self, max_wait_ms: f64, cause: Option<JsValue>) -> JsValue {
        let mut message = String::from("the run did not end within maxWaitMs (");
        push_uint(&mut message, max_wait_ms as u64);
        message.push_str(" ms)");
        if let Some(status) = &self.status {
            message.push_str("; its last status was \"");
            message.push_str(status);
            message.push('"');
        }
        let err = Error::new(ErrorKind::WaitTimeout, message);
        error_to_js(err, ErrorExtras { last_run: Some(self.run), cause, ..ErrorExtras::default() })
    }
}
