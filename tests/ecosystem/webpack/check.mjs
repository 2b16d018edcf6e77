// webpack 5 production build (no loaders or plugins for wasm), served and opened in
// Chromium; then the same page with the slim entry, whose .wasm webpack ships as an asset.
import { copyFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["webpack@5.113.0", "webpack-cli@6.0.1"]);
  for (const page of ["page.js", "page-slim.js"]) {
    writeFileSync(join(workDir, "src", "main.js"), `import "../shared/${page}";\n`);
    const out = await lib.run(process.execPath, [join(workDir, "node_modules", "webpack-cli", "bin", "cli.js"), "--config", "webpack.config.js"], { cwd: workDir });
    if (/WARNING|ERROR/.test(out)) console.log(out.trim().replace(/^/gm, "  "));
    const files = readdirSync(join(workDir, "dist"));
    for (const f of files) console.log(`  dist/${f}: ${statSync(join(workDir, "dist", f)).size} bytes`);
    if (page === "page-slim.js" && !files.some((f) => f.endsWith(".wasm"))) throw new Error("webpack did not ship the slim entry's .wasm");
    copyFileSync(join(workDir, "index.html"), join(workDir, "dist", "index.html"));
    await lib.scenarioInPage(join(workDir, "dist"), `webpack (${page})`);
  }
}
