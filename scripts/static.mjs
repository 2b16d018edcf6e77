// @ts-check
// Files served over HTTP from a folder: for the console's server (scripts/serve.mjs) and
// the ecosystem suite's pages (tests/ecosystem/lib.mjs). Never a path outside the folder.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";

/** @type {Record<string, string>} */
export const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * The decoded path of a request's URL, or null when it does not decode.
 * @param {import("node:http").IncomingMessage} req
 */
export function requestPath(req) {
  try {
    return decodeURIComponent(new URL(req.url ?? "/", "http://host").pathname);
  } catch {
    return null;
  }
}

/**
 * The file of `root` that a URL path names ("/" and any "…/" name its index.html), or
 * null when the path would leave `root`.
 * @param {string} root
 * @param {string} path
 */
export function fileUnder(root, path) {
  const base = resolve(root);
  const file = resolve(base, `.${path.endsWith("/") ? `${path}index.html` : path}`);
  return file.startsWith(base + sep) ? file : null;
}

/**
 * Answers with a file and its Content-Type (no body for HEAD), or 404 with `notFound`.
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {string} file
 * @param {Record<string, string>} [headers] more headers of the 200
 * @param {string} [notFound]
 */
export async function sendFile(req, res, file, headers = {}, notFound = "not found") {
  let body;
  try {
    body = await readFile(file);
  } catch {
    res.writeHead(404, { "Content-Type": "text/plain" }).end(notFound);
    return;
  }
  res.writeHead(200, { "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream", ...headers });
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * Serves a folder on a free port of 127.0.0.1. `headers` go on every file (a CSP, say).
 * @param {string} dir
 * @param {Record<string, string>} [headers]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serveStatic(dir, headers = {}) {
  const server = createServer((req, res) => {
    const path = requestPath(req);
    if (path === null) return void res.writeHead(400).end();
    const file = fileUnder(dir, path);
    if (file === null) return void res.writeHead(403).end();
    sendFile(req, res, file, headers);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((ok) => server.close(() => ok(undefined))) };
}
