// The boundary between JS and the wasm: no exception may unwind through wasm frames
// (it would skip their cleanup and leak wasm stack), and an instance that traps anyway
// is replaced without breaking the calls that come after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { packageInstances, wasmInstanceCount } from "../../bench/lib/wasm-probe.mjs";

// The probe must see the instance being made, so the package is imported after it.
const sdk = await import("../../pkg/index.js");
const RUN = "a3a26d33-6f4d-4490-a56f-e17f867ba451";
const answer = (status) => new Response(JSON.stringify({ data: { id: RUN, status, results: [] } }), { status: 200 });
const okFetch = async () => answer("completed");
const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(e));
process.on("uncaughtException", (e) => unhandled.push(e));

/**
 * The imports of the generated glue that are not wrapped in `handleError` (the form a
 * `#[wasm_bindgen(catch)]` import takes), each with the reason it cannot throw on what
 * it is given. A new import that can throw must be `catch`; one that cannot goes here.
 */
const CANNOT_THROW = {
  __wbindgen_boolean_get: "typeof check",
  __wbindgen_is_function: "typeof check",
  __wbindgen_is_null: "comparison",
  __wbindgen_is_object: "typeof check",
  __wbindgen_is_string: "typeof check",
  __wbindgen_is_undefined: "comparison",
  __wbindgen_number_get: "typeof check",
  __wbindgen_string_get: "typeof check, then a string",
  __wbindgen_throw: "only on a Rust panic, which the crate denies (panic = abort, clippy) ",
  _wbg_cb_unref: "the glue's own closures",
  abort: "our own AbortController; listeners' exceptions are reported, not thrown",
  aborted: "a genuine AbortSignal: js/index.js gives the wasm no other",
  addEventListener: "a genuine AbortSignal: js/index.js gives the wasm no other",
  removeEventListener: "a genuine AbortSignal: js/index.js gives the wasm no other",
  reason: "a genuine AbortSignal: js/index.js gives the wasm no other",
  signal: "our own AbortController",
  clearInterval: "timer ids of our own",
  clearTimeout: "timer ids of our own",
  setInterval: "our own callback",
  setTimeout: "our own callback",
  queueMicrotask: "a function of wasm-bindgen-futures, or a property read on the global",
  create: "Object.create(null)",
  new: "new Array / Object / AbortController / Promise with our own executor",
  new_typed: "new Promise with our own executor",
  now: "Date.now",
  parse: "Date.parse of a string (NaN for junk); the other parse, JSON.parse, is imported with catch",
  set_body: "a RequestInit of our own (a plain object), given a string",
  set_headers: "a RequestInit of our own, given a plain object of our own",
  set_method: "a RequestInit of our own, given a string",
  set_signal: "a RequestInit of our own, given our own AbortController's signal",
  random: "Math.random",
  of: "Array.of",
  push: "an array of our own",
  race: "Promise.race of promises of our own",
  resolve: "Promise.resolve of a genuine promise (wasm-bindgen-futures); the one for fetch's answer is catch",
  then: "a genuine promise",
  hostname: "a URL object made by new URL",
  href: "a URL object made by new URL",
  protocol: "a URL object made by new URL",
  username: "a URL object made by new URL",
  password: "a URL object made by new URL",
  includes: "a genuine string (typeof-checked first)",
  replaceAll: "a genuine string; the replacement is never longer than the text replaced, so it cannot grow past the engine's limit",
  slice: "a genuine string",
  trim: "a genuine string",
  length: "a genuine string",
  makeError: "js/errors.js: builds one of the package's classes from a bounded message",
  makeRun: "js/run.js: reads a value JSON.parse made",
  markContinued: "js/run.js: defines a property on a run makeRun made",
  rest: "js/page.js: reads globals with optional chaining; a genuine AbortSignal",
  instanceof_Promise: "instanceof on what js/page.js returned (undefined or a promise of its own)",
  static_accessor_GLOBAL_THIS: "typeof check",
  static_accessor_GLOBAL: "typeof check",
  static_accessor_SELF: "typeof check",
  static_accessor_WINDOW: "typeof check",
};

test("every import of the glue that can throw is caught at the boundary (catch), the rest are listed with a reason", () => {
  const glue = readFileSync(new URL("../../target/wasm-pack/agent_runs.js", import.meta.url), "utf8");
  const imports = [...glue.matchAll(/^ {8}__wbg_(\w+?)_[0-9a-f]{16}: function\([^)]*\) \{( return handleError\()?/gm)];
  assert.ok(imports.length > 40, `found ${imports.length} imports: the glue's shape changed`);
  const unguarded = new Set(imports.filter((m) => !m[2]).map((m) => m[1]));
  const guarded = imports.filter((m) => m[2]).map((m) => m[1]);
  for (const name of ["parse", "isArray", "keys", "get", "call"]) {
    assert.ok(guarded.some((g) => g.startsWith(name)), `${name} is imported with catch`);
  }
  const unexplained = [...unguarded].filter((name) => !(name in CANNOT_THROW));
  assert.deepEqual(unexplained, [], "imports without catch and without a reason they cannot throw");
});

test("an instance that traps on a call rejects that call with an AgentRunsError, and the next call gets a new instance", async () => {
  assert.equal((await sdk.getRun(RUN, { apiKey: "k", fetch: okFetch })).status, "completed");
  const before = wasmInstanceCount();
  const instances = packageInstances();
  // Garbage in the whole linear memory: the next entry into the wasm traps.
  new Uint8Array(instances[instances.length - 1].exports.memory.buffer).fill(0xff);
  const err = await sdk.getRun(RUN, { apiKey: "k", fetch: okFetch }).then(() => null, (e) => e);
  assert.ok(err instanceof sdk.AgentRunsError, String(err));
  assert.ok(err.cause instanceof WebAssembly.RuntimeError, String(err.cause));
  assert.equal((await sdk.getRun(RUN, { apiKey: "k", fetch: okFetch })).status, "completed");
  assert.equal(wasmInstanceCount(), before + 1);
});

test("a trap in a callback (a fetch that answers later, a timer) rejects every pending call of that instance, with nothing unhandled", async () => {
  let release = () => {};
  const slowFetch = () => new Promise((resolve) => (release = () => resolve(answer("completed"))));
  const pending = sdk.getRun(RUN, { apiKey: "k", fetch: slowFetch }).then(() => null, (e) => e);
  const waiting = sdk.waitForRun(RUN, { apiKey: "k", fetch: async () => answer("queued"), pollIntervalMs: 100 }).then(() => null, (e) => e);
  await new Promise((r) => setTimeout(r, 50));
  const instances = packageInstances();
  new Uint8Array(instances[instances.length - 1].exports.memory.buffer).fill(0xff);
  release();
  for (const err of [await pending, await waiting]) {
    assert.ok(err instanceof sdk.AgentRunsError, String(err));
    assert.match(err.message, /instance failed/);
  }
  assert.equal((await sdk.waitForRun(RUN, { apiKey: "k", fetch: okFetch })).status, "completed");
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(unhandled, []);
});
