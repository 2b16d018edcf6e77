// Deno (from the npm package `deno`): bare import and `npm:` specifier, both resolved
// from the project's node_modules, with only the permissions a user would grant.
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["deno@2.9.6"]);
  const deno = join(workDir, "node_modules", ".bin", "deno");
  // A private DENO_DIR: nothing cached from elsewhere can stand in for the tarball.
  const env = { DENO_DIR: join(workDir, ".deno-dir"), DENO_NO_UPDATE_CHECK: "1" };
  await lib.withEmulator(async (emulator) => {
    for (const main of ["main.mjs", "main-npm.mjs"]) {
      const args = ["run", "--cached-only", "--allow-net", "--allow-env", "--allow-read", main, emulator.baseUrl];
      await lib.scenarioInProcess(deno, args, { cwd: workDir, env }, `deno ${main}`);
    }
  });
}
