// The `toolhouse-agent-runs` command, run as a user runs it: the packed tarball installed
// into a fresh folder, the command spawned from there (`npx` once, the installed bin
// otherwise), against the emulator. Independent cases run concurrently.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AgentRuns } from "../../pkg/index.js";
import { startEmulator } from "../../emulator/server.js";
import { BROKEN, GREETER, MISSING_RUN, SLOW, UNKNOWN_CHAT, fastEmulator } from "./helpers.mjs";

const execFileAsync = promisify(execFile);
const repo = fileURLToPath(new URL("../../", import.meta.url));
const KEY = "th-cli-test";
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

let scratch;
let bin;
let project;
/** Runs end in about 20 ms here. */
let fast;
/** Real time: a Greeter run takes about 2 s, a Slow researcher 150 s (never, for these tests). */
let slow;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "thar-cli-"));
  const { stdout } = await execFileAsync("npm", ["pack", join(repo, "pkg"), "--pack-destination", scratch, "--json"], { cwd: repo });
  const tarball = join(scratch, JSON.parse(stdout)[0].filename);
  project = join(scratch, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "cli-user", private: true }));
  await execFileAsync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: project });
  bin = join(project, "node_modules/.bin/toolhouse-agent-runs");
  [fast, slow] = await Promise.all([fastEmulator(), startEmulator()]);
});

