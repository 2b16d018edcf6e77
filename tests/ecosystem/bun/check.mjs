// Bun (from the npm package `bun`): `bun main.mjs` (import) and `bun main.cjs` (require).
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["bun@1.4.5"]);
  const bun = join(workDir, "node_modules", ".bin", "bun");
  const emulator = await lib.startEmulator({ timeScale: 0.01 });
  try {
    for (const main of ["main.mjs", "main.cjs"]) {
      const out = await lib.run(bun, [main, emulator.baseUrl], { cwd: workDir });
      lib.assertScenario(JSON.parse(out.trim().split("\n").at(-1)), `bun ${main}`);
    }
  } finally {
    await emulator.close();
  }
}
