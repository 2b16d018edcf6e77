// Set-up of the server half's tests: the handler (pkg/server.js) mounted on node:http in
// front of a fast emulator, page-side clients with no key (one per user), and a record
// of everything: what went upstream, and every answer a page got (to search for the key).
import { createServer, request as httpRequest } from "node:http";
import { AgentRuns } from "../../pkg/index.js";
import { createAgentRunsHandler, toNodeListener } from "../../pkg/server.js";
import { fastEmulator, GREETER, BROKEN } from "./helpers.mjs";

export const KEY = "th-server-side-key-0123456789";
export const SECRET = "callback-secret-0123456789abcdef0123456789";
export const PREFIX = "/api/toolhouse";

/** The user a page request is from, as the tests' `authorize` reads it. */
export const authorize = (/** @type {Request} */ request) => {
  const user = request.headers.get("x-user");
  return user ? { userId: user } : null;
};

/** Serves a `Request → Response` handler (or a node listener) on a free port of 127.0.0.1. */
export async function serve(listener) {
  const server = createServer(listener);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

/**
 * An emulator, and the handler in front of it on node:http. `upstream` lists each request
 * the handler sent; `answers` each answer a page got (status, headers, body).
 * @param {object} [options] handler options over the defaults
 * @param {object} [emulatorOptions]
 */
export async function startProxy(options = {}, emulatorOptions = {}) {
  const emulator = await fastEmulator({ apiKey: KEY, ...emulatorOptions });
  const upstream = [];
  const handler = createAgentRunsHandler({
    apiKey: KEY,
    baseUrl: emulator.baseUrl,
    prefix: PREFIX,
    authorize,
    chats: [GREETER, BROKEN],
    rateLimit: { requests: 10_000, perMs: 60_000 },
    fetch: (url, init) => {
      upstream.push({ url: String(url), method: init?.method ?? "GET", body: init?.body ?? null });
      return fetch(url, init);
    },
    ...options,
  });
  const site = await serve(toNodeListener(handler));
  const answers = [];
  const baseUrl = `${site.origin}${PREFIX}`;
  return {
    emulator,
    handler,
    upstream,
    answers,
    origin: site.origin,
    baseUrl,
    /** A page's client for `user` (no key): every answer it gets is recorded. */
    page(user, extra = {}) {
      const pageFetch = async (url, init) => {
        const headers = new Headers(init?.headers);
        if (headers.has("authorization")) throw new Error("the page sent an Authorization header");
        if (user) headers.set("x-user", user);
        const response = await fetch(url, { ...init, headers });
        answers.push(await recorded(response.clone()));
        return response;
      };
      return new AgentRuns({ baseUrl, fetch: pageFetch, pollIntervalMs: 100, maxRetries: 0, ...extra });
    },
    /** A request as it is sent (raw target, any method): `{ status, headers, body }`, recorded. */
    async raw(method, target, { user = "alice", body, headers = {} } = {}) {
      const answer = await rawRequest(site.origin, method, target, { ...headers, ...(user ? { "x-user": user } : {}) }, body);
      answers.push(answer);
      return answer;
    },
    async close() {
      await site.close();
      await emulator.close();
    },
  };
}

/** @param {Response} response */
async function recorded(response) {
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

/**
 * One HTTP request with its target exactly as given (node:http's client does not
 * normalise it). `body` a string or Buffer, sent with Content-Length; an array of
 * chunks is sent chunked, without one.
 */
export function rawRequest(origin, method, target, headers, body) {
  const { hostname, port } = new URL(origin);
  if (body !== undefined && !Array.isArray(body)) headers = { "content-length": String(Buffer.byteLength(body)), ...headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path: target, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (Array.isArray(body)) for (const chunk of body) req.write(chunk);
    req.end(Array.isArray(body) ? undefined : body);
  });
}

/** Whether an answer (status, headers, body) holds `secret` anywhere. */
export function holds(answer, secret) {
  return JSON.stringify(answer).includes(secret) || answer.body.includes(secret);
}
