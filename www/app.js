// @ts-check
// The Agent Runs console: start a run, watch it, read its conversation, continue it,
// reopen any run. It uses the package's API only (from /pkg/index.js, a plain ES module).
// /config.json (served by scripts/serve.mjs) says where the page reaches the emulator and
// the service (routes of toolhouse-agent-runs/server there, which hold the keys) and lists
// the emulator's agents; Settings switch between them. The page has no key.
import { loadSettings, saveSettings } from "./settings.js";
import { Conversation, Timeline, describeError, el, failureText, isTerminal, json, serviceTime, statusBadge, statusLabel, timeElement } from "./render.js";

/**
 * @typedef {import("/pkg/index.js").AgentRun} AgentRun
 * @typedef {import("/pkg/index.js").AgentRuns} AgentRuns
 * @typedef {import("/pkg/index.js").CreateRunParams} CreateRunParams
 * @typedef {{ chatId: string, name: string, prompt: string, outcome?: string, durationMs?: number }} EmulatorAgent
 * @typedef {{ emulatorPath: string, servicePath: string, upstreams: { emulator: string, service: string }, serviceKey: boolean, user: string, agents: EmulatorAgent[], pollIntervalMs?: number }} SiteConfig
 * @typedef {{ id: string, run: AgentRun | null, timeline: Timeline, conversation: Conversation, watch: AbortController | null }} RunView
 */

/** @template {HTMLElement} [T=HTMLElement] @param {string} id @returns {T} */
const $ = (id) => /** @type {T} */ (document.getElementById(id));
/** A problem of the page itself (not the package's): shown like the package's errors. */
class ConsoleError extends Error {
  /** @param {string} name @param {string} message */
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

// ---------------------------------------------------------------- errors and announcements

/** Shows an error as a readable message: its type, HTTP status, message, and the service's answer. @param {unknown} err */
function showError(err) {
  const { title, message, hint, body, details } = describeError(err);
  $("error-text").textContent = `${title}: ${message}`;
  $("error-hint").textContent = hint;
  $("error-hint").hidden = !hint;
  $("error-details").replaceChildren(...details.map((d) => el("li", "", d)));
  const hasBody = body !== null && body !== undefined && body !== "";
  $("error-body").hidden = !hasBody;
  $("error-body-text").textContent = hasBody ? (typeof body === "string" ? body : json(body)) : "";
  $("error").hidden = false;
  $("error").scrollIntoView({ block: "nearest" });
}
function hideError() {
  $("error").hidden = true;
}
$("error-dismiss").addEventListener("click", () => {
  hideError();
  $("main").focus();
});
window.addEventListener("error", (event) => showError(event.error ?? new ConsoleError("Error", event.message)));
window.addEventListener("unhandledrejection", (event) => showError(event.reason));

/** Says something to screen readers (the visible page shows it too). @param {string} text */
function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  // A fresh text node after a tick, so the same message twice is announced twice.
  setTimeout(() => (region.textContent = text), 50);
}

// ---------------------------------------------------------------- the package, the config, the client

/** @type {typeof import("/pkg/index.js") | null} */
let pkg = null;
try {
  pkg = await import("/pkg/index.js");
} catch (err) {
  showError(new ConsoleError("LoadError", `the package could not be loaded from /pkg/index.js (${String(err)}); build it with npm run build`));
}

/** @type {SiteConfig | null} */
let config = null;
try {
  const answer = await fetch("/config.json", { cache: "no-store" });
  if (answer.ok) config = await answer.json();
} catch {
  // Served without scripts/serve.mjs: no emulator; the service only.
}
const agents = Array.isArray(config?.agents) ? config.agents : [];

let settings = loadSettings();
/** @type {AgentRuns | null} */
let client = null;
/** @type {number | undefined} */
let pollIntervalMs;

