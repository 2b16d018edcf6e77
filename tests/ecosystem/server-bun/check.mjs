// Bun (from the npm package `bun`): the server entry in Bun.serve.
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["bun@1.4.5"]);
  const bun = join(workDir, "node_modules", ".bin", "bun");
  await lib.withEmulator((emulator) => lib.scenarioInProcess(bun, ["main.mjs", emulator.baseUrl], { cwd: workDir }, "bun server"));
}
