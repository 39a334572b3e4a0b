import { defineConfig } from "tsup";

export default defineConfig({
  entry: { mod: "mod.ts", cli: "src/cli/main.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { mod: "mod.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "neutral",
  // Keep `node:` specifiers (Deno cannot resolve bare "net") and leave them to the runtime.
  removeNodeProtocol: false,
  external: [/^node:/],
});
