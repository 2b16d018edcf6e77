// @ts-check
/**
 * An in-memory emulator of the Toolhouse Agent Runs API (see shared/API.md of the
 * project): Bearer auth, the documented status codes and body shapes, FastAPI-style 422
 * details, CORS, runs that move queued -> in_progress -> completed/failed on timers, and
 * continue. No dependencies: Node's http module only.
 */
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
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
 *
 * @typedef {object} EmulatorOptions
 * @property {number} [port] 0 (the default) picks a free port.
 * @property {string} [host] Default 127.0.0.1.
 * @property {string} [agentsFile] A JSON file like emulator/agents.json.
 * @property {Agent[]} [agents] Agents given directly (instead of a file).
 * @property {number} [timeScale] Multiplies every duration (default 1; tests use small values).
 * @property {number} [queueMs] How long a run stays queued before it starts (default 500, scaled).
 * @property {string} [apiKey] The one key accepted; without it any Bearer token is.
 * @property {boolean} [cors] Answer browsers' CORS (default true).
 * @property {boolean} [quiet] No request log on stderr (default true).
 */

export const DEFAULT_AGENTS_FILE = new URL("./agents.json", import.meta.url);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY = 1024 * 1024;

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
 * @returns {Promise<{ url: string, baseUrl: string, port: number, stats: { runsCreated: number, messagesAdded: number, requests: number }, close: () => Promise<void> }>}
 */
