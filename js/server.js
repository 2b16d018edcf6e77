// @ts-check
/**
 * toolhouse-agent-runs/server: the server half of a web app, so that the key never
 * reaches the browser. Built on Web-standard `Request` and `Response`, so one handler
 * runs in Node, Deno, Bun, Cloudflare Workers and edge routes.
 *
 * The decisions (which requests pass, whose runs are whose, whether a callback token
 * holds, the rate and size limits) are the Rust policy's (server/, a wasm of its own,
 * embedded here); this file does the I/O and the crypto calls (Web Crypto). The calls
 * upstream go through the package's public client ("./index.js", kept external when
 * bundled: the client's wasm is not embedded twice), so retries, validation and error
 * classes are the client's. scripts/build.mjs bundles this file into pkg/server.js (ESM)
 * and pkg/server.cjs.
 */
import { AgentRuns, AgentRunsError, AuthenticationError, ConnectionError, NotFoundError, TimeoutError, ValidationError, parseRunCallback } from "./index.js";
import * as policyGlue from "../target/wasm-pack-server/server_policy.js";
import { policyModule } from "policy-source";

/**
 * @typedef {import("./server.d.ts").AgentRunsHandlerOptions} AgentRunsHandlerOptions
 * @typedef {import("./server.d.ts").CallbackHandlerOptions} CallbackHandlerOptions
 * @typedef {import("./server.d.ts").CallbackStore} CallbackStore
 * @typedef {import("./server.d.ts").AuthorizedUser} AuthorizedUser
 * @typedef {import("./server.d.ts").NodeRequestLike} NodeRequestLike
 * @typedef {import("./server.d.ts").NodeResponseLike} NodeResponseLike
 * @typedef {import("./index.d.ts").AgentRun} AgentRun
 * @typedef {(request: Request) => Promise<Response>} Handler
 */

// ---------------------------------------------------------------- the policy's wasm

let policyReady = false;
/**
 * The policy's exports, instantiated (synchronously) on first use. Its module comes from
 * "policy-source", which scripts/build.mjs points at js/policy-embedded.js (the bytes
 * embedded) or, at the edge, js/policy-module.js (the shipped .wasm imported as a module).
 */
function policy() {
  if (!policyReady) {
    policyGlue.initSync({ module: policyModule() });
    policyReady = true;
  }
  return policyGlue;
}


// ---------------------------------------------------------------- answers

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };
const NOT_FOUND = { detail: "Not Found" };
/** The service's own answer for a run that is not there: a run of another user gets it too. */
const RUN_NOT_FOUND = { detail: "Agent run not found" };

/**
 * Answers the handler made for a target not under its prefix: a Node listener given a
 * `next` passes the request on instead of answering 404.
 * @type {WeakSet<Response>}
 */
const notOurs = new WeakSet();

/**
 * Raw request targets, as `toNodeListener` received them, by the `Request` it made: the
 * handler judges those rather than the URL, which normalisation may have changed.
 * @type {WeakMap<Request, string>}
 */
const rawTargets = new WeakMap();

/**
 * A JSON answer with every secret masked: the key can reach no answer, whatever an
 * upstream error echoed.
 * @param {number} status
 * @param {unknown} body
 * @param {string[]} secrets
 * @param {Record<string, string>} [headers]
 */
function answer(status, body, secrets, headers = {}) {
  let text = JSON.stringify(body);
  for (const secret of secrets) {
    if (!secret) continue;
    text = text.split(secret).join("[redacted]");
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) text = text.split(escaped).join("[redacted]");
  }
  return new Response(text, { status, headers: { ...JSON_HEADERS, ...headers } });
}

/**
 * The answer for an error of a call upstream: the service's status and body as they
 * came (the client masked an echoed key already; `answer` masks again); failures
 * without an answer as 502 or 504; bad input caught by the client before anything was
 * sent as the service's 422 would be.
 * @param {unknown} error
 * @param {string[]} secrets
 */
