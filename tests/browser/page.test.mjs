// The package in a real page of headless Chromium (Debian's, driven by playwright-core),
// imported by a plain <script type="module"> with no bundler, under a strict Content
// Security Policy: without 'wasm-unsafe-eval' the page loads and says what to change;
// with it, the package works. The console's features: console.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSite } from "../../scripts/serve.mjs";
import { launchChromium } from "../support/chromium.mjs";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

test("under a CSP without 'wasm-unsafe-eval' the page still loads and calls say what to change", async () => {
  const strict = await startSite({ csp: "script-src 'self'" });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(strict.url);
    await page.waitForFunction(() => document.querySelectorAll("#agent option").length > 0);
    // Listing the runs on load already fails, readably; so does starting one.
    await page.waitForSelector("#error:not([hidden])");
    await page.click("#error-dismiss");
    await page.click("#start-button");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await page.textContent("#error-text"), /^AgentRunsError: .*Content Security Policy blocks WebAssembly; add 'wasm-unsafe-eval'/);
    assert.deepEqual(errors, []);
  } finally {
    await strict.close();
  }
});

test("with 'wasm-unsafe-eval' in the CSP the package works", async () => {
  const site2 = await startSite({ csp: "script-src 'self' 'wasm-unsafe-eval'", emulator: { timeScale: 0.05 }, pollIntervalMs: 100 });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(site2.url);
    await page.selectOption("#agent", { label: "Greeter" });
    await page.getByLabel("Value of name").fill("Ada");
    await page.click("#start-button");
    await page.waitForSelector("#conversation .msg.final:has-text('Hello Ada!')");
    assert.equal(await page.locator("#error").isHidden(), true);
    assert.deepEqual(errors, []);
  } finally {
    await site2.close();
  }
});

test("in a page, a relative baseUrl is read against the page's own URL (a route of its server)", async () => {
  const site3 = await startSite({ emulator: { timeScale: 0.05 } });
  try {
    const page = await browser.newPage();
    await page.goto(site3.url);
    const result = await page.evaluate(async () => {
      const sdk = await import("/pkg/index.js");
      const runs = await new sdk.AgentRuns({ baseUrl: "/api/emulator" }).listRuns();
      const bad = await sdk.listRuns({ baseUrl: "//" }).then(() => "accepted", (e) => e.name);
      return { listed: Array.isArray(runs), bad };
    });
    assert.deepEqual(result, { listed: true, bad: "ValidationError" });
  } finally {
    await site3.close();
  }
});
