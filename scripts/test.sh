#!/usr/bin/env bash
# `npm test`: everything, in order of speed. Fails at the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
stage() { printf '\n==== %s\n' "$*"; }

stage "setup"
bash scripts/setup.sh --browser

stage "cargo test: the pure-Rust core, natively"
cargo test --quiet
cargo test --quiet -p toolhouse-agent-runs-server   # the server half's policy (server/)

stage "clippy: no unwrap/expect/indexing on input paths"
cargo clippy --quiet --target wasm32-unknown-unknown --lib -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown -p toolhouse-agent-runs-server --lib -- -D warnings

stage "build: pkg/"
node scripts/build.mjs

stage "wasm-bindgen-test: the bindings in Node, a Chromium page and a Chromium service worker"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
# The runner gives a browser 20 s by default to load the (debug, several MB) test wasm; a
# cold Chromium on a busy 2-core machine has been seen to need more in a service worker.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
cargo test --target wasm32-unknown-unknown --test wasm_node --test wasm_page --test wasm_service_worker

stage "tsc --strict: the .d.ts, with moduleResolution node16 and bundler; the command line against it"
tsc -p tests/types/tsconfig.json
tsc -p tests/types/tsconfig.bundler.json
# The command line, against the package's published types only (it imports ./index.js).
tsc --noEmit --allowJs --checkJs --strict --target es2022 --module nodenext --moduleResolution nodenext --types node pkg/cli.js
# The server half's Node listener against @types/node (its other types are checked without them, above).
tsc --noEmit --strict --target es2022 --module node16 --moduleResolution node16 --lib es2022,dom --types node tests/types/server-node.ts

stage "node --test: the package against the emulator, in Node and in a Chromium page"
node --test tests/js/ tests/browser/

stage "ecosystem: the packed tarball in every runtime its users have (tests/ecosystem/)"
node tests/ecosystem/run.mjs
