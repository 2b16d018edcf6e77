// @ts-check
// Where the console sends its requests. Kept in this tab's sessionStorage only: it is
// gone when the tab closes, and other tabs never see it. Nothing here is ever sent
// anywhere; the package sends the key, as a Bearer header, to the base URL alone.

const STORAGE_KEY = "agent-runs-console:settings";

/**
 * @typedef {object} Settings
 * @property {"emulator" | "service"} target The emulator that `npm start` runs, or a service at `baseUrl`.
 * @property {string} baseUrl For "service".
 * @property {string} apiKey For "service"; "" for none (a proxy of your own that adds the key).
 */

/**
 * The base URL of the Toolhouse service: the package's default, asked of the package
 * (where it is written) rather than written again here. It is the URL of a request the
 * package prepares with no baseUrl, handed to a `fetch` that sends nothing.
 * @param {typeof import("/pkg/index.js")} pkg
 * @returns {Promise<string>}
 */
export async function serviceBaseUrl(pkg) {
  let url = "";
  /** @param {unknown} input */
  const recordOnly = async (input) => {
    url = String(input);
    throw new Error("not sent");
  };
  await pkg.listRuns({ apiKey: "not-sent", dangerouslyAllowBrowser: true, maxRetries: 0, fetch: /** @type {typeof fetch} */ (recordOnly) }).catch(() => {});
  return url.replace(/\/agent-runs$/, "");
}

/** @param {string} serviceUrl the base URL when none is saved @returns {Settings} */
export function loadSettings(serviceUrl) {
  /** @type {Settings} */
  const fallback = { target: "emulator", baseUrl: serviceUrl, apiKey: "" };
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    if (!saved || typeof saved !== "object") return fallback;
    return {
      target: saved.target === "service" ? "service" : "emulator",
      baseUrl: typeof saved.baseUrl === "string" && saved.baseUrl ? saved.baseUrl : serviceUrl,
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