/** Builds the client from the settings. @returns {unknown} the error, if the settings are refused */
function connect() {
  client = null;
  // Without /config.json (served without scripts/serve.mjs) only a base URL of your own works.
  const target = config ? settings.target : "custom";
  const emulator = target === "emulator";
  const route = (/** @type {string} */ path) => new URL(path, location.href).href;
  // No base URL of your own yet: the package's default (the Toolhouse service).
  const baseUrl = config && target !== "custom" ? route(emulator ? config.emulatorPath : config.servicePath) : settings.baseUrl || undefined;
  pollIntervalMs = emulator ? config?.pollIntervalMs : undefined; // the service: the package's polite default
  $("target-name").textContent = emulator ? "the emulator" : target === "service" ? "the Toolhouse service" : "a server of yours";
  $("target-url").textContent = config && target !== "custom" ? (emulator ? config.upstreams.emulator : config.upstreams.service) : baseUrl ?? "the package's default base URL";
  $("target-key").textContent =
    target === "custom" ? "· no key" : target === "service" && !config?.serviceKey ? "· this console's server has no key (npm start -- --api-key th-…)" : "· through this console's server, which holds the key";
  $("agent-field").hidden = !emulator || agents.length === 0;
  if (!pkg) return new ConsoleError("LoadError", "the package is not loaded");
  try {
    // No key here: the server the page talks to adds it.
    client = new pkg.AgentRuns({ baseUrl });
    return null;
  } catch (err) {
    return err;
  }
}

/** @returns {AgentRuns} */
function requireClient() {
  if (client) return client;
  throw new ConsoleError("SettingsError", pkg ? "the settings are not usable; open Settings to fix them" : "the package is not loaded; build it with npm run build");
}

// ---------------------------------------------------------------- the start form

const agentSelect = /** @type {HTMLSelectElement} */ ($("agent"));
const chatIdInput = /** @type {HTMLInputElement} */ ($("chat-id"));
const varRows = /** @type {HTMLOListElement} */ ($("var-rows"));
const startButton = /** @type {HTMLButtonElement} */ ($("start-button"));

for (const agent of agents) agentSelect.add(new Option(agent.name, agent.chatId));
agentSelect.add(new Option("Another chat id…", ""));

/** The {placeholders} of a prompt, in order, once each. @param {string} prompt */
const placeholders = (prompt) => [...new Set([...prompt.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))];

/** Labels every row by its position and name, for screen readers. */
function relabelRows() {
  [...varRows.children].forEach((row, i) => {
    const [key, value, remove] = /** @type {[HTMLInputElement, HTMLInputElement, HTMLButtonElement]} */ ([...row.querySelectorAll("input, button")]);
    const name = key.value.trim();
    key.setAttribute("aria-label", `Name of variable ${i + 1}`);
    value.setAttribute("aria-label", name ? `Value of ${name}` : `Value of variable ${i + 1}`);
    remove.setAttribute("aria-label", name ? `Remove ${name}` : `Remove variable ${i + 1}`);
  });
}

/** @param {string} [key] @param {string} [value] */
function addVarRow(key = "", value = "") {
  const row = el("li", "var-row");
  const keyInput = el("input", "var-key");
  const valueInput = el("input", "var-value");
  for (const input of [keyInput, valueInput]) {
    input.autocomplete = "off";
    input.spellcheck = false;
  }
  keyInput.value = key;
  keyInput.placeholder = "name";
  valueInput.value = value;
  valueInput.placeholder = key ? `value of {${key}}` : "value";
  keyInput.addEventListener("input", relabelRows);
  const remove = el("button", "secondary small remove", "Remove");
  remove.type = "button";
  remove.addEventListener("click", () => {
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    relabelRows();
    /** @type {HTMLElement} */ (next?.querySelector(".var-key") ?? $("add-var")).focus();
  });
  row.append(keyInput, valueInput, remove);
  varRows.append(row);
  relabelRows();
  return row;
}
$("add-var").addEventListener("click", () => /** @type {HTMLInputElement} */ (addVarRow().querySelector(".var-key")).focus());

