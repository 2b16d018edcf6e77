// Chromium driven over --remote-debugging-pipe: the DevTools protocol without a WebSocket
// and without attaching to any service worker (an attached DevTools session keeps a
// worker alive, which would hide what this project looks at).
import { spawn } from "node:child_process";

/**
 * Starts Chromium; `send` calls a CDP method (of a session, given its id), `on` hears events.
 * @param {string} bin
 * @param {string[]} args
 */
export function launchChromium(bin, args) {
  const proc = spawn(bin, [...args, "--remote-debugging-pipe"], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.on("exit", resolve));
  const toBrowser = /** @type {import("node:stream").Writable} */ (proc.stdio[3]);
  const fromBrowser = /** @type {import("node:stream").Readable} */ (proc.stdio[4]);
  let buffer = "";
  let nextId = 1;
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void, method: string }>} */
  const pending = new Map();
  /** @type {Set<(message: any) => void>} */
  const listeners = new Set();
  fromBrowser.on("data", (chunk) => {
    buffer += chunk;
    for (let end; (end = buffer.indexOf("\0")) >= 0; ) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      const call = message.id !== undefined ? pending.get(message.id) : undefined;
      if (call) {
        pending.delete(message.id);
        if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
        else call.resolve(message.result);
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });
  toBrowser.on("error", () => {}); // the browser closed its end
  return {
    proc,
    exited,
    stderr: () => stderr,
    /** @param {string} method @param {object} [params] @param {string} [sessionId] */
    send(method, params = {}, sessionId = undefined) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject, method });
        toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
      });
    },
    /** @param {(message: any) => void} listener */
    on(listener) {
      listeners.add(listener);
    },
    /** Closes the browser as a user would (profile written), or kills it after 10 s. */
    async close() {
      if (proc.exitCode !== null) return;
      this.send("Browser.close").catch(() => {});
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
