// @ts-check
/**
 * The bytes of a base64 text (the wasm embedded in an entry), by the fastest decoder the
 * runtime has: Node's Buffer, `Uint8Array.fromBase64`, else `atob`.
 * @param {string} text
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function fromBase64(text) {
  const native = /** @type {{ Buffer?: { from(s: string, e: string): Uint8Array<ArrayBuffer> } }} */ (globalThis).Buffer;
  if (native) return native.from(text, "base64");
  const U8 = /** @type {{ fromBase64?: (s: string) => Uint8Array<ArrayBuffer> }} */ (/** @type {unknown} */ (Uint8Array));
  if (typeof U8.fromBase64 === "function") return U8.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
