// The Agent Runs console (www/) in headless Chromium (Debian's, driven by playwright-core)
// against the emulator, through the server half the console's server runs (the page holds
// no key): start a run with vars, watch it complete, continue it, reopen it from the list,
// a failing agent, Settings pointing it at the service or a server of yours, and the
// page at phone width by keyboard. Every test fails on a console error or a failed
// request of the page (page-problems.mjs), the favicon included. Screenshots of each state go to
// test-output/console/ (git-ignored); the README's copy, www/screenshot.png, is written
// when it is missing or when UPDATE_SCREENSHOT=1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSite } from "../../scripts/serve.mjs";
import { launchChromium } from "../support/chromium.mjs";
import { watchProblems } from "./page-problems.mjs";

const OUT = fileURLToPath(new URL("../../test-output/console/", import.meta.url));
const README_SHOT = fileURLToPath(new URL("../../www/screenshot.png", import.meta.url));
const KEY = "th-right";

/** @type {Awaited<ReturnType<typeof startSite>>} */
let site;
/** @type {import("playwright-core").Browser} */
let browser;
/** The Greeter run of the first test, reopened from the list later. */
let greeterRunId = "";

before(async () => {
  mkdirSync(OUT, { recursive: true });
  // The emulator accepts one key only, which the console's server holds (the page never
  // sees it). staleMs: after a continue (whose answer
  // is not the run), reads serve the old "completed" run for 0.5 s, as the service may:
  // the page must not show it as new. Runs stay queued 1 s, longer than that.
  site = await startSite({ emulator: { timeScale: 0.2, queueMs: 5000, staleMs: 500, apiKey: KEY }, pollIntervalMs: 150 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/**
 * A fresh page (own session storage), loaded, with its problems (uncaught errors, console
 * errors, failed requests, error answers) collected in `errors`.
 * @param {{ width: number, height: number }} [viewport]
 */
async function open(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, reducedMotion: "reduce" });
  const page = await context.newPage();
  const errors = watchProblems(page);
  await page.goto(site.url);
  await page.waitForSelector("html[data-ready]");
  return { page, errors, context };
}

test("the page loads with an empty console and no failed request, its icon included", async () => {
  const { page, errors, context } = await open();
  await page.waitForLoadState("networkidle");
  const icon = await page.evaluate(() => document.querySelector("link[rel=icon]")?.getAttribute("href"));
  assert.ok(icon, "the page names its icon");
  assert.equal((await page.request.get(new URL(icon, site.url).href)).status(), 200);
  assert.deepEqual(errors, []);
  await context.close();
});

/** @param {import("playwright-core").Page} page @param {string} name */
const shot = (page, name) => page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });

