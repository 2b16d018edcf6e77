#!/usr/bin/env node
// @ts-check
/**
 * `toolhouse-agent-runs`: the package's command line, for shell scripts, CI jobs and cron.
 * Built only on the package's public API: scripts/build.mjs copies this file to pkg/cli.js,
 * next to the index.js it imports. Not part of the default entry (nothing imports it).
 *
 * Output: for people (stdout is a terminal, no --json), a live status line on stderr while
 * waiting, then the agent's last message on stdout; for programs (stdout piped, or --json),
 * exactly one JSON document on stdout and everything else on stderr. The exit code says how
 * it went (EXIT_CODES).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  AgentRuns,
  AgentRunsError,
  AuthenticationError,
  InsufficientCreditsError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
  WaitTimeoutError,
} from "./index.js";

/** @typedef {import("./index.js").AgentRun} AgentRun */
/** @typedef {import("./index.js").WaitOptions} WaitOptions */

const NAME = "toolhouse-agent-runs";
const DEFAULT_MAX_WAIT = "10m";

/** The exit codes: part of the contract, printed by --help (and tabled in the README). */
const EXIT = { completed: 0, failed: 1, usage: 2, waitTimeout: 3, auth: 4, notFound: 5, service: 6, interrupted: 130 };
const EXIT_CODES = [
  [EXIT.completed, "the run completed (or the command succeeded)"],
  [EXIT.failed, "the run failed"],
  [EXIT.usage, "usage error: a bad argument or option (nothing was sent, or the service refused it with a 422)"],
  [EXIT.waitTimeout, "the wait timed out (--max-wait); the run goes on"],
  [EXIT.auth, "authentication or permission: no key, a bad key, a chat that is not yours, no credits"],
  [EXIT.notFound, "not found: no such run for this key"],
  [EXIT.service, "another error of the service or of the connection"],
  [EXIT.interrupted, "interrupted (Ctrl+C); a run being waited for goes on"],
];

/**
 * The error classes the exit code tells apart; any other `AgentRunsError` is EXIT.service.
 * @param {unknown} error
 */
function exitCodeOf(error) {
  if (error instanceof WaitTimeoutError) return EXIT.waitTimeout;
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError || error instanceof InsufficientCreditsError) return EXIT.auth;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof ValidationError) return EXIT.usage;
  return EXIT.service;
}

