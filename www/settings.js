// @ts-check
// Where the console sends its requests. Kept in this tab's sessionStorage only: it is
// gone when the tab closes, and other tabs never see it. Nothing here is ever sent
// anywhere; the package sends the key, as a Bearer header, to the base URL alone.

export const SERVICE_BASE_URL = "https://api.toolhouse.ai/v1";
const STORAGE_KEY = "agent-runs-console:settings";

/**
 * @typedef {object} Settings
 * @property {"emulator" | "service"} target The emulator that `npm start` runs, or a service at `baseUrl`.
 * @property {string} baseUrl For "service".
 * @property {string} apiKey For "service"; "" for none (a proxy of your own that adds the key).
 */

/** @returns {Settings} */
export function loadSettings() {
  /** @type {Settings} */
  const fallback = { target: "emulator", baseUrl: SERVICE_BASE_URL, apiKey: "" };
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    if (!saved || typeof saved !== "object") return fallback;
    return {
      target: saved.target === "service" ? "service" : "emulator",
      baseUrl: typeof saved.baseUrl === "string" && saved.baseUrl ? saved.baseUrl : SERVICE_BASE_URL,
      apiKey: typeof saved.apiKey === "string" ? saved.apiKey : "",
    };
  } catch {
    return fallback; // storage disabled, or not JSON
  }
}

/** @param {Settings} settings @returns {boolean} whether it could be stored */
export function saveSettings(settings) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
    return true;
  } catch {
    return false;
  }
}
