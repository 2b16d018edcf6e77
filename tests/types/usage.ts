// Exercises every export of the package's .d.ts under `tsc --strict`. The lines
// marked "expect-error" prove the types are precise: if a type grew loose (an `any`),
// the expected error would vanish and tsc would fail.
import {
  AgentRuns,
  createRun,
  getRun,
  continueRun,
  waitForRun,
  listRuns,
  createAndWait,
  continueAndWait,
  watchRun,
  parseRunCallback,
  AgentRunsError,
  AuthenticationError,
  PermissionDeniedError,
  InsufficientCreditsError,
  NotFoundError,
  RunNotCompletedError,
  ValidationError,
  RateLimitError,
  ServerError,
  ConnectionError,
  TimeoutError,
  WaitTimeoutError,
  type AgentRun,
  type ClientOptions,
  type RequestOptions,
  type WaitOptions,
  type CreateRunParams,
  type RunStatus,
  type RetryInfo,
  type RunCallback,
} from "../../pkg/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_: T) => {};

const onRetry = (r: RetryInfo): void => console.log(r.attempt, r.delayMs, r.error.status);
const client: ClientOptions = {
  apiKey: "th-x", baseUrl: "https://api.toolhouse.ai/v1", timeoutMs: 1000, maxRetries: 2, fetch,
  maxRetryDelayMs: 5000, onRetry, dangerouslyAllowBrowser: false,
};
const request: RequestOptions = { ...client, signal: new AbortController().signal, idempotencyKey: "op-1" };
const wait: WaitOptions = { ...request, pollIntervalMs: 500, maxWaitMs: 60_000, onUpdate: (run) => console.log(run.status) };
const params: CreateRunParams = { chatId: "id", vars: { name: "Ada", n: 3, ok: true }, bundle: "b", toolhouseId: "u", callbackUrl: "https://x" };

async function main(): Promise<void> {
  const run: AgentRun = await createRun(params);
  await createRun(params, request);
  const again: AgentRun = await getRun(run.id);
  await getRun(run.id, request);
  await continueRun(run.id, "more", request);
  const ended: AgentRun = await waitForRun(run.id, wait);
  const all: AgentRun[] = await listRuns();
  const created: AgentRun = await createAndWait(params, wait);
  const continued: AgentRun = await continueAndWait(run.id, "more", { ...wait, after: created });
  await waitForRun(run.id, { after: continued });
  for await (const snapshot of watchRun(run.id, { pollIntervalMs: 100 })) {
    const s: RunStatus = snapshot.status;
    console.log(s);
  }
  const note: RunCallback = parseRunCallback('{"run_id": "x", "status": "completed"}');
  parseRunCallback({ data: {} });
  const noteMessage: string | null = note.lastAgentMessage;
  console.log(noteMessage);
  await listRuns(request);

  const runs = new AgentRuns(client);
  new AgentRuns();
  await runs.createRun(params);
  await runs.getRun(run.id, { signal: AbortSignal.timeout(10) });
  await runs.continueRun(run.id, "hi");
  await runs.waitForRun(run.id, { maxWaitMs: 10 });
  await runs.listRuns();
  await runs.createAndWait(params);
  await runs.continueAndWait(run.id, "x");
  for await (const snapshot of runs.watchRun(run.id)) console.log(snapshot.id);

  const status: RunStatus = ended.status;
  const known: RunStatus = "in_progress";
  const unknown: RunStatus = "some_future_status";
  assertType<Equal<typeof again.lastAgentMessage, string | null>>(true);
  assertType<Equal<typeof run.results, unknown[]>>(true);
  assertType<Equal<typeof run.vars, Record<string, string> | null>>(true);
  assertType<Equal<typeof run.raw, object>>(true);
  console.log(status, known, unknown, all.length);

  // @ts-expect-error chatId is required
  await createRun({ vars: {} });
  // @ts-expect-error vars values are strings, numbers or booleans
  await createRun({ chatId: "x", vars: { d: new Date() } });
  // @ts-expect-error runId is a string
  await getRun(42);
  // @ts-expect-error a message is required
  await continueRun(run.id);
  // @ts-expect-error no such option
  await getRun(run.id, { pollEvery: 3 });
  // @ts-expect-error dangerouslyAllowBrowser is a boolean
  new AgentRuns({ dangerouslyAllowBrowser: "yes" });
  // @ts-expect-error parseRunCallback takes a string or an object
  parseRunCallback(5);
  // @ts-expect-error onUpdate takes a run
  await waitForRun(run.id, { onUpdate: (n: number) => n });

  try {
    await getRun("x");
  } catch (e) {
    if (e instanceof AgentRunsError) {
      const s: number | null = e.status;
      const b: unknown = e.body;
      console.log(s, b, e.message, e.name);
    }
    if (e instanceof ValidationError) {
      for (const d of e.details) console.log(d.loc.join("."), d.msg, d.type);
    }
    if (e instanceof RateLimitError) {
      const ms: number | null = e.retryAfterMs;
      console.log(ms);
    }
    if (e instanceof WaitTimeoutError) {
      const last: AgentRun | null = e.lastRun;
      console.log(last?.status);
    }
    const classes: (typeof AgentRunsError)[] = [
      AuthenticationError, PermissionDeniedError, InsufficientCreditsError, NotFoundError, RunNotCompletedError,
      ValidationError, RateLimitError, ServerError, ConnectionError, TimeoutError, WaitTimeoutError,
    ];
    console.log(classes.length);
  }
}
void main;
