// Size and cold-start entry: the hand-written fetch client (../baseline.js), same four calls.
export { createRun, getRun, continueRun, waitForRun } from "../baseline.js";
