/**
 * Loads the gateway entry on demand (a dynamic import), so that the CLI does not load the `hono` package until
 * `qstate gateway` runs. A missing `hono` (or `@hono/node-server` on Node) becomes GatewayNotInstalledError.
 */
import { QueryableStateError } from "../core/errors.ts";

/** What the gateway entry exports. */
export type GatewayModule = typeof import("../../gateway.ts");

/** The gateway's optional packages are not installed (code `GATEWAY_NOT_INSTALLED`); the message says how to add them. */
export class GatewayNotInstalledError extends QueryableStateError {
  /** An error with code `GATEWAY_NOT_INSTALLED`; `options.cause` is the module loader's error. */
  constructor(options?: { cause?: unknown }) {
    super(
      "GATEWAY_NOT_INSTALLED",
      "The HTTP gateway needs the optional packages hono and, on Node, @hono/node-server: npm install hono @hono/node-server",
      options,
    );
  }
}

let loading: Promise<GatewayModule> | undefined;

/** The gateway entry; rejects with {@link GatewayNotInstalledError} when `hono` cannot be found. */
export function loadGateway(): Promise<GatewayModule> {
  return loading ??= import("../../gateway.ts").catch((e: unknown) => {
    loading = undefined;
    throw isMissingHono(e) ? new GatewayNotInstalledError({ cause: e }) : e;
  });
}

/** Whether `e` says that `hono` or `@hono/node-server` could not be found. */
export function isMissingHono(e: unknown): boolean {
  const text = `${(e as { code?: unknown })?.code ?? ""} ${(e as Error)?.message ?? e}`;
  return /hono/.test(text) && /not.?found|cannot find|could not find|resolve|ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/i.test(text);
}
