// The entry of the CommonJS build, dist/core.cjs: the whole library once, as two namespaces. dist/mod.cjs
// (`require("queryable-state")`) and dist/protocol.cjs (`require("queryable-state/protocol")`) are one-line
// views of it (scripts/build.mjs writes them), so the CommonJS code ships one copy, not one per entry.
export * as mod from "../mod.ts";
export * as protocol from "../protocol.ts";
