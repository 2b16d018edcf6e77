// `npm run demo`: one agent run end to end, with live status in the terminal.
// Against the bundled emulator by default; against the real service when
// TOOLHOUSE_API_KEY and TOOLHOUSE_CHAT_ID are set (TOOLHOUSE_VARS may hold JSON vars).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AgentRuns, AgentRunsError } from "../pkg/index.js";
import { startEmulator } from "../emulator/server.js";
import { GREETER } from "../tests/support/agents.mjs";

const live = Boolean(process.env.TOOLHOUSE_API_KEY && process.env.TOOLHOUSE_CHAT_ID);
const color = process.stdout.isTTY ? (code, s) => `\x1b[${code}m${s}\x1b[0m` : (_, s) => s;
const dim = (s) => color(2, s);
const bold = (s) => color(1, s);

let emulator;
let client;
let chatId;
let vars;
if (live) {
  client = new AgentRuns(); // TOOLHOUSE_API_KEY (and TOOLHOUSE_BASE_URL) from the environment
  chatId = process.env.TOOLHOUSE_CHAT_ID;
  vars = process.env.TOOLHOUSE_VARS ? JSON.parse(process.env.TOOLHOUSE_VARS) : undefined;
  console.log(bold("Toolhouse Agent Runs demo: the real service"));
} else {
  emulator = await startEmulator({ port: 0 });
  client = new AgentRuns({ apiKey: "th-demo", baseUrl: emulator.baseUrl });
  chatId = GREETER;
  vars = { name: "Ada", topic: "octopuses" };
  console.log(bold("Toolhouse Agent Runs demo: the emulator"), dim(`at ${emulator.baseUrl}`));
  console.log(dim("(set TOOLHOUSE_API_KEY and TOOLHOUSE_CHAT_ID to run against the real service)"));
}

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new Error("stopped with Ctrl-C")));
const started = Date.now();
const stamp = () => dim(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`);
const onUpdate = (run) => console.log(`${stamp()} status: ${bold(run.status)}`);
const options = { signal: controller.signal, onUpdate, maxWaitMs: 10 * 60_000 };

/**
 * The same from a shell: one run with the package's command (pkg/cli.js, which is
 * `npx toolhouse-agent-runs` once the package is installed), its output shown as it is:
 * a live status line and the answer on a terminal, JSON when piped.
 */
async function commandLine(emulator) {
  const args = ["run", chatId, "--var", "name=Grace", "--var", "topic=shells", "--base-url", emulator.baseUrl, "--api-key", "th-demo"];
  console.log(`${stamp()} ${bold("the command line:")} npx toolhouse-agent-runs ${args.join(" ")}`);
  const cli = fileURLToPath(new URL("../pkg/cli.js", import.meta.url));
  const code = await new Promise((resolve) => spawn(process.execPath, [cli, ...args], { stdio: "inherit" }).on("close", resolve));
  console.log(`${stamp()} ${dim(`exit code ${code}`)}\n`);
  if (code !== 0) process.exitCode = 1;
}

function reply(run) {
  if (run.status === "failed") return color(31, `the run failed: ${run.error ?? JSON.stringify(run.results.at(-1))}`);
  return run.lastAgentMessage ?? dim("(no message)");
}

try {
  console.log(`\n${stamp()} createRun ${JSON.stringify({ chatId, vars })}`);
  const created = await client.createRun({ chatId, vars }, { signal: controller.signal });
  console.log(`${stamp()} run ${created.id}`);
  const first = await client.waitForRun(created.id, options);
  console.log(`\n${bold("Agent:")} ${reply(first)}\n`);

  if (first.status === "completed") {
    const message = "Thank you! Can you say that in one short sentence?";
    console.log(`${stamp()} continueRun: "${message}"`);
    const continued = await client.continueRun(created.id, message, { signal: controller.signal });
    // `after`: the service may still serve the old "completed" run for a moment.
    const second = await client.waitForRun(created.id, { ...options, after: continued });
    console.log(`\n${bold("Agent:")} ${reply(second)}\n`);
  }
  if (emulator) await commandLine(emulator);
  console.log(`${stamp()} done`);
} catch (err) {
  if (err instanceof AgentRunsError) {
    console.error(color(31, `${err.name}${err.status ? ` (HTTP ${err.status})` : ""}: ${err.message}`));
  } else {
    console.error(color(31, String(err?.message ?? err)));
  }
  process.exitCode = 1;
} finally {
  await emulator?.close();
}
