//! The binding tests in a service worker of headless Chromium: no `window`, no DOM.
#![cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_service_worker);
mod common;
