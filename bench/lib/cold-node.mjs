// One cold start in a fresh Node process: argv[2] is the module to import (a bundle of
// bench/entries/*.js or the package), argv[3] the base URL of a local server, argv[4] the
// id of the run to read (lib/canned.mjs's). Prints, as
// JSON: when the import finished and when fetch was first called, in ms after the
// timestamp taken before the import, and that timestamp on the wall clock (for the server,
// which notes when the request arrived).
const t0 = performance.now();
const wall0 = performance.timeOrigin + t0;
let tFetch = null;
const realFetch = globalThis.fetch;
globalThis.fetch = function (...args) {
  tFetch ??= performance.now();
  return realFetch.apply(this, args);
};
const { getRun } = await import(process.argv[2]);
const tImport = performance.now();
await getRun(process.argv[4], { apiKey: "th-bench", baseUrl: process.argv[3] });
console.log(JSON.stringify({ importMs: tImport - t0, fetchMs: tFetch - t0, wall0 }));
