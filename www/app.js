// @ts-check
// The page's logic: the package's API, nothing else. /config.json (served by
// scripts/serve.mjs) says where the emulator is and lists its agents.
import { AgentRuns, AgentRunsError } from "/pkg/index.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const config = await (await fetch("/config.json")).json();
// The emulator's test key; a real page would call a server of its own instead of holding a key.
const client = new AgentRuns({ apiKey: config.apiKey, baseUrl: config.baseUrl, dangerouslyAllowBrowser: true });
const agentSelect = /** @type {HTMLSelectElement} */ ($("agent"));
for (const agent of config.agents) agentSelect.add(new Option(agent.name, agent.chatId));

/** @type {string | null} */
let runId = null;
const continueButton = /** @type {HTMLButtonElement} */ ($("continue-button"));
const startButton = /** @type {HTMLButtonElement} */ ($("start-button"));

/** @param {import("/pkg/index.js").AgentRun} run */
function show(run) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()}: ${run.status.replace("_", " ")}`;
  $("timeline").append(item);
  if (run.status === "completed" || run.status === "failed") {
    $("reply").textContent = run.status === "failed" ? `The run failed: ${run.error ?? "see results"}` : run.lastAgentMessage ?? "";
  }
  continueButton.disabled = run.status !== "completed";
}

/** @param {unknown} err */
function showError(err) {
  const el = $("error");
  el.hidden = false;
  el.textContent = err instanceof AgentRunsError ? `${err.name}${err.status ? ` (HTTP ${err.status})` : ""}: ${err.message}` : String(err);
}

/** @param {() => Promise<import("/pkg/index.js").AgentRun>} start */
async function follow(start) {
  $("error").hidden = true;
  startButton.disabled = continueButton.disabled = true;
  try {
    const run = await start();
    runId = run.id;
    // `after`: right after a continue the service may still serve the old "completed" run.
    await client.waitForRun(run.id, { pollIntervalMs: 250, onUpdate: show, after: run });
  } catch (err) {
    showError(err);
  } finally {
    startButton.disabled = false;
  }
}

$("start").addEventListener("submit", (event) => {
  event.preventDefault();
  $("timeline").replaceChildren();
  $("reply").textContent = "(waiting)";
  follow(async () => {
    const vars = JSON.parse(/** @type {HTMLInputElement} */ ($("vars")).value || "{}");
    return client.createRun({ chatId: agentSelect.value, vars });
  });
});

$("continue").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = runId;
  if (!id) return;
  $("reply").textContent = "(waiting)";
  follow(() => client.continueRun(id, /** @type {HTMLInputElement} */ ($("message")).value));
});