test("start a run with vars, see it complete with the reply, continue it, see the second reply", async () => {
  const { page, errors, context } = await open();
  await page.selectOption("#agent", { label: "Greeter" });
  // The Greeter's prompt has {name} and {topic}: the vars editor offers a row for each.
  await page.getByLabel("Value of name").fill("Grace");
  await page.getByLabel("Value of topic").fill("compilers");
  await page.fill("#bundle", "research");
  await page.click("#start-button");
  await page.waitForSelector("#conversation .msg.final:has-text('Hello Grace!')");

  const timeline = await page.textContent("#timeline");
  assert.match(timeline, /Queued.*Completed/s);
  // The toolhouse id is the server's to set: the console's user.
  assert.match(await page.textContent("#run-meta"), /Greeter.*research.*console.*name = Grace, topic = compilers/s);
  // user prompt, tool call, tool result, the answer; the answer is the highlighted one
  assert.equal(await page.locator("#conversation > li").count(), 4);
  assert.match(await page.textContent("#conversation > li.role-user"), /Greet Grace warmly.*compilers/);
  assert.match(await page.textContent(".tool-call"), /Tool call\s*web_search.*query\s*a fact about compilers/s);
  assert.match(await page.textContent(".tool-result"), /Tool result\s*web_search.*compilers: the first known reference/s);
  assert.equal(await page.locator("#conversation .final").count(), 1);
  // Raw JSON is there, collapsed, on demand.
  const raw = page.locator(".role-tool details.raw");
  assert.equal(await raw.evaluate((d) => /** @type {HTMLDetailsElement} */ (d).open), false);
  await raw.locator("summary").click();
  assert.match(await raw.locator("pre").textContent(), /"type": "tool-result"/);
  assert.equal(await page.isEnabled("#message"), true);
  await page.waitForSelector("#announcer:has-text('Run completed')", { timeout: 5_000 });
  assert.match(await page.textContent("#announcer"), /Run completed\. The agent replied: Hello Grace!/);
  await shot(page, "01-completed");
  greeterRunId = /** @type {string} */ (/#run=(.+)$/.exec(page.url())?.[1]);
  assert.ok(greeterRunId, "the address names the run");

  // Every answer that gets the "last agent message" mark from now on is recorded: the old
  // answer, still served for staleMs after the continue, must never get it again.
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.finals = [];
    new MutationObserver(() => {
      for (const m of document.querySelectorAll("#conversation .final .text")) w.finals.push(m.textContent);
    }).observe(document.getElementById("conversation"), { subtree: true, childList: true, attributes: true });
  });
  await page.fill("#message", "Shorter, please");
  await page.click("#continue-button");
  await page.waitForSelector("#conversation > li:nth-child(5).role-user:has-text('Shorter, please')");
  assert.equal(await page.isDisabled("#message"), true, "no second message while the run works");
  await page.waitForSelector(`#conversation .msg.final:has-text('You said: "Shorter, please"')`);
  const finals = await page.evaluate(() => /** @type {any} */ (window).finals);
  assert.ok(finals.length > 0 && finals.every((/** @type {string} */ t) => t.includes("You said")), `only the new answer is marked: ${JSON.stringify(finals)}`);
  assert.equal(await page.locator("#conversation > li").count(), 6, "the conversation grew in place");
  const afterContinue = (await page.textContent("#timeline")).split("You continued")[1];
  assert.equal(afterContinue.match(/Completed/g)?.length, 1, `one completion after the continue: ${afterContinue}`);
  assert.equal(await page.isEnabled("#message"), true);
  await shot(page, "02-continued");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${OUT}02-continued-viewport.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test("a failing agent's error is shown, and bad input gives a readable error", async () => {
  const { page, errors, context } = await open();
  await page.selectOption("#agent", { label: "Broken tool" });
  await page.getByLabel("Value of city").fill("Oslo");
  await page.click("#start-button");
  await page.waitForSelector("#run-failure:not([hidden])");
  assert.match(await page.textContent("#run-failure"), /^The run failed: Tool get_weather failed: upstream weather service timed out/);
  assert.match(await page.textContent("#conversation .error-part"), /Error.*get_weather failed/s);
  assert.match(await page.textContent("#timeline"), /Failed/);
  assert.equal(await page.isDisabled("#message"), true);
  assert.match(await page.textContent("#continue-hint"), /failed run takes no more messages/);
  // The announcer speaks 50 ms after the change (a live region): wait for it.
  await page.waitForSelector("#announcer:has-text('Run failed')", { timeout: 5_000 });
  assert.match(await page.textContent("#announcer"), /Run failed: Tool get_weather failed/);
  await shot(page, "04-failed");

  await page.selectOption("#agent", { label: "Another chat id…" });
  await page.fill("#chat-id", "not-a-uuid");
  await page.click("#start-button");
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error-text"), /^ValidationError: .*chatId/);

  // A slow run: the message box stays disabled while it is in progress.
  await page.selectOption("#agent", { label: "Slow researcher" });
  await page.getByLabel("Value of subject").fill("owls");
  await page.click("#start-button");
  await page.waitForSelector("#timeline .step-in_progress");
  assert.equal(await page.locator("#error").isHidden(), true, "starting again clears the old error");
  assert.equal(await page.isDisabled("#message"), true);
  assert.equal(await page.isDisabled("#continue-button"), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a run is opened again from the list of recent runs", async () => {
  assert.ok(greeterRunId, "needs the first test's run");
  const { page, errors, context } = await open();
  const link = page.locator(`#runs a[href="#run=${greeterRunId}"]`);
  await link.waitFor();
  assert.match(await link.textContent(), /Greeter\s*Completed/);
  await link.click();
  await page.waitForSelector(`#conversation .msg.final:has-text('You said: "Shorter, please"')`);
  assert.equal(await page.locator("#conversation > li").count(), 6);
  assert.match(await page.textContent("#conversation"), /Hello Grace!.*Shorter, please.*You said/s);
  assert.equal(await link.getAttribute("aria-current"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "run-heading", "focus moves to the opened run");
  assert.equal(await page.isEnabled("#message"), true);
  await shot(page, "03-reopened");
  assert.deepEqual(errors, []);
  await context.close();
});

test("results of unknown shapes are shown as raw JSON and as text, never breaking the page", async () => {
  assert.ok(greeterRunId, "needs the first test's run");
  const odd = [
    42,
    null,
    "<img src=x onerror=\"window.hacked = true\">",
    { role: "wizard", content: { spell: "fireball" } },
    { role: "assistant", content: [{ type: "image", url: "https://example.com/a.png" }, { type: "text", text: 5 }, { type: "tool-call", toolName: "calc", args: "1+1" }] },
    { role: "tool", content: [{ type: "tool-result", toolName: "calc", result: { value: 2 } }] },
    { role: "user", content: "<b>not bold</b>" },
  ];
  site.emulator.addFault({ kind: "mutate", method: "GET", path: `/v1/agent-runs/${greeterRunId}`, times: 50, set: { status: "completed", results: odd, last_agent_message: "An answer that is not in the results" } });
  try {
    const { page, errors, context } = await open();
    await page.goto(`${site.url}#run=${greeterRunId}`);
    await page.waitForSelector("#conversation > li:nth-child(7)");
    assert.equal(await page.locator("#conversation .unknown-part").count(), 6, "42, null, a bare string, the wizard's content, the image part, text: 5");
    assert.match(await page.textContent("#conversation"), /"spell": "fireball"/);
    assert.match(await page.textContent(".tool-call"), /calc.*1\+1/s);
    assert.match(await page.textContent(".tool-result"), /"value": 2/);
    assert.match(await page.textContent("#conversation"), /<img src=x onerror=.*<b>not bold<\/b>/s);
    assert.equal(await page.locator("#conversation img, #conversation b").count(), 0, "data is text, never markup");
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).hacked), undefined);
    assert.equal(await page.locator("#last-message").isVisible(), true);
    assert.match(await page.textContent("#last-message"), /An answer that is not in the results/);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    site.emulator.clearFaults();
  }
});