/** @returns {[string, string][]} the rows as they are */
const currentRows = () =>
  [...varRows.children].map((row) => {
    const [key, value] = /** @type {HTMLInputElement[]} */ ([...row.querySelectorAll("input")]);
    return [key.value, value.value];
  });

/** The rows for an agent's placeholders, keeping what was typed for the same names. */
function agentChanged() {
  const agent = agents.find((a) => a.chatId === agentSelect.value);
  if (!agent) {
    $("agent-prompt").textContent = "Type the chat id of an agent below.";
    chatIdInput.focus();
    return;
  }
  chatIdInput.value = agent.chatId;
  $("agent-prompt").textContent = `Prompt: ${agent.prompt}`;
  const typed = new Map(currentRows().filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v]));
  varRows.replaceChildren();
  for (const name of placeholders(agent.prompt)) addVarRow(name, typed.get(name) ?? "");
}
agentSelect.addEventListener("change", agentChanged);
chatIdInput.addEventListener("input", () => {
  const match = agents.find((a) => a.chatId.toLowerCase() === chatIdInput.value.trim().toLowerCase());
  agentSelect.value = match ? match.chatId : "";
  $("agent-prompt").textContent = match ? `Prompt: ${match.prompt}` : "";
});

/** The form as createRun's parameters; a ConsoleError says what to fix. @returns {CreateRunParams} */
function readStartForm() {
  const chatId = chatIdInput.value.trim();
  if (!chatId) throw new ConsoleError("FormError", "give the chat id of the agent to run");
  /** @type {Record<string, string>} */
  const vars = {};
  currentRows().forEach(([rawKey, value], i) => {
    const key = rawKey.trim();
    if (!key && !value) return;
    if (!key) throw new ConsoleError("FormError", `variable ${i + 1} has a value but no name`);
    if (Object.hasOwn(vars, key)) throw new ConsoleError("FormError", `the variable "${key}" is there twice`);
    vars[key] = value;
  });
  /** @type {CreateRunParams} */
  const params = { chatId, vars };
  // toolhouse_id and callback_url are the server's to set (the user's id, its own callback).
  const optional = /** @type {const} */ ([["bundle", "bundle"]]);
  for (const [name, id] of optional) {
    const value = /** @type {HTMLInputElement} */ ($(id)).value.trim();
    if (value) params[name] = value;
  }
  return params;
}

let busy = false; // a createRun or continueRun is in flight
$("start-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  hideError();
  let params;
  try {
    params = readStartForm();
  } catch (err) {
    return showError(err);
  }
  busy = true;
  startButton.disabled = true;
  startButton.textContent = "Starting…";
  updateContinue();
  try {
    const run = await requireClient().createRun(params);
    history.pushState(null, "", `#run=${run.id}`);
    const view = openView(run.id);
    announce("Run started.");
    applyRun(view, run);
    busy = false;
    refreshRuns();
    follow(view, run);
  } catch (err) {
    showError(err);
  } finally {
    busy = false;
    startButton.disabled = false;
    startButton.textContent = "Start run";
    updateContinue();
  }
});

// ---------------------------------------------------------------- the open run

/** @type {RunView | null} */
let current = null;
const messageBox = /** @type {HTMLTextAreaElement} */ ($("message"));
const continueButton = /** @type {HTMLButtonElement} */ ($("continue-button"));

/** Clears the run panel for another run (or none), stopping any watch. @param {string} id */
function openView(id) {
  closeView();
  $("run-empty").hidden = true;
  $("run-view").hidden = false;
  $("run-heading").textContent = `Run ${id.slice(0, 8)}`;
  $("run-failure").hidden = true;
  $("run-meta").replaceChildren();
  messageBox.value = "";
  current = {
    id,
    run: null,
    timeline: new Timeline(/** @type {HTMLOListElement} */ ($("timeline"))),
    conversation: new Conversation(/** @type {HTMLOListElement} */ ($("conversation")), $("last-message")),
    watch: null,
  };
  markCurrentInList();
  updateContinue();
  return current;
}

