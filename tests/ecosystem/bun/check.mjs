// Bun (from the npm package `bun`): `bun main.mjs` (import) and `bun main.cjs` (require).
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["bun@1.4.5"]);
  const bun = join(workDir, "node_modules", ".bin", "bun");
  await lib.withEmulator(async (emulator) => {
    for (const main of ["main.mjs", "main.cjs"]) await lib.scenarioInProcess(bun, [main, emulator.baseUrl], { cwd: workDir }, `bun ${main}`);
  });
}
