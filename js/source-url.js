// @ts-check
/**
 * Where the slim entry's wasm comes from: the `.wasm` file next to it, fetched and
 * compiled as it streams in, and cached by the browser like any other file. Bundlers
 * (Vite, webpack, Parcel) see `new URL("…", import.meta.url)` and ship the file with no
 * configuration.
 */

/** Never at once: the file has to be fetched. @returns {null} */
export function moduleNow() {
  return null;
}

/** @returns {Promise<WebAssembly.Module>} */
export async function moduleLater() {
  const url = new URL("./agent_runs.wasm", import.meta.url);
  if (typeof WebAssembly.compileStreaming === "function") {
    try {
      return await WebAssembly.compileStreaming(fetch(url));
    } catch (cause) {
      // A server that does not say `application/wasm`: compiled from the bytes instead.
      if (!(cause instanceof TypeError)) throw cause;
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url} answered HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}
