// Helpers of the ecosystem checks: installing, running, serving, driving Chromium.
import { execFile, spawn } from "node:child_process";
import { createServer } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { startEmulator } from "../../emulator/server.js";
import { serveStatic } from "../../scripts/static.mjs";
import { launchChromium } from "../support/chromium.mjs";

export { startEmulator, serveStatic };
export { CHROMIUM, CHROMIUM_FLAGS, launchChromium } from "../support/chromium.mjs";
const execFileAsync = promisify(execFile);

/** Runs a command; resolves with its stdout, rejects with its output when it fails. */
export async function run(cmd, args, options = {}) {
  try {
    const { stdout } = await execFileAsync(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000, ...options, env: { ...process.env, ...options.env } });
    return stdout;
  } catch (err) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}

/** `npm install` of the tarball and the given packages into workDir. */
export function npmInstall(workDir, tarball, packages = []) {
  return run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball, ...packages], { cwd: workDir });
}

/**
 * Opens a page and waits for it to set `window.__result` (`{ ok: true, … }` or
 * `{ ok: false, error }`); throws unless ok.
 */
export async function pageResult(url, { timeout = 60_000 } = {}) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const log = [];
    page.on("console", (m) => log.push(`[console.${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
    await page.goto(url);
    const handle = await page.waitForFunction(() => window.__result, null, { timeout }).catch(() => null);
    const result = handle ? await handle.jsonValue() : { ok: false, error: "no result in time" };
    if (!result.ok) throw new Error(`${url}: ${JSON.stringify(result)}\n${log.join("\n")}`);
    return result;
  } finally {
    await browser.close();
  }
}

/** Runs `fn` with a fast emulator, closed afterwards whatever happens. */
export async function withEmulator(fn) {
  const emulator = await startEmulator({ timeScale: 0.01 });
  try {
    return await fn(emulator);
  } finally {
    await emulator.close();
  }
}

/** Runs a program that prints shared/scenario.js's result as its last line, and asserts it. */
export async function scenarioInProcess(cmd, args, options, where) {
  const out = await run(cmd, args, options);
  assertScenario(JSON.parse(out.trim().split("\n").at(-1)), where);
}

/**
 * Serves `dir` and opens `page` in it (index.html by default) in Chromium with the
 * emulator's baseUrl as `?base=`; asserts the page's scenario result and returns it.
 */
export function scenarioInPage(dir, where, page = "") {
  return withEmulator(async (emulator) => {
    const server = await serveStatic(dir);
    try {
      const result = await pageResult(`${server.url}${page}?base=${encodeURIComponent(emulator.baseUrl)}`);
      assertScenario(result, where);
      return result;
    } finally {
      await server.close();
    }
  });
}

/**
 * The node-esm project's scenario on another Node: the binary of the npm platform
 * package node-<os>-<arch> (it ships bin/node; no install script needed).
 */
export async function scenarioOnNode({ tarball, workDir }, nodeVersion) {
  const os = process.platform === "win32" ? "win" : process.platform;
  const platformPackage = `node-${os}-${process.arch}`;
  await npmInstall(workDir, tarball, [`${platformPackage}@${nodeVersion}`]);
  const node = join(workDir, "node_modules", platformPackage, "bin", "node");
  const version = (await run(node, ["--version"])).trim();
  if (version !== `v${nodeVersion}`) throw new Error(`expected Node v${nodeVersion}, got ${version}`);
  await withEmulator((emulator) => scenarioInProcess(node, ["main.mjs", emulator.baseUrl], { cwd: workDir }, `node ${version}`));
}

/**
 * A server on 127.0.0.1 that extensions report to by plain fetches (`…/report?ext=&id=
 * &event=&t=&data=`, CORS open): `reports` collects `{ at, ext, id, event, t, data }`,
 * `at` being `at()` when the report arrived.
 * @param {() => number} at
 */
export async function reportServer(at) {
  const reports = [];
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    reports.push({ at: at(), ext: q.get("ext"), id: q.get("id"), event: q.get("event"), t: Number(q.get("t")), data: JSON.parse(q.get("data") ?? "null") });
    res.writeHead(204, { "Access-Control-Allow-Origin": "*" }).end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { reports, url: `http://127.0.0.1:${server.address().port}/report`, close: () => new Promise((r) => server.close(r)) };
}

/** Asserts what shared/scenario.js returned. */
export function assertScenario(result, where) {
  if (!result || result.ok !== true) throw new Error(`${where}: scenario failed: ${JSON.stringify(result)}`);
}

export { spawn, join };
