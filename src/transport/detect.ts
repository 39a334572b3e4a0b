/**
 * Picks the transport for the current runtime. Adapters are loaded with dynamic `import()` so that Deno
 * and Bun never load `node:net` unless asked to, and Node never evaluates the Deno or Bun adapter.
 * @module
 */
import type { Transport } from "./transport.ts";

/** The runtimes with a native adapter. */
export type RuntimeName = "node" | "deno" | "bun";

/** Which runtime this is (`globalThis.Bun`, then `globalThis.Deno`, else Node or a Node-compatible one). */
export function detectRuntime(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/** Loads one adapter by name. `"node"` works on all three runtimes (Deno and Bun implement `node:net`). */
export async function loadTransport(name: RuntimeName): Promise<Transport> {
  switch (name) {
    case "bun":
      return (await import("./bun.ts")).bunTransport;
    case "deno":
      return (await import("./deno.ts")).denoTransport;
    case "node":
      return (await import("./node.ts")).nodeTransport;
  }
}

/** The native transport of the current runtime. */
export function defaultTransport(): Promise<Transport> {
  return loadTransport(detectRuntime());
}

/** Every transport that works here: the native one first, then the `node:net` one on Deno and Bun. */
export async function availableTransports(): Promise<Transport[]> {
  const runtime = detectRuntime();
  const native = await loadTransport(runtime);
  return runtime === "node" ? [native] : [native, await loadTransport("node")];
}
