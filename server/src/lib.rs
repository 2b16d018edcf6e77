//! The policy of `toolhouse-agent-runs/server`: the decisions the server half makes, as
//! pure functions tested natively. Which requests pass ([`route`]), whose runs are whose
//! ([`owner`]), what a callback token signs and whether it holds ([`token`]), and the
//! rate and size limits ([`limits`]). The JS of `js/server.js` does the I/O and calls
//! Web Crypto; it decides nothing these functions decide.
//!
//! Kept apart from the client crate so that a browser's download does not grow with the
//! server's code. The exports below only convert values.

pub mod limits;
pub mod owner;
pub mod route;
pub mod token;

use wasm_bindgen::prelude::*;

use limits::RateLimit;
use route::Route;

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread, which is
// what AssumeSingleThreaded requires.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Judges a request on its method and raw target (path and query as sent): `["list"]`,
/// `["create"]`, `["read", runId]`, `["continue", runId]`, `["not-found"]` (under the
/// prefix, none of those: 404) or `["outside"]` (not under the prefix).
#[wasm_bindgen(js_name = route)]
pub fn route_js(method: &str, target: &str, prefix: &str) -> Vec<String> {
    let (name, id) = match route::route(method, target, prefix) {
        Route::List => ("list", None),
        Route::Create => ("create", None),
        Route::Read(id) => ("read", Some(id)),
        Route::Continue(id) => ("continue", Some(id)),
        Route::NotFound => ("not-found", None),
        Route::Outside => ("outside", None),
    };
    std::iter::once(name.to_owned()).chain(id).collect()
}

/// The prefix as routes compare it (one trailing slash dropped); throws a message when
/// it is not a plain path.
#[wasm_bindgen(js_name = checkPrefix)]
pub fn check_prefix(prefix: &str) -> Result<String, String> {
    route::check_prefix(prefix).map(str::to_owned).map_err(str::to_owned)
}

/// The limits with their defaults filled in, `[requests, perMs, maxBodyBytes]`; throws
/// a message when one is out of range.
#[wasm_bindgen(js_name = checkLimits)]
pub fn check_limits(requests: Option<f64>, per_ms: Option<f64>, max_body_bytes: Option<f64>) -> Result<Vec<f64>, String> {
    let limit = limits::check_rate_limit(requests.unwrap_or(limits::DEFAULT.requests), per_ms.unwrap_or(limits::DEFAULT.per_ms))?;
    let max_body = limits::check_max_body_bytes(max_body_bytes.unwrap_or(limits::DEFAULT_MAX_BODY_BYTES))?;
    Ok(vec![limit.requests, limit.per_ms, max_body])
}

/// Why a list of allowed chats cannot be used, or nothing.
#[wasm_bindgen(js_name = checkChatList)]
pub fn check_chat_list(chats: Vec<String>) -> Option<String> {
    owner::check_chat_list(&chats).err().map(str::to_owned)
}

/// Why a user id from `authorize` cannot own runs, or nothing.
#[wasm_bindgen(js_name = checkUserId)]
pub fn check_user_id(user_id: &str) -> Option<String> {
    owner::check_user_id(user_id).err().map(str::to_owned)
}

/// Whether a run with this `toolhouse_id` (`undefined` when absent or not a string)
/// belongs to the user.
#[wasm_bindgen(js_name = owns)]
pub fn owns(toolhouse_id: Option<String>, user_id: &str) -> bool {
    owner::owns(toolhouse_id.as_deref(), user_id)
}

/// Whether `chatId` is one of `allowed` (UUIDs, any case).
#[wasm_bindgen(js_name = chatAllowed)]
pub fn chat_allowed(chat_id: &str, allowed: Vec<String>) -> bool {
    owner::chat_allowed(chat_id, &allowed)
}

/// One request of a user whose state is `tatMs` (undefined for a user not seen):
/// `[allowed (1 or 0), the state to keep, Retry-After in seconds (0 when allowed)]`.
#[wasm_bindgen(js_name = rateLimit)]
pub fn rate_limit(requests: f64, per_ms: f64, tat_ms: Option<f64>, now_ms: f64) -> Vec<f64> {
    let d = limits::take(RateLimit { requests, per_ms }, tat_ms, now_ms);
    let retry = if d.allowed { 0.0 } else { limits::retry_after_seconds(d.retry_after_ms) };
    vec![f64::from(u8::from(d.allowed)), d.tat_ms, retry]
}

/// Whether a user's state gives them the whole burst again, so that it can be forgotten.
#[wasm_bindgen(js_name = rateLimitForgettable)]
pub fn rate_limit_forgettable(tat_ms: f64, now_ms: f64) -> bool {
    limits::forgettable(tat_ms, now_ms)
}

/// Whether a body of `bytes` is over `maxBytes`.
#[wasm_bindgen(js_name = bodyTooLarge)]
pub fn body_too_large(bytes: f64, max_bytes: f64) -> bool {
    limits::body_too_large(bytes, max_bytes)
}

/// Query pairs arrive flat: name, value, name, value …
fn pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(name), Some(value)) = (items.next(), items.next()) {
        out.push((name, value));
    }
    out
}

fn flat(pairs: Vec<(String, String)>) -> Vec<String> {
    pairs.into_iter().flat_map(|(n, v)| [n, v]).collect()
}

/// The query pairs (flat) of a URL to sign, its token replaced by `th_expires`.
#[wasm_bindgen(js_name = callbackSigningPairs)]
pub fn callback_signing_pairs(query: Vec<String>, expires_at_ms: f64) -> Vec<String> {
    // Whole ms; the caller passes Date.now() plus a positive duration.
    let expires = if expires_at_ms.is_finite() && expires_at_ms > 0.0 { expires_at_ms.ceil() as u64 } else { 0 };
    flat(token::signing_pairs(&pairs(query), expires))
}

/// What the MAC covers, for these query pairs (flat); nothing when the token's
/// structure is wrong (no expiry, two signatures …).
#[wasm_bindgen(js_name = callbackStringToSign)]
pub fn callback_string_to_sign(query: Vec<String>) -> Option<String> {
    token::string_to_sign(&pairs(query)).ok()
}

/// Whether the token in these query pairs (flat) holds at `now`, given `mac`, the
/// HMAC-SHA-256 of `callbackStringToSign` of the same pairs (constant-time comparison).
#[wasm_bindgen(js_name = callbackTokenHolds)]
pub fn callback_token_holds(query: Vec<String>, mac: &[u8], now_ms: f64) -> bool {
    token::token_holds(&pairs(query), mac, now_ms)
}

/// The names of the query parameters of a token: `[expiry, signature]`.
#[wasm_bindgen(js_name = callbackTokenParams)]
pub fn callback_token_params() -> Vec<String> {
    vec![token::EXPIRES.to_owned(), token::SIGNATURE.to_owned()]
}

/// Whether a callback secret of this many bytes is long enough (32).
#[wasm_bindgen(js_name = secretLongEnough)]
pub fn secret_long_enough(bytes: usize) -> bool {
    token::secret_long_enough(bytes)
}