function closeView() {
  current?.watch?.abort(new Error("another run was opened"));
  current = null;
  $("run-view").hidden = true;
  $("run-empty").hidden = false;
  $("run-heading").textContent = "Run";
  markCurrentInList();
}

/** @param {AgentRun} run */
function agentName(run) {
  return agents.find((a) => a.chatId.toLowerCase() === String(run.chatId).toLowerCase())?.name ?? null;
}

/** @param {AgentRun} run */
function renderMeta(run) {
  const meta = $("run-meta");
  meta.replaceChildren();
  /** @param {string} term @param {string | Node} value */
  const row = (term, value) => {
    const div = el("div");
    const dd = el("dd");
    dd.append(value);
    div.append(el("dt", "", term), dd);
    meta.append(div);
  };
  const name = agentName(run);
  row("Agent", name ? `${name} (${run.chatId})` : String(run.chatId));
  row("Run id", el("code", "", run.id));
  row("Created", timeElement(serviceTime(run.createdAt), true));
  if (run.bundle) row("Bundle", run.bundle);
  if (run.toolhouseId) row("Toolhouse id", run.toolhouseId);
  if (run.vars && Object.keys(run.vars).length) row("vars", Object.entries(run.vars).map(([k, v]) => `${k} = ${v}`).join(", "));
  if (run.callbackUrl) row("Callback URL", run.callbackUrl);
}

/** @param {AgentRun} run */
function statusMessage(run) {
  if (run.status === "completed") return `Run completed. The agent replied: ${run.lastAgentMessage ?? "(no message)"}`;
  if (run.status === "failed") return `Run failed: ${failureText(run) ?? "see the conversation"}`;
  return `Run ${statusLabel(run.status).toLowerCase()}.`;
}

/** Shows one state of the run: timeline, conversation, failure, continue box. @param {RunView} view @param {AgentRun} run */
function applyRun(view, run) {
  if (current !== view || run.id.toLowerCase() !== view.id.toLowerCase()) return;
  view.run = run;
  renderMeta(run);
  if (view.timeline.status(run.status, serviceTime(run.updatedAt) ?? new Date())) announce(statusMessage(run));
  view.conversation.update(run);
  const failure = $("run-failure");
  failure.hidden = run.status !== "failed";
  failure.textContent = run.status === "failed" ? `The run failed: ${failureText(run) ?? "see the conversation below"}` : "";
  updateListItem(run);
  updateContinue();
}

/** Follows a run until it ends. @param {RunView} view @param {AgentRun} run @param {AgentRun} [after] what continueRun returned */
async function follow(view, run, after) {
  if (isTerminal(run.status) && !after) return;
  const controller = new AbortController();
  view.watch = controller;
  updateContinue();
  try {
    // `after`: right after a continue the service may still serve the old "completed"
    // run; states from before the continue are skipped, never shown as the new answer.
    for await (const snapshot of requireClient().watchRun(run.id, { signal: controller.signal, after, pollIntervalMs })) {
      if (current !== view) break;
      applyRun(view, snapshot);
    }
  } catch (err) {
    if (!controller.signal.aborted && current === view) showError(err);
  } finally {
    if (view.watch === controller) view.watch = null;
    if (current === view) {
      updateContinue();
      refreshRuns();
    }
  }
}

/** The message box is usable only when the open run is completed and nothing is in flight. */
function updateContinue() {
  const run = current?.run;
  const ready = !!run && run.status === "completed" && !current?.watch && !busy;
  messageBox.disabled = !ready;
  continueButton.disabled = !ready;
  $("continue-hint").textContent = ready
    ? "The run is completed: add a message and the agent answers it in the same conversation. Ctrl+Enter sends."
    : run?.status === "failed"
      ? "A failed run takes no more messages."
      : "You can add a message once the run has completed.";
}

