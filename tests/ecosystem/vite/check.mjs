// Vite 8 `vite build` of a page (no plugins, no wasm config), served and opened in
// Chromium; then the same page with the slim entry, whose .wasm Vite ships as an asset.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["vite@8.4.0"]);
  const vite = join(workDir, "node_modules", "vite", "bin", "vite.js");
  for (const [page, outDir] of [["page.js", "dist"], ["page-slim.js", "dist-slim"]]) {
    writeFileSync(join(workDir, "src", "main.js"), `import "../shared/${page}";\n`);
    await lib.run(process.execPath, [vite, "build", "--logLevel", "warn", "--outDir", outDir], { cwd: workDir });
    const assets = readdirSync(join(workDir, outDir, "assets"));
    for (const f of assets) console.log(`  ${outDir}/assets/${f}: ${statSync(join(workDir, outDir, "assets", f)).size} bytes`);
    if (page === "page-slim.js" && !assets.some((f) => f.endsWith(".wasm"))) throw new Error("vite did not ship the slim entry's .wasm");
    await lib.scenarioInPage(join(workDir, outDir), `vite (${page})`);
  }
}
