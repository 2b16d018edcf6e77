// A dedicated module worker imports the package (by path, no bundler), runs the scenario
// and posts the result to its page.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball);
  const emulator = await lib.startEmulator({ timeScale: 0.01 });
  const server = await lib.serveStatic(workDir);
  try {
    const result = await lib.pageResult(`${server.url}?base=${encodeURIComponent(emulator.baseUrl)}`);
    lib.assertScenario(result, "web-worker");
    if (!result.inWorker) throw new Error("the result did not come from the worker");
  } finally {
    await server.close();
    await emulator.close();
  }
}
