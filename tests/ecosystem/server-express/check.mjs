// Express (5.3) and node:http: the server entry as middleware and as a listener, required
// from CommonJS, on the machine's Node.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["express@5.3.0"]);
  await lib.withEmulator((emulator) => lib.scenarioInProcess(process.execPath, ["main.cjs", emulator.baseUrl], { cwd: workDir }, "express and node:http"));
}
