// TypeScript 5.9 --strict: compiles with module/moduleResolution node16 and with
// moduleResolution bundler (module esnext); the node16 output runs on Node.
import { join } from "node:path";

export default async function check({ tarball, workDir, lib }) {
  await lib.npmInstall(workDir, tarball, ["typescript@5.9.3", "@types/node@20.19.43"]);
  const tsc = join(workDir, "node_modules", "typescript", "bin", "tsc");
  // shared/scenario.js is plain JS: --allowJs lets it in (unchecked) and copies it out.
  const common = ["--strict", "--target", "es2022", "--allowJs", "--skipLibCheck", "false", "--types", "node", "main.ts", "shared/scenario.js"];
  await lib.run(process.execPath, [tsc, ...common, "--module", "node16", "--moduleResolution", "node16", "--outDir", "out-node16"], { cwd: workDir });
  await lib.run(process.execPath, [tsc, ...common, "--module", "esnext", "--moduleResolution", "bundler", "--outDir", "out-bundler"], { cwd: workDir });
  await lib.withEmulator((emulator) =>
    lib.scenarioInProcess(process.execPath, ["out-node16/main.js", emulator.baseUrl], { cwd: workDir }, "typescript (node16 output)"),
  );
}
