// A static page, no build: an import map points the bare name at
// node_modules/toolhouse-agent-runs/index.js and a <script type="module"> uses it.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball);
  const emulator = await lib.startEmulator({ timeScale: 0.01 });
  const server = await lib.serveStatic(workDir);
  try {
    lib.assertScenario(await lib.pageResult(`${server.url}?base=${encodeURIComponent(emulator.baseUrl)}`), "script-module");
  } finally {
    await server.close();
    await emulator.close();
  }
}