/** Every option; `parseArgs` reads them wherever they are, so global ones work before or after the command. */
const OPTIONS = /** @type {const} */ ({
  json: { type: "boolean" },
  "api-key": { type: "string" },
  "base-url": { type: "string" },
  timeout: { type: "string" },
  "max-retries": { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  var: { type: "string", multiple: true },
  "vars-json": { type: "string" },
  bundle: { type: "string" },
  "toolhouse-id": { type: "string" },
  "callback-url": { type: "string" },
  "no-wait": { type: "boolean" },
  "max-wait": { type: "string" },
  status: { type: "string" },
  chat: { type: "string" },
  limit: { type: "string" },
});
const GLOBAL_OPTIONS = ["json", "api-key", "base-url", "timeout", "max-retries", "quiet", "help", "version"];

/**
 * The commands: their positional arguments, their own options, their usage line and what they do.
 * @type {Record<string, { args: string[], options: string[], usage: string, about: string }>}
 */
const COMMANDS = {
  run: {
    args: ["chatId"],
    options: ["var", "vars-json", "bundle", "toolhouse-id", "callback-url", "no-wait", "max-wait"],
    usage: "run <chatId> [--var name=value]… [--vars-json FILE|-] [--bundle B] [--toolhouse-id T] [--callback-url U] [--no-wait] [--max-wait 10m]",
    about: "start a run of the agent <chatId> (Agent Studio's Share button) and wait for its answer",
  },
  get: { args: ["runId"], options: [], usage: "get <runId>", about: "read a run once" },
  continue: {
    args: ["runId", "message"],
    options: ["no-wait", "max-wait"],
    usage: "continue <runId> <message | -> [--no-wait] [--max-wait 10m]",
    about: 'add a message to a completed run ("-" reads it from stdin) and wait for the answer',
  },
  wait: { args: ["runId"], options: ["max-wait"], usage: "wait <runId> [--max-wait 10m]", about: "wait for a run to end" },
  watch: { args: ["runId"], options: ["max-wait"], usage: "watch <runId> [--max-wait 10m]", about: "one line per change of status, until the run ends" },
  list: {
    args: [],
    options: ["status", "chat", "limit"],
    usage: "list [--status S] [--chat C] [--limit N]",
    about: "your runs, newest first",
  },
};
const GLOBAL_USAGE = "[--json] [--api-key K] [--base-url U] [--timeout 60s] [--max-retries N] [--quiet]";

const HELP = `${NAME}: start Toolhouse agent runs, follow them and read their answers, from a shell.

Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${NAME} ${c.usage}`)
  .join("\n")}
  global options, before or after the command: ${GLOBAL_USAGE} [--help] [--version]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.about}`)
  .join("\n")}

Options of run:
  --var name=value     fills {name} in the agent's prompt; repeatable
  --vars-json FILE|-   vars from a JSON object in a file, or on stdin ("-"); --var wins
  --bundle B           the set of MCP servers (default: the service's, "default")
  --toolhouse-id T     the end user's id, scoping the agent's memory
  --callback-url U     the service POSTs to U when the run ends
  --no-wait            print the new run at once, without waiting (also for continue)
  --max-wait D         give up waiting after D (default ${DEFAULT_MAX_WAIT}; also for continue, wait and watch)
Options of list (applied by this command, not the service: its list takes no filters and
returns every run of the key):
  --status S           only runs in status S (queued, in_progress, completed, failed)
  --chat C             only runs of the agent C
  --limit N            only the N newest
Global options:
  --json               one JSON document on stdout and nothing else: the run as the
                       package's API returns it (AgentRun: camelCase fields, "raw" the
                       service's own object); list: an array; watch: one line per change.
                       The default when stdout is not a terminal.
  --api-key K          the API key (th-…); default $TOOLHOUSE_API_KEY
  --base-url U         default $TOOLHOUSE_BASE_URL, else https://api.toolhouse.ai/v1
  --timeout D          bound on each request (default 60s)
  --max-retries N      retries of a request that failed for a passing reason (0 to 10, default 2)
  --quiet              no progress on stderr (errors still go there)
  -h, --help           this help;  --version  the package's version
Durations: 90s, 10m, 1h, or a number of milliseconds.

On a terminal: a live status line while waiting (on stderr), then the agent's last message
(on stdout); colours only on a terminal, never with NO_COLOR. Piped or with --json: JSON
on stdout, progress and errors on stderr.
Ctrl+C stops waiting at once (exit 130) and prints the run id, to resume with "wait". The
run itself goes on: the service has no way to cancel it.

Exit codes:
${EXIT_CODES.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join("\n")}
run and continue (when they wait), wait, watch and get exit 1 when the run they end with
or show has failed.

Example:
  id=$(${NAME} run <chatId> --var name=Ada --no-wait --json | jq -r .id)
  ${NAME} wait "$id" --json | jq -r .lastAgentMessage
`;

/** A mistake in the command line: exit 2, with the usage line of the command. */
class UsageError extends Error {}

/**
 * A promise that rejects when the signal aborts (with its reason), for racing work that
 * takes no signal (reading stdin) as well as the package's calls.
 * @param {AbortSignal} signal
 * @returns {Promise<never>}
 */
function whenAborted(signal) {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * How this invocation writes: chosen once from the streams, the environment and the flags.
 * @typedef {object} Output
 * @property {boolean} json JSON on stdout (--json, or stdout is not a terminal)
 * @property {boolean} quiet no progress on stderr
 * @property {boolean} live stderr is a terminal: a live status line rather than a line per change
 * @property {(code: number, text: string) => string} out colours for stdout (none in JSON, off a terminal, with NO_COLOR)
 * @property {(code: number, text: string) => string} err colours for stderr
 */

/** @param {boolean} enabled @returns {(code: number, text: string) => string} */
const painter = (enabled) => (enabled ? (code, text) => (code ? `\x1b[${code}m${text}\x1b[0m` : text) : (_, text) => text);
const STATUS_COLOURS = /** @type {Record<string, number>} */ ({ queued: 2, in_progress: 33, completed: 32, failed: 31 });
/** The colour of a status (none for one this command does not know). @param {string} status */
const statusColour = (status) => (Object.hasOwn(STATUS_COLOURS, status) ? STATUS_COLOURS[status] : 0);

/**
 * The service's text as it may go to a terminal: control characters other than newlines
 * and tabs (escape sequences an agent's answer could carry) are shown as U+FFFD.
 * @param {string} text
 */
const printable = (text) => text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "\uFFFD");


