// Size and cold-start entry: the package's default entry with the four calls the baseline has.
export { createRun, getRun, continueRun, waitForRun } from "../../pkg/index.js";