function upstreamError(error, secrets) {
  if (!(error instanceof AgentRunsError)) throw error;
  const status = error.status;
  if (typeof status === "number" && status >= 400 && status <= 599) {
    const body = error.body !== null && typeof error.body === "object" ? error.body : { detail: error.message };
    const retryAfterMs = /** @type {{ retryAfterMs?: unknown }} */ (error).retryAfterMs;
    /** @type {Record<string, string>} */
    const headers = typeof retryAfterMs === "number" ? { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } : {};
    return answer(status, body, secrets, headers);
  }
  if (error instanceof ValidationError) {
    const details = /** @type {{ details?: unknown[] }} */ (error).details ?? [];
    return answer(422, { detail: details.length > 0 ? details : error.message }, secrets);
  }
  if (error instanceof AuthenticationError) return answer(500, { detail: "the server has no Toolhouse API key" }, secrets);
  if (error instanceof TimeoutError) return answer(504, { detail: "the Toolhouse service did not answer in time" }, secrets);
  if (error instanceof ConnectionError) return answer(502, { detail: "the Toolhouse service could not be reached" }, secrets);
  return answer(502, { detail: error.message }, secrets);
}

/** @param {string} what */
const invalidBody = (what) => ({ detail: [{ loc: ["body"], msg: what, type: "value_error" }] });

// ---------------------------------------------------------------- reading requests

const TOO_LARGE = Symbol("too large");

/**
 * The body as text, read no further than `maxBytes`: `TOO_LARGE` past it (declared or
 * read), `null` when it is not UTF-8.
 * @param {Request} request
 * @param {number} maxBytes
 * @returns {Promise<string | null | typeof TOO_LARGE>}
 */
async function readText(request, maxBytes) {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && policy().bodyTooLarge(Number(declared), maxBytes)) return TOO_LARGE;
  if (!request.body) return "";
  const reader = request.body.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (policy().bodyTooLarge(size, maxBytes)) {
      reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) (bytes.set(chunk, at), (at += chunk.byteLength));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The request target (path and query) of a `Request`: what `toNodeListener` received
 * as it was, else the URL's (a `?` with nothing after it is kept: it is a query too).
 * @param {Request} request
 */
function targetOf(request) {
  const raw = rawTargets.get(request);
  if (raw !== undefined) return raw;
  const url = new URL(request.url);
  const query = request.url.indexOf("?");
  return url.pathname + (query >= 0 ? request.url.slice(query) : "");
}

/** `process.env[name]`, where there is one and it may be read. @param {string} name */
function envVar(name) {
  try {
    const value = /** @type {{ process?: { env?: Record<string, string | undefined> } }} */ (globalThis).process?.env?.[name];
    return value ? value : undefined;
  } catch {
    return undefined; // Deno without --allow-env
  }
}

/** @param {string} what */
const configError = (what) => new ValidationError(`toolhouse-agent-runs/server: ${what}`);

/**
 * Runs a policy check that throws its message, as a configuration error.
 * @template T
 * @param {string} where
 * @param {() => T} check
 * @returns {T}
 */
function checked(where, check) {
  try {
    return check();
  } catch (message) {
    throw configError(`${where}: ${typeof message === "string" ? message : String(message)}`);
  }
}

/** @param {unknown} value @param {string} name */
function optionalNumber(value, name) {
  if (value === undefined || typeof value === "number") return value;
  throw configError(`${name} must be a number`);
}

/**
 * The client options of the calls upstream, from a handler's options.
 * @param {{ apiKey?: string, baseUrl?: string, fetch?: typeof fetch, timeoutMs?: number, maxRetries?: number }} options
 */
function upstreamClient(options) {
  const apiKey = options.apiKey ?? envVar("TOOLHOUSE_API_KEY");
  /** @type {import("./index.d.ts").ClientOptions} */
  const clientOptions = {};
  if (apiKey !== undefined) clientOptions.apiKey = apiKey;
  for (const name of /** @type {const} */ (["baseUrl", "fetch", "timeoutMs", "maxRetries"])) {
    if (options[name] !== undefined) /** @type {any} */ (clientOptions)[name] = options[name];
  }
  return { client: new AgentRuns(clientOptions), apiKey };
}

// ---------------------------------------------------------------- the handler

/**
 * The handler of the four calls and the list, for pages that use
 * `new AgentRuns({ baseUrl: "<origin><prefix>" })` with no key.
 * @param {AgentRunsHandlerOptions} options
 * @returns {Handler}
 */
