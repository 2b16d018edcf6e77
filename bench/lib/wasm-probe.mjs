// Import this before toolhouse-agent-runs (or pass it to `node --import`): it wraps
// WebAssembly.Instance and WebAssembly.instantiate to keep every instance made, so that
// the bench can read the package's linear memory, which the package does not export.
// Bench only; the package itself is untouched.
const instances = [];
const Original = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Original, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget === WebAssembly.Instance ? target : newTarget);
    instances.push(instance);
    return instance;
  },
});
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const result = await instantiate.apply(this, args);
  instances.push(result instanceof Original ? result : result.instance);
  return result;
};

// Node's fetch (undici) instantiates a wasm module of its own (llhttp), so only instances
// that export the package's functions are counted.
const isPackage = (i) => typeof i.exports.getRun === "function" && typeof i.exports.__wbindgen_start === "function";

/** Bytes of linear memory of the package's wasm instance (0 before it is made). */
export function wasmMemoryBytes() {
  let total = 0;
  for (const i of instances) if (isPackage(i) && i.exports.memory instanceof WebAssembly.Memory) total += i.exports.memory.buffer.byteLength;
  return total;
}
export const wasmInstanceCount = () => instances.filter(isPackage).length;

// With `node --import bench/lib/wasm-probe.mjs some-script.mjs`: report at exit.
if (process.env.BENCH_WASM_PROBE_REPORT) {
  process.on("exit", () => console.log(`BENCH_WASM_MEMORY_BYTES ${wasmMemoryBytes()} (the package's linear memory)`));
}

/** The package's wasm instances made so far, oldest first (tests use it to break one on purpose). */
export const packageInstances = () => instances.filter(isPackage);
