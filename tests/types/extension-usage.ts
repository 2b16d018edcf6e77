// Exercises every export of toolhouse-agent-runs/extension's .d.ts under `tsc --strict`,
// as tests/types/usage.ts does for the main entry. Lines marked "expect-error" prove the
// types are precise. (Type-checked only: `chrome` is not declared here.)
import {
  onRunEnded,
  setTrackingOptions,
  trackedRuns,
  trackRun,
  untrackRun,
  waitForTrackedRun,
  type RunEnded,
  type RunEndedListener,
  type TrackedRun,
  type TrackedRunState,
  type TrackingOptions,
  type TrackRunOptions,
} from "../../pkg/extension.js";
import { continueRun, type AgentRun, type AgentRunsError } from "../../pkg/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_: T) => {};

async function background(runId: string): Promise<void> {
  setTrackingOptions({ apiKey: async () => "th-x", baseUrl: "https://api.toolhouse.ai/v1", pollIntervalMs: 1000 });
  setTrackingOptions({ apiKey: "th-x" });
  // @ts-expect-error: the key is a string or a function that returns one
  setTrackingOptions({ apiKey: 42 });

  const off: () => void = onRunEnded((run, ended) => {
    assertType<Equal<typeof run, AgentRun | null>>(true);
    assertType<Equal<typeof ended.attempt, number>>(true);
    assertType<Equal<typeof ended.error, AgentRunsError | null>>(true);
    if (ended.error === null && run) console.log(run.lastAgentMessage, ended.id, ended.state);
  });
  off();
  onRunEnded(async () => {});
  // @ts-expect-error: a listener returns nothing or a promise of nothing
  onRunEnded(() => 42);

  const options: TrackRunOptions = { apiKey: "th-x", maxWaitMs: 60 * 60_000, persist: true, storeApiKey: true };
  const tracked: TrackedRun = await trackRun(runId, options);
  const state: TrackedRunState = tracked.state;
  assertType<Equal<TrackedRunState, "tracking" | "ended" | "delivering" | "delivered">>(true);
  console.log(state, tracked.deadline, tracked.run?.status);
  await trackRun(runId, { after: await continueRun(runId, "more") });
  // @ts-expect-error: persist is a boolean
  await trackRun(runId, { persist: "yes" });
  // @ts-expect-error: onUpdate is not a tracking option (nothing of the page survives)
  await trackRun(runId, { onUpdate: () => {} });

  const all: TrackedRun[] = await trackedRuns();
  const was: boolean = await untrackRun(runId);
  console.log(all.length, was);
}

async function page(runId: string): Promise<string | null> {
  const run: AgentRun = await waitForTrackedRun(runId, { signal: new AbortController().signal });
  return run.lastAgentMessage;
}

const listener: RunEndedListener = (_run: AgentRun | null, _ended: RunEnded) => undefined;
const defaults: TrackingOptions = { fetch };
console.log(background, page, listener, defaults);