/** @param {number} ms */
function formatElapsed(ms) {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const whole = Math.floor(s);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * `90s`, `10m`, `1h`, `250ms` or a bare number of milliseconds.
 * @param {string} option the option's name, for the message
 * @param {string} text
 */
function parseDuration(option, text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match?.[2] ?? "ms"] ?? 1;
  const ms = match ? Math.round(Number(match[1]) * unit) : NaN;
  if (!(ms > 0)) throw new UsageError(`--${option} must be a duration such as 90s, 10m, 1h or a number of milliseconds, above 0 (got "${text}")`);
  return ms;
}

/** @param {string} option @param {string} text @param {number} min @param {number} [max] */
function parseInteger(option, text, min, max = Infinity) {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
  if (!(n >= min && n <= max)) throw new UsageError(`--${option} must be a whole number ${range} (got "${text}")`);
  return n;
}

/**
 * The live status line on a terminal (a spinner, the status, the time elapsed), or, off a
 * terminal, one line per change of status. On stderr, never with --quiet.
 * Only a carriage return and spaces redraw it, so it needs no escape codes (NO_COLOR).
 */
class Progress {
  /** @param {Output} output @param {string} runId */
  constructor(output, runId) {
    this.output = output;
    this.runId = runId;
    this.started = Date.now();
    this.status = "";
    this.frame = 0;
    this.width = 0;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.timer = undefined;
  }

  start() {
    if (this.output.quiet || !this.output.live) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  /** @param {AgentRun} run */
  update(run) {
    if (run.status === this.status) return;
    this.status = run.status;
    if (this.output.quiet) return;
    if (this.output.live) this.draw();
    else process.stderr.write(`run ${this.runId}: ${printable(run.status)} (${formatElapsed(Date.now() - this.started)})\n`);
  }

  draw() {
    const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    const spinner = frames[this.frame++ % frames.length];
    const status = printable(this.status) || "starting";
    const parts = [spinner, status, formatElapsed(Date.now() - this.started), `run ${this.runId}`];
    const columns = (process.stderr.columns || 80) - 1;
    // Cut to the terminal's width: a line that wraps cannot be redrawn in place.
    let plain = parts.join("  ");
    if (plain.length > columns) parts[3] = parts[3].slice(0, Math.max(0, parts[3].length - (plain.length - columns)));
    plain = parts.join("  ");
    const { err } = this.output;
    const text = [err(36, parts[0]), err(statusColour(status), parts[1]), parts[2], err(2, parts[3])].join("  ");
    process.stderr.write(`\r${text}${" ".repeat(Math.max(0, this.width - plain.length))}`);
    this.width = plain.length;
  }

  /** Clears the live line; with a run, says how it ended. @param {AgentRun} [run] */
  stop(run) {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.output.quiet || !this.output.live) return;
    if (this.width > 0) process.stderr.write(`\r${" ".repeat(this.width)}\r`);
    this.width = 0;
    if (run) {
      const { err } = this.output;
      const mark = run.status === "completed" ? err(32, "✔") : run.status === "failed" ? err(31, "✖") : "•";
      process.stderr.write(`${mark} ${err(statusColour(run.status), printable(run.status))} in ${formatElapsed(Date.now() - this.started)}  ${err(2, `run ${run.id}`)}\n`);
    }
  }
}

/**
 * Why a failed run failed: its `error` (list items carry it), else the last error part
 * in its `results` (reads of a run carry no `error`).
 * @param {AgentRun} run
 * @returns {string | null}
 */
function failureOf(run) {
  if (run.error) return run.error;
  for (const item of [...run.results].reverse()) {
    const content = /** @type {{ content?: unknown }} */ (item)?.content;
    if (!Array.isArray(content)) continue;
    const part = content.find((p) => p?.type === "error" && typeof p.error === "string");
    if (part) return part.error;
  }
  return null;
}

/** The exit code of a run a command shows. @param {AgentRun} run */
const exitCodeOfRun = (run) => (run.status === "failed" ? EXIT.failed : EXIT.completed);