after(async () => {
  await Promise.all([fast?.close(), slow?.close()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The environment of a user with a key for the fast emulator, and no colour settings of ours. */
function userEnv(extra = {}) {
  const env = { ...process.env, TOOLHOUSE_API_KEY: KEY, TOOLHOUSE_BASE_URL: fast.baseUrl };
  for (const name of ["NO_COLOR", "FORCE_COLOR"]) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * Spawns the command with stdout and stderr piped; resolves when it exits.
 * @param {string[]} args
 * @param {{ env?: Record<string, string | undefined>, input?: string, npx?: boolean, onStart?: (child: import("node:child_process").ChildProcess) => void }} [options]
 */
function cli(args, { env, input, npx = false, onStart } = {}) {
  const [cmd, argv] = npx ? ["npx", ["--no", "toolhouse-agent-runs", ...args]] : [bin, args];
  const child = spawn(cmd, argv, { cwd: project, env: userEnv(env), stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  if (input === undefined) child.stdin.end();
  else child.stdin.end(input);
  onStart?.(child);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs the command in a pseudo-terminal (util-linux `script`): stdout and stderr are one TTY. */
async function cliInTerminal(args, env = {}) {
  const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
  try {
    const { stdout } = await execFileAsync("script", ["-qec", [bin, ...args].map(quote).join(" "), "/dev/null"], { cwd: project, env: userEnv(env) });
    return { code: 0, output: stdout };
  } catch (err) {
    if (typeof err.code !== "number") throw err;
    return { code: err.code, output: err.stdout };
  }
}

/** Text without its colours. */
const plain = (text) => text.replace(/\x1b\[\d+m/g, "");

/** Exactly one JSON document on stdout (JSON.parse refuses anything more). */
const onlyJson = (stdout) => JSON.parse(stdout);

/** A run in `emulator`, started through the package's API (set-up, not under test). */
async function startRun(emulator, chatId, vars = {}, apiKey = KEY) {
  return new AgentRuns({ apiKey, baseUrl: emulator.baseUrl }).createRun({ chatId, vars });
}

/** A port nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

describe("toolhouse-agent-runs", { concurrency: true }, () => {
  test("npx toolhouse-agent-runs with no arguments prints the help, with every command and exit code, and exits 0", async () => {
    const { code, stdout } = await cli([], { npx: true });
    assert.equal(code, 0);
    assert.match(stdout, /^Usage:/m);
    for (const command of ["run <chatId>", "get <runId>", "continue <runId> <message | ->", "wait <runId>", "watch <runId>", "list [--status S]"]) {
      assert.ok(stdout.includes(`toolhouse-agent-runs ${command}`), `the help shows ${command}`);
    }
    for (const exit of [0, 1, 2, 3, 4, 5, 6, 130]) assert.match(stdout, new RegExp(`^ +${exit}  \\S`, "m"), `the help explains exit code ${exit}`);
  });

  test("--help prints the same help; --version the package's version", async () => {
    const [help, version, none] = await Promise.all([cli(["list", "--help"]), cli(["--version"]), cli([])]);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, none.stdout);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(repo, "pkg/package.json"), "utf8")).version);
  });

  test("run, piped: exactly one JSON document on stdout, the completed run in camelCase; progress on stderr; exit 0", async () => {
    const { code, stdout, stderr } = await cli(["run", GREETER, "--var", "name=Ada", "--var", "topic=octopuses"]);
    assert.equal(code, 0, stderr);
    const run = onlyJson(stdout);
    assert.equal(run.status, "completed");
    assert.equal(run.chatId, GREETER);
    assert.deepEqual(run.vars, { name: "Ada", topic: "octopuses" });
    assert.match(run.lastAgentMessage, /^Hello Ada! .*octopuses/);
    assert.equal(run.raw.chat_id, GREETER, "raw: the service's own object");
    assert.match(stderr, new RegExp(`run ${run.id}: completed`));
  });

  test("--json before the command; --vars-json - reads the vars from stdin and --var wins over them", async () => {
    const { code, stdout, stderr } = await cli(["--json", "run", GREETER, "--vars-json", "-", "--var", "topic=squid", "--var", "__proto__=kept"], {
      input: JSON.stringify({ name: "Grace", topic: "cobol", retries: 3 }),
    });
    assert.equal(code, 0, stderr);
    const run = onlyJson(stdout);
    assert.deepEqual(run.vars, { name: "Grace", topic: "squid", retries: "3", ["__proto__"]: "kept" });
    assert.match(run.lastAgentMessage, /Hello Grace! .*squid/);
  });

  test("--quiet: nothing on stderr, the run on stdout", async () => {
    const { code, stdout, stderr } = await cli(["run", GREETER, "--quiet", "--var", "name=Q"]);
    assert.equal(code, 0);
    assert.equal(stderr, "");
    assert.equal(onlyJson(stdout).status, "completed");
  });

  test("a run that fails exits 1, prints the failed run and says why on stderr", async () => {
    const { code, stdout, stderr } = await cli(["run", BROKEN, "--var", "city=Oslo", "--json"]);
    assert.equal(code, 1);
    const run = onlyJson(stdout);
    assert.equal(run.status, "failed");
    assert.match(stderr, /the run failed: Tool get_weather failed/);
  });

  test("run --no-wait prints the queued run at once; get reads it and wait waits for it (global flags after the command)", async () => {
    const started = await cli(["run", GREETER, "--no-wait", "--var", "name=Lin", "--base-url", slow.baseUrl]);
    assert.equal(started.code, 0, started.stderr);
    const queued = onlyJson(started.stdout);
    assert.equal(queued.status, "queued");
    assert.match(started.stderr, new RegExp(`toolhouse-agent-runs wait ${queued.id}`));

    const read = await cli(["get", queued.id, "--json"], { env: { TOOLHOUSE_BASE_URL: slow.baseUrl } });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(onlyJson(read.stdout).id, queued.id);

    const waited = await cli(["wait", queued.id, "--max-wait", "1m"], { env: { TOOLHOUSE_BASE_URL: slow.baseUrl } });
    assert.equal(waited.code, 0, waited.stderr);
    const done = onlyJson(waited.stdout);
    assert.equal(done.id, queued.id);
    assert.equal(done.status, "completed");
    assert.match(done.lastAgentMessage, /Hello Lin!/);
  });

  test("watch writes one JSON line per change of status, ending with the run's end", async () => {
    // The run has ended before the command starts; the service's first answers say it
    // has not (injected), so the changes do not depend on how fast the command starts.
    const { id } = await startRun(fast, GREETER, { name: "Kim" });
    await new AgentRuns({ apiKey: KEY, baseUrl: fast.baseUrl }).waitForRun(id, { pollIntervalMs: 100 });
    for (const status of ["queued", "queued", "in_progress"]) {
      fast.addFault({ kind: "mutate", method: "GET", path: `/v1/agent-runs/${id}`, set: { status, last_agent_message: null } });
    }
    const { code, stdout, stderr } = await cli(["watch", id]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((run) => run.status), ["queued", "in_progress", "completed"], "a line for each change, none for a repeat");
    assert.ok(lines.every((run) => run.id === id));
    assert.match(lines.at(-1).lastAgentMessage, /Hello Kim!/);
  });

  test("watch of a failed run exits 1", async () => {
    const { id } = await startRun(fast, BROKEN, { city: "Lima" });
    const { code, stdout } = await cli(["watch", id, "--json"]);
    assert.equal(code, 1);
    assert.equal(JSON.parse(stdout.trimEnd().split("\n").at(-1)).status, "failed");
  });

  test('continue with "-" reads the message from stdin and waits for the answer', async () => {
    const first = await cli(["run", GREETER, "--var", "name=Ada"]);
    const { id } = onlyJson(first.stdout);
    const { code, stdout, stderr } = await cli(["continue", id, "-"], { input: "Merci, en une phrase ?\n" });
    assert.equal(code, 0, stderr);
    const run = onlyJson(stdout);
    assert.equal(run.status, "completed");
    assert.equal(run.lastAgentMessage, 'Happy to help, Ada. You said: "Merci, en une phrase ?".');
  });

  test("continue --no-wait returns at once; wait then gets the new answer", async () => {
    const first = await cli(["run", GREETER, "--var", "name=Bo"]);
    const { id } = onlyJson(first.stdout);
    const continued = await cli(["continue", id, "And once more", "--no-wait"]);
    assert.equal(continued.code, 0, continued.stderr);
    assert.equal(onlyJson(continued.stdout).id, id);
    const waited = await cli(["wait", id]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(onlyJson(waited.stdout).lastAgentMessage, /You said: "And once more"/);
  });

  test("list filters by status and chat and keeps the newest --limit runs; --api-key picks whose runs", async () => {
    const key = "th-cli-list";
    const client = new AgentRuns({ apiKey: key, baseUrl: fast.baseUrl });
    const broken = await client.createRun({ chatId: BROKEN, vars: { city: "Rome" } });
    const older = await client.createRun({ chatId: GREETER, vars: { name: "Old" } });
    await new Promise((r) => setTimeout(r, 5)); // distinct creation times
    const newer = await client.createRun({ chatId: GREETER, vars: { name: "New" } });
    await Promise.all([broken, older, newer].map((run) => client.waitForRun(run.id, { pollIntervalMs: 100 })));

    const all = await cli(["list", "--api-key", key]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(onlyJson(all.stdout).map((run) => run.id).sort(), [broken.id, older.id, newer.id].sort());
    const failed = await cli(["list", "--status", "failed", "--api-key", key]);
    assert.deepEqual(onlyJson(failed.stdout).map((run) => run.id), [broken.id]);
    const newest = await cli(["list", "--chat", GREETER, "--limit", "1", "--api-key", key]);
    assert.deepEqual(onlyJson(newest.stdout).map((run) => run.id), [newer.id]);
    const someoneElse = await cli(["list", "--api-key", "th-nobody"]);
    assert.deepEqual(onlyJson(someoneElse.stdout), []);
  });

  describe("exit 2: usage errors name the argument and show the usage line, never a stack trace", { concurrency: true }, () => {
    const cases = [
      [["run"], /missing <chatId>/, "run <chatId>"],
      [["continue", MISSING_RUN], /missing <message>/, "continue <runId>"],
      [["run", GREETER, "--max-wait", "10x"], /--max-wait must be a duration .*"10x"/, "run <chatId>"],
      [["wait", MISSING_RUN, "--timeout", "-1"], /--timeout/, "wait <runId>"],
      [["run", GREETER, "--var", "novalue"], /--var takes name=value/, "run <chatId>"],
      [["run", GREETER, "--vars-json", "/nonexistent/vars.json"], /--vars-json: cannot read/, "run <chatId>"],
      [["get", "not-a-uuid"], /runId/, "get <runId>"],
      [["get", MISSING_RUN, "--no-wait"], /--no-wait is not an option of "get"/, "get <runId>"],
      [["list", "--limit", "0"], /--limit must be a whole number/, "list"],
      [["list", "--max-retries", "11"], /--max-retries/, "list"],
      [["list", "--bogus"], /--bogus/, "list"],
      [["get", MISSING_RUN, "extra"], /unexpected argument "extra"/, "get <runId>"],
      [["frob"], /unknown command "frob"/, "<command>"],
    ];
    for (const [args, message, usage] of cases) {
      test(args.join(" "), async () => {
        const { code, stdout, stderr } = await cli(args);
        assert.equal(code, 2, stderr);
        assert.equal(stdout, "");
        assert.match(stderr, message);
        assert.ok(stderr.includes(`usage: toolhouse-agent-runs ${usage}`), stderr);
        assert.doesNotMatch(stderr, STACK_TRACE);
      });
    }
  });

  test("exit 3: past --max-wait the last run read is printed and the run goes on", async () => {
    const { id } = await startRun(slow, SLOW, { subject: "tides" });
    const { code, stdout, stderr } = await cli(["wait", id, "--max-wait", "3s"], { env: { TOOLHOUSE_BASE_URL: slow.baseUrl } });
    assert.equal(code, 3, stderr);
    const last = onlyJson(stdout);
    assert.equal(last.id, id);
    assert.ok(["queued", "in_progress"].includes(last.status), last.status);
    assert.match(stderr, /goes on/);
    assert.ok(stderr.includes(`toolhouse-agent-runs wait ${id}`), stderr);
  });

  describe("exit 4: authentication and permission", { concurrency: true }, () => {
    test("a chat that is not the key's (403)", async () => {
      const { code, stdout, stderr } = await cli(["run", UNKNOWN_CHAT]);
      assert.equal(code, 4, stderr);
      assert.equal(stdout, "");
      assert.match(stderr, /PermissionDeniedError/);
    });
    test("no key for the Toolhouse service: nothing is sent, the message says how to give one", async () => {
      const { code, stderr } = await cli(["list"], { env: { TOOLHOUSE_API_KEY: undefined, TOOLHOUSE_BASE_URL: undefined } });
      assert.equal(code, 4, stderr);
      assert.match(stderr, /AuthenticationError/);
      assert.match(stderr, /--api-key/);
    });
    test("out of credits (402)", async () => {
      const { id } = await startRun(fast, GREETER);
      fast.addFault({ kind: "status", status: 402, path: `/v1/agent-runs/${id}`, body: { detail: "Insufficient user credits" } });
      const { code, stderr } = await cli(["get", id]);
      assert.equal(code, 4, stderr);
      assert.match(stderr, /InsufficientCreditsError/);
    });
  });

  test("exit 5: no such run, for get, wait and continue", async () => {
    const results = await Promise.all([cli(["get", MISSING_RUN]), cli(["wait", MISSING_RUN]), cli(["continue", MISSING_RUN, "hi"])]);
    for (const { code, stdout, stderr } of results) {
      assert.equal(code, 5, stderr);
      assert.equal(stdout, "");
      assert.match(stderr, /NotFoundError/);
    }
  });

  describe("exit 6: other errors of the service or the connection", { concurrency: true }, () => {
    test("a 503 with --max-retries 0", async () => {
      const { id } = await startRun(fast, GREETER);
      fast.addFault({ kind: "status", status: 503, path: `/v1/agent-runs/${id}` });
      const { code, stderr } = await cli(["get", id, "--max-retries", "0"]);
      assert.equal(code, 6, stderr);
      assert.match(stderr, /ServerError/);
    });
    test("an answer slower than --timeout", async () => {
      const { id } = await startRun(fast, GREETER);
      fast.addFault({ kind: "delay", ms: 5_000, path: `/v1/agent-runs/${id}` });
      const { code, stderr } = await cli(["get", id, "--timeout", "300ms", "--max-retries", "0"]);
      assert.equal(code, 6, stderr);
      assert.match(stderr, /TimeoutError/);
    });
    test("nothing listening at --base-url", async () => {
      const { code, stderr } = await cli(["list", "--base-url", `http://127.0.0.1:${await closedPort()}/v1`, "--max-retries", "0"]);
      assert.equal(code, 6, stderr);
      assert.match(stderr, /ConnectionError/);
    });
    test("continue on a run that has not completed (406)", async () => {
      const { id } = await startRun(slow, SLOW, { subject: "ice" });
      const { code, stderr } = await cli(["continue", id, "hurry up"], { env: { TOOLHOUSE_BASE_URL: slow.baseUrl } });
      assert.equal(code, 6, stderr);
      assert.match(stderr, /RunNotCompletedError/);
    });
  });

  test("exit 130: Ctrl+C during a wait stops at once, prints the run id and says the run goes on", async () => {
    const { id } = await startRun(slow, SLOW, { subject: "glaciers" });
    const { code, signal, stdout, stderr } = await cli(["wait", id], {
      env: { TOOLHOUSE_BASE_URL: slow.baseUrl },
      // Once the wait has read the run (its first progress line), press Ctrl+C.
      onStart: (child) => {
        let seen = "";
        child.stderr.on("data", (d) => {
          seen += d;
          if (seen.includes(`run ${id}:`)) child.kill("SIGINT");
        });
      },
    });
    assert.equal(signal, null, "the command handles SIGINT itself");
    assert.equal(code, 130, stderr);
    assert.equal(stdout, "");
    assert.match(stderr, /interrupted/);
    assert.match(stderr, /not cancelled/);
    assert.ok(stderr.includes(`toolhouse-agent-runs wait ${id}`), stderr);
    const still = await new AgentRuns({ apiKey: KEY, baseUrl: slow.baseUrl }).getRun(id);
    assert.ok(["queued", "in_progress"].includes(still.status), "the run goes on");
  });

  describe("on a terminal (a pseudo-TTY from `script`)", { concurrency: true }, () => {
    test("run shows a live status line with a spinner, the status and the time, in colour, then the agent's message", async () => {
      const { code, output } = await cliInTerminal(["run", SLOW, "--var", "subject=whales"]);
      assert.equal(code, 0, output);
      assert.ok(new Set([...output].filter((c) => SPINNER.test(c))).size >= 2, `the spinner turns: ${JSON.stringify(output)}`);
      assert.match(output, /\r[^\r\n]*(starting|queued|in_progress)[^\r\n]*\d+\.\ds  [^\r\n]*run [0-9a-f-]{36}/, "the live line: status, time, run");
      assert.match(output, /\x1b\[32mcompleted\x1b\[0m/, "the status in colour");
      assert.match(output, /^Research note on whales: /m, "then the last agent message");
      assert.doesNotMatch(output, /^\s*[{[]/m, "text, not JSON");
    });

    test("NO_COLOR: the same live line and message, without a single escape code", async () => {
      const { code, output } = await cliInTerminal(["run", SLOW, "--var", "subject=seals"], { NO_COLOR: "1" });
      assert.equal(code, 0, output);
      assert.match(output, SPINNER);
      assert.match(output, /\r[^\r\n]*(starting|queued|in_progress)  \d+\.\ds  run /);
      assert.match(output, /^Research note on seals: /m);
      assert.ok(!output.includes("\x1b"), JSON.stringify(output));
    });

    test("a failed run: exit 1, why in red, then the agent's last message", async () => {
      const { code, output } = await cliInTerminal(["run", BROKEN, "--var", "city=Bergen"]);
      assert.equal(code, 1, output);
      assert.match(output, /\x1b\[31mthe run failed\x1b\[0m: Tool get_weather failed/);
      assert.match(output, /^I could not get the weather for Bergen/m);
    });

    test("--json on a terminal still writes JSON", async () => {
      const { code, output } = await cliInTerminal(["run", GREETER, "--json", "--quiet", "--var", "name=Tty"]);
      assert.equal(code, 0, output);
      assert.equal(JSON.parse(output).status, "completed");
    });

    test("the service's text cannot send escape sequences to the terminal", async () => {
      const { id } = await startRun(fast, GREETER);
      fast.addFault({ kind: "mutate", method: "GET", path: `/v1/agent-runs/${id}`, set: { status: "completed", last_agent_message: "hi\x1b]0;owned\x07\x1b[2J there" } });
      const { code, output } = await cliInTerminal(["get", id], { NO_COLOR: "1" });
      assert.equal(code, 0, output);
      assert.ok(!output.includes("\x1b"), JSON.stringify(output));
      assert.match(output, /^hi\uFFFD\]0;owned\uFFFD\uFFFD\[2J there\r?$/m);
    });

    test("get, list and watch as text", async () => {
      const created = await startRun(fast, GREETER, { name: "Text" }, "th-cli-text");
      const env = { TOOLHOUSE_API_KEY: "th-cli-text" };
      const watched = await cliInTerminal(["watch", created.id], env);
      assert.equal(watched.code, 0, watched.output);
      assert.match(watched.output, /^\s+\d+\.\ds  \x1b\[32mcompleted\x1b\[0m\r?$/m);
      assert.match(watched.output, /^Hello Text!/m);
      const [read, listed] = await Promise.all([cliInTerminal(["get", created.id], env), cliInTerminal(["list"], env)]);
      assert.equal(read.code, 0, read.output);
      assert.match(read.output, /\x1b\[32mcompleted/, "in colour");
      assert.match(plain(read.output), new RegExp(`^run +${created.id}\r?$`, "m"));
      assert.match(plain(read.output), /^status +completed\r?$/m);
      assert.match(plain(read.output), /^vars +name="Text"\r?$/m);
      assert.match(plain(read.output), /^Hello Text!/m);
      assert.equal(listed.code, 0, listed.output);
      assert.match(plain(listed.output), new RegExp(`^${created.id}  completed +${GREETER}  \\S+\r?$`, "m"));
    });
  });
});
