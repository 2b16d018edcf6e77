//! Which JS runtime this is, as far as defaults and key safety care: environment
//! variables where there are any, and whether code runs in a public web page.

use js_sys::global;
use wasm_bindgen::{JsCast, JsValue};

use crate::js::get;

/// `process.env[name]` in Node, Bun and Deno; `None` elsewhere or when the runtime
/// refuses (Deno without `--allow-env` throws, which reads as unset).
pub fn env_var(name: &'static str) -> Option<String> {
    let env = get(&get(&global(), "process"), "env");
    get(&env, name).as_string().filter(|v| !v.is_empty())
}

/// True in a web page or one of its workers, where anyone who opens the page can read
/// what the code holds. False in Node, Bun, Deno, Cloudflare Workers, Vercel's edge
/// runtime and browser extensions (their pages and service workers are not readable by
/// the sites the user visits).
pub fn is_public_web() -> bool {
    let g: JsValue = global().into();
    let defined = |v: &JsValue| !v.is_undefined() && !v.is_null();
    // Node, Deno, Bun; Cloudflare Workers (workerd names itself in navigator.userAgent);
    // Vercel's edge runtime (`EdgeRuntime`). Servers, though some have `WorkerGlobalScope`.
    let server = defined(&get(&get(&g, "process"), "versions"))
        || defined(&get(&g, "Deno"))
        || defined(&get(&g, "Bun"))
        || defined(&get(&g, "EdgeRuntime"))
        || get(&get(&g, "navigator"), "userAgent").as_string().as_deref() == Some("Cloudflare-Workers");
    if server {
        return false;
    }
    if in_extension(&g, "chrome") || in_extension(&g, "browser") {
        return false;
    }
    defined(&get(&g, "document")) || defined(&get(&g, "WorkerGlobalScope"))
}

/// True in a browser extension's service worker, which Chrome stops after about 30 s
/// without events or extension API calls.
pub fn is_extension_service_worker() -> bool {
    let g: JsValue = global().into();
    !get(&g, "ServiceWorkerGlobalScope").is_undefined() && in_extension(&g, "chrome")
}

/// Whether `<namespace>.runtime.id` names the extension this code runs in (`chrome` in
/// Chromium, `browser` in Firefox).
fn in_extension(global: &JsValue, namespace: &'static str) -> bool {
    get(&get(&get(global, namespace), "runtime"), "id").as_string().is_some_and(|id| !id.is_empty())
}

/// Calls a cheap extension API, which resets an extension service worker's idle timer
/// (what Chrome's documentation advises for long work). Does nothing elsewhere.
pub fn keep_extension_alive() {
    let runtime = get(&get(&global(), "chrome"), "runtime");
    if let Ok(info) = get(&runtime, "getPlatformInfo").dyn_into::<js_sys::Function>() {
        // A callback (not the promise form) so that nothing is left unhandled; it is freed once called.
        let done = wasm_bindgen::closure::Closure::once_into_js(|_: JsValue| {});
        let _ = info.call1(&runtime, &done);
    }
}