export function createAgentRunsHandler(options) {
  if (options === null || typeof options !== "object") throw configError("createAgentRunsHandler needs its options");
  const { authorize, chats, callbackUrl, callbackSecret } = options;
  if (typeof authorize !== "function") throw configError("authorize: a function (request) => ({ userId }) or null is needed");
  if (chats === undefined || chats === null) throw configError("chats: the chat ids users may start (an array), or a function (chatId, user) => boolean, is needed");
  /** @type {string[] | null} */
  const chatList = Array.isArray(chats) ? chats.map(String) : null;
  if (!chatList && typeof chats !== "function") throw configError("chats: an array of chat ids or a function (chatId, user) => boolean");
  if (chatList) {
    const problem = policy().checkChatList(chatList);
    if (problem) throw configError(problem);
  }
  const prefix = checked("prefix", () => policy().checkPrefix(options.prefix ?? "/api/toolhouse"));
  const rate = options.rateLimit ?? {};
  const [requests, perMs, maxBodyBytes] = checked("limits", () =>
    policy().checkLimits(optionalNumber(rate.requests, "rateLimit.requests"), optionalNumber(rate.perMs, "rateLimit.perMs"), optionalNumber(options.maxBodyBytes, "maxBodyBytes")),
  );
  if (callbackUrl !== undefined) {
    if (typeof callbackUrl !== "string" || !/^https?:$/.test(new URL(callbackUrl).protocol)) throw configError("callbackUrl: an absolute http(s) URL");
    checkSecret(callbackSecret, "callbackSecret");
  }
  const { client, apiKey } = upstreamClient(options);
  const secrets = [apiKey ?? "", typeof callbackSecret === "string" ? callbackSecret : ""];
  const [expiresParam, signatureParam] = policy().callbackTokenParams();
  const callbackExpiresInMs = options.callbackExpiresInMs ?? DEFAULT_CALLBACK_EXPIRY_MS;

  /** User id → their state in the rate limit (GCRA's theoretical arrival time). */
  const limits = new Map();
  /** @param {string} userId @returns {number} 0 when allowed, else Retry-After in seconds */
  function rateLimited(userId) {
    const now = Date.now();
    const [allowed, tat, retryAfter] = policy().rateLimit(requests, perMs, limits.get(userId), now);
    limits.delete(userId); // re-inserted last: the Map's order is the order of last use
    limits.set(userId, tat);
    if (limits.size > MAX_TRACKED_USERS) {
      for (const [id, t] of limits) if (policy().rateLimitForgettable(t, now)) limits.delete(id);
      // Still too many active users: the least recently seen are forgotten (they get a new burst).
      for (const id of limits.keys()) if (limits.size > MAX_TRACKED_USERS) limits.delete(id);
    }
    return allowed === 1 ? 0 : retryAfter;
  }

  /** A run as the page sees it: exactly as the service sent it, but without the callback's token. @param {AgentRun} run */
  function shown(run) {
    const raw = /** @type {Record<string, unknown>} */ (run.raw);
    if (typeof raw.callback_url !== "string" || !raw.callback_url.includes(signatureParam)) return raw;
    try {
      const url = new URL(raw.callback_url);
      url.searchParams.delete(expiresParam);
      url.searchParams.delete(signatureParam);
      return { ...raw, callback_url: url.href };
    } catch {
      return { ...raw, callback_url: null };
    }
  }

  /** @param {AgentRun} run @param {string} userId */
  const owned = (run, userId) => policy().owns(typeof run.toolhouseId === "string" ? run.toolhouseId : undefined, userId);

  /**
   * @param {Request} request
   * @returns {Promise<Response>}
   */
  async function serve(request) {
    const [operation, runId] = policy().route(request.method, targetOf(request), prefix);
    if (operation === "outside" || operation === "not-found") {
      const response = answer(404, NOT_FOUND, secrets);
      if (operation === "outside") notOurs.add(response);
      return response;
    }
    const user = await authorize(request);
    if (user === null || user === undefined) return answer(401, { detail: "Not authenticated" }, secrets);
    const userId = typeof user === "object" ? user.userId : undefined;
    const badUser = typeof userId === "string" ? policy().checkUserId(userId) : "userId: a string";
    if (badUser || typeof userId !== "string") throw new Error(`authorize returned a user that cannot own runs (${badUser})`);
    const retryAfter = rateLimited(userId);
    if (retryAfter > 0) return answer(429, { detail: "Too many requests" }, secrets, { "retry-after": String(retryAfter) });

    /** @type {unknown} */
    let body;
    if (operation === "create" || operation === "continue") {
      const text = await readText(request, maxBodyBytes);
      if (text === TOO_LARGE) return answer(413, { detail: `Request body larger than ${maxBodyBytes} bytes` }, secrets);
      try {
        body = text === null ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (body === null || typeof body !== "object" || Array.isArray(body)) return answer(422, invalidBody("Input should be a JSON object"), secrets);
    }
    const fields = /** @type {Record<string, unknown>} */ (body);
    const callOptions = { signal: request.signal };

    try {
      if (operation === "list") {
        const runs = await client.listRuns(callOptions);
        return answer(200, { data: runs.filter((run) => owned(run, userId)).map(shown) }, secrets);
      }
      if (operation === "read") {
        const run = await client.getRun(runId, callOptions);
        return owned(run, userId) ? answer(200, { data: shown(run) }, secrets) : answer(404, RUN_NOT_FOUND, secrets);
      }
      if (operation === "continue") {
        // Read first: a run of another user is not there, and nothing is sent for it.
        const before = await client.getRun(runId, callOptions);
        if (!owned(before, userId)) return answer(404, RUN_NOT_FOUND, secrets);
        const idempotencyKey = await scopedIdempotencyKey(request, userId);
        const run = await client.continueRun(runId, /** @type {string} */ (fields.message), { ...callOptions, ...idempotencyKey });
        return answer(200, { data: shown(run) }, secrets);
      }
      // create
      const chatId = fields.chat_id;
      if (typeof chatId !== "string") return answer(422, { detail: [{ loc: ["body", "chat_id"], msg: "Field required (a string)", type: "missing" }] }, secrets);
      const allowed = chatList ? policy().chatAllowed(chatId, chatList) : (await /** @type {Function} */ (chats)(chatId, user)) === true;
      if (!allowed) return answer(403, { detail: "Chat ID is not allowed" }, secrets);
      /** @type {import("./index.d.ts").CreateRunParams} */
      const params = { chatId, toolhouseId: userId };
      if (fields.vars !== undefined && fields.vars !== null) params.vars = /** @type {any} */ (fields.vars);
      if (fields.bundle !== undefined) params.bundle = /** @type {any} */ (fields.bundle);
      if (callbackUrl !== undefined) params.callbackUrl = await signCallbackUrl(callbackUrl, { secret: /** @type {string} */ (callbackSecret), expiresInMs: callbackExpiresInMs });
      const idempotencyKey = await scopedIdempotencyKey(request, userId);
      const run = await client.createRun(params, { ...callOptions, ...idempotencyKey });
      return answer(200, { data: shown(run) }, secrets);
    } catch (error) {
      if (error instanceof NotFoundError && runId !== undefined) return answer(404, RUN_NOT_FOUND, secrets);
      return upstreamError(error, secrets);
    }
  }

  return async function agentRunsHandler(request) {
    try {
      return await serve(request);
    } catch (error) {
      // An exception of ours or of `authorize`/`chats`: nothing of it reaches the page.
      if (!request.signal?.aborted) reportError(error);
      return answer(500, { detail: "Internal Server Error" }, secrets);
    }
  };
}

/** Users whose rate-limit state is kept at most; past it, the full ones are forgotten first. */
const MAX_TRACKED_USERS = 10_000;
/** How long a signed callback URL holds by default: a day, longer than runs take. */
const DEFAULT_CALLBACK_EXPIRY_MS = 24 * 3_600_000;

/**
 * The page's `Idempotency-Key`, made the user's own: two users' keys can never meet at
 * the service (whose keys are per API key, shared by every user here).
 * @param {Request} request
 * @param {string} userId
 * @returns {Promise<{ idempotencyKey?: string }>}
 */
async function scopedIdempotencyKey(request, userId) {
  const key = request.headers.get("idempotency-key");
  if (key === null) return {};
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${userId}\u0000${key}`));
  return { idempotencyKey: hex(new Uint8Array(digest)) };
}

/** @param {unknown} error */
function reportError(error) {
  try {
    console.error("toolhouse-agent-runs/server: the handler failed:", error);
  } catch {
    // no console
  }
}

// ---------------------------------------------------------------- callbacks

/** @param {unknown} secret @param {string} name */
function checkSecret(secret, name) {
  if (typeof secret !== "string" || !policy().secretLongEnough(new TextEncoder().encode(secret).length)) {
    throw configError(`${name}: a string of at least 32 bytes is needed (e.g. 32 random bytes in hex)`);
  }
}

/** @type {Map<string, Promise<CryptoKey>>} */
const hmacKeys = new Map();
/** The HMAC-SHA-256 key of a secret, imported once. @param {string} secret */
function hmacKey(secret) {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKeys.set(secret, key);
  }
  return key;
}

/** @param {string} secret @param {string} text @returns {Promise<Uint8Array>} */
async function mac(secret, text) {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(text)));
}

/** @param {Uint8Array} bytes */
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** A URL's query as the policy takes it: name, value, name, value … @param {URL} url */
const flatQuery = (url) => [...url.searchParams].flat();

/**
 * The URL with a token in its query: an expiry and an HMAC-SHA-256 signature covering
 * every query parameter (a token already there is replaced).
 * @param {string} url
 * @param {{ secret: string, expiresInMs?: number }} options
 * @returns {Promise<string>}
 */
export async function signCallbackUrl(url, options) {
  const { secret, expiresInMs = DEFAULT_CALLBACK_EXPIRY_MS } = options ?? /** @type {any} */ ({});
  checkSecret(secret, "secret");
  if (typeof expiresInMs !== "number" || !(expiresInMs > 0) || !Number.isFinite(expiresInMs)) throw configError("expiresInMs: a positive number of ms");
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw configError("signCallbackUrl: an absolute URL is needed");
  }
  const pairs = policy().callbackSigningPairs(flatQuery(parsed), Date.now() + expiresInMs);
  const query = new URLSearchParams();
  for (let i = 0; i + 1 < pairs.length; i += 2) query.append(pairs[i], pairs[i + 1]);
  parsed.search = query.toString();
  // Signed as the receiver will read it: from the URL as written.
  const text = policy().callbackStringToSign(flatQuery(new URL(parsed.href)));
  if (text === undefined) throw configError("signCallbackUrl: the URL could not be signed");
  parsed.searchParams.append(policy().callbackTokenParams()[1], hex(await mac(secret, text)));
  return parsed.href;
}

/** @returns {CallbackStore} */
function memoryStore() {
  /** @type {Set<string>} */
  const seen = new Set();
  return {
    add(key) {
      if (seen.has(key)) return false;
      seen.add(key);
      // Bounded: the oldest are forgotten first (a Set keeps its insertion order).
      for (const old of seen) if (seen.size > MAX_REMEMBERED_CALLBACKS) seen.delete(old); else break;
      return true;
    },
    delete(key) {
      seen.delete(key);
    },
  };
}
/** Run states the default store remembers (about a megabyte). */
const MAX_REMEMBERED_CALLBACKS = 10_000;
/** Bodies of callbacks are small; larger ones are refused. */
const MAX_CALLBACK_BODY_BYTES = 65_536;
const ENDED = new Set(["completed", "failed"]);

/**
 * The handler of the service's callbacks (POSTs to a URL `signCallbackUrl` signed):
 * checks the token, reads the body, confirms with `getRun`, and calls `onRun` with the
 * confirmed run, once per state of it.
 * @param {CallbackHandlerOptions} options
 * @returns {Handler}
 */
export function createCallbackHandler(options) {
  if (options === null || typeof options !== "object") throw configError("createCallbackHandler needs its options");
  const { secret, onRun } = options;
  checkSecret(secret, "secret");
  if (typeof onRun !== "function") throw configError("onRun: a function (run) => void is needed");
  const store = options.store ?? memoryStore();
  if (typeof store?.add !== "function") throw configError("store: an object with add(key) (and delete(key))");
  const { client, apiKey } = upstreamClient(options);
  const secrets = [apiKey ?? "", secret];
  const none = () => new Response(null, { status: 204, headers: { "cache-control": "no-store" } });

  /** @param {Request} request @returns {Promise<Response>} */
  async function serve(request) {
    if (request.method !== "POST") return answer(405, { detail: "Method Not Allowed" }, secrets, { allow: "POST" });
    const query = flatQuery(new URL(request.url));
    const text = policy().callbackStringToSign(query);
    // The MAC is computed whatever the token says, so that a wrong one takes as long as a right one.
    const expected = await mac(secret, text ?? "");
    if (text === undefined || !policy().callbackTokenHolds(query, expected, Date.now())) return answer(401, { detail: "Not authenticated" }, secrets);

    const body = await readText(request, MAX_CALLBACK_BODY_BYTES);
    if (body === TOO_LARGE) return answer(413, { detail: "Request body too large" }, secrets);
    let callback;
    try {
      if (body === null) throw new Error("not UTF-8");
      callback = parseRunCallback(body);
    } catch {
      return answer(400, { detail: "Not a run callback" }, secrets);
    }
    let run;
    try {
      run = await client.getRun(callback.runId);
    } catch (error) {
      // No such run for this key: nothing will change that. Anything else: the sender may retry.
      if (error instanceof NotFoundError) return answer(400, { detail: "No such run" }, secrets);
      return answer(502, { detail: "The run could not be confirmed" }, secrets);
    }
    // A callback says the run ended; a read that does not show it yet is no confirmation.
    if (!ENDED.has(run.status)) return answer(502, { detail: "The run has not ended yet" }, secrets);
    const key = `${run.id} ${run.status} ${run.updatedAt ?? ""}`;
    if (!(await store.add(key))) return none();
    try {
      await onRun(run);
    } catch (error) {
      // Forgotten again, so that the sender's next try is delivered.
      await store.delete?.(key);
      throw error;
    }
    return none();
  }

  return async function callbackHandler(request) {
    try {
      return await serve(request);
    } catch (error) {
      reportError(error);
      return answer(500, { detail: "Internal Server Error" }, secrets);
    }
  };
}

// ---------------------------------------------------------------- Node

/**
 * A `node:http` (and Express, Connect …) listener of a `Request → Response` handler.
 * The raw request target (`req.originalUrl ?? req.url`) is handed to the handler as it
 * came, so that it judges what was sent rather than a normalised URL. Given `next`
 * (Express middleware), requests not under an agent-runs handler's prefix go on to it.
 * @param {Handler} handler
 * @returns {(req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => Promise<void>}
 */
export function toNodeListener(handler) {
  return async function nodeListener(req, res, next) {
    try {
      const target = req.originalUrl ?? req.url ?? "/";
      const controller = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) controller.abort();
      });
      const request = nodeRequest(req, target, controller.signal);
      if (!request) {
        if (typeof next === "function") return next();
        res.writeHead(404, JSON_HEADERS);
        res.end(JSON.stringify(NOT_FOUND));
        return;
      }
      rawTargets.set(request, target);
      const response = await handler(request);
      if (typeof next === "function" && notOurs.has(response)) return next();
      /** @type {Record<string, string | string[]>} */
      const headers = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
      if (cookies.length > 0) headers["set-cookie"] = cookies;
      res.writeHead(response.status, headers);
      if (response.body && req.method !== "HEAD") {
        for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (response.body))) res.write(chunk);
      }
      res.end();
    } catch (error) {
      reportError(error);
      if (!res.headersSent) {
        res.writeHead(500, JSON_HEADERS);
        res.end(JSON.stringify({ detail: "Internal Server Error" }));
      } else res.destroy();
    }
  };
}

/**
 * A `Request` of a Node request; `null` when it cannot be one (a method or target the
 * Fetch API refuses).
 * @param {NodeRequestLike} req
 * @param {string} target
 * @param {AbortSignal} signal
 */
function nodeRequest(req, target, signal) {
  const method = req.method ?? "GET";
  const headers = new Headers();
  const raw = req.rawHeaders ?? [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i], raw[i + 1]);
    } catch {
      // a header the Fetch API refuses is left out
    }
  }
  const host = headers.get("host");
  let url;
  try {
    url = new URL(target.startsWith("/") ? target : "/", `http://${host && /^[\w.:[\]-]+$/.test(host) ? host : "localhost"}`);
  } catch {
    return null;
  }
  /** @type {RequestInit & { duplex?: "half" }} */
  const init = { method, headers, signal };
  if (method !== "GET" && method !== "HEAD") {
    const parsed = /** @type {{ body?: unknown, readableEnded?: boolean }} */ (req);
    if (parsed.readableEnded && parsed.body !== undefined) {
      // A body parser (Express's express.json() …) has read it already.
      const b = parsed.body;
      init.body = typeof b === "string" ? b : b instanceof Uint8Array ? new Uint8Array(b) : JSON.stringify(b);
    } else {
      init.body = nodeStream(req);
      init.duplex = "half";
    }
  }
  try {
    return new Request(url, init);
  } catch {
    return null;
  }
}

/**
 * The request's body as a `ReadableStream`, pulled as it is read and not before: a
 * request the handler passes on to `next` keeps its body untouched for the app's routes.
 * @param {NodeRequestLike} req
 */
function nodeStream(req) {
  /** @type {AsyncIterator<Uint8Array | string> | null} */
  let chunks = null;
  return new ReadableStream(
    {
      async pull(controller) {
        chunks ??= /** @type {AsyncIterator<Uint8Array | string>} */ (req[Symbol.asyncIterator]());
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(typeof value === "string" ? new TextEncoder().encode(value) : new Uint8Array(value));
      },
      async cancel() {
        await chunks?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