/** @param {unknown} value @param {boolean} [line] one compact line (watch) rather than an indented document */
function printJson(value, line = false) {
  process.stdout.write(`${line ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
}

/**
 * A run that a wait ended with: why it failed on stderr (for people and programs alike),
 * then, for people, the agent's last message on stdout; for programs, the run.
 * @param {Output} output @param {AgentRun} run @param {boolean} [line] JSON on one line (watch)
 */
function printEnd(output, run, line = false) {
  if (run.status === "failed") process.stderr.write(`${output.err(31, "the run failed")}: ${printable(failureOf(run) ?? "(no reason given)")}\n`);
  if (output.json) {
    if (!line) printJson(run);
  } else if (run.lastAgentMessage !== null) process.stdout.write(`${printable(run.lastAgentMessage)}\n`);
  else if (!output.quiet) process.stderr.write(`${output.err(2, "(no message)")}\n`);
}

/** For people: a run, field by field. @param {Output} output @param {AgentRun} run */
function printRun(output, run) {
  const { out } = output;
  const vars = run.vars ? Object.entries(run.vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ") : null;
  /** @type {[string, string | null, number?][]} name, value, colour */
  const rows = [
    ["run", run.id],
    ["status", run.status, statusColour(run.status)],
    ["agent", run.chatId],
    ["created", run.createdAt],
    ["updated", run.updatedAt],
    ["bundle", run.bundle],
    ["toolhouse id", run.toolhouseId],
    ["vars", vars],
    ["callback", run.callbackUrl],
    ["error", run.status === "failed" ? failureOf(run) : run.error],
  ];
  for (const [name, value, colour = 0] of rows) {
    if (value !== null && value !== "") process.stdout.write(`${out(2, name.padEnd(13))}${out(colour, printable(value))}\n`);
  }
  if (run.lastAgentMessage !== null) process.stdout.write(`\n${printable(run.lastAgentMessage)}\n`);
}

/** Reads all of stdin as UTF-8 text. */
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The vars of `run`: --vars-json's object, then each --var over it.
 * @param {string | undefined} varsJson @param {string[]} pairs
 * @returns {Promise<Record<string, unknown> | undefined>}
 */
async function readVars(varsJson, pairs) {
  /** @type {Record<string, unknown> | undefined} */
  let vars;
  if (varsJson !== undefined) {
    let text;
    try {
      text = varsJson === "-" ? await readStdin() : readFileSync(varsJson, "utf8");
    } catch (e) {
      throw new UsageError(`--vars-json: cannot read ${varsJson} (${/** @type {Error} */ (e).message})`);
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--vars-json: ${varsJson === "-" ? "stdin" : varsJson} is not JSON (${/** @type {Error} */ (e).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UsageError("--vars-json must hold a JSON object of vars, such as {\"name\": \"Ada\"}");
    // No prototype: a var named __proto__ is a var like any other.
    vars = Object.assign(Object.create(null), parsed);
  }
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--var takes name=value (got "${pair}")`);
    vars ??= Object.create(null);
    /** @type {Record<string, unknown>} */ (vars)[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}

/**
 * What a command works with.
 * @typedef {object} Context
 * @property {string[]} args its positional arguments
 * @property {ReturnType<typeof parseCommandLine>["values"]} values every option given
 * @property {AgentRuns} client
 * @property {Output} output
 * @property {AbortSignal} signal aborted by Ctrl+C
 * @property {number} maxWaitMs
 * @property {{ starting?: boolean, waitingFor?: string }} state a run being started, the run being waited for: for the messages of Ctrl+C and of a timeout
 */

/**
 * Waits for a run with the live line, then shows it; the exit code follows its status.
 * @param {Context} ctx
 * @param {string} runId
 * @param {(options: WaitOptions) => Promise<AgentRun>} wait
 */
async function waitAndShow(ctx, runId, wait) {
  const { output, signal, maxWaitMs } = ctx;
  ctx.state.waitingFor = runId;
  const progress = new Progress(output, runId);
  progress.start();
  let run;
  try {
    run = await wait({ signal, maxWaitMs, onUpdate: (r) => progress.update(r) });
  } finally {
    progress.stop(run);
  }
  printEnd(output, run);
  return exitCodeOfRun(run);
}

/** Each command: resolves with the exit code. @type {Record<string, (ctx: Context) => Promise<number>>} */
const RUNNERS = {
  async run(ctx) {
    const { args, values, client, output, signal } = ctx;
    const vars = await readVars(values["vars-json"], values.var ?? []);
    /** @type {import("./index.js").CreateRunParams} */
    const params = { chatId: args[0] };
    // The package checks the values (strings, numbers, booleans) and says which one is wrong.
    if (vars !== undefined) params.vars = /** @type {Record<string, string>} */ (vars);
    if (values.bundle !== undefined) params.bundle = values.bundle;
    if (values["toolhouse-id"] !== undefined) params.toolhouseId = values["toolhouse-id"];
    if (values["callback-url"] !== undefined) params.callbackUrl = values["callback-url"];
    ctx.state.starting = true;
    const created = await client.createRun(params, { signal });
    ctx.state.starting = false;
    if (!values["no-wait"]) return waitAndShow(ctx, created.id, (options) => client.waitForRun(created.id, options));
    if (output.json) printJson(created);
    else process.stdout.write(`${created.id}\n`);
    if (!output.quiet) process.stderr.write(`started run ${created.id} (${created.status}); wait for it with: ${NAME} wait ${created.id}\n`);
    return EXIT.completed;
  },

  async get({ args, client, output, signal }) {
    const run = await client.getRun(args[0], { signal });
    if (output.json) printJson(run);
    else printRun(output, run);
    return exitCodeOfRun(run);
  },

  async continue(ctx) {
    const { args, values, client, output, signal } = ctx;
    const [runId, given] = args;
    // One final newline is the shell's (echo, a here-document), not the message's.
    const message = given === "-" ? (await readStdin()).replace(/\r?\n$/, "") : given;
    if (!values["no-wait"]) return waitAndShow(ctx, runId, (options) => client.continueAndWait(runId, message, options));
    const continued = await client.continueRun(runId, message, { signal });
    if (output.json) printJson(continued);
    else process.stdout.write(`${continued.id}\n`);
    if (!output.quiet) process.stderr.write(`continued run ${runId}; wait for the answer with: ${NAME} wait ${runId}\n`);
    return EXIT.completed;
  },

  wait(ctx) {
    const runId = ctx.args[0];
    return waitAndShow(ctx, runId, (options) => ctx.client.waitForRun(runId, options));
  },

  async watch(ctx) {
    const { args, client, output, signal, maxWaitMs } = ctx;
    ctx.state.waitingFor = args[0];
    const started = Date.now();
    /** @type {AgentRun | undefined} */
    let last;
    for await (const run of client.watchRun(args[0], { signal, maxWaitMs })) {
      last = run;
      if (output.json) printJson(run, true);
      else process.stdout.write(`${formatElapsed(Date.now() - started).padStart(7)}  ${output.out(statusColour(run.status), printable(run.status))}\n`);
    }
    if (!last) throw new AgentRunsError("the watch ended without reading the run");
    printEnd(output, last, true);
    return exitCodeOfRun(last);
  },

  async list({ values, client, output, signal }) {
    const limit = values.limit === undefined ? Infinity : parseInteger("limit", values.limit, 1);
    const all = await client.listRuns({ signal });
    const time = (/** @type {AgentRun} */ run) => Date.parse(run.createdAt ?? "") || 0;
    const chat = values.chat?.toLowerCase();
    const runs = all
      .filter((run) => (values.status === undefined || run.status === values.status) && (chat === undefined || run.chatId.toLowerCase() === chat))
      .sort((a, b) => time(b) - time(a))
      .slice(0, limit);
    if (output.json) printJson(runs);
    else if (runs.length === 0) process.stderr.write(all.length === 0 ? "no runs\n" : `no runs match (of ${all.length})\n`);
    else {
      for (const run of runs) {
        process.stdout.write(`${run.id}  ${output.out(statusColour(run.status), printable(run.status).padEnd(11))}  ${run.chatId}  ${output.out(2, printable(run.createdAt ?? ""))}\n`);
      }
    }
    return EXIT.completed;
  },
};

/**
 * The command line, checked: the command, its arguments, every option.
 * @param {string[]} argv
 */
function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(/** @type {Error} */ (e).message);
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;
  if (values.version || values.help || name === undefined) return { name, args, values };
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}" (one of ${Object.keys(COMMANDS).join(", ")})`);
  const command = COMMANDS[name];
  for (const option of Object.keys(values)) {
    if (!GLOBAL_OPTIONS.includes(option) && !command.options.includes(option)) throw new UsageError(`--${option} is not an option of "${name}"`);
  }
  if (args.length < command.args.length) throw new UsageError(`missing <${command.args[args.length]}>`);
  if (args.length > command.args.length) throw new UsageError(`unexpected argument "${args[command.args.length]}"`);
  return { name, args, values };
}