test("the page holds no key: it talks to the server's routes, and Settings point it at a server of yours", async () => {
  const { page, errors, context } = await open();
  /** @type {string[]} */
  const requests = [];
  page.on("request", (r) => {
    if (r.headers().authorization) requests.push(`${r.url()} carried ${r.headers().authorization}`);
  });
  const config = await (await page.request.get(new URL("/config.json", site.url).href)).text();
  assert.doesNotMatch(config, new RegExp(KEY), "no key in the page's config");
  assert.match(await page.textContent("#target-line, .target-line"), /the emulator.*through this console's server, which holds the key/s);

  // The service, through this server, which was given no key: a readable error, nothing sent.
  await page.click("#settings-button");
  assert.equal(await page.getAttribute("#settings-button", "aria-expanded"), "true");
  assert.match(await page.textContent("#key-note"), /holds no key.*toolhouse-agent-runs\/server.*the key stays there/s);
  assert.equal(await page.locator("#api-key").count(), 0, "no key field");
  await page.check("#target-service");
  await shot(page, "05a-settings");
  await page.click("#settings-form button[type=submit]");
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error-text"), /HTTP 500.*the server has no Toolhouse API key/);
  assert.match(await page.textContent("#target-line, .target-line"), /the Toolhouse service.*has no key/s);
  await shot(page, "05-no-key");

  // A server of the user's own: here the emulator itself, which (with no key) refuses.
  await page.click("#settings-button");
  await page.check("#target-custom");
  await page.fill("#base-url", site.emulator.baseUrl);
  await page.click("#settings-form button[type=submit]");
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error-text"), /\(HTTP 403\): .*Not authenticated/);
  assert.match(await page.textContent("#target-line, .target-line"), /a server of yours.*no key/s);
  const stored = await page.evaluate(() => ({ session: JSON.stringify(sessionStorage), local: localStorage.length }));
  assert.match(stored.session, /custom/);
  assert.doesNotMatch(stored.session, /th-/);
  assert.equal(stored.local, 0);
  // Session storage outlives a reload of the tab.
  await page.reload();
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error-text"), /\(HTTP 403\)/);
  // Those answers are this test's point, with the line Chromium logs for each. Nothing else may show.
  const expected = (/** @type {string} */ p) =>
    /^HTTP 500: (GET|POST) http:\/\/127\.0\.0\.1:\d+\/api\/toolhouse\/agent-runs$/.test(p) ||
    new RegExp(`^HTTP 403: (GET|POST) ${site.emulator.baseUrl}/agent-runs$`).test(p) ||
    /^console error: Failed to load resource: the server responded with a status of (500 \(Internal Server Error\)|403 \(Forbidden\))/.test(p);
  assert.ok(errors.filter(expected).length >= 4, `the refusals were seen: ${JSON.stringify(errors)}`);
  errors.splice(0, errors.length, ...errors.filter((p) => !expected(p)));

  // Back to the emulator: no error, the runs are listed again.
  await page.click("#settings-button");
  await page.check("#target-emulator");
  await page.click("#settings-form button[type=submit]");
  await page.waitForFunction(() => !document.getElementById("runs")?.hasAttribute("aria-busy") && /^(No runs yet\.|)$/.test(document.getElementById("runs-note")?.textContent ?? "x"));
  assert.equal(await page.locator("#error").isHidden(), true);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "settings-button", "focus returns to the Settings button");
  assert.deepEqual(requests, [], "no request of the page carried a key");
  assert.deepEqual(errors, []);
  await context.close();
});

