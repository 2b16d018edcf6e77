#!/usr/bin/env node
// @ts-check
// toolhouse-agent-runs-emulator [--port N] [--host H] [--agents FILE] [--time-scale F]
//                               [--queue-ms N] [--api-key KEY] [--missing-auth 401|403]
//                               [--no-cors] [--expose-headers] [--idempotency] [--stale-ms N]
//                               [--continue-answer ok|run|empty] [--rich-runs]
//                               [--callback-shape flat|wrapped] [--verbose]
// The defaults are the service's published behaviour; the options that depart from it
// (BEHAVIOURS in server.js) are listed on start and by GET /_emulator/config.
// Faults are injected at run time: POST /_emulator/faults (see Fault in server.js).
// Prints "listening on http://HOST:PORT" as its first line; the API is under /v1.
import { parseArgs } from "node:util";
import { numberOption, oneOf } from "./args.js";
import { startEmulator } from "./server.js";

const usage =
  "usage: toolhouse-agent-runs-emulator [--port N] [--host H] [--agents FILE] [--time-scale F] [--queue-ms N] [--api-key KEY] [--missing-auth 401|403] [--no-cors] [--expose-headers] [--idempotency] [--stale-ms N] [--continue-answer ok|run|empty] [--rich-runs] [--callback-shape flat|wrapped] [--verbose]";
/** Says what is wrong with the command line, then the usage; exits with 2. @param {unknown} e @returns {never} */
function refuse(e) {
  console.error(`${/** @type {Error} */ (e).message}\n${usage}`);
  process.exit(2);
}
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
      // Behaviours: no default here, the emulator's (the published behaviour) applies.
      "missing-auth": { type: "string" },
      "no-cors": { type: "boolean" },
      "expose-headers": { type: "boolean" },
      idempotency: { type: "boolean" },
      "stale-ms": { type: "string" },
      "continue-answer": { type: "string" },
      "rich-runs": { type: "boolean" },
      "callback-shape": { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  }));
} catch (e) {
  refuse(e);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
/** A flag's value when given, else undefined (so the emulator's default applies). @template T @param {string | boolean | undefined} flag @param {() => T} read */
const given = (flag, read) => (flag === undefined ? undefined : read());
/** @type {import("./server.js").EmulatorOptions} */
let emulatorOptions;
try {
  emulatorOptions = {
    port: numberOption("port", values.port, 0, 65535),
    host: values.host,
    agentsFile: values.agents,
    timeScale: numberOption("time-scale", values["time-scale"], 0, 1000),
    queueMs: numberOption("queue-ms", values["queue-ms"], 0, 3_600_000),
    apiKey: values["api-key"],
    missingAuth: given(values["missing-auth"], () => (oneOf("missing-auth", String(values["missing-auth"]), ["401", "403"]) === "401" ? 401 : 403)),
    cors: given(values["no-cors"], () => !values["no-cors"]),
    exposeHeaders: values["expose-headers"],
    idempotency: values.idempotency,
    staleMs: given(values["stale-ms"], () => numberOption("stale-ms", String(values["stale-ms"]), 0, 3_600_000)),
    continueAnswer: given(values["continue-answer"], () => oneOf("continue-answer", String(values["continue-answer"]), ["ok", "run", "empty"])),
    richRuns: values["rich-runs"],
    callbackShape: given(values["callback-shape"], () => oneOf("callback-shape", String(values["callback-shape"]), ["flat", "wrapped"])),
    quiet: !values.verbose,
  };
} catch (e) {
  refuse(e);
}
try {
  const emulator = await startEmulator(emulatorOptions);
  console.log(`listening on ${emulator.url}`);
  console.log(`API base URL: ${emulator.baseUrl} (any Bearer key${values["api-key"] ? " equal to --api-key" : ""}); agents: ${emulator.url}/_emulator/agents`);
  const { departures, options } = emulator.config;
  console.log(
    departures.length === 0
      ? "Answers as the service's published description says (docs/service.md); options in force: /_emulator/config"
      : `Departs from the service's published description: ${departures.map((name) => `${name}=${JSON.stringify(options[name])}`).join(", ")}`,
  );
  const stop = () => emulator.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (e) {
  console.error(`emulator: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}