/** Opens a run by id (from the list or the address). @param {string} id @param {boolean} focus */
async function openRun(id, focus) {
  hideError();
  const view = openView(id);
  if (focus) $("run-heading").focus();
  try {
    const run = await requireClient().getRun(id);
    if (current !== view) return;
    view.timeline.status("queued", serviceTime(run.createdAt));
    applyRun(view, run);
    announce(`Opened run ${id.slice(0, 8)}: ${statusLabel(run.status).toLowerCase()}.`);
    follow(view, run);
  } catch (err) {
    if (current === view) showError(err);
  }
}

$("continue-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const view = current;
  const message = messageBox.value;
  if (!view || busy || continueButton.disabled) return;
  if (!message.trim()) return showError(new ConsoleError("FormError", "type a message first"));
  hideError();
  busy = true;
  updateContinue();
  try {
    const continued = await requireClient().continueRun(view.id, message);
    if (current !== view) return;
    messageBox.value = "";
    view.timeline.marker(`You continued: “${message.length > 60 ? `${message.slice(0, 60)}…` : message}”`, new Date());
    // The service's answer to a continue is not the run, so continueRun reads it again, and
    // that read may still be the state from before the continue: only a newer one is shown.
    const before = view.run;
    if (!before || continued.status !== before.status || continued.updatedAt !== before.updatedAt) applyRun(view, continued);
    busy = false;
    follow(view, continued, continued);
  } catch (err) {
    showError(err);
  } finally {
    busy = false;
    updateContinue();
  }
});
messageBox.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    /** @type {HTMLFormElement} */ ($("continue-form")).requestSubmit();
  }
});

// ---------------------------------------------------------------- recent runs

const runList = /** @type {HTMLUListElement} */ ($("runs"));
let listSeq = 0;

/** @param {AgentRun} run */
function listItem(run) {
  const li = el("li");
  li.dataset.runId = run.id;
  const link = el("a", "run-link");
  link.href = `#run=${run.id}`;
  const created = serviceTime(run.createdAt);
  link.append(el("span", "run-agent", agentName(run) ?? `chat ${String(run.chatId).slice(0, 8)}`), " ", statusBadge(run.status), " ", timeElement(created), " ", el("code", "run-id", run.id.slice(0, 8)));
  link.addEventListener("click", (event) => {
    if (location.hash === `#run=${run.id}`) {
      event.preventDefault(); // the same address: no hashchange, so open it here
      openRun(run.id, true);
    }
  });
  li.append(link);
  return li;
}

/** @param {AgentRun} run */
function updateListItem(run) {
  const old = [...runList.children].find((li) => /** @type {HTMLElement} */ (li).dataset.runId === run.id);
  if (old) {
    old.replaceWith(listItem(run));
    markCurrentInList();
  }
}

