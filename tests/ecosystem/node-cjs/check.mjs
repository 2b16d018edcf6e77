// Node CommonJS: `require("toolhouse-agent-runs")` from a .cjs file, on the machine's Node.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball);
  const emulator = await lib.startEmulator({ timeScale: 0.01 });
  try {
    const out = await lib.run(process.execPath, ["main.cjs", emulator.baseUrl], { cwd: workDir });
    lib.assertScenario(JSON.parse(out.trim().split("\n").at(-1)), "node-cjs");
  } finally {
    await emulator.close();
  }
}
