// @ts-check
/**
 * A small synchronous raw-DEFLATE (RFC 1951) decoder with table-driven Huffman decoding.
 * The embedded wasm is stored deflated: as base64 it compresses far worse than the bytes
 * do, so a browser app downloads about a quarter less this way. Pages inflate it with
 * DecompressionStream in the background (js/source-embedded.js); this decoder serves
 * where that is missing (no "deflate-raw") and what cannot wait (parseRunCallback).
 */

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A canonical Huffman code as a lookup table indexed by the next `bits` input bits
 * (least significant first): each entry is `symbol << 4 | code length`, 0 for no code.
 * @typedef {{ table: Int32Array, bits: number }} Huffman
 * @param {ArrayLike<number>} lengths
 * @returns {Huffman}
 */
function huffman(lengths) {
  const counts = new Uint16Array(16);
  let bits = 0;
  for (let i = 0; i < lengths.length; i++) {
    counts[lengths[i]]++;
    if (lengths[i] > bits) bits = lengths[i];
  }
  counts[0] = 0;
  const nextCode = new Uint16Array(16);
  for (let len = 1, code = 0; len < 16; len++) nextCode[len] = code = (code + counts[len - 1]) << 1;
  const table = new Int32Array(1 << bits);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const len = lengths[symbol];
    if (!len) continue;
    const code = nextCode[len]++;
    let reversed = 0;
    for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
    for (let k = reversed; k < table.length; k += 1 << len) table[k] = (symbol << 4) | len;
  }
  return { table, bits };
}

/** @type {[Huffman, Huffman] | null} */
let fixed = null;

/**
 * @param {Uint8Array} input raw DEFLATE data
 * @param {number} size the exact size of the output
 * @returns {Uint8Array}
 */
export function inflate(input, size) {
  const out = new Uint8Array(size);
  let at = 0;
  let next = 0;
  let buffer = 0;
  let count = 0;

  // Bytes past the end read as zeros; whether any of them was consumed is checked at the end.
  /** @param {number} n */
  const need = (n) => {
    while (count < n) {
      buffer |= (next < input.length ? input[next] : 0) << count;
      next++;
      count += 8;
    }
  };
  /** @param {number} n */
  const bits = (n) => {
    need(n);
    const value = buffer & ((1 << n) - 1);
    buffer >>>= n;
    count -= n;
    return value;
  };
  /** @param {Huffman} h */
  const decode = (h) => {
    need(h.bits);
    const entry = h.table[buffer & ((1 << h.bits) - 1)];
    const len = entry & 15;
    if (!len) throw new Error("inflate: bad code");
    buffer >>>= len;
    count -= len;
    return entry >> 4;
  };

  /** @param {Huffman} lit @param {Huffman} dist */
  const codes = (lit, dist) => {
    for (;;) {
      const symbol = decode(lit);
      if (symbol < 256) {
        if (at >= size) throw new Error("inflate: output too long");
        out[at++] = symbol;
      } else if (symbol === 256) {
        return;
      } else {
        const l = symbol - 257;
        if (l >= 29) throw new Error("inflate: bad length");
        const length = LENGTH_BASE[l] + bits(LENGTH_EXTRA[l]);
        const d = decode(dist);
        if (d >= 30) throw new Error("inflate: bad distance");
        const distance = DIST_BASE[d] + bits(DIST_EXTRA[d]);
        if (distance > at || at + length > size) throw new Error("inflate: bad match");
        for (let end = at + length; at < end; at++) out[at] = out[at - distance];
      }
    }
  };

  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored: drop to a byte boundary, give back whole bytes read ahead.
      next -= count >> 3;
      buffer = 0;
      count = 0;
      if (next + 4 > input.length) throw new Error("inflate: input ends early");
      const length = input[next] | (input[next + 1] << 8);
      if ((length ^ 0xffff) !== (input[next + 2] | (input[next + 3] << 8))) throw new Error("inflate: bad stored block");
      next += 4;
      if (next + length > input.length || at + length > size) throw new Error("inflate: bad stored block");
      out.set(input.subarray(next, next + length), at);
      next += length;
      at += length;
    } else if (type === 1) {
      if (!fixed) {
        const lengths = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
        fixed = [huffman(lengths), huffman(new Uint8Array(30).fill(5))];
      }
      codes(fixed[0], fixed[1]);
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      const codeLengths = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) codeLengths[CODE_LENGTH_ORDER[i]] = bits(3);
      const lengthCode = huffman(codeLengths);
      const lengths = new Uint8Array(nlen + ndist);
      for (let i = 0; i < nlen + ndist; ) {
        const symbol = decode(lengthCode);
        if (symbol < 16) {
          lengths[i++] = symbol;
          continue;
        }
        let repeat = 0;
        let value = 0;
        if (symbol === 16) {
          if (i === 0) throw new Error("inflate: repeat with no first length");
          value = lengths[i - 1];
          repeat = 3 + bits(2);
        } else if (symbol === 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        if (i + repeat > nlen + ndist) throw new Error("inflate: too many lengths");
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
      codes(huffman(lengths.subarray(0, nlen)), huffman(lengths.subarray(nlen)));
    } else {
      throw new Error("inflate: bad block type");
    }
    if (next - (count >> 3) > input.length) throw new Error("inflate: input ends early");
  }
  if (at !== size) throw new Error("inflate: output too short");
  return out;
}
