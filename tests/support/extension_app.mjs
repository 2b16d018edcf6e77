// The model extension's code (tests/support/fake_extension.mjs runs it in each context):
// in the service worker, at top level, the background's options and a listener that
// reports each call; in every context, the package's functions as actions the test runs.
import { onRunEnded, setTrackingOptions, trackRun, trackedRuns, untrackRun, waitForTrackedRun } from "../../pkg/extension.js";
import { continueRun } from "../../pkg/index.js";

const config = globalThis.__config;
const report = globalThis.__report;
const inWorker = typeof globalThis.ServiceWorkerGlobalScope === "function";

if (inWorker && config.background) {
  const { keyFromGetter, ...options } = config.background;
  // A getter stands for the extension's own place for its key; each read is reported.
  if (keyFromGetter) options.apiKey = () => (report({ keyRead: true }), keyFromGetter);
  setTrackingOptions(options);
}
// Pages report any request they send (they should send none: only the worker polls).
if (!inWorker) {
  const real = globalThis.fetch;
  globalThis.fetch = (...args) => (report({ pageFetch: String(args[0]) }), real(...args));
}
if (inWorker && config.listener !== false) {
  onRunEnded(async (run, ended) => {
    report({
      listener: {
        id: ended.id,
        attempt: ended.attempt,
        state: ended.state,
        status: run?.status ?? null,
        message: run?.lastAgentMessage ?? null,
        error: ended.error ? { name: ended.error.name, message: ended.error.message } : null,
      },
    });
    // A listener still at work when the worker is stopped.
    if ((config.hangOnAttempts ?? []).includes(ended.attempt)) await new Promise(() => {});
  });
}

export const actions = {
  trackRun: (id, options) => trackRun(id, options),
  trackedRuns: () => trackedRuns(),
  untrackRun: (id) => untrackRun(id),
  waitForTrackedRun: (id) => waitForTrackedRun(id),
  /** Continues a run and tracks its next end (`after` is the run continueRun returned, which crosses no thread). */
  continueAndTrack: async (id, message, options, trackOptions) => trackRun(id, { ...trackOptions, after: await continueRun(id, message, options) }),
  onRunEnded: () => onRunEnded(() => {}),
  setTrackingOptions: (options) => setTrackingOptions(options),
};
