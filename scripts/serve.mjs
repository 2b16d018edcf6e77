// Serves www/ (and the built package under /pkg/) next to an emulator on free ports.
// `node scripts/serve.mjs [--port N]` prints the page's URL; tests import startSite().
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/server.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm" };

/**
 * @param {{ port?: number, emulator?: Parameters<typeof startEmulator>[0], csp?: string }} [options]
 *   csp: a Content-Security-Policy header for every answer (tests of strict pages)
 */
export async function startSite(options = {}) {
  const emulator = await startEmulator({ port: 0, ...options.emulator });
  const agents = JSON.parse(await (await fetch(`${emulator.url}/_emulator/agents`)).text()).data;
  const server = createServer(async (req, res) => {
    if (options.csp) res.setHeader("Content-Security-Policy", options.csp);
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://site").pathname);
    if (path === "/config.json") {
      res.writeHead(200, { "Content-Type": types[".json"] });
      return res.end(JSON.stringify({ baseUrl: emulator.baseUrl, apiKey: "th-demo", agents }));
    }
    const [base, rel] = path.startsWith("/pkg/") ? [join(root, "pkg"), path.slice(5)] : [join(root, "www"), path === "/" ? "index.html" : path.slice(1)];
    const file = resolve(base, rel);
    if (!file.startsWith(base + sep)) {
      res.writeHead(403);
      return res.end();
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise((r) => server.listen(options.port ?? 0, "127.0.0.1", () => r(undefined)));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
  return {
    url,
    emulator,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
      await emulator.close();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--port");
  const site = await startSite({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(`page: ${site.url}\nemulator: ${site.emulator.baseUrl}`);
}
