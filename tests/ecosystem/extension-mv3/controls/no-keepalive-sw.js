// Control: the main extension's worker, with the package's keep-alive taken away
// (chrome.runtime.getPlatformInfo, which the package calls before each pause, made a
// no-op). Its polls alone should not keep it alive: it must be stopped before the end.
const original = chrome.runtime.getPlatformInfo;
const noop = () => {};
try {
  chrome.runtime.getPlatformInfo = noop;
} catch {}
if (chrome.runtime.getPlatformInfo !== noop) Object.defineProperty(chrome.runtime, "getPlatformInfo", { value: noop, configurable: true, writable: true });
if (chrome.runtime.getPlatformInfo === original) throw new Error("could not replace chrome.runtime.getPlatformInfo");
