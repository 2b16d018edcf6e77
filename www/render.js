// @ts-check
// DOM builders of the console: the conversation, the status timeline, errors. Data
// from the service only ever goes into textContent and attributes, never into HTML;
// any shape this file does not know is shown as raw JSON instead of breaking the page.

/**
 * @typedef {import("/pkg/index.js").AgentRun} AgentRun
 */

/**
 * An element with optional class and text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** JSON for people, for any value (cycles and BigInts included). @param {unknown} value */
export function json(value) {
  const seen = new WeakSet();
  try {
    return (
      JSON.stringify(
        value,
        (_k, v) => {
          if (typeof v === "bigint") return `${v}n`;
          if (typeof v === "object" && v !== null) {
            if (seen.has(v)) return "[cycle]";
            seen.add(v);
          }
          return v;
        },
        2,
      ) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

/** A collapsed "raw JSON" block. @param {unknown} value @param {string} [summary] */
export function rawJson(value, summary = "Raw JSON") {
  const details = el("details", "raw");
  details.append(el("summary", "", summary), el("pre", "", json(value)));
  return details;
}

/** @type {Record<string, string>} */
const STATUS_LABELS = { queued: "Queued", in_progress: "In progress", completed: "Completed", failed: "Failed" };
/** @param {string} status */
export const statusLabel = (status) => STATUS_LABELS[status] ?? String(status);
/** @param {string} status */
export const isTerminal = (status) => status === "completed" || status === "failed";

/** A status badge: text always, colour only as a second cue. @param {string} status */
export function statusBadge(status) {
  const known = Object.hasOwn(STATUS_LABELS, status) ? status : "unknown";
  return el("span", `badge status-${known}`, statusLabel(status));
}

/**
 * The service's timestamps carry no time zone ("2025-01-15T01:46:23.568338"); they are
 * read as UTC. @param {string | null | undefined} text @returns {Date | null}
 */
export function serviceTime(text) {
  if (!text) return null;
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A <time> element. @param {Date | null} date @param {boolean} [withDate] */
export function timeElement(date, withDate = false) {
  if (!date) return el("span", "time", "time unknown");
  const t = el("time", "time", withDate ? date.toLocaleString() : date.toLocaleTimeString());
  t.dateTime = date.toISOString();
  t.title = date.toLocaleString();
  return t;
}

/** "1.2 s", "3 min 4 s". @param {number} ms */
export function duration(ms) {
  if (!(ms >= 0)) return "";
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

// ---------------------------------------------------------------- the timeline

/** The status timeline of one run: one entry per change of status, and markers. */
export class Timeline {
  /** @param {HTMLOListElement} list */
  constructor(list) {
    this.list = list;
    /** @type {string | null} */
    this.last = null;
    /** @type {Date | null} when the current leg (start or continue) began */
    this.since = null;
    list.replaceChildren();
  }

  /** A change of status (ignored when the status is the same). @param {string} status @param {Date | null} at */
  status(status, at) {
    if (status === this.last) return false;
    this.last = status;
    const item = el("li", `step step-${Object.hasOwn(STATUS_LABELS, status) ? status : "unknown"}`);
    item.append(el("span", "dot"), statusBadge(status), " ", timeElement(at));
    if (at && this.since && at >= this.since && status !== "queued") item.append(el("span", "elapsed", ` after ${duration(at.getTime() - this.since.getTime())}`));
    if (!this.since && at) this.since = at;
    this.list.append(item);
    return true;
  }

  /** A marker between legs ("Continued: …", "Opened"). @param {string} text @param {Date | null} at */
  marker(text, at) {
    const item = el("li", "marker");
    item.append(el("span", "marker-text", text), " ", timeElement(at));
    this.list.append(item);
    this.last = null;
    this.since = at;
  }
}

// ---------------------------------------------------------------- the conversation

/** @type {Record<string, string>} */
const ROLE_LABELS = { user: "User", assistant: "Agent", tool: "Tool", system: "System" };

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

/** The plain text of a message, if it has any (to find the final answer). @param {unknown} item */
export function messageText(item) {
  if (!isObject(item)) return null;
  if (typeof item.content === "string") return item.content;
  if (!Array.isArray(item.content)) return null;
  const texts = item.content.filter((p) => isObject(p) && p.type === "text" && typeof p.text === "string").map((p) => /** @type {string} */ (p.text));
  return texts.length ? texts.join("\n") : null;
}

/**
 * Why a failed run failed, in words: its `error` where the answer has one (list items
 * do), else the last `error` part of its results (a read of a run has no `error`).
 * @param {AgentRun} run
 * @returns {string | null}
 */
export function failureText(run) {
  if (typeof run.error === "string" && run.error) return run.error;
  for (const item of [...(run.results ?? [])].reverse()) {
    if (!isObject(item) || !Array.isArray(item.content)) continue;
    const part = item.content.findLast((p) => isObject(p) && p.type === "error");
    if (part) return typeof part.error === "string" ? part.error : json(part.error);
  }
  return null;
}

/** A block of text, long ones cut with a button to show the rest. @param {string} text @param {string} className */
function textBlock(text, className) {
  const LIMIT = 4000;
  const block = el("div", className);
  if (text.length <= LIMIT) {
    block.textContent = text;
    return block;
  }
  block.textContent = `${text.slice(0, LIMIT)}…`;
  const more = el("button", "link-button", `Show all ${text.length.toLocaleString()} characters`);
  more.type = "button";
  more.addEventListener("click", () => {
    block.textContent = text;
  });
  const wrap = el("div");
  wrap.append(block, more);
  return wrap;
}

/** Arguments of a tool call as "name: value" rows. @param {unknown} args */
function argumentList(args) {
  if (!isObject(args)) return textBlock(typeof args === "string" ? args : json(args), "code-block");
  const entries = Object.entries(args);
  if (entries.length === 0) return el("p", "muted", "(no arguments)");
  const list = el("dl", "args");
  for (const [key, value] of entries) list.append(el("dt", "", key), el("dd", "", typeof value === "string" ? value : json(value)));
  return list;
}

/** One part of a message's content. @param {unknown} part */
function partElement(part) {
  if (typeof part === "string") return textBlock(part, "text");
  if (!isObject(part)) return unknownPart(part);
  switch (part.type) {
    case "text":
      return typeof part.text === "string" ? textBlock(part.text, "text") : unknownPart(part);
    case "tool-call": {
      const box = el("div", "part tool-call");
      const head = el("p", "part-head");
      head.append(el("span", "part-kind", "Tool call"), " ", el("strong", "tool-name", String(part.toolName ?? "(unnamed tool)")));
      if (part.toolCallId !== undefined) head.append(" ", el("code", "call-id", String(part.toolCallId)));
      box.append(head, argumentList(part.args));
      return box;
    }
    case "tool-result": {
      const box = el("div", "part tool-result");
      const head = el("p", "part-head");
      head.append(el("span", "part-kind", "Tool result"), " ", el("strong", "tool-name", String(part.toolName ?? "(unnamed tool)")));
      if (part.toolCallId !== undefined) head.append(" ", el("code", "call-id", String(part.toolCallId)));
      box.append(head, textBlock(typeof part.result === "string" ? part.result : json(part.result), "code-block"));
      return box;
    }
    case "error": {
      const box = el("div", "part error-part");
      box.append(el("p", "part-head", "Error"), textBlock(typeof part.error === "string" ? part.error : json(part.error), "text"));
      return box;
    }
    default:
      return unknownPart(part);
  }
}

/** @param {unknown} value */
function unknownPart(value) {
  const box = el("div", "part unknown-part");
  box.append(el("p", "part-head", "Unrecognised content"), el("pre", "code-block", json(value)));
  return box;
}

/** One conversation item. @param {unknown} item */
function messageElement(item) {
  const role = isObject(item) && typeof item.role === "string" ? item.role : "unknown";
  const li = el("li", `msg role-${Object.hasOwn(ROLE_LABELS, role) ? role : "unknown"}`);
  const head = el("div", "msg-head");
  head.append(el("span", "role", ROLE_LABELS[role] ?? (role === "unknown" ? "Unrecognised item" : role)));
  const body = el("div", "msg-body");
  if (!isObject(item)) body.append(unknownPart(item));
  else if (typeof item.content === "string") body.append(textBlock(item.content, "text"));
  else if (Array.isArray(item.content)) {
    if (item.content.length === 0) body.append(el("p", "muted", "(empty)"));
    for (const part of item.content) body.append(partElement(part));
  } else if (item.content === null || item.content === undefined) body.append(el("p", "muted", "(no content)"));
  else body.append(unknownPart(item.content));
  li.append(head, body, rawJson(item));
  return li;
}

/** The conversation of one run, updated in place: known items stay, new ones are appended. */
export class Conversation {
  /** @param {HTMLOListElement} list @param {HTMLElement} lastMessageBox */
  constructor(list, lastMessageBox) {
    this.list = list;
    this.lastMessageBox = lastMessageBox;
    /** @type {string[]} the JSON of each item shown */
    this.shown = [];
    list.replaceChildren();
    lastMessageBox.hidden = true;
  }

  /** @param {AgentRun} run @returns {number} how many items were added */
  update(run) {
    const results = Array.isArray(run.results) ? run.results : [];
    let added = 0;
    results.forEach((item, i) => {
      const text = json(item);
      if (this.shown[i] === text) return;
      const node = messageElement(item);
      const old = this.list.children[i];
      if (old) old.replaceWith(node);
      else {
        this.list.append(node);
        added++;
      }
      this.shown[i] = text;
    });
    while (this.list.children.length > results.length) this.list.lastElementChild?.remove();
    this.shown.length = results.length;
    this.highlight(run, results);
    return added;
  }

  /** Marks the item that is `lastAgentMessage`, or shows it apart when no item is. @param {AgentRun} run @param {unknown[]} results */
  highlight(run, results) {
    for (const node of this.list.querySelectorAll(".final")) {
      node.classList.remove("final");
      node.querySelector(".final-badge")?.remove();
    }
    this.lastMessageBox.hidden = true;
    const last = run.lastAgentMessage;
    if (last === null || last === undefined) return;
    let index = -1;
    for (let i = results.length - 1; i >= 0; i--) {
      const item = results[i];
      if (isObject(item) && item.role === "assistant" && messageText(item)?.trim() === last.trim()) {
        index = i;
        break;
      }
    }
    const node = index >= 0 ? this.list.children[index] : null;
    if (node) {
      node.classList.add("final");
      node.querySelector(".msg-head")?.append(el("span", "badge final-badge", "Last agent message"));
    } else {
      this.lastMessageBox.hidden = false;
      const body = this.lastMessageBox.querySelector(".last-message-text");
      if (body) body.textContent = last;
    }
  }
}

// ---------------------------------------------------------------- errors

/**
 * What to tell a person about an error: a title (its class and HTTP status), the
 * message, a hint, and what the service answered.
 * @param {unknown} err
 * @returns {{ title: string, message: string, hint: string, body: unknown, details: string[] }}
 */
export function describeError(err) {
  const e = /** @type {{ name?: unknown, message?: unknown, status?: unknown, body?: unknown, details?: unknown, retryAfterMs?: unknown }} */ (
    isObject(err) || err instanceof Error ? err : {}
  );
  const name = typeof e.name === "string" && e.name ? e.name : "Error";
  const status = typeof e.status === "number" ? e.status : null;
  const message = typeof e.message === "string" ? e.message : String(err);
  const details = Array.isArray(e.details)
    ? e.details.map((d) => (isObject(d) ? `${Array.isArray(d.loc) ? d.loc.join(".") : "?"}: ${String(d.msg ?? json(d))}` : json(d)))
    : [];
  // Hints for what to do here in the console: optional, by class (the package's table of
  // errors, js/errors.json, may grow without this list).
  /** @type {Record<string, string>} */
  const hints = {
    AuthenticationError: "The service did not accept the API key, or there is none. Check the key and base URL in Settings.",
    PermissionDeniedError: "The key may not do this, or the chat id is not one of your agents.",
    InsufficientCreditsError: "The account is out of Toolhouse Execs.",
    NotFoundError: "There is no such run for this key.",
    RunNotCompletedError: "Only a completed run takes a message; wait for it to complete.",
    ValidationError: "Something in the input is not acceptable; see below.",
    RateLimitError: `Too many requests${typeof e.retryAfterMs === "number" ? `; try again in ${duration(e.retryAfterMs)}` : ""}.`,
    ServerError: "Trouble at the service; try again later.",
    ConnectionError: "No answer from the base URL. Is it right, is the service running, and does it allow requests from this page's origin (CORS)?",
    TimeoutError: "The service took too long to answer.",
    WaitTimeoutError: "The run did not end in time; it may still be running. Open it again from the list later.",
  };
  // Every error of the package carries `status` and `body`; anything else is the console's own failure.
  const ours = isObject(err) && "status" in err && "body" in err;
  const hint = hints[name] ?? (ours ? "" : "This is a bug in the console; the browser's console may say more.");
  return { title: status === null ? name : `${name} (HTTP ${status})`, message, hint, body: e.body ?? null, details };
}
