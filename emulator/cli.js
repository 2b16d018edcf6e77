#!/usr/bin/env node
// @ts-check
// toolhouse-agent-runs-emulator [--port N] [--host H] [--agents FILE] [--time-scale F]
//                               [--queue-ms N] [--api-key KEY] [--no-cors] [--idempotency]
//                               [--stale-ms N] [--continue-answer run|ok|empty]
//                               [--callback-shape flat|wrapped] [--verbose]
// Faults are injected at run time: POST /_emulator/faults (see Fault in server.js).
// Prints "listening on http://HOST:PORT" as its first line; the API is under /v1.
import { parseArgs } from "node:util";
import { startEmulator } from "./server.js";

const usage = "usage: toolhouse-agent-runs-emulator [--port N] [--host H] [--agents FILE] [--time-scale F] [--queue-ms N] [--api-key KEY] [--no-cors] [--idempotency] [--stale-ms N] [--continue-answer run|ok|empty] [--callback-shape flat|wrapped] [--verbose]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      agents: { type: "string" },
      "time-scale": { type: "string", default: "1" },
      "queue-ms": { type: "string", default: "500" },
      "api-key": { type: "string" },
      "no-cors": { type: "boolean", default: false },
      idempotency: { type: "boolean", default: false },
      "stale-ms": { type: "string", default: "0" },
      "continue-answer": { type: "string", default: "run" },
      "callback-shape": { type: "string", default: "flat" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  }));
} catch (e) {
  console.error(`${/** @type {Error} */ (e).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const number = (name, text, min, max) => {
  const n = Number(text);
  if (text === "" || !Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number from ${min} to ${max}\n${usage}`);
    process.exit(2);
  }
  return n;
};
/** @template {string} T @param {string} name @param {string} text @param {T[]} allowed @returns {T} */
const oneOf = (name, text, allowed) => {
  if (!allowed.includes(/** @type {T} */ (text))) {
    console.error(`--${name} must be one of ${allowed.join(", ")}\n${usage}`);
    process.exit(2);
  }
  return /** @type {T} */ (text);
};
try {
  const emulator = await startEmulator({
    port: number("port", values.port, 0, 65535),
    host: values.host,
    agentsFile: values.agents,
    timeScale: number("time-scale", values["time-scale"], 0, 1000),
    queueMs: number("queue-ms", values["queue-ms"], 0, 3_600_000),
    apiKey: values["api-key"],
    cors: !values["no-cors"],
    idempotency: values.idempotency,
    staleMs: number("stale-ms", values["stale-ms"], 0, 3_600_000),
    continueAnswer: oneOf("continue-answer", values["continue-answer"], ["run", "ok", "empty"]),
    callbackShape: oneOf("callback-shape", values["callback-shape"], ["flat", "wrapped"]),
    quiet: !values.verbose,
  });
  console.log(`listening on ${emulator.url}`);
  console.log(`API base URL: ${emulator.baseUrl} (any Bearer key${values["api-key"] ? " equal to --api-key" : ""}); agents: ${emulator.url}/_emulator/agents`);
  const stop = () => emulator.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (e) {
  console.error(`emulator: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}
