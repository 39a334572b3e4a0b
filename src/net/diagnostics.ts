/**
 * Diagnostics: what happens on the connections of a client, proxy or server, for logs and
 * dashboards (as nats.js' status events or postgres.js' `onnotice`). Nothing is printed unless
 * a hook is given.
 */
import type { Endpoint } from "../transport/transport.ts";

/** One thing that happened, tagged by `type`; `component` names the client or server (e.g. `"Queryable State Client"`). */
export type DiagnosticEvent =
  | { readonly type: "connected"; readonly component: string; readonly address: Endpoint; readonly reconnect: boolean }
  | { readonly type: "connect-failed"; readonly component: string; readonly address: Endpoint; readonly error: unknown }
  | { readonly type: "disconnected"; readonly component: string; readonly address: Endpoint; readonly error: unknown }
  | {
    readonly type: "retry";
    readonly component: string;
    readonly stateName: string;
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: unknown;
  }
  | { readonly type: "failover"; readonly component: string; readonly from: Endpoint; readonly to: Endpoint; readonly error: unknown }
  | { readonly type: "server-error"; readonly component: string; readonly error: unknown };

/**
 * Receives {@link DiagnosticEvent}s. It runs synchronously on the connection's path: keep it quick;
 * what it throws is ignored.
 *
 * @example
 * ```ts
 * import { QueryableStateClient } from "queryable-state";
 *
 * const client = new QueryableStateClient("127.0.0.1", 9069, {
 *   diagnostics: (e) => {
 *     if (e.type !== "connected") console.warn(e.type, e);
 *   },
 * });
 * ```
 */
export type DiagnosticsHook = (event: DiagnosticEvent) => void;

/** Calls `hook` with `event`, never letting it throw into the caller. */
export function emitDiagnostic(hook: DiagnosticsHook | undefined, event: DiagnosticEvent): void {
  if (hook === undefined) return;
  try {
    hook(event);
  } catch {
    // A faulty hook must not break a connection.
  }
}
