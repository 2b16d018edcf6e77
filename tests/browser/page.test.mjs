// The package in a real page of headless Chromium (Debian's, driven by playwright-core):
// imported by a plain <script type="module"> with no bundler, it starts a run, shows
// its reply, continues it, and shows an agent's failure.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startSite } from "../../scripts/serve.mjs";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
let site;
let browser;
before(async () => {
  site = await startSite({ emulator: { timeScale: 0.05, queueMs: 500 } });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: FLAGS });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

test("a page starts a run, shows the reply, continues it and shows the second reply", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(site.url);
  await page.selectOption("#agent", { label: "Greeter" });
  await page.fill("#vars", '{"name": "Grace", "topic": "compilers"}');
  await page.click("#start-button");
  await page.waitForFunction(() => document.querySelector("#reply")?.textContent?.startsWith("Hello Grace!"));
  assert.match(await page.textContent("#timeline"), /completed/);
  assert.equal(await page.isEnabled("#continue-button"), true);
  await page.fill("#message", "Shorter, please");
  await page.click("#continue-button");
  await page.waitForFunction(() => document.querySelector("#reply")?.textContent?.includes('You said: "Shorter, please"'));
  assert.deepEqual(errors, []);
});

test("a failing agent's error is shown, and bad input gives a readable error", async () => {
  const page = await browser.newPage();
  await page.goto(site.url);
  await page.selectOption("#agent", { label: "Broken tool" });
  await page.fill("#vars", '{"city": "Oslo"}');
  await page.click("#start-button");
  await page.waitForFunction(() => document.querySelector("#reply")?.textContent?.startsWith("The run failed"));
  assert.match(await page.textContent("#reply"), /get_weather failed/);
  await page.fill("#vars", '{"city": {"nested": 1}}');
  await page.click("#start-button");
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error"), /^ValidationError: invalid vars\.city/);
});

test("under a CSP without 'wasm-unsafe-eval' the page still loads and calls say what to change", async () => {
  const strict = await startSite({ csp: "script-src 'self'" });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(strict.url);
    await page.waitForFunction(() => document.querySelectorAll("#agent option").length > 0);
    await page.click("#start-button");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await page.textContent("#error"), /^AgentRunsError: .*Content Security Policy blocks WebAssembly; add 'wasm-unsafe-eval'/);
    assert.deepEqual(errors, []);
  } finally {
    await strict.close();
  }
});

test("with 'wasm-unsafe-eval' in the CSP the package works", async () => {
  const site2 = await startSite({ csp: "script-src 'self' 'wasm-unsafe-eval'", emulator: { timeScale: 0.05 } });
  try {
    const page = await browser.newPage();
    await page.goto(site2.url);
    await page.selectOption("#agent", { label: "Greeter" });
    await page.click("#start-button");
    await page.waitForFunction(() => document.querySelector("#reply")?.textContent?.startsWith("Hello Ada!"));
  } finally {
    await site2.close();
  }
});
