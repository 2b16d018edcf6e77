// Shared set-up of the JS tests: the built package and a fast emulator.
import { startEmulator } from "../../emulator/server.js";
import { GREETER } from "../support/agents.mjs";
import { scriptedFetch } from "../support/fake_fetch.js";

export { GREETER, BROKEN, SLOW } from "../support/agents.mjs";
export { scriptedFetch };
export const MISSING_RUN = "00000000-0000-4000-8000-000000000000";
export const UNKNOWN_CHAT = "11111111-1111-4111-8111-111111111111";

/** An emulator where the Greeter takes 15 ms and runs queue for 5 ms. */
export function fastEmulator(extra = {}) {
  return startEmulator({ timeScale: 0.01, queueMs: 500, ...extra });
}

// ---- Helpers of the hardening and chaos suites ----------------------------------------

/** setTimeout as it was when the tests started (tests that scale the clock replace the global). */
export const realSetTimeout = globalThis.setTimeout;
export const realClearTimeout = globalThis.clearTimeout;
export const realDateNow = Date.now;

/** A run of the service's shape, wrapped in `data`. */
export function runBody(id, status = "completed", extra = {}) {
  return { data: { id, chat_id: GREETER, status, results: [], last_agent_message: status === "completed" ? "done" : null, vars: null, ...extra } };
}

/**
 * How a promise ends, without ever waiting past `ms`: `{ value }`, `{ error }` or
 * `{ hung: true }`; `elapsed` in ms either way. Given a function, calls it first
 * (`{ threw }` when it throws synchronously).
 * @param {Promise<unknown> | (() => unknown)} promise
 * @param {number} ms
 */
export function settle(promise, ms) {
  const started = realDateNow();
  if (typeof promise === "function") {
    // A thunk: a call that throws instead of returning a promise is reported as `threw`.
    try {
      promise = promise();
    } catch (threw) {
      return Promise.resolve({ threw, elapsed: realDateNow() - started });
    }
  }
  return new Promise((resolve) => {
    const timer = realSetTimeout(() => resolve({ hung: true, elapsed: realDateNow() - started }), ms);
    Promise.resolve(promise).then(
      (value) => {
        realClearTimeout(timer);
        resolve({ value, elapsed: realDateNow() - started });
      },
      (error) => {
        realClearTimeout(timer);
        resolve({ error, elapsed: realDateNow() - started });
      },
    );
  });
}

/**
 * Records every 'uncaughtException' and 'unhandledRejection' of the process (which must
 * never fire: each is an exception that escaped a call).
 */
export function watchEscapes() {
  const escapes = [];
  const onException = (e) => escapes.push({ kind: "uncaughtException", error: e });
  const onRejection = (e) => escapes.push({ kind: "unhandledRejection", error: e });
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return {
    escapes,
    /** Lets pending microtasks and timers run, then returns and forgets what escaped. */
    async take(waitMs = 20) {
      await new Promise((r) => realSetTimeout(r, waitMs));
      return escapes.splice(0);
    },
    stop() {
      process.off("uncaughtException", onException);
      process.off("unhandledRejection", onRejection);
    },
  };
}

/** Runs `fn` with these environment variables (undefined deletes), then restores them. */
export async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (k, v) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
  for (const [k, v] of Object.entries(vars)) set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
}

/** Replaces the global fetch by a recording one for the time of `fn`. */
export async function withGlobalFetch(answer, fn) {
  const saved = globalThis.fetch;
  const recorder = scriptedFetch([answer]);
  globalThis.fetch = recorder.fetch;
  try {
    return await fn(recorder.requests);
  } finally {
    globalThis.fetch = saved;
  }
}

/** The Authorization header of a recorded request, whatever shape `init.headers` had. */
export function authorizationOf(init) {
  try {
    return new Headers(init?.headers ?? {}).get("authorization");
  } catch {
    return null;
  }
}
