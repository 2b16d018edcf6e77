// @ts-check
// Where the console sends its requests, kept in this tab's sessionStorage only: it is
// gone when the tab closes, and other tabs never see it. There is no key here: the
// console reaches the emulator and the service through the server that serves it
// (scripts/serve.mjs, toolhouse-agent-runs/server), which holds the keys.

const STORAGE_KEY = "agent-runs-console:settings";

/**
 * @typedef {object} Settings
 * @property {"emulator" | "service" | "custom"} target The emulator or the Toolhouse
 *   service, each through this console's server; or a base URL of a server of yours that
 *   adds the key.
 * @property {string} baseUrl For "custom".
 */

/** @returns {Settings} */
export function loadSettings() {
  /** @type {Settings} */
  const fallback = { target: "emulator", baseUrl: "" };
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    if (!saved || typeof saved !== "object") return fallback;
    return {
      target: saved.target === "service" || saved.target === "custom" ? saved.target : "emulator",
      baseUrl: typeof saved.baseUrl === "string" ? saved.baseUrl : "",
    };
  } catch {
    return fallback; // storage disabled, or not JSON
  }
}

/** @param {Settings} settings @returns {boolean} whether it could be stored */
export function saveSettings(settings) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ target: settings.target, baseUrl: settings.baseUrl }));
    return true;
  } catch {
    return false;
  }
}
