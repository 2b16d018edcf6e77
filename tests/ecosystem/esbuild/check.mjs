// esbuild `--bundle --format=esm` for the browser (no --loader options), opened in Chromium.
import { copyFileSync, statSync } from "node:fs";
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["esbuild@0.28.2"]);
  await lib.run(join(workDir, "node_modules", ".bin", "esbuild"), ["src/main.js", "--bundle", "--format=esm", "--outfile=dist/main.js", "--log-level=warning"], { cwd: workDir });
  console.log(`  dist/main.js: ${statSync(join(workDir, "dist", "main.js")).size} bytes`);
  copyFileSync(join(workDir, "index.html"), join(workDir, "dist", "index.html"));
  await lib.scenarioInPage(join(workDir, "dist"), "esbuild");
}
