// Vite 8 `vite build` of a page (no plugins, no wasm config), served and opened in Chromium.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["vite@8.4.0"]);
  await lib.run(process.execPath, [join(workDir, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], { cwd: workDir });
  const assets = join(workDir, "dist", "assets");
  for (const f of readdirSync(assets)) console.log(`  dist/assets/${f}: ${statSync(join(assets, f)).size} bytes`);
  await lib.scenarioInPage(join(workDir, "dist"), "vite");
}
