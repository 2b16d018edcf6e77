// The scenario of the server projects (server-deno, server-bun, server-express): the
// handler of toolhouse-agent-runs/server serves in the runtime, in front of the emulator
// with the key; a page-side client with no key creates a run through it, waits, continues
// it and waits again; another user cannot read it; no user is a 401. Plain JavaScript
// that runs in every runtime. Returns { ok, … } or { ok: false, error }; never throws.
import { GREETER } from "./agents.js"; // written by run.mjs

export { GREETER };
export const KEY = "th-ecosystem-server-key";
export const PREFIX = "/api/toolhouse";

/** The handler, as an app would make it (the user from a header, for the test). */
export function makeHandler(server, upstreamBaseUrl) {
  return server.createAgentRunsHandler({
    apiKey: KEY,
    baseUrl: upstreamBaseUrl,
    prefix: PREFIX,
    authorize: (request) => (request.headers.get("x-user") ? { userId: request.headers.get("x-user") } : null),
    chats: [GREETER],
    rateLimit: { requests: 1000, perMs: 60_000 },
  });
}

/** The page's side, against the handler served at `origin`. */
export async function pageScenario(sdk, origin) {
  const baseUrl = `${origin}${PREFIX}`;
  const page = (user) =>
    new sdk.AgentRuns({
      baseUrl,
      pollIntervalMs: 100,
      fetch: (url, init) => {
        const headers = new Headers(init?.headers);
        if (headers.has("authorization")) throw new Error("the page sent an Authorization header");
        headers.set("x-user", user);
        return fetch(url, { ...init, headers });
      },
    });
  try {
    const alice = page("alice");
    const created = await alice.createRun({ chatId: GREETER, vars: { name: "Ada", topic: "owls" }, toolhouseId: "mallory" });
    if (created.status !== "queued" || created.toolhouseId !== "alice") throw new Error(`created: ${JSON.stringify(created.raw)}`);
    const first = await alice.waitForRun(created.id);
    if (first.status !== "completed" || !/^Hello Ada!/.test(first.lastAgentMessage)) throw new Error(`first end: ${JSON.stringify(first.raw)}`);
    const continued = await alice.continueRun(created.id, "one more");
    const second = await alice.waitForRun(created.id, { after: continued });
    if (!/You said: "one more"/.test(second.lastAgentMessage ?? "")) throw new Error(`second end: ${JSON.stringify(second.raw)}`);
    const stolen = await page("bob").getRun(created.id).then(() => "read", (e) => (e instanceof sdk.NotFoundError ? "not found" : String(e)));
    if (stolen !== "not found") throw new Error(`another user's read: ${stolen}`);
    const listed = await page("bob").listRuns();
    if (listed.some((r) => r.id === created.id)) throw new Error("another user's list holds the run");
    const anonymous = await fetch(`${baseUrl}/agent-runs`);
    const anonymousText = await anonymous.text();
    if (anonymous.status !== 401) throw new Error(`no user: ${anonymous.status}`);
    const other = await fetch(`${baseUrl}/agent-runs/${created.id}/extra`, { headers: { "x-user": "alice" } });
    await other.text();
    if (other.status !== 404) throw new Error(`an extra segment: ${other.status}`);
    if (anonymousText.includes(KEY)) throw new Error("the key in an answer");
    return { ok: true, runId: created.id, first: first.lastAgentMessage, second: second.lastAgentMessage };
  } catch (error) {
    return { ok: false, error: String(error?.stack ?? error) };
  }
}
