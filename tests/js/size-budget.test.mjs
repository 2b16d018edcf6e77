// The size budget of the default entry: what a browser app downloads (JS + the embedded
// wasm), bundled and minified by esbuild, gzipped. A ratchet kept in size-budget.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { brotliCompressSync, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const budgetFile = new URL("../../size-budget.json", import.meta.url);
const { kb, slack, defaultEntry } = JSON.parse(readFileSync(budgetFile, "utf8"));

async function bundledGzipBytes(entry) {
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  const code = out.outputFiles[0].contents;
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code).length };
}

test("the default entry stays within its size budget", async () => {
  const { raw, gzip, brotli } = await bundledGzipBytes(new URL("../../pkg/index.js", import.meta.url).pathname);
  const budget = Math.min(defaultEntry.cap, defaultEntry.reached + slack);
  const show = (n) => `${(n / kb).toFixed(2)} KB`;
  console.log(`default entry (esbuild --bundle --minify, gzip level 9): ${show(gzip)} (${gzip} bytes; ${show(raw)} raw, ${show(brotli)} brotli)`);
  console.log(`budget: ${show(budget)} = min(cap ${show(defaultEntry.cap)}, reached ${show(defaultEntry.reached)} + ${show(slack)})`);
  assert.ok(gzip <= budget, `the default entry grew to ${gzip} bytes, over its budget of ${budget}: shrink it, or raise "reached" in size-budget.json on purpose`);
  assert.ok(
    gzip >= defaultEntry.reached - kb,
    `the default entry shrank to ${gzip} bytes, more than 1 KB under the recorded ${defaultEntry.reached}: set "reached" in size-budget.json to ${gzip} to keep the ratchet`,
  );
});
