// Deno (from the npm package `deno`): the server entry in Deno.serve, with only the
// permissions a server needs (net; env for TOOLHOUSE_* defaults; read for node_modules).
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["deno@2.9.6"]);
  const deno = join(workDir, "node_modules", ".bin", "deno");
  const env = { DENO_DIR: join(workDir, ".deno-dir"), DENO_NO_UPDATE_CHECK: "1" };
  await lib.withEmulator((emulator) =>
    lib.scenarioInProcess(deno, ["run", "--cached-only", "--allow-net", "--allow-env", "--allow-read", "main.mjs", emulator.baseUrl], { cwd: workDir, env }, "deno server"),
  );
}
