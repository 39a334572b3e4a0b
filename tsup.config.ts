import { defineConfig, type Options } from "tsup";

// What the npm package ships: the library as ESM and CJS with types, and the qstate CLI (ESM).
// keepNames: class names survive bundling (stack traces, console.log, error.name).
// No source maps: they embedded every source file and doubled the package.
const common: Options = {
  target: "node20",
  platform: "neutral",
  // Keep `node:` specifiers (Deno cannot resolve bare "net") and leave them to the runtime.
  removeNodeProtocol: false,
  external: [/^node:/],
  keepNames: true,
  sourcemap: false,
};

// Consumers without esnext in their lib still get AsyncDisposable / Symbol.asyncDispose.
const dts = { entry: { mod: "mod.ts", protocol: "protocol.ts" }, banner: '/// <reference lib="esnext.disposable" />' };

export default defineConfig([
  // ESM: the library and the CLI share their chunks.
  { ...common, entry: { mod: "mod.ts", protocol: "protocol.ts", cli: "src/cli/main.ts" }, format: ["esm"], dts, clean: true },
  // CJS: the library and the protocol toolkit (the CLI is run, never required).
  { ...common, entry: { mod: "mod.ts", protocol: "protocol.ts" }, format: ["cjs"], dts, clean: false },
]);
