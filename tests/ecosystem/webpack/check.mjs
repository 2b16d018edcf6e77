// webpack 5 production build (no loaders or plugins for wasm), served and opened in Chromium.
import { copyFileSync, statSync } from "node:fs";
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["webpack@5.113.0", "webpack-cli@6.0.1"]);
  const out = await lib.run(process.execPath, [join(workDir, "node_modules", "webpack-cli", "bin", "cli.js"), "--config", "webpack.config.js"], { cwd: workDir });
  if (/WARNING|ERROR/.test(out)) console.log(out.trim().replace(/^/gm, "  "));
  console.log(`  dist/main.js: ${statSync(join(workDir, "dist", "main.js")).size} bytes`);
  copyFileSync(join(workDir, "index.html"), join(workDir, "dist", "index.html"));
  await lib.scenarioInPage(join(workDir, "dist"), "webpack");
}