/**
 * Runs a command line; resolves with the exit code. Everything it prints goes through
 * process.stdout and process.stderr.
 * @param {string[]} argv the arguments after the program's name
 * @param {AbortSignal} signal aborted by Ctrl+C
 * @returns {Promise<number>}
 */
async function main(argv, signal) {
  const colour = !process.env.NO_COLOR;
  /** @type {Output} (set again from the flags once they are read) */
  const output = {
    json: !process.stdout.isTTY,
    quiet: false,
    live: Boolean(process.stderr.isTTY),
    out: painter(colour && Boolean(process.stdout.isTTY)),
    err: painter(colour && Boolean(process.stderr.isTTY)),
  };
  // The command's usage line, for messages about bad arguments.
  const commandName = argv.find((a) => Object.hasOwn(COMMANDS, a));
  const usageLine = `usage: ${NAME} ${commandName ? COMMANDS[commandName].usage : "<command> …"}  (${NAME} --help for more)`;
  const fail = (/** @type {string} */ message) => process.stderr.write(`${output.err(31, `${NAME}:`)} ${printable(message)}\n`);
  /** @type {Context["state"]} */
  const state = {};
  try {
    const { name, args, values } = parseCommandLine(argv);
    output.json ||= Boolean(values.json);
    output.quiet = Boolean(values.quiet);
    if (output.json) output.out = painter(false);
    if (values.version) {
      const manifest = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
      process.stdout.write(`${manifest.version}\n`);
      return EXIT.completed;
    }
    if (values.help || name === undefined) {
      process.stdout.write(HELP);
      return EXIT.completed;
    }
    /** @type {import("./index.js").ClientOptions} */
    const clientOptions = {};
    if (values["api-key"] !== undefined) clientOptions.apiKey = values["api-key"];
    if (values["base-url"] !== undefined) clientOptions.baseUrl = values["base-url"];
    if (values.timeout !== undefined) clientOptions.timeoutMs = parseDuration("timeout", values.timeout);
    if (values["max-retries"] !== undefined) clientOptions.maxRetries = parseInteger("max-retries", values["max-retries"], 0, 10);
    const maxWaitMs = parseDuration("max-wait", values["max-wait"] ?? DEFAULT_MAX_WAIT);
    const client = new AgentRuns(clientOptions);
    /** @type {Context} */
    const ctx = { args, values, client, output, signal, maxWaitMs, state };
    // Raced with Ctrl+C, so that work which takes no signal (reading stdin) stops too.
    return await Promise.race([RUNNERS[name](ctx), whenAborted(signal)]);
  } catch (error) {
    if (signal.aborted) {
      const id = state.waitingFor;
      if (id) fail(`interrupted: stopped waiting for run ${id}. The run was not cancelled (the service has no cancel): it goes on. Resume with: ${NAME} wait ${id}`);
      else if (state.starting) fail(`interrupted before the service answered: a run may have started all the same (${NAME} list shows it)`);
      else fail("interrupted");
      return EXIT.interrupted;
    }
    if (error instanceof UsageError) {
      fail(`${error.message}\n${usageLine}`);
      return EXIT.usage;
    }
    if (!(error instanceof AgentRunsError)) {
      // A bug here, or stdin that could not be read: one line, no stack.
      fail(`unexpected error: ${/** @type {Error} */ (error)?.message ?? String(error)}`);
      return EXIT.service;
    }
    if (error instanceof WaitTimeoutError && state.waitingFor) {
      if (output.json && error.lastRun) printJson(error.lastRun);
      fail(`${error.message}. The run was not cancelled: it goes on. Wait again with: ${NAME} wait ${state.waitingFor}`);
    } else {
      fail(`${error.name}: ${error.message}`);
    }
    // Caught before anything was sent: the command line is what is wrong.
    if (error instanceof ValidationError && error.status === null) process.stderr.write(`${usageLine}\n`);
    if (error instanceof AuthenticationError && error.status === null) process.stderr.write("Set TOOLHOUSE_API_KEY, or pass --api-key.\n");
    return exitCodeOf(error);
  }
}

const controller = new AbortController();
process.on("SIGINT", () => {
  // A second Ctrl+C does not wait for anything.
  if (controller.signal.aborted) process.exit(EXIT.interrupted);
  controller.abort(new Error("interrupted"));
});
// `head` and friends close the pipe early: that is not an error.
process.stdout.on("error", (e) => {
  if (/** @type {NodeJS.ErrnoException} */ (e).code === "EPIPE") process.exit(EXIT.completed);
});
const code = await main(process.argv.slice(2), controller.signal);
// Interrupted, a read of stdin may still hold the process: leave now (stderr is written).
if (code === EXIT.interrupted) process.exit(code);
process.exitCode = code;
