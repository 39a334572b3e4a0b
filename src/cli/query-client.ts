/**
 * The client of every command that queries through proxies (`get`, `keys`, `scan`, …): one set of flags for how it
 * connects (TLS) and how it moves between several proxies, and one place that builds it from them.
 */
import { QueryableStateClient } from "../client/queryable-state-client.ts";
import type { ClientTlsOptions } from "../transport/transport.ts";
import { asUsage, type FlagSpec, type Flags, positiveInt } from "./args.ts";
import { CLIENT_TLS_FLAGS, clientTlsOf } from "./security.ts";

/** TLS, and the routing between several proxies (`--proxy h1:p1,h2:p2`). */
export const QUERY_CLIENT_FLAGS: readonly FlagSpec[] = [
  ...CLIENT_TLS_FLAGS,
  {
    name: "attempt-timeout",
    value: "MS",
    help: "with several proxies: try the next one when one has not answered within this long (default: a third of --timeout, at most 2 s)",
  },
  { name: "hedge-after", value: "MS", help: "with several proxies: also ask the next one when the first has not answered within this long" },
];

/** How a command's client connects and routes, from {@link QUERY_CLIENT_FLAGS}. */
export interface QueryClientFlags {
  /** TLS towards the proxies (`--tls`, `--tls-ca`, a client certificate for mutual TLS). */
  tls?: ClientTlsOptions;
  /** `--attempt-timeout`: the time one proxy is given before the next is tried. */
  attemptTimeoutMs?: number;
  /** `--hedge-after`: when a second proxy is asked too. */
  hedgeAfterMs?: number;
}

/** What {@link openQueryClient} needs: the proxies, the overall timeout, and the flags. */
export interface QueryClientOptions extends QueryClientFlags {
  /** One proxy (`host:port`) or several, separated by commas. */
  proxy: string;
  /** The timeout of a request (and of connecting). */
  timeoutMs: number;
}

/**
 * The {@link QUERY_CLIENT_FLAGS} as given.
 * @throws UsageError for a TLS file that cannot be read, or a timeout that is not a positive integer
 */
export function queryClientFlags(f: Flags, command: string): QueryClientFlags {
  const out: QueryClientFlags = {};
  const tls = clientTlsOf(f, command);
  if (tls !== undefined) out.tls = tls;
  if (f["attempt-timeout"] !== undefined) out.attemptTimeoutMs = positiveInt(f, "attempt-timeout", command);
  if (f["hedge-after"] !== undefined) out.hedgeAfterMs = positiveInt(f, "hedge-after", command);
  return out;
}

/**
 * A client of the proxies in `o.proxy`, with the flags' TLS and routing.
 * @throws UsageError (exit code 2, the library error's code) for a proxy list or option the client refuses
 */
export function openQueryClient(command: string, o: QueryClientOptions): QueryableStateClient {
  return asUsage(command, () =>
    new QueryableStateClient(o.proxy, {
      requestTimeoutMs: o.timeoutMs,
      connectTimeoutMs: o.timeoutMs,
      tls: o.tls,
      attemptTimeoutMs: o.attemptTimeoutMs,
      hedgeAfterMs: o.hedgeAfterMs,
    }));
}
