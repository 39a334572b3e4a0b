import { defineConfig, type Options } from "tsup";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

/** Leaves imports matching `filter` to the runtime, as the package's own entry `to` (a self-reference). */
function asPackageEntry(name: string, filter: RegExp, to: string): Plugin {
  return { name, setup: (build) => build.onResolve({ filter }, () => ({ path: to, external: true })) };
}

// What the npm package ships: the library as ESM and CJS with types, and the qstate CLI (ESM). Run through
// scripts/build.mjs (`npm run build`), which empties dist/ first and finishes what tsup writes.
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

// The CLI loads the Avro entry on demand (src/avro/load.ts): as queryable-state/avro, not as chunks of its own.
const cliAvro = asPackageEntry("avro-entry", /^\.\.\/\.\.\/avro\.ts$/, "queryable-state/avro");
// The CLI loads the gateway entry on demand too (src/gateway/load.ts), as queryable-state/gateway.
const cliGateway = asPackageEntry("gateway-entry", /^\.\.\/\.\.\/gateway\.ts$/, "queryable-state/gateway");
// The gateway's optional peers (and their subpaths) stay imports of the user's installation.
const HONO = ["hono", /^hono\//, "@hono/node-server"];
// The Avro entry (queryable-state/avro) is built on its own, with the optional peer avsc external and what it
// uses of the main entry (src/avro/core.ts) imported from queryable-state itself: its classes are the main
// entry's, and the main entry's chunks are the same as without it.
const avro: Options = {
  ...common,
  entry: { avro: "avro.ts" },
  external: [/^node:/, "avsc", "queryable-state"],
  esbuildPlugins: [asPackageEntry("main-entry", /^\.\.\/\.\.\/mod\.ts$/, "queryable-state")],
};

// The gateway entry (queryable-state/gateway), CommonJS: on the optional peer hono, with what it uses of the main
// entry (src/gateway/core.ts, src/catalog/file.ts) imported from queryable-state itself, as the Avro entry does. Its
// ESM build is part of the main ESM build (shared chunks).
const gatewayCjs: Options = {
  ...common,
  entry: { gateway: "gateway.ts" },
  format: ["cjs"],
  external: [/^node:/, ...HONO, "queryable-state", "queryable-state/avro"],
  esbuildPlugins: [asPackageEntry("main-entry", /^\.\.\/\.\.\/mod\.ts$/, "queryable-state"), cliAvro],
};

// The declarations (.d.cts, beside the CommonJS build) of all four entries are built together, so they share (not
// copy) the main entry's types; scripts/build.mjs then makes them portable and adds the .d.ts of the ESM build.
const dts: Options = {
  entry: { mod: "mod.ts", protocol: "protocol.ts", avro: "avro.ts", gateway: "gateway.ts" },
  format: ["cjs"],
  dts: { only: true },
  external: HONO,
};

export default defineConfig([
  // ESM: the library and the CLI share their chunks.
  {
    ...common,
    entry: { mod: "mod.ts", protocol: "protocol.ts", gateway: "gateway.ts", cli: "src/cli/main.ts" },
    format: ["esm"],
    external: [/^node:/, ...HONO],
    esbuildPlugins: [cliAvro, cliGateway],
  },
  // CJS: the library once (core.cjs); mod.cjs and protocol.cjs are views of it (scripts/build.mjs).
  // The CLI is run, never required.
  { ...common, entry: { core: "scripts/cjs-core.ts" }, format: ["cjs"] },
  { ...avro, format: ["esm"] },
  { ...avro, format: ["cjs"] },
  gatewayCjs,
  dts,
]);
