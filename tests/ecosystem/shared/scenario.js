// The scenario every ecosystem project runs, with the package it imported: create a run
// with vars, wait for it, continue it, wait for the new end. Returns { ok, … } or
// { ok: false, error }; never throws. Plain JavaScript that runs in every runtime.
import { GREETER } from "./agents.js"; // written by run.mjs

export async function scenario(sdk, baseUrl, extra = {}) {
  const options = { apiKey: "th-ecosystem", baseUrl, pollIntervalMs: 100, ...extra };
  try {
    const created = await sdk.createRun({ chatId: GREETER, vars: { name: "Ada", topic: "owls", n: 3 } }, options);
    if (created.status !== "queued") throw new Error(`created as ${created.status}`);
    const first = await sdk.waitForRun(created.id, options);
    if (first.status !== "completed" || !/^Hello Ada!/.test(first.lastAgentMessage)) throw new Error(`first end: ${JSON.stringify(first)}`);
    const continued = await sdk.continueRun(created.id, "one more", options);
    const second = await sdk.waitForRun(created.id, { ...options, after: continued });
    if (!/You said: "one more"/.test(second.lastAgentMessage ?? "")) throw new Error(`second end: ${JSON.stringify(second)}`);
    const invalid = await sdk.getRun("not-a-uuid", options).catch((e) => e);
    if (!(invalid instanceof sdk.ValidationError)) throw new Error(`expected a ValidationError, got ${invalid}`);
    return { ok: true, runId: created.id, first: first.lastAgentMessage, second: second.lastAgentMessage };
  } catch (error) {
    return { ok: false, error: String(error?.stack ?? error) };
  }
}

/**
 * The scenario of the web projects (pages, and a page's worker): a key without
 * dangerouslyAllowBrowser is refused first (a ValidationError, nothing sent), then the
 * scenario runs with the flag.
 */
export async function webScenario(sdk, baseUrl) {
  const refused = await sdk.getRun(GREETER, { apiKey: "th-ecosystem", baseUrl, maxRetries: 0 })
    .then(() => "not refused", (e) => (e instanceof sdk.ValidationError ? "ValidationError" : String(e)));
  if (refused !== "ValidationError") return { ok: false, error: `apiKey without dangerouslyAllowBrowser: ${refused}` };
  return scenario(sdk, baseUrl, { dangerouslyAllowBrowser: true });
}
