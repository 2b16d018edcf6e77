// The public types of toolhouse-agent-runs/server: their one home. scripts/build.mjs
// publishes this file as pkg/server.d.ts (and, importing "./index.cjs", pkg/server.d.cts).

import type { AgentRun, ClientOptions } from "./index.js";

/** A `Request → Response` handler: `export default { fetch: handler }` (Workers, Deno.serve, Bun.serve), `export const GET = handler` (Next.js), `toNodeListener(handler)` (node:http, Express). */
export type Handler = (request: Request) => Promise<Response>;

/** Who is asking, as `authorize` says. */
export interface AuthorizedUser {
  /** The user's id: written into each run they create as its `toolhouse_id`, and the owner of those runs. 1 to 256 characters, no control characters, not `"default"`. */
  userId: string;
  [other: string]: unknown;
}

/** Options of `createAgentRunsHandler`. */
export interface AgentRunsHandlerOptions {
  /** The key, on the server only. Default `process.env.TOOLHOUSE_API_KEY` (where there is a `process`). */
  apiKey?: string;
  /** The upstream: default `TOOLHOUSE_BASE_URL`, else `https://api.toolhouse.ai/v1`, as in the client. */
  baseUrl?: string;
  /** Where the handler answers: `{prefix}/agent-runs` and `{prefix}/agent-runs/{run id}`. Default `"/api/toolhouse"`. The page uses `new AgentRuns({ baseUrl: "<origin><prefix>" })`, with no key. */
  prefix?: string;
  /** Who is asking (a session cookie, a bearer token of your app …): a user, or `null` for 401, nothing sent upstream. An exception is a 500. */
  authorize: (request: Request) => AuthorizedUser | null | undefined | Promise<AuthorizedUser | null | undefined>;
  /** Which agents users may start: their chat ids, or a function that answers `true` for a chat a user may start. Others are 403. Required. */
  chats: readonly string[] | ((chatId: string, user: AuthorizedUser) => boolean | Promise<boolean>);
  /** Set on every run created here (whatever the page sent), signed per run with `callbackSecret` (see `createCallbackHandler`). */
  callbackUrl?: string;
  /** The secret of the callback tokens, at least 32 bytes; needed with `callbackUrl`. */
  callbackSecret?: string;
  /** How long a signed callback URL holds, in ms (default a day). */
  callbackExpiresInMs?: number;
  /** Per user: at most a burst of `requests`, then `requests` per `perMs` (default 60 a minute). Over it: 429 with `Retry-After`. */
  rateLimit?: { requests?: number; perMs?: number };
  /** Larger request bodies are 413 (default 16384). */
  maxBodyBytes?: number;
  /** As in the client: the calls upstream. */
  fetch?: ClientOptions["fetch"];
  timeoutMs?: number;
  maxRetries?: number;
}

/**
 * The handler of the four calls and the list, so that a page reaches the service with
 * no key. Only `GET`/`POST {prefix}/agent-runs` and `GET`/`PUT
 * {prefix}/agent-runs/{uuid}` pass; anything else is 404 and nothing is sent upstream.
 * Runs belong to users: on create `toolhouse_id` is the user's id and `callback_url` the
 * server's; a run of another user is 404 exactly like an unknown run; the list holds
 * only the user's runs. Throws `ValidationError` when an option is wrong.
 */
export function createAgentRunsHandler(options: AgentRunsHandlerOptions): Handler;

/** Where the callback handler remembers the run states it has handled, shared by several instances (Redis `SET NX`, a database row with a unique key …). */
export interface CallbackStore {
  /** Records `key`; resolves `true` when it was not recorded before. Must be atomic across instances. */
  add(key: string): boolean | Promise<boolean>;
  /** Forgets `key`: called when `onRun` threw, so that the sender's next try is delivered. */
  delete?(key: string): unknown;
}

/** Options of `createCallbackHandler`. */
export interface CallbackHandlerOptions {
  /** The secret the URLs were signed with (`callbackSecret`, `signCallbackUrl`), at least 32 bytes. */
  secret: string;
  /** The key the run is confirmed with. Default `process.env.TOOLHOUSE_API_KEY`. */
  apiKey?: string;
  /** As in the client. */
  baseUrl?: string;
  /** Called with the confirmed run (read with `getRun`, never the callback's body), at most once per run state (id, status, `updatedAt`). If it throws, the answer is 500 and the state is forgotten, so that a retry is delivered. */
  onRun: (run: AgentRun) => void | Promise<void>;
  /** Default: in memory (the last 10,000 states), right for one instance. */
  store?: CallbackStore;
  fetch?: ClientOptions["fetch"];
  timeoutMs?: number;
  maxRetries?: number;
}

/**
 * The handler of the service's callbacks: 401 for a missing, wrong or expired token,
 * 400 for a body that is not a callback (flat or wrapped in `data`), 502 when the run
 * cannot be confirmed or has not ended (so that a sender that retries, retries), else
 * 204, `onRun` called with the run as `getRun` read it.
 */
export function createCallbackHandler(options: CallbackHandlerOptions): Handler;

/**
 * The URL with a token in its query: `th_expires` (ms since the epoch) and
 * `th_signature`, an HMAC-SHA-256 (Web Crypto) covering every query parameter. A token
 * already there is replaced.
 */
export function signCallbackUrl(url: string, options: { secret: string; expiresInMs?: number }): Promise<string>;

/** What `toNodeListener` reads of a request: `node:http`'s `IncomingMessage` (Express's `req`) fits. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string;
  url?: string;
  /** Express: the target before a mount path was cut off. */
  originalUrl?: string;
  rawHeaders?: string[];
  /** Express: a body a body parser has read already. */
  body?: unknown;
  readableEnded?: boolean;
}

/** What `toNodeListener` does with a response: `node:http`'s `ServerResponse` fits. */
export interface NodeResponseLike {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  writeHead(status: number, headers?: Record<string, string | string[]>): unknown;
  write(chunk: Uint8Array): unknown;
  end(chunk?: string): unknown;
  destroy(): unknown;
  on(event: "close", listener: () => void): unknown;
}

/**
 * A `node:http` listener (and Express middleware) of a handler:
 * `http.createServer(toNodeListener(handler))`, `app.use(toNodeListener(handler))`. The
 * raw request target is judged as it came, before any normalisation; with `next`,
 * requests outside the handler's prefix go on.
 */
export function toNodeListener(handler: Handler): (req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => Promise<void>;
