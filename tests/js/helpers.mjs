// Shared set-up of the JS tests: the built package and a fast emulator.
import { startEmulator } from "../../emulator/server.js";

export const GREETER = "0b5c1a1e-2f3d-4c5b-8a9e-7f6d5c4b3a21";
export const BROKEN = "5f0e7d6c-4b3a-4921-8e7f-6a5b4c3d2e1f";
export const SLOW = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
export const MISSING_RUN = "00000000-0000-4000-8000-000000000000";
export const UNKNOWN_CHAT = "11111111-1111-4111-8111-111111111111";

/** An emulator where the Greeter takes 15 ms and runs queue for 5 ms. */
export function fastEmulator(extra = {}) {
  return startEmulator({ timeScale: 0.01, queueMs: 500, ...extra });
}

/** A fetch that answers from a list (the last one repeats) and records each request. */
export function scriptedFetch(answers) {
  const requests = [];
  const queue = [...answers];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (typeof next === "function") return next(url, init);
    const body = typeof next.body === "string" ? next.body : JSON.stringify(next.body);
    return new Response(body, { status: next.status ?? 200, headers: next.headers ?? {} });
  };
  return { fetch, requests };
}
