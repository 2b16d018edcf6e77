//! The options of a call: read from the caller's object and checked, defaults filled
//! (environment variables where there is a `process.env`), and the endpoint and key
//! rules applied, which makes a [`Call`].

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::call::Call;
use crate::error::Error;
use crate::js::{self, get};
use crate::poll::After;
use crate::request::{self, Endpoint, MAX_OPTION_TEXT};
use crate::retry::{self, RetryPolicy};
use crate::runtime::{env_var, is_public_web};
use crate::transport::{self, Signal, MAX_TIMER_MS};
use crate::url;

pub const DEFAULT_TIMEOUT_MS: f64 = 60_000.0;
/// A wait gives up after 30 minutes unless told otherwise (`maxWaitMs: Infinity` never does).
pub const DEFAULT_MAX_WAIT_MS: f64 = 30.0 * 60_000.0;
/// The shortest `pollIntervalMs` (ten polls a second at most).
pub const MIN_POLL_INTERVAL_MS: f64 = 100.0;

/// How a call behaves, defaults filled in.
pub struct Behaviour {
    pub signal: Option<Signal>,
    /// Bound on each attempt.
    pub timeout_ms: f64,
    pub retry: RetryPolicy,
    pub on_retry: Option<Function>,
    pub idempotency_key: Option<String>,
    /// For waits: the run a continue returned.
    pub after: Option<After>,
    /// A fixed pause between polls, else the schedule of `poll::PollSchedule`.
    pub poll_interval_ms: Option<f64>,
    /// Infinite for no bound.
    pub max_wait_ms: f64,
    pub on_update: Option<Function>,
    /// Waits poll only while the page is visible and the runtime online.
    pub pause_when_hidden: bool,
}

/// The options of a call, as given (the `AgentRuns` class merges its own in JS): where
/// to send (read at [`Settings::resolve`]) and how to behave.
pub struct Settings {
    api_key: Option<String>,
    base_url: Option<String>,
    fetch: Option<Function>,
    dangerously_allow_browser: bool,
    pub behaviour: Behaviour,
}

impl Settings {
    /// Reads and checks an options object (`undefined` and `null` read as none).
    pub fn read(options: &JsValue) -> Result<Settings, Error> {
        if options.is_undefined() || options.is_null() {
            // The defaults; no prototype, so that a polluted `Object.prototype` is no option.
            return Settings::read(&js::null_object());
        }
        if !options.is_object() {
            return Err(Error::invalid(&["options"], "must be an object"));
        }
        let signal = match get(options, "signal") {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(transport::signal_from_js(v).ok_or_else(|| Error::invalid(&["signal"], "must be an AbortSignal"))?),
        };
        let text = |key: &'static str| js::opt_string_prop(options, key, MAX_OPTION_TEXT);
        let number = |key: &'static str, min: f64, max: f64, whole: bool| {
            request::check_number(key, js::opt_number_prop(options, key)?, min, max, whole)
        };
        let max_retries = number("maxRetries", 0.0, 10.0, true)?;
        let max_retry_delay_ms = number("maxRetryDelayMs", 0.0, MAX_TIMER_MS, false)?;
        Ok(Settings {
            api_key: text("apiKey")?,
            base_url: text("baseUrl")?,
            fetch: js::opt_function_prop(options, "fetch")?,
            dangerously_allow_browser: js::opt_bool_prop(options, "dangerouslyAllowBrowser")? == Some(true),
            behaviour: Behaviour {
                signal,
                timeout_ms: number("timeoutMs", 1.0, MAX_TIMER_MS, false)?.unwrap_or(DEFAULT_TIMEOUT_MS),
                retry: RetryPolicy {
                    max_retries: max_retries.map_or(retry::DEFAULT_MAX_RETRIES, |n| n as u32),
                    max_retry_delay_ms: max_retry_delay_ms.map_or(retry::DEFAULT_MAX_RETRY_DELAY_MS, |ms| ms as u64),
                },
                on_retry: js::opt_function_prop(options, "onRetry")?,
                idempotency_key: text("idempotencyKey")?.map(request::check_idempotency_key).transpose()?,
                after: read_after(&get(options, "after"))?,
                poll_interval_ms: number("pollIntervalMs", MIN_POLL_INTERVAL_MS, MAX_TIMER_MS, false)?,
                max_wait_ms: number("maxWaitMs", 0.0, f64::INFINITY, false)?.unwrap_or(DEFAULT_MAX_WAIT_MS),
                on_update: js::opt_function_prop(options, "onUpdate")?,
                pause_when_hidden: js::opt_bool_prop(options, "pauseWhenHidden")? != Some(false),
            },
        })
    }

    /// Fills the key and base URL from the environment where they were not given,
    /// applies the endpoint rules and the browser-key rule, and finds the `fetch`.
    pub fn resolve(self) -> Result<Call, Error> {
        let api_key = self.api_key.or_else(|| env_var("TOOLHOUSE_API_KEY"));
        let base_url = self.base_url.or_else(|| env_var("TOOLHOUSE_BASE_URL"));
        let endpoint = Endpoint::resolve(api_key, base_url, |text| url::parse_from_page(&JsValue::from_str(text)))?;
        if endpoint.api_key.is_some() && !self.dangerously_allow_browser && is_public_web() {
            return Err(Error::invalid(
                &["apiKey"],
                "refused in a web page, where anyone who opens the page can read it; \
                 call a server of yours that adds the key (baseUrl, no apiKey), \
                 or set dangerouslyAllowBrowser: true to accept the risk",
            ));
        }
        let fetch = self
            .fetch
            .or_else(transport::global_fetch)
            .ok_or_else(|| Error::invalid(&["fetch"], "there is no global fetch here: pass a `fetch` option"))?;
        Ok(Call { endpoint, fetch, behaviour: self.behaviour })
    }
}

/// Reads the `after` option: the `AgentRun` a continue returned (its `updatedAt` and
/// `results` are what count).
fn read_after(value: &JsValue) -> Result<Option<After>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(Error::invalid(&["after"], "must be the run that continueRun returned"));
    }
    // A run continueRun returned carries what it was before the continue (js/run.js).
    let count = get(value, "resultsCount").as_f64().map_or_else(|| js::array_len(&get(value, "results")), |n| n as usize);
    Ok(Some(After::new(js::epoch_ms(&get(value, "updatedAt")), count)))
}
