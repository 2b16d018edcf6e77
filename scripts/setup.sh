#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there, so a
# second run takes seconds. Usage: scripts/setup.sh [--browser]
#   - the wasm32 Rust target
#   - wasm-bindgen-cli at exactly the version Cargo.toml pins (wasm-pack uses it from PATH)
#   - wasm-pack
#   - the npm devDependencies (esbuild, binaryen's wasm-opt, typescript, playwright-core)
#   - with --browser: Debian's chromium and chromedriver (tests only; nothing downloads a browser)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
WASM_PACK_VERSION=0.15.1
BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
[ -n "$BINDGEN_VERSION" ] || { echo "setup: no exact wasm-bindgen pin in Cargo.toml" >&2; exit 1; }

step() { printf '\n== setup: %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
  step "cargo install wasm-bindgen-cli $BINDGEN_VERSION (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$BINDGEN_VERSION" --force
fi

if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  step "cargo install wasm-pack $WASM_PACK_VERSION (a few minutes, once)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "--browser" ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  step "apt-get install chromium chromium-driver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
fi
echo "setup: ready (wasm-bindgen $BINDGEN_VERSION, wasm-pack $WASM_PACK_VERSION, node $(node --version))"
