// js/inflate.js, the decoder of the embedded wasm, against Node's zlib.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateRawSync, constants } from "node:zlib";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { inflate } from "../../js/inflate.js";

const samples = {
  empty: new Uint8Array(0),
  "one byte": new Uint8Array([42]),
  text: new TextEncoder().encode("Hello Ada! ".repeat(500) + "The end."),
  random: randomBytes(70_000),
  "long runs": new Uint8Array(100_000).fill(7),
  mixed: Buffer.concat([randomBytes(5_000), Buffer.alloc(40_000, 1), randomBytes(300), Buffer.from("abcabcabcabc".repeat(2000))]),
  "the wasm": readFileSync(new URL("../../target/wasm-pack/agent_runs_bg.wasm", import.meta.url)),
};

for (const [name, data] of Object.entries(samples)) {
  test(`inflates what zlib deflates: ${name}, every level and strategy`, () => {
    for (const level of [0, 1, 6, 9]) {
      for (const strategy of [constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE]) {
        const packed = deflateRawSync(data, { level, strategy });
        assert.deepEqual(Buffer.from(inflate(packed, data.length)), Buffer.from(data), `level ${level}, strategy ${strategy}`);
      }
    }
  });
}

test("corrupt or truncated input throws, never loops or returns garbage", () => {
  const data = samples.text;
  const packed = deflateRawSync(data, { level: 9 });
  assert.throws(() => inflate(packed.subarray(0, packed.length >> 1), data.length), /inflate/);
  assert.throws(() => inflate(packed, data.length - 1), /inflate/);
  assert.throws(() => inflate(packed, data.length + 1), /inflate/);
  assert.throws(() => inflate(new Uint8Array([0xff, 0xff, 0xff]), 10), /inflate/);
  for (let i = 0; i < 200; i++) {
    const broken = Buffer.from(packed);
    broken[Math.floor(Math.random() * broken.length)] ^= 1 << Math.floor(Math.random() * 8);
    try {
      const out = inflate(broken, data.length);
      assert.equal(out.length, data.length);
    } catch (e) {
      assert.match(String(e), /inflate/);
    }
  }
});
