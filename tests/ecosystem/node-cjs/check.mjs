// Node CommonJS: `require("toolhouse-agent-runs")` from a .cjs file, on the machine's Node.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball);
  await lib.withEmulator((emulator) => lib.scenarioInProcess(process.execPath, ["main.cjs", emulator.baseUrl], { cwd: workDir }, "node-cjs"));
}
