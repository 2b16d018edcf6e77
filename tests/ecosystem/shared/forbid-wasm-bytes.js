// What Cloudflare Workers and Vercel's edge runtime do in production, and their local
// simulators may not: no WebAssembly compiled from bytes at run time ("Wasm code
// generation disallowed by embedder"). Imported first, so it holds before the package
// loads; a WebAssembly.Module the platform compiled ahead of time still instantiates.
const W = WebAssembly;
const refused = () => new W.CompileError("Wasm code generation disallowed by embedder");
const RealModule = W.Module;
W.Module = new Proxy(RealModule, {
  construct() {
    throw refused();
  },
});
W.compile = () => Promise.reject(refused());
W.compileStreaming = () => Promise.reject(refused());
W.instantiateStreaming = () => Promise.reject(refused());
const realInstantiate = W.instantiate;
W.instantiate = (source, imports) => (source instanceof RealModule ? realInstantiate(source, imports) : Promise.reject(refused()));

/** True when compiling bytes is indeed refused here. */
export function bytesRefused() {
  try {
    new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    return false;
  } catch {
    return true;
  }
}
