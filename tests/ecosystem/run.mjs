// The ecosystem suite (`npm run test:ecosystem [project …]`): packs pkg/ as a user gets
// it, installs the tarball into each small project under tests/ecosystem/ (copied to a
// temporary folder first), and runs the project's check against the emulator.
//
// A project is a folder with a check.mjs whose default export is
//   async ({ tarball, workDir, lib }) => void   // throws when the package does not work there
// shared/ is copied into every project as shared/, and shared/agents.js is written there:
// the emulator's agent ids (tests/support/agents.mjs, read from emulator/agents.json), for
// projects that cannot reach the repository (browsers, other runtimes, a temporary folder).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as lib from "./lib.mjs";
import * as agents from "../support/agents.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../..");
const wanted = process.argv.slice(2);
const projects = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, "check.mjs")))
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
if (wanted.length > 0 && projects.length !== wanted.length) {
  console.error(`unknown project among: ${wanted.join(", ")}`);
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), "thar-ecosystem-"));
const packed = execFileSync("npm", ["pack", join(repo, "pkg"), "--pack-destination", scratch, "--json"], { encoding: "utf8" });
const tarball = join(scratch, JSON.parse(packed)[0].filename);
console.log(`tarball: ${tarball}`);
const agentsModule = [
  "// Written by tests/ecosystem/run.mjs: the emulator's agent ids (emulator/agents.json).",
  ...Object.entries(agents).map(([name, chatId]) => `export const ${name} = ${JSON.stringify(chatId)};`),
  "",
].join("\n");

let passed = 0;
let failed = 0;
for (const name of projects) {
  const workDir = join(scratch, name);
  cpSync(join(here, name), workDir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  cpSync(join(here, "shared"), join(workDir, "shared"), { recursive: true });
  writeFileSync(join(workDir, "shared", "agents.js"), agentsModule);
  const started = Date.now();
  process.stdout.write(`\n---- ${name}\n`);
  try {
    const { default: check } = await import(pathToFileURL(join(here, name, "check.mjs")).href);
    await check({ tarball, workDir, lib });
    passed++;
    console.log(`ok ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed++;
    console.log(`FAILED ${name}: ${err?.stack ?? err}`);
  }
}
rmSync(scratch, { recursive: true, force: true });
console.log(`\necosystem: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
