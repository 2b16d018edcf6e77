// TypeScript under --strict: the package's types are real (not `any`), describe what the
// functions return, and the compiled output runs.
import * as sdk from "toolhouse-agent-runs";
import { AgentRuns, ValidationError, AgentRunsError, createRun, waitForRun, parseRunCallback } from "toolhouse-agent-runs";
import type { AgentRun, RunStatus, WaitOptions, RunCallback } from "toolhouse-agent-runs";
import { scenario } from "./shared/scenario.js";
import { GREETER } from "./shared/agents.js";

// ---- type-level checks: each line fails to compile if the types were `any` or wrong.
type IsAny<T> = 0 extends 1 & T ? true : false;
type Expect<T extends true> = T;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type Checks = [
  Expect<Equal<IsAny<AgentRun>, false>>,
  Expect<Equal<IsAny<typeof createRun>, false>>,
  Expect<Equal<Awaited<ReturnType<typeof createRun>>, AgentRun>>,
  Expect<Equal<Awaited<ReturnType<typeof waitForRun>>, AgentRun>>,
  Expect<Equal<AgentRun["lastAgentMessage"], string | null>>,
  Expect<Equal<ReturnType<typeof parseRunCallback>, RunCallback>>,
];
function typeErrors(run: AgentRun): void {
  // @ts-expect-error chatId is a string
  void createRun({ chatId: 42 });
  // @ts-expect-error lastAgentMessage may be null
  const text: string = run.lastAgentMessage;
  // @ts-expect-error pollIntervalMs is a number
  const bad: WaitOptions = { pollIntervalMs: "fast" };
  // @ts-expect-error no such function
  void sdk.deleteRun;
  void text;
  void bad;
}
void typeErrors;

const baseUrl = process.argv[2];
const options = { apiKey: "th-ecosystem", baseUrl, pollIntervalMs: 100 } satisfies WaitOptions;
const client = new AgentRuns(options);
const created: AgentRun = await client.createRun({ chatId: GREETER, vars: { name: "Grace" } });
const done: AgentRun = await client.waitForRun(created.id);
const status: RunStatus = done.status;
const message: string = done.lastAgentMessage ?? "";
const invalid: unknown = await client.getRun("nope").catch((e: unknown) => e);
const typed = invalid instanceof ValidationError && invalid instanceof AgentRunsError;

const result = await scenario(sdk, baseUrl);
const ok = result.ok && status === "completed" && /^Hello Grace!/.test(message) && typed;
console.log(JSON.stringify({ ...result, ok, client: { status, message, typed } }));
process.exit(ok ? 0 : 1);
