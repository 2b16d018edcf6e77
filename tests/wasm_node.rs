//! The binding tests in Node (`wasm-bindgen-test-runner` runs Node by default).
#![cfg(target_arch = "wasm32")]
mod common;