export async function startEmulator(options = {}) {
  const agents = options.agents ?? loadAgents(options.agentsFile ?? DEFAULT_AGENTS_FILE);
  const byChat = new Map(agents.map((a) => [a.chatId.toLowerCase(), a]));
  const scale = options.timeScale ?? 1;
  const queueMs = (options.queueMs ?? 500) * scale;
  const cors = options.cors ?? true;
  const quiet = options.quiet ?? true;
  /** @type {Map<string, any>} run id -> run (service shape) */
  const runs = new Map();
  /** @type {Map<string, { owner: string, agent: Agent, timers: Set<NodeJS.Timeout> }>} */
  const meta = new Map();
  const stats = { runsCreated: 0, messagesAdded: 0, requests: 0 };
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

  /** Moves a run through in_progress to its end. */
  function schedule(run, agent, followUp) {
    later(() => {
      run.status = "in_progress";
      run.updated_at = timestamp();
      later(() => finish(run, agent, followUp), agent.durationMs * scale);
    }, queueMs);
  }

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

  /** POSTs the end of a run to its callback_url; a failure is only logged. */
  function notify(run) {
    const body = JSON.stringify({ run_id: run.id, status: run.status, last_agent_message: run.last_agent_message });
    fetch(run.callback_url, { method: "POST", headers: { "Content-Type": "application/json" }, body, signal: AbortSignal.timeout(5000) })
      .then((r) => r.arrayBuffer())
      .catch((e) => quiet || console.error(`emulator: callback to ${run.callback_url} failed: ${e.message}`));
  }

  /** @param {import("node:http").ServerResponse} res @param {number} status @param {unknown} body @param {Record<string,string>} [headers] */
  function send(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /** A FastAPI-style 422. */
  function invalid(res, loc, msg, type, input) {
    send(res, 422, { detail: [{ type, loc, msg, input }] });
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

  /** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res */
  async function handle(req, res) {
    stats.requests++;
    if (cors) {
      res.setHeader("Access-Control-Allow-Origin", req.headers.origin ?? "*");
      res.setHeader("Vary", "Origin");
    }
    const url = new URL(req.url ?? "/", "http://emulator");
    if (req.method === "OPTIONS") {
      if (!cors) return send(res, 405, { detail: "Method Not Allowed" });
      res.writeHead(204, {
        "Access-Control-Allow-Methods": "GET, POST, PUT, OPTIONS",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept, Idempotency-Key",
        "Access-Control-Max-Age": "600",
      });
      return res.end();
    }
    if (url.pathname === "/_emulator/stats" && req.method === "GET") return send(res, 200, stats);
    if (url.pathname === "/_emulator/agents" && req.method === "GET") {
      return send(res, 200, { data: agents.map(({ chatId, name, prompt, outcome, durationMs }) => ({ chatId, name, prompt, outcome, durationMs })) });
    }
    const match = /^\/v1\/agent-runs(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!match) return send(res, 404, { detail: "Not Found" });

    const auth = req.headers.authorization ?? "";
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!token) return send(res, 401, { detail: "Not authenticated" }, { "WWW-Authenticate": "Bearer" });
    if (options.apiKey !== undefined && token !== options.apiKey) return send(res, 401, { detail: "Invalid API key" });
    const owner = `user-${Buffer.from(token).toString("base64url").slice(0, 12)}`;

    const runId = match[1];
    if (runId === undefined) {
      if (req.method === "GET") {
        const mine = [...runs.values()].filter((r) => meta.get(r.id)?.owner === owner).reverse();
        return send(res, 200, { data: mine });
      }
      if (req.method === "POST") return createRun(req, res, owner);
      return send(res, 405, { detail: "Method Not Allowed" });
    }
    const run = UUID.test(runId) ? runs.get(runId.toLowerCase()) : undefined;
    const m = run && meta.get(run.id);
    if (req.method !== "GET" && req.method !== "PUT") return send(res, 405, { detail: "Method Not Allowed" });
    if (!UUID.test(runId)) return invalid(res, ["path", "run_id"], "Input should be a valid UUID", "uuid_parsing", runId);
    if (!run || !m || m.owner !== owner) return send(res, 404, { detail: "Run not found" });
    if (req.method === "GET") return send(res, 200, { data: run });

    const text = await readBody(req);
    if (text === null) return send(res, 413, { detail: "Request body too large" });
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return invalid(res, ["body"], "JSON decode error", "json_invalid", text.slice(0, 100));
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return invalid(res, ["body"], "Input should be a valid dictionary", "dict_type", body);
    if (!("message" in body)) return invalid(res, ["body", "message"], "Field required", "missing", body);
    if (typeof body.message !== "string") return invalid(res, ["body", "message"], "Input should be a valid string", "string_type", body.message);
    if (run.status !== "completed") return send(res, 406, { detail: "You can only add messages to completed runs" });
    stats.messagesAdded++;
    run.results.push({ role: "user", content: body.message });
    run.status = "queued";
    run.last_agent_message = null;
    run.updated_at = timestamp();
    schedule(run, m.agent, body.message);
    return send(res, 200, { data: run });
  }

  async function createRun(req, res, owner) {
    const text = await readBody(req);
    if (text === null) return send(res, 413, { detail: "Request body too large" });
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return invalid(res, ["body"], "JSON decode error", "json_invalid", text.slice(0, 100));
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return invalid(res, ["body"], "Input should be a valid dictionary", "dict_type", body);
    if (!("chat_id" in body)) return invalid(res, ["body", "chat_id"], "Field required", "missing", body);
    if (typeof body.chat_id !== "string" || !UUID.test(body.chat_id)) {
      return invalid(res, ["body", "chat_id"], "Input should be a valid UUID", "uuid_parsing", body.chat_id);
    }
    const vars = body.vars ?? null;
    if (vars !== null) {
      if (typeof vars !== "object" || Array.isArray(vars)) return invalid(res, ["body", "vars"], "Input should be a valid dictionary", "dict_type", vars);
      for (const [k, v] of Object.entries(vars)) {
        if (typeof v !== "string") return invalid(res, ["body", "vars", k], "Input should be a valid string", "string_type", v);
      }
    }
    for (const key of ["bundle", "toolhouse_id", "callback_url", "schedule_id"]) {
      if (body[key] !== undefined && body[key] !== null && typeof body[key] !== "string") {
        return invalid(res, ["body", key], "Input should be a valid string", "string_type", body[key]);
      }
    }
    if (typeof body.callback_url === "string" && !/^https?:\/\/[^\s/]+/i.test(body.callback_url)) {
      return invalid(res, ["body", "callback_url"], "Input should be a valid URL", "url_parsing", body.callback_url);
    }
    const agent = byChat.get(body.chat_id.toLowerCase());
    if (!agent) return send(res, 403, { detail: "Chat ID is invalid or does not belong to you" });
    const now = timestamp();
    const run = {
      id: randomUUID(),
      chat_id: body.chat_id,
      user_id: owner,
      schedule_id: body.schedule_id ?? null,
      status: "queued",
      results: [{ role: "user", content: fill(agent.prompt, vars ?? {}) }],
      last_agent_message: null,
      created_at: now,
      updated_at: now,
      bundle: body.bundle ?? "default",
      toolhouse_id: body.toolhouse_id ?? "default",
      vars,
      callback_url: body.callback_url ?? null,
      error: null,
    };
    runs.set(run.id, run);
    meta.set(run.id, { owner, agent, timers: new Set() });
    stats.runsCreated++;
    schedule(run, agent, null);
    return send(res, 200, { data: run });
  }

  const server = createServer((req, res) => {
    if (!quiet) res.on("finish", () => console.error(`${req.method} ${req.url} -> ${res.statusCode}`));
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, { detail: "Internal Server Error" });
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
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    stats,
    close() {
      for (const t of allTimers) clearTimeout(t);
      allTimers.clear();
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
