// A dedicated module worker imports the package (by path, no bundler), runs the scenario
// and posts the result to its page.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball);
  const result = await lib.scenarioInPage(workDir, "web-worker");
  if (!result.inWorker) throw new Error("the result did not come from the worker");
}
