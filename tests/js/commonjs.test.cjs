// The CommonJS build: require() works, with the same API and error classes.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const sdk = require("../../pkg/index.cjs");

test("require() gives the whole API", () => {
  for (const name of ["createRun", "getRun", "continueRun", "waitForRun", "listRuns"]) {
    assert.equal(typeof sdk[name], "function", name);
  }
  assert.equal(typeof sdk.AgentRuns, "function");
  assert.ok(new sdk.ValidationError("x") instanceof sdk.AgentRunsError);
});

test("the CommonJS build validates and rejects with its own error classes", async () => {
  const err = await sdk.getRun("not-a-uuid", { apiKey: "k" }).catch((e) => e);
  assert.ok(err instanceof sdk.ValidationError);
  assert.equal(err.name, "ValidationError");
});

test("errors of the ESM build are instances of the CommonJS classes too", async () => {
  const esm = await import("../../pkg/index.js");
  const err = await esm.getRun("nope", { apiKey: "k" }).catch((e) => e);
  assert.notEqual(esm.ValidationError, sdk.ValidationError);
  assert.ok(err instanceof sdk.ValidationError);
  assert.ok(err instanceof sdk.AgentRunsError);
  assert.ok(!(err instanceof sdk.NotFoundError));
});