test("at phone width, by keyboard alone: labelled fields, no sideways scrolling, status announced", async () => {
  const { page, errors, context } = await open({ width: 390, height: 844 });
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea, button")]
      .filter((e) => !(/** @type {HTMLInputElement} */ (e).labels?.length || e.getAttribute("aria-label") || (e.tagName === "BUTTON" && e.textContent?.trim())))
      .map((e) => e.outerHTML),
  );
  assert.deepEqual(unlabelled, []);

  // The focus order follows the page: skip link, settings, the start form's fields.
  /** @type {string[]} */
  const order = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute("aria-label") || document.activeElement?.className || ""));
  }
  assert.deepEqual(order, ["skip-link", "settings-button", "agent", "chat-id", "Name of variable 1", "Value of name", "Remove name", "Name of variable 2"]);

  // Fill the Greeter's vars and submit with Enter.
  await page.focus("#agent");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Lin");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.type("tides");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#conversation .msg.final:has-text('Hello Lin!')");
  // The announcer speaks 50 ms after the change (a fresh text node each time).
  await page.waitForSelector("#announcer:has-text('Run completed')", { timeout: 2000 });
  assert.match(await page.textContent("#conversation"), /fact about tides/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
  await page.locator("#run-section").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${OUT}06-phone.png` });
  await shot(page, "07-phone-full");
  if (process.env.UPDATE_SCREENSHOT === "1" || !existsSync(README_SHOT)) copyFileSync(`${OUT}06-phone.png`, README_SHOT);
  assert.ok(statSync(README_SHOT).size < 150 * 1024, "the README's screenshot stays small");
  assert.deepEqual(errors, []);
  await context.close();
});
