// Vercel's edge runtime (the `edge-runtime` package, what `next dev` runs edge routes in):
// the route bundled with the `edge-light` condition, compiling WebAssembly from bytes
// refused as in production.
export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["edge-runtime@4.0.1", "esbuild@0.28.2"]);
  await lib.withEmulator(async (emulator) => {
    const out = await lib.run(process.execPath, ["run.mjs", emulator.baseUrl], { cwd: workDir });
    const result = JSON.parse(out.trim().split("\n").at(-1));
    lib.assertScenario(result, "Vercel edge runtime");
    if (result.bytesRefused !== true) throw new Error("the route could compile wasm from bytes: the test proves nothing");
  });
}
