// Size and cold-start entry: the slim entry (the .wasm a separate file) with the four calls.
export { createRun, getRun, continueRun, waitForRun } from "../../pkg/slim.js";
