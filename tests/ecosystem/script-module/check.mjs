// A static page, no build: an import map points the bare name at
// node_modules/toolhouse-agent-runs/index.js (index.html), or the slim entry at slim.js,
// which fetches the .wasm next to it (slim.html); a <script type="module"> uses it.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball);
  await lib.scenarioInPage(workDir, "script-module");
  await lib.scenarioInPage(workDir, "script-module (slim)", "slim.html");
}
