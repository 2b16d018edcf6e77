import { resolve } from "node:path";

// A plain production build: no loaders, no plugins, nothing about wasm.
export default {
  mode: "production",
  entry: "./src/main.js",
  output: { path: resolve("dist"), filename: "main.js", clean: true },
};
