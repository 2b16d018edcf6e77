// Waits that respect the page, in headless Chromium: no polls while the tab is hidden
// (a poll within a second of it being visible again), none while the browser is offline
// (the wait resumes when it is back online, and ends well), and `pauseWhenHidden: false`
// turns both off. And Retry-After, which a page can read only where the service's CORS
// exposes it: without it, the client's own backoff applies.
//
// Headless Chromium never hides a tab by itself (measured: switching tabs and minimizing
// the window both leave `document.visibilityState` at "visible"), so the page's
// visibility is driven as Chrome drives it: `document.visibilityState` changes and
// `visibilitychange` is dispatched on the document. Offline is Chromium's own network
// emulation (CDP), which sets `navigator.onLine` and fires `offline` / `online`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSite } from "../../scripts/serve.mjs";
import { launchChromium } from "../support/chromium.mjs";
import { SLOW } from "../support/agents.mjs"; // "Slow researcher": 150 s of work, times the time scale

let browser;
let site;
before(async () => {
  browser = await launchChromium();
  site = await startSite({ emulator: { timeScale: 0.04 } });
});
after(async () => {
  await site?.close();
  await browser?.close();
});

/** A page with the package loaded, a run of the slow agent started, and a visibility switch. */
async function pageWithRun(context, on = site) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    let state = "visible";
    Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => state });
    Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => state === "hidden" });
    globalThis.setVisibility = (next) => {
      state = next;
      document.dispatchEvent(new Event("visibilitychange"));
    };
  });
  await page.goto(on.url); // the console: a page of the origin that serves /pkg/
  const config = { baseUrl: on.emulator.baseUrl, chatId: SLOW };
  const runId = await page.evaluate(async ({ baseUrl, chatId }) => {
    globalThis.sdk = await import("/pkg/index.js");
    // Every poll the client sends is counted here, as it leaves.
    globalThis.polls = 0;
    const counting = (url, init) => {
      if ((init?.method ?? "GET") === "GET" && /agent-runs\/[0-9a-f-]{36}$/.test(url)) globalThis.polls++;
      return fetch(url, init);
    };
    globalThis.options = { baseUrl, apiKey: "th-demo", dangerouslyAllowBrowser: true, fetch: counting };
    return (await sdk.createRun({ chatId }, options)).id;
  }, config);
  return { page, runId };
}

/** The polls the page's client has sent so far. */
const polls = (page) => page.evaluate(() => globalThis.polls);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a wait in the page, lets it poll, makes the page go `away`, checks that no poll
 * is sent while it is away, brings it `back`, and checks that polling resumes within a
 * second and the wait ends well.
 */
async function noPollsWhileAway({ away, back, what }) {
  const context = await browser.newContext();
  try {
    const { page, runId } = await pageWithRun(context);
    await page.evaluate((id) => {
      globalThis.waiting = sdk.waitForRun(id, { ...options, pollIntervalMs: 200, maxWaitMs: 60_000 }).then((r) => r.status, (e) => `${e.name}: ${e.message}`);
    }, runId);
    await sleep(1000);
    assert.ok((await polls(page)) >= 3, `polling before: ${await polls(page)} polls`);
    await away(page, context);
    await sleep(300); // a poll already on the wire may still land
    const awayAt = await polls(page);
    await sleep(2500);
    assert.equal(await polls(page), awayAt, `no poll while ${what}`);
    await back(page, context);
    await sleep(1000);
    assert.ok((await polls(page)) > awayAt, `a poll within a second of being back`);
    assert.equal(await page.evaluate(() => waiting), "completed");
  } finally {
    await context.close();
  }
}

test("a hidden tab sends no polls, and polls within a second of being visible again", () =>
  noPollsWhileAway({
    what: "the tab is hidden",
    away: (page) => page.evaluate(() => setVisibility("hidden")),
    back: (page) => page.evaluate(() => setVisibility("visible")),
  }));

test("offline, the wait sends nothing and does not fail; back online, it resumes and ends", () =>
  noPollsWhileAway({
    what: "offline",
    away: async (page, context) => {
      await context.setOffline(true);
      assert.equal(await page.evaluate(() => navigator.onLine), false);
    },
    back: (page, context) => context.setOffline(false),
  }));

test("with pauseWhenHidden: false a hidden tab keeps polling", async () => {
  const context = await browser.newContext();
  try {
    const { page, runId } = await pageWithRun(context);
    await page.evaluate((id) => {
      const controller = new AbortController();
      globalThis.stop = () => controller.abort();
      globalThis.waiting = sdk.waitForRun(id, { ...options, pollIntervalMs: 200, pauseWhenHidden: false, signal: controller.signal }).catch((e) => e.name);
      setVisibility("hidden");
    }, runId);
    await sleep(300);
    const hiddenAt = (await polls(page));
    await sleep(1500);
    assert.ok((await polls(page)) >= hiddenAt + 4, `${(await polls(page)) - hiddenAt} polls in 1.5 s while hidden`);
    await page.evaluate(() => stop());
    assert.equal(await page.evaluate(() => waiting), "AbortError");
  } finally {
    await context.close();
  }
});

test("a page reads Retry-After where the service lets it (CORS), and falls back on its own backoff where it does not", async () => {
  const exposing = await startSite({ emulator: { timeScale: 0.04, exposeHeaders: true } });
  const context = await browser.newContext();
  try {
    for (const [on, expected] of [[exposing, "the header's 2 s"], [site, "the backoff"]]) {
      const { page, runId } = await pageWithRun(context, on);
      on.emulator.addFault({ kind: "status", status: 429, retryAfter: "2", method: "GET", path: `/v1/agent-runs/${runId}`, times: 1 });
      const delays = await page.evaluate(async (id) => {
        const heard = [];
        await sdk.getRun(id, { ...options, maxRetries: 1, onRetry: (r) => heard.push([r.delayMs, r.error.retryAfterMs]) });
        return heard;
      }, runId);
      assert.equal(delays.length, 1, expected);
      const [[delayMs, retryAfterMs]] = delays;
      if (on === exposing) assert.deepEqual([delayMs, retryAfterMs], [2000, 2000], expected);
      else assert.ok(retryAfterMs === null && delayMs >= 375 && delayMs <= 500, `${expected}: ${delayMs} ms, retryAfterMs ${retryAfterMs}`);
    }
  } finally {
    await context.close();
    await exposing.close();
  }
});
