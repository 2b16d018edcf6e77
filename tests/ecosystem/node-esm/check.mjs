// Node ESM: `import` of the package, on the machine's Node.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball);
  await lib.withEmulator((emulator) => lib.scenarioInProcess(process.execPath, ["main.mjs", emulator.baseUrl], { cwd: workDir }, "node-esm"));
}
