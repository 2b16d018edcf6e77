// Node 24: the node-esm scenario on the Node binary of the npm platform package
// node-<os>-<arch> (it ships bin/node; no install script needed).
import { join } from "node:path";

const NODE_VERSION = "24.22.3";

export default async function check({ tarball, workDir, lib }) {
  const os = process.platform === "win32" ? "win" : process.platform;
  const platformPackage = `node-${os}-${process.arch}`;
  await lib.npmInstall(workDir, tarball, [`${platformPackage}@${NODE_VERSION}`]);
  const node = join(workDir, "node_modules", platformPackage, "bin", "node");
  const version = (await lib.run(node, ["--version"])).trim();
  if (version !== `v${NODE_VERSION}`) throw new Error(`expected Node v${NODE_VERSION}, got ${version}`);
  const emulator = await lib.startEmulator({ timeScale: 0.01 });
  try {
    const out = await lib.run(node, ["main.mjs", emulator.baseUrl], { cwd: workDir });
    lib.assertScenario(JSON.parse(out.trim().split("\n").at(-1)), `node${version}`);
  } finally {
    await emulator.close();
  }
}
