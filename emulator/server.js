// @ts-check
/**
 * An in-memory emulator of the Toolhouse Agent Runs API: Bearer auth, the documented
 * status codes and body shapes, FastAPI-style 422 details, CORS, runs that move
 * queued -> in_progress -> completed/failed on timers, and continue. Its defaults are
 * the service's published behaviour (docs/service.md of the project); behaviours the
 * description does not promise are options (BEHAVIOURS below). No dependencies: Node's
 * http and crypto modules only.
 */
import { createServer } from "node:http";
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * @typedef {object} Agent
 * @property {string} chatId
 * @property {string} name
 * @property {string} prompt
 * @property {number} durationMs
 * @property {"completed" | "failed"} outcome
 * @property {string} reply
 * @property {string} [followUpReply]
 * @property {string} [error]
 * @property {{ toolName: string, args: Record<string, unknown>, result: string }} [toolCall]
 * @property {boolean} [resultsNullWhileQueued] `results` is null (not `[]`) from create until the run starts, as the schema allows.
 * @property {string[]} [mcpServers] The `mcp_servers` of its runs' list items (default none).
 *
 * @typedef {object} EmulatorOptions
 * @property {number} [port] 0 (the default) picks a free port.
 * @property {string} [host] Default 127.0.0.1.
 * @property {string} [agentsFile] A JSON file like emulator/agents.json.
 * @property {Agent[]} [agents] Agents given directly (instead of a file).
 * @property {number} [timeScale] Multiplies every duration (default 1; tests use small values).
 * @property {number} [queueMs] How long a run stays queued before it starts (default 500, scaled).
 * @property {string} [apiKey] The one key accepted (another one is a 401); without it any Bearer token is.
 * @property {401 | 403} [missingAuth] The status of a request without a Bearer key: 403 `{"detail": "Not authenticated"}` (default, FastAPI services of the service's age) or 401 (newer FastAPI).
 * @property {boolean} [cors] Answer browsers' CORS (default true; whether the service does is unknown).
 * @property {boolean} [exposeHeaders] Send `Access-Control-Expose-Headers: Retry-After`, so pages can read it (default false: nothing says the service does).
 * @property {boolean} [quiet] No request log on stderr (default true).
 * @property {boolean} [idempotency] Honour `Idempotency-Key` on writes (default false: unknown whether the service does).
 * @property {number} [staleMs] After a continue, reads serve the run as it was before it for this long (default 0), as the service may.
 * @property {"ok" | "run" | "empty"} [continueAnswer] What a successful continue answers: `{"status": "ok"}` (default: an opaque body, the service's is not described), `{"data": run}`, or an empty body.
 * @property {boolean} [richRuns] Every answer's runs carry every field (`user_id`, `error`, `mcp_servers`, `last_agent_message`), not only those the published description gives each call (default false).
 * @property {"flat" | "wrapped"} [callbackShape] `{"run_id", "status", "last_agent_message"}` (default) or the same inside `{"data": …}`.
 * @property {number} [callbackRetries] Further attempts when the callback receiver fails (default 3), after 0.5 s, 1 s, 2 s (times timeScale).
 *
 * What `GET /_emulator/config` answers: the options in force (the key itself is never
 * shown), the defaults of the behaviour options, and the names of those whose value
 * departs from the service's published behaviour.
 * @typedef {object} EmulatorConfig
 * @property {Record<string, unknown>} options
 * @property {Record<string, unknown>} defaults
 * @property {string[]} departures
 *
 * A running emulator. `baseUrl` is what the client's `baseUrl` option takes.
 * @typedef {object} Emulator
 * @property {string} url
 * @property {string} baseUrl
 * @property {number} port
 * @property {{ runsCreated: number, messagesAdded: number, requests: number, faultsInjected: number, callbacksSent: number }} stats
 * @property {(fault: Fault) => void} addFault
 * @property {() => void} clearFaults
 * @property {(chatId: string) => boolean} deleteAgent Deletes an agent (false when there is none of that id): reads of its runs then answer 403, as the service does for a deleted chat.
 * @property {EmulatorConfig} config
 * @property {() => Promise<void>} close
 *
 * A fault injected into the next request(s) that match `method` and a `path` prefix.
 * Before the service acts: `status` (with `status`, `body`, `retryAfter`), `html` (an
 * HTML error page), `delay` (`ms` before anything), `reset-before` (connection dropped).
 * After it acts: `reset-after`, `malformed` (invalid JSON), `empty`, `truncated` (the
 * body cut off mid-way), `stall` (`ms` pause mid-body), `mutate` (`set` fields on
 * `data`, `remove` fields from it, `resultsBytes` of padding in the first run's `results`).
 * @typedef {object} Fault
 * @property {"status" | "html" | "delay" | "reset-before" | "reset-after" | "malformed" | "empty" | "truncated" | "stall" | "mutate"} kind
 * @property {string} [method] Default "*".
 * @property {string} [path] A path prefix; default "/v1/".
 * @property {number} [times] How many requests it strikes; default 1.
 * @property {number} [status]
 * @property {unknown} [body]
 * @property {string | number} [retryAfter]
 * @property {number} [ms]
 * @property {Record<string, unknown>} [set]
 * @property {string[]} [remove]
 * @property {number} [resultsBytes]
 */

export const DEFAULT_AGENTS_FILE = new URL("./agents.json", import.meta.url);

/**
 * The options that choose between behaviours of the service. Each default is the
 * published behaviour (or, where it is unknown, the cautious guess); `departing` are the
 * values that answer what the published description does not promise, available for
 * tests that want them.
 * @type {Record<"missingAuth" | "exposeHeaders" | "continueAnswer" | "richRuns" | "idempotency" | "cors" | "staleMs" | "callbackShape" | "callbackRetries", { default: unknown, departing: unknown[] }>}
 */
export const BEHAVIOURS = {
  missingAuth: { default: 403, departing: [401] },
  exposeHeaders: { default: false, departing: [true] },
  continueAnswer: { default: "ok", departing: ["run"] },
  richRuns: { default: false, departing: [true] },
  idempotency: { default: false, departing: [true] },
  // Unknown at the service, so no value departs:
  cors: { default: true, departing: [] },
  staleMs: { default: 0, departing: [] },
  callbackShape: { default: "flat", departing: [] },
  callbackRetries: { default: 3, departing: [] },
};

/** The fields of a run in each answer, as the service publishes them (docs/service.md, "Fields of a run"). */
const GET_FIELDS = ["id", "chat_id", "schedule_id", "status", "results", "last_agent_message", "created_at", "updated_at", "bundle", "toolhouse_id", "vars", "callback_url"];
const FIELDS = {
  get: GET_FIELDS,
  create: [...GET_FIELDS, "user_id"],
  list: [...GET_FIELDS.filter((f) => f !== "last_agent_message"), "user_id", "error", "mcp_servers"],
  rich: [...GET_FIELDS, "user_id", "error", "mcp_servers"],
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY = 1024 * 1024;
const FAULT_KINDS = ["status", "html", "delay", "reset-before", "reset-after", "malformed", "empty", "truncated", "stall", "mutate"];

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A changed copy of an answer's body, for `mutate` faults. @param {any} body @param {Fault} fault */
function mutate(body, fault) {
  const copy = structuredClone(body);
  const targets = Array.isArray(copy?.data) ? copy.data : [copy?.data];
  for (const [i, data] of targets.entries()) {
    if (typeof data !== "object" || data === null) continue;
    Object.assign(data, fault.set ?? {});
    for (const key of fault.remove ?? []) delete data[key];
    if (fault.resultsBytes && i === 0) {
      const item = { role: "tool", content: [{ type: "tool-result", toolCallId: "pad", toolName: "pad", result: "x".repeat(1000) }] };
      data.results = [...(data.results ?? []), ...Array.from({ length: Math.ceil(fault.resultsBytes / 1100) }, () => item)];
    }
  }
  return copy;
}

/** @param {string | URL} file @returns {Agent[]} */
export function loadAgents(file) {
  const parsed = JSON.parse(readFileSync(file, "utf8"));
  const agents = Array.isArray(parsed) ? parsed : parsed.agents;
  if (!Array.isArray(agents)) throw new Error(`${file}: expected {"agents": [...]}`);
  for (const a of agents) {
    if (typeof a.chatId !== "string" || !UUID.test(a.chatId)) throw new Error(`${file}: agent without a UUID chatId`);
    if (a.outcome !== "completed" && a.outcome !== "failed") throw new Error(`${file}: agent ${a.chatId}: outcome must be completed or failed`);
    if (typeof a.reply !== "string" || typeof a.prompt !== "string") throw new Error(`${file}: agent ${a.chatId}: prompt and reply are required`);
    if (!(a.durationMs >= 0)) throw new Error(`${file}: agent ${a.chatId}: durationMs must be a number >= 0`);
    if (a.mcpServers !== undefined && !(Array.isArray(a.mcpServers) && a.mcpServers.every((s) => typeof s === "string"))) {
      throw new Error(`${file}: agent ${a.chatId}: mcpServers must be an array of strings`);
    }
  }
  return agents;
}

/**
 * Fills `{name}` placeholders; unknown ones stay as they are.
 * @param {string} template
 * @param {Record<string, unknown>} values
 * @returns {string}
 */
export function fill(template, values) {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key) => (Object.hasOwn(values, key) ? String(values[key]) : whole));
}

/** `2025-01-15T01:46:23.568338`: the service's timestamps carry no time zone. */
function timestamp() {
  return new Date().toISOString().replace("Z", "000");
}

/**
 * Starts the emulator.
 * @param {EmulatorOptions} [options]
 * @returns {Promise<Emulator>}
 */
export async function startEmulator(options = {}) {
  const agents = options.agents ?? loadAgents(options.agentsFile ?? DEFAULT_AGENTS_FILE);
  const byChat = new Map(agents.map((a) => [a.chatId.toLowerCase(), a]));
  /** @type {Set<string>} chat ids (lower case) of agents deleted at run time */
  const deleted = new Set();
  const scale = options.timeScale ?? 1;
  const queueMs = (options.queueMs ?? 500) * scale;
  const quiet = options.quiet ?? true;
  const behaviour = /** @type {{ [K in keyof typeof BEHAVIOURS]: any }} */ (
    Object.fromEntries(Object.entries(BEHAVIOURS).map(([name, b]) => [name, /** @type {any} */ (options)[name] ?? b.default]))
  );
  if (behaviour.missingAuth !== 401 && behaviour.missingAuth !== 403) throw new Error("missingAuth must be 401 or 403");
  if (!["ok", "run", "empty"].includes(behaviour.continueAnswer)) throw new Error("continueAnswer must be ok, run or empty");
  const cors = behaviour.cors;
  /** @type {Map<string, any>} run id -> run (service shape) */
  const runs = new Map();
  /** @type {Map<string, { owner: string, agent: Agent, stale?: { until: number, snapshot: any } }>} run id -> who owns it, its agent, what stale reads serve */
  const meta = new Map();
  const stats = { runsCreated: 0, messagesAdded: 0, requests: 0, faultsInjected: 0, callbacksSent: 0 };
  /** @type {Set<NodeJS.Timeout>} */
  const allTimers = new Set();

  /** @param {() => void} fn @param {number} ms */
  function later(fn, ms) {
    const t = setTimeout(() => {
      allTimers.delete(t);
      fn();
    }, ms);
    allTimers.add(t);
  }

  /**
   * Moves a run through in_progress to its end. A new run's conversation starts with the
   * prompt when it starts (queued runs have `results: []`, or null, as the service's do).
   * @param {any} run @param {Agent} agent @param {string | null} followUp the message a continue added
   */
  function schedule(run, agent, followUp) {
    later(() => {
      if (!followUp) run.results = [{ role: "user", content: fill(agent.prompt, run.vars ?? {}) }];
      run.status = "in_progress";
      run.updated_at = timestamp();
      later(() => finish(run, agent, followUp), agent.durationMs * scale);
    }, queueMs);
  }

  /** @param {any} run @param {Agent} agent @param {string | null} followUp */
  function finish(run, agent, followUp) {
    const vars = { ...(run.vars ?? {}), ...(followUp ? { message: followUp } : {}) };
    const reply = fill(followUp ? agent.followUpReply ?? agent.reply : agent.reply, vars);
    if (agent.toolCall && !followUp) {
      const toolCallId = `call_${randomUUID().slice(0, 8)}`;
      const args = JSON.parse(fill(JSON.stringify(agent.toolCall.args), vars));
      run.results.push({ role: "assistant", content: [{ type: "tool-call", toolCallId, toolName: agent.toolCall.toolName, args }] });
      run.results.push({ role: "tool", content: [{ type: "tool-result", toolCallId, toolName: agent.toolCall.toolName, result: fill(agent.toolCall.result, vars) }] });
    }
    if (agent.outcome === "failed") {
      const error = fill(agent.error ?? "The agent failed", vars);
      run.results.push({ role: "assistant", content: [{ type: "text", text: reply }] });
      run.results.push({ role: "system", content: [{ type: "error", error }] });
      run.status = "failed";
      run.error = error;
      run.last_agent_message = reply;
    } else {
      run.results.push({ role: "assistant", content: [{ type: "text", text: reply }] });
      run.status = "completed";
      run.last_agent_message = reply;
    }
    run.updated_at = timestamp();
    if (run.callback_url) notify(run);
  }

  /** POSTs the end of a run to its callback_url, trying again a few times if the receiver fails. @param {any} run */
  function notify(run, attempt = 0) {
    const note = { run_id: run.id, status: run.status, last_agent_message: run.last_agent_message };
    const body = JSON.stringify(behaviour.callbackShape === "wrapped" ? { data: note } : note);
    stats.callbacksSent++;
    fetch(run.callback_url, { method: "POST", headers: { "Content-Type": "application/json" }, body, signal: AbortSignal.timeout(5000) })
      .then(async (r) => {
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
      })
      .catch((e) => {
        if (!quiet) console.error(`emulator: callback to ${run.callback_url} failed: ${e.message}`);
        if (attempt < behaviour.callbackRetries) later(() => notify(run, attempt + 1), 500 * 2 ** attempt * scale);
      });
  }

  /** A run with the fields the service publishes for an answer (all of them with `richRuns`). @param {any} run @param {keyof typeof FIELDS} answer */
  function shape(run, answer) {
    return Object.fromEntries(FIELDS[behaviour.richRuns ? "rich" : answer].map((f) => [f, run[f]]));
  }

  /** The run as a read sees it: the state from before a continue while that is still served. @param {any} run @param {"get" | "list"} answer */
  function visible(run, answer) {
    const m = meta.get(run.id);
    return shape(m?.stale && Date.now() < m.stale.until ? m.stale.snapshot : run, answer);
  }

  /**
   * An answer, not yet written (faults may change it).
   * @typedef {{ status: number, body: unknown, headers: Record<string, string> }} Reply
   * @param {number} status @param {unknown} body @param {Record<string,string>} [headers]
   * @returns {Reply}
   */
  function reply(status, body, headers = {}) {
    return { status, body, headers };
  }

  /** A FastAPI-style 422. @param {(string | number)[]} loc @param {string} msg @param {string} type @param {unknown} input @returns {Reply} */
  function invalid(loc, msg, type, input) {
    return reply(422, { detail: [{ type, loc, msg, input }] });
  }

  /** @param {import("node:http").ServerResponse} res @param {Reply} r @param {string} [text] the body as written */
  function write(res, r, text = r.body === undefined ? "" : JSON.stringify(r.body)) {
    res.writeHead(r.status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...r.headers });
    res.end(text);
  }

  /** @param {import("node:http").IncomingMessage} req @returns {Promise<string | null>} null when too large */
  function readBody(req) {
    return new Promise((resolve, reject) => {
      let size = 0;
      /** @type {Buffer[]} */
      const chunks = [];
      req.on("data", (c) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      req.on("end", () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });
  }

  /**
   * The API itself.
   * @param {import("node:http").IncomingMessage} req
   * @param {URL} url
   * @returns {Promise<Reply>}
   */
  async function handle(req, url) {
    const match = /^\/v1\/agent-runs(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!match) return reply(404, { detail: "Not Found" });

    const auth = req.headers.authorization ?? "";
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    // FastAPI's HTTPBearer: 403 in the versions of the service's age, 401 in newer ones.
    if (!token) return reply(behaviour.missingAuth, { detail: "Not authenticated" }, behaviour.missingAuth === 401 ? { "WWW-Authenticate": "Bearer" } : {});
    if (options.apiKey !== undefined && token !== options.apiKey) return reply(401, { detail: "Invalid API key" });
    // The whole key decides the owner (a digest of it, so the key itself is never stored).
    const owner = `user-${createHash("sha256").update(token).digest("hex")}`;

    const runId = match[1];
    if (runId === undefined) {
      if (req.method === "GET") {
        const mine = [...runs.values()].filter((r) => meta.get(r.id)?.owner === owner).reverse().map((r) => visible(r, "list"));
        return reply(200, { data: mine });
      }
      if (req.method === "POST") return idempotent(req, owner, () => createRun(req, owner));
      return reply(405, { detail: "Method Not Allowed" });
    }
    const run = UUID.test(runId) ? runs.get(runId.toLowerCase()) : undefined;
    const m = run && meta.get(run.id);
    if (req.method !== "GET" && req.method !== "PUT") return reply(405, { detail: "Method Not Allowed" });
    if (!UUID.test(runId)) return invalid(["path", "run_id"], "Input should be a valid UUID", "uuid_parsing", runId);
    if (!run || !m || m.owner !== owner) return reply(404, { detail: "Agent run not found" });
    if (deleted.has(run.chat_id.toLowerCase())) return reply(403, { detail: "Chat ID associated to this Agent Run is invalid" });
    if (req.method === "GET") return reply(200, { data: visible(run, "get") });
    return idempotent(req, owner, () => continueRun(req, run, m));
  }

  /**
   * The request's body as a JSON object, or the answer the service gives when it is not one.
   * @param {import("node:http").IncomingMessage} req
   * @returns {Promise<{ body: any, error?: undefined } | { body?: undefined, error: Reply }>}
   */
  async function readJsonObject(req) {
    const text = await readBody(req);
    if (text === null) return { error: reply(413, { detail: "Request body too large" }) };
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return { error: invalid(["body"], "JSON decode error", "json_invalid", text.slice(0, 100)) };
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return { error: invalid(["body"], "Input should be a valid dictionary", "dict_type", body) };
    return { body };
  }

  /** @param {import("node:http").IncomingMessage} req @param {any} run @param {{ agent: Agent, stale?: { until: number, snapshot: any } }} m @returns {Promise<Reply>} */
  async function continueRun(req, run, m) {
    const { body, error } = await readJsonObject(req);
    if (error) return error;
    if (!("message" in body)) return invalid(["body", "message"], "Field required", "missing", body);
    if (typeof body.message !== "string") return invalid(["body", "message"], "Input should be a valid string", "string_type", body.message);
    if (run.status !== "completed") return reply(406, { detail: "You can only add messages to completed runs" });
    stats.messagesAdded++;
    if (behaviour.staleMs) m.stale = { until: Date.now() + behaviour.staleMs, snapshot: structuredClone(run) };
    run.results.push({ role: "user", content: body.message });
    run.status = "queued";
    run.last_agent_message = null;
    run.updated_at = timestamp();
    schedule(run, m.agent, body.message);
    if (behaviour.continueAnswer === "run") return reply(200, { data: shape(run, "get") });
    if (behaviour.continueAnswer === "empty") return reply(200, undefined);
    return reply(200, { status: "ok" });
  }

  /** @param {import("node:http").IncomingMessage} req @param {string} owner @returns {Promise<Reply>} */
  async function createRun(req, owner) {
    const { body, error } = await readJsonObject(req);
    if (error) return error;
    if (!("chat_id" in body)) return invalid(["body", "chat_id"], "Field required", "missing", body);
    if (typeof body.chat_id !== "string" || !UUID.test(body.chat_id)) {
      return invalid(["body", "chat_id"], "Input should be a valid UUID", "uuid_parsing", body.chat_id);
    }
    const vars = body.vars ?? null;
    if (vars !== null) {
      if (typeof vars !== "object" || Array.isArray(vars)) return invalid(["body", "vars"], "Input should be a valid dictionary", "dict_type", vars);
      for (const [k, v] of Object.entries(vars)) {
        if (typeof v !== "string") return invalid(["body", "vars", k], "Input should be a valid string", "string_type", v);
      }
    }
    // bundle and toolhouse_id have defaults but are not nullable; callback_url and schedule_id are.
    for (const key of ["bundle", "toolhouse_id", "callback_url", "schedule_id"]) {
      const nullable = key === "callback_url" || key === "schedule_id";
      if (body[key] !== undefined && !(nullable && body[key] === null) && typeof body[key] !== "string") {
        return invalid(["body", key], "Input should be a valid string", "string_type", body[key]);
      }
    }
    if (typeof body.schedule_id === "string" && !UUID.test(body.schedule_id)) {
      return invalid(["body", "schedule_id"], "Input should be a valid UUID", "uuid_parsing", body.schedule_id);
    }
    if (typeof body.callback_url === "string" && !/^https?:\/\/[^\s/]+/i.test(body.callback_url)) {
      return invalid(["body", "callback_url"], "Input should be a valid URL", "url_parsing", body.callback_url);
    }
    const agent = deleted.has(body.chat_id.toLowerCase()) ? undefined : byChat.get(body.chat_id.toLowerCase());
    if (!agent) return reply(403, { detail: "Chat ID is invalid or does not belong to you" });
    const now = timestamp();
    const run = {
      id: randomUUID(),
      chat_id: body.chat_id,
      user_id: owner,
      schedule_id: body.schedule_id ?? null,
      status: "queued",
      results: agent.resultsNullWhileQueued ? null : [],
      last_agent_message: null,
      created_at: now,
      updated_at: now,
      bundle: body.bundle ?? "default",
      toolhouse_id: body.toolhouse_id ?? "default",
      vars,
      callback_url: body.callback_url ?? null,
      error: null,
      mcp_servers: [...(agent.mcpServers ?? [])],
    };
    runs.set(run.id, run);
    meta.set(run.id, { owner, agent });
    stats.runsCreated++;
    schedule(run, agent, null);
    return reply(200, { data: shape(run, "create") });
  }

  /** @type {Map<string, Reply>} owner + Idempotency-Key -> the first answer */
  const idempotencyCache = new Map();
  /**
   * With `idempotency: true`, a write that repeats an Idempotency-Key gets the first
   * answer again and acts no second time (whether the real service does is unknown).
   * @param {import("node:http").IncomingMessage} req @param {string} owner @param {() => Promise<Reply>} act
   */
  async function idempotent(req, owner, act) {
    const key = req.headers["idempotency-key"];
    if (!behaviour.idempotency || typeof key !== "string") return act();
    const cacheKey = `${owner} ${req.method} ${req.url} ${key}`;
    const seen = idempotencyCache.get(cacheKey);
    if (seen) return seen;
    const answer = await act();
    if (answer.status < 500) idempotencyCache.set(cacheKey, answer);
    return answer;
  }

  /** @type {Fault[]} */
  const faults = [];
  /** @param {Fault} fault */
  function addFault(fault) {
    if (!FAULT_KINDS.includes(fault.kind)) throw new Error(`unknown fault kind: ${fault.kind}`);
    faults.push({ method: "*", path: "/v1/", times: 1, ...fault });
  }
  /** The first fault that matches the request, used up once. */
  function takeFault(req, url) {
    const i = faults.findIndex((f) => (f.method === "*" || f.method === req.method) && url.pathname.startsWith(f.path));
    if (i < 0) return undefined;
    const fault = faults[i];
    if (--fault.times <= 0) faults.splice(i, 1);
    return fault;
  }

  /** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res */
  async function serve(req, res) {
    stats.requests++;
    if (cors) {
      res.setHeader("Access-Control-Allow-Origin", req.headers.origin ?? "*");
      res.setHeader("Vary", "Origin");
      // Without it a page reads Retry-After as absent (nothing says the service sends it).
      if (behaviour.exposeHeaders) res.setHeader("Access-Control-Expose-Headers", "Retry-After");
    }
    const url = new URL(req.url ?? "/", "http://emulator");
    if (req.method === "OPTIONS") {
      if (!cors) return write(res, reply(405, { detail: "Method Not Allowed" }));
      res.writeHead(204, {
        "Access-Control-Allow-Methods": "GET, POST, PUT, OPTIONS",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept, Idempotency-Key",
        "Access-Control-Max-Age": "600",
      });
      return res.end();
    }
    if (url.pathname.startsWith("/_emulator/")) return write(res, await admin(req, url));

    const fault = takeFault(req, url);
    if (fault) stats.faultsInjected++;
    // Faults that strike before the request is processed: the service never acts.
    switch (fault?.kind) {
      case "status":
        return write(res, reply(fault.status ?? 503, fault.body ?? { detail: "Injected fault" }, fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) }));
      case "html": {
        const page = `<html><head><title>${fault.status ?? 502} Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>`;
        res.writeHead(fault.status ?? 502, { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(page) });
        return res.end(page);
      }
      case "reset-before":
        req.resume();
        return res.socket?.destroy();
      case "delay":
        await sleep(fault.ms ?? 1000);
        if (res.socket?.destroyed) return; // the client gave up; the request is not processed
        break;
    }
    const answer = await handle(req, url);
    // Faults that strike after the service has acted.
    switch (fault?.kind) {
      case "reset-after":
        return res.socket?.destroy();
      case "malformed":
        return write(res, answer, '{"data": {"id": "' + "x".repeat(10));
      case "empty":
        return write(res, answer, "");
      case "truncated": {
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        return setTimeout(() => res.socket?.destroy(), 10);
      }
      case "stall": {
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...answer.headers });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        await sleep(fault.ms ?? 1000);
        return res.end(text.slice(Math.floor(text.length / 2)));
      }
      case "mutate":
        return write(res, { ...answer, body: mutate(answer.body, fault) });
    }
    return write(res, answer);
  }

  /** @param {string} chatId */
  function deleteAgent(chatId) {
    const key = String(chatId).toLowerCase();
    if (!byChat.has(key) || deleted.has(key)) return false;
    deleted.add(key);
    return true;
  }

  /** @type {EmulatorConfig} */
  const config = {
    options: {
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1",
      agents: agents.length,
      timeScale: scale,
      queueMs: options.queueMs ?? 500,
      apiKey: options.apiKey === undefined ? null : "(set, not shown)",
      ...behaviour,
    },
    defaults: Object.fromEntries(Object.entries(BEHAVIOURS).map(([name, b]) => [name, b.default])),
    departures: Object.entries(BEHAVIOURS)
      .filter(([name, b]) => b.departing.includes(behaviour[/** @type {keyof typeof BEHAVIOURS} */ (name)]))
      .map(([name]) => name),
  };

  /** The admin routes: stats, config, agents, faults. @param {import("node:http").IncomingMessage} req @param {URL} url @returns {Promise<Reply>} */
  async function admin(req, url) {
    if (url.pathname === "/_emulator/stats" && req.method === "GET") return reply(200, stats);
    if (url.pathname === "/_emulator/config" && req.method === "GET") return reply(200, config);
    if (url.pathname === "/_emulator/agents" && req.method === "GET") {
      const live = agents.filter((a) => !deleted.has(a.chatId.toLowerCase()));
      return reply(200, { data: live.map(({ chatId, name, prompt, outcome, durationMs }) => ({ chatId, name, prompt, outcome, durationMs })) });
    }
    const del = /^\/_emulator\/agents\/([^/]+)\/delete$/.exec(url.pathname);
    if (del && req.method === "POST") {
      req.resume();
      let chatId = del[1];
      try {
        chatId = decodeURIComponent(chatId);
      } catch {}
      return deleteAgent(chatId) ? reply(200, { deleted: chatId }) : reply(404, { detail: "No such agent" });
    }
    if (url.pathname === "/_emulator/faults" && req.method === "DELETE") {
      faults.length = 0;
      return reply(200, { faults });
    }
    if (url.pathname === "/_emulator/faults" && req.method === "GET") return reply(200, { faults });
    if (url.pathname === "/_emulator/faults" && req.method === "POST") {
      try {
        const body = JSON.parse((await readBody(req)) ?? "");
        for (const f of Array.isArray(body) ? body : [body]) addFault(f);
        return reply(200, { faults });
      } catch (e) {
        return reply(400, { detail: String(/** @type {Error} */ (e).message) });
      }
    }
    return reply(404, { detail: "Not Found" });
  }

  const server = createServer((req, res) => {
    if (!quiet) res.on("finish", () => console.error(`${req.method} ${req.url} -> ${res.statusCode}`));
    serve(req, res).catch((e) => {
      if (!res.headersSent) write(res, reply(500, { detail: "Internal Server Error" }));
      console.error("emulator:", e);
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  config.options.port = port;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    stats,
    addFault,
    clearFaults: () => void (faults.length = 0),
    deleteAgent,
    config,
    close() {
      for (const t of allTimers) clearTimeout(t);
      allTimers.clear();
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
