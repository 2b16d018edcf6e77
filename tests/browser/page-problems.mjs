// What a page of ours must not show while a test drives it: an uncaught error, a console
// error (a failed resource load included, e.g. a missing /favicon.ico), a request that
// failed, or an answer of 400 or more. A test that expects some of them (a wrong key's
// 401s) takes those out by name and asserts the rest are none.

/**
 * Starts recording the problems of a page; the array fills as they happen.
 * @param {import("playwright-core").Page} page
 * @returns {string[]}
 */
export function watchProblems(page) {
  /** @type {string[]} */
  const problems = [];
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()} (${m.location().url || "no location"})`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return problems;
}