function markCurrentInList() {
  for (const link of runList.querySelectorAll("a")) {
    const li = /** @type {HTMLElement} */ (link.parentElement);
    if (current && li.dataset.runId === current.id) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}

async function refreshRuns() {
  const seq = ++listSeq;
  runList.setAttribute("aria-busy", "true");
  try {
    const runs = await requireClient().listRuns();
    if (seq !== listSeq) return;
    const time = (/** @type {AgentRun} */ r) => serviceTime(r.createdAt)?.getTime() ?? 0;
    const newest = [...runs].sort((a, b) => time(b) - time(a)).slice(0, 30);
    runList.replaceChildren(...newest.map(listItem));
    $("runs-note").textContent = runs.length === 0 ? "No runs yet." : runs.length > newest.length ? `The newest ${newest.length} of ${runs.length} runs.` : "";
    markCurrentInList();
  } catch (err) {
    if (seq !== listSeq) return;
    runList.replaceChildren();
    $("runs-note").textContent = `Could not list the runs: ${describeError(err).title}.`;
    showError(err);
  } finally {
    if (seq === listSeq) runList.removeAttribute("aria-busy");
  }
}
$("refresh-runs").addEventListener("click", () => refreshRuns());

/** The run named by the address (#run=ID), if any. */
function runFromHash() {
  const match = /^#run=([0-9a-fA-F-]{36})$/.exec(location.hash);
  return match ? match[1] : null;
}
window.addEventListener("hashchange", () => {
  const id = runFromHash();
  if (id) openRun(id, true);
  else closeView();
});

// ---------------------------------------------------------------- settings

const settingsButton = /** @type {HTMLButtonElement} */ ($("settings-button"));
const settingsPanel = $("settings");
const settingsForm = /** @type {HTMLFormElement} */ ($("settings-form"));
const baseUrlInput = /** @type {HTMLInputElement} */ ($("base-url"));
const targetRadio = (/** @type {string} */ value) => /** @type {HTMLInputElement} */ ($(`target-${value}`));

$("emulator-url").textContent = config ? config.upstreams.emulator : "(not running: serve the page with npm start)";
$("service-url").textContent = config ? `${config.upstreams.service}${config.serviceKey ? "" : " (no key given to npm start)"}` : "";
targetRadio("emulator").disabled = !config;
targetRadio("service").disabled = !config;

function syncServiceFields() {
  baseUrlInput.disabled = !targetRadio("custom").checked;
}
for (const value of ["emulator", "service", "custom"]) targetRadio(value).addEventListener("change", syncServiceFields);

/** @param {boolean} open */
function toggleSettings(open) {
  settingsPanel.hidden = !open;
  settingsButton.setAttribute("aria-expanded", String(open));
  $("settings-message").textContent = "";
  if (open) {
    const target = config ? settings.target : "custom";
    targetRadio(target).checked = true;
    baseUrlInput.value = settings.baseUrl;
    syncServiceFields();
    targetRadio(target).focus();
  } else settingsButton.focus();
}
settingsButton.addEventListener("click", () => toggleSettings(settingsPanel.hidden));
$("settings-close").addEventListener("click", () => toggleSettings(false));
settingsPanel.addEventListener("keydown", (event) => {
  if (event.key === "Escape") toggleSettings(false);
});

/** Applies new settings: a new client, the run panel cleared, the list read again. @param {import("./settings.js").Settings} next @param {string} said */
function applySettings(next, said) {
  const previous = settings;
  settings = next;
  const refused = connect();
  if (refused) {
    settings = previous;
    connect();
    $("settings-message").textContent = `Not saved. ${describeError(refused).title}: ${describeError(refused).message}`;
    return false;
  }
  const stored = saveSettings(settings);
  hideError();
  if (runFromHash()) history.pushState(null, "", location.pathname);
  closeView();
  refreshRuns();
  $("settings-message").textContent = stored ? said : `${said} (This browser refused session storage: the settings last until the page is reloaded.)`;
  announce(`${said} Requests now go to ${$("target-url").textContent}.`);
  return true;
}

settingsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const target = targetRadio("custom").checked ? "custom" : targetRadio("service").checked ? "service" : "emulator";
  const baseUrl = baseUrlInput.value.trim();
  if (target === "custom") {
    try {
      new URL(baseUrl);
    } catch {
      $("settings-message").textContent = "Not saved: the base URL is not an absolute URL.";
      baseUrlInput.focus();
      return;
    }
  }
  if (applySettings({ target, baseUrl }, "Settings saved.")) toggleSettings(false);
});

// ---------------------------------------------------------------- start

const refused = connect();
if (refused) showError(refused);
if (agents.length) agentChanged();
else addVarRow();
const initial = runFromHash();
if (initial) openRun(initial, false);
refreshRuns();
document.documentElement.dataset.ready = "true";
