// Serves the Agent Runs console (www/) and the built package (pkg/, under /pkg/) next to
// an in-process emulator on a free port, and the server half of a web app
// (toolhouse-agent-runs/server) in front of both upstreams, so that the page holds no key:
// /api/emulator/agent-runs… goes to the emulator, /api/toolhouse/agent-runs… to the
// Toolhouse service (or --base-url) with --api-key (else TOOLHOUSE_API_KEY), the key kept
// here. The console is one user ("console"). /config.json tells the page those routes,
// whether the server has a key for the service, and the emulator's agents.
//
//   node scripts/serve.mjs [--port N] [--host H] [--time-scale F] [--api-key KEY] [--base-url URL]
//                          [--stale-ms N] [--poll-ms N] [--no-build]
//
// Run from the command line (that is what `npm start` does) it first builds pkg/ if it is
// missing (scripts/setup.sh, then scripts/build.mjs; --no-build to skip), then prints the
// page's URL. --port defaults to 8080, or a free port when 8080 is taken. Tests import
// startSite() instead.
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { existsSync, statSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { numberOption } from "../emulator/args.js";
import { startEmulator } from "../emulator/server.js";
import { CONTENT_TYPES, fileUnder, requestPath, sendFile } from "./static.mjs";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/**
 * @typedef {object} SiteOptions
 * @property {number} [port] 0 (the default) picks a free port.
 * @property {string} [host] Default 127.0.0.1.
 * @property {Parameters<typeof startEmulator>[0]} [emulator] Options of the emulator; its
 *   `apiKey` (the one key it accepts) is also the key the server uses for it.
 * @property {{ apiKey?: string, baseUrl?: string }} [service] The key of the Toolhouse
 *   service (default TOOLHOUSE_API_KEY) and its base URL (default TOOLHOUSE_BASE_URL, else
 *   the service's), for /api/toolhouse. The page never sees the key.
 * @property {string} [csp] A Content-Security-Policy header for every answer (tests of strict pages).
 * @property {number} [pollIntervalMs] How often the page polls the emulator (default 500).
 */

/** @param {SiteOptions} [options] */
export async function startSite(options = {}) {
  const emulator = await startEmulator({ port: 0, ...options.emulator });
  const agents = JSON.parse(await (await fetch(`${emulator.url}/_emulator/agents`)).text()).data;
  const api = await apiRoutes(emulator, agents, options);
  const config = {
    emulatorPath: EMULATOR_PREFIX,
    servicePath: SERVICE_PREFIX,
    upstreams: { emulator: emulator.baseUrl, service: api.serviceBaseUrl },
    serviceKey: api.serviceKey,
    user: CONSOLE_USER,
    agents,
    pollIntervalMs: options.pollIntervalMs ?? 500,
  };
  const server = createServer(async (req, res) => {
    if (options.csp) res.setHeader("Content-Security-Policy", options.csp);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    if ((req.url ?? "").startsWith("/api/")) return api.listener(req, res);
    const path = requestPath(req);
    if (path === null) {
      res.writeHead(400);
      return res.end();
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" });
      return res.end();
    }
    if (path === "/config.json") {
      res.writeHead(200, { "Content-Type": CONTENT_TYPES[".json"], "Cache-Control": "no-store" });
      return res.end(JSON.stringify(config));
    }
    const ofPackage = path.startsWith("/pkg/");
    const file = ofPackage ? fileUnder(join(root, "pkg"), path.slice("/pkg".length)) : fileUnder(join(root, "www"), path);
    if (file === null) {
      res.writeHead(403);
      return res.end();
    }
    await sendFile(req, res, file, { "Cache-Control": "no-cache" }, ofPackage ? "not found: the package is not built (npm run build)" : "not found");
  });
  const host = options.host ?? "127.0.0.1";
  try {
    await new Promise((ok, fail) => {
      server.once("error", fail);
      server.listen(options.port ?? 0, host, () => ok(undefined));
    });
  } catch (e) {
    await emulator.close();
    throw e;
  }
  const address = server.address();
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${typeof address === "object" && address ? address.port : 0}/`;
  return {
    url,
    emulator,
    agents,
    /** Where the page's two routes go. */
    upstreams: config.upstreams,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
      await emulator.close();
    },
  };
}

/** Where the page reaches the emulator and the service: the server half's handlers. */
const EMULATOR_PREFIX = "/api/emulator";
const SERVICE_PREFIX = "/api/toolhouse";
/** The console is one user: every run it makes carries this toolhouse_id, and it sees those. */
const CONSOLE_USER = "console";

/**
 * The server half (pkg/server.js) in front of the emulator and of the service, with the
 * keys kept here; a node listener that tries one, then the other, then answers 404.
 * @param {{ baseUrl: string }} emulator
 * @param {{ chatId: string }[]} agents
 * @param {SiteOptions} options
 */
async function apiRoutes(emulator, agents, options) {
  const { createAgentRunsHandler, toNodeListener } = await import("../pkg/server.js");
  // A console on one's own machine: one user, and no rate limit worth the name.
  const common = { authorize: () => ({ userId: CONSOLE_USER }), rateLimit: { requests: 1_000_000, perMs: 60_000 } };
  const toEmulator = toNodeListener(
    createAgentRunsHandler({ ...common, prefix: EMULATOR_PREFIX, apiKey: options.emulator?.apiKey ?? "th-demo", baseUrl: emulator.baseUrl, chats: agents.map((a) => a.chatId) }),
  );
  const serviceKey = options.service?.apiKey ?? process.env.TOOLHOUSE_API_KEY;
  const givenBaseUrl = options.service?.baseUrl ?? process.env.TOOLHOUSE_BASE_URL;
  const serviceBaseUrl = givenBaseUrl ?? "https://api.toolhouse.ai/v1";
  // Your own key: every agent of it may be started. (The service's base URL is left to the
  // client's default, so that with no key it says so before sending anything.)
  const toService = toNodeListener(
    createAgentRunsHandler({ ...common, prefix: SERVICE_PREFIX, ...(serviceKey ? { apiKey: serviceKey } : {}), ...(givenBaseUrl ? { baseUrl: givenBaseUrl } : {}), chats: () => true }),
  );
  /** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res */
  const listener = (req, res) =>
    toEmulator(req, res, () =>
      toService(req, res, () => {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ detail: "Not Found" }));
      }),
    );
  return { listener, serviceKey: Boolean(serviceKey), serviceBaseUrl };
}

/** The newest modification time of the files under `dir` (recursively), in ms. @param {string} dir */
function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds pkg/ when it is missing; says so when it is older than its sources. @param {boolean} build */
function ensurePackage(build) {
  const entry = join(root, "pkg", "index.js");
  if (!existsSync(entry)) {
    if (!build) throw new Error("pkg/index.js is missing: run `npm run build` first");
    console.log("serve: pkg/ is missing, building it (npm run setup, npm run build)…");
    execFileSync("bash", [join(root, "scripts/setup.sh")], { cwd: root, stdio: "inherit" });
    execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
    return;
  }
  const built = statSync(entry).mtimeMs;
  const sources = Math.max(newest(join(root, "src")), newest(join(root, "js")));
  if (sources > built) console.log("serve: note: src/ or js/ changed since pkg/ was built; `npm run build` to use the changes");
}

async function main() {
  const usage = "usage: node scripts/serve.mjs [--port N] [--host H] [--time-scale F] [--api-key KEY] [--base-url URL] [--stale-ms N] [--poll-ms N] [--no-build]";
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      "time-scale": { type: "string", default: "1" },
      "api-key": { type: "string" },
      "base-url": { type: "string" },
      "stale-ms": { type: "string", default: "0" },
      "poll-ms": { type: "string", default: "500" },
      "no-build": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return console.log(usage);
  ensurePackage(!values["no-build"]);
  const site = async (/** @type {number} */ port) =>
    startSite({
      port,
      host: values.host,
      pollIntervalMs: numberOption("poll-ms", values["poll-ms"], 100, 60_000),
      emulator: {
        host: values.host,
        timeScale: numberOption("time-scale", values["time-scale"], 0, 1000),
        staleMs: numberOption("stale-ms", values["stale-ms"], 0, 3_600_000),
      },
      // The key goes to the server half, never to the page.
      service: { apiKey: values["api-key"] || undefined, baseUrl: values["base-url"] || undefined },
    });
  let running;
  if (values.port !== undefined) running = await site(numberOption("port", values.port, 0, 65535));
  else {
    try {
      running = await site(8080);
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== "EADDRINUSE") throw e;
      running = await site(0);
    }
  }
  const names = running.agents.map((/** @type {{ name: string }} */ a) => a.name).join(", ");
  console.log(`Agent Runs console: ${running.url}`);
  console.log(`emulator API:       ${running.emulator.baseUrl} (agents: ${names}), for the page at ${running.url.replace(/\/$/, "")}${EMULATOR_PREFIX}`);
  const key = values["api-key"] || process.env.TOOLHOUSE_API_KEY ? "the key kept by this server" : "no key: --api-key th-… or TOOLHOUSE_API_KEY";
  console.log(`the service:        ${running.upstreams.service} (${key}), for the page at ${running.url.replace(/\/$/, "")}${SERVICE_PREFIX}`);
  console.log("Ctrl+C to stop.");
  const stop = () => running.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`serve: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
