/**
 * What the gateway's routes share: the client of the proxies, the limits, the metrics, and how a
 * `/v1/jobs/{job}/states/{state}` request finds its job, catalog entry, types, key and namespace.
 */
import type { Context } from "hono";
import type { CatalogEntry, CatalogStateTypes, KvStateLocationOracle, QueryableStateClient } from "./core.ts";
import type { ResolvedJob } from "./jobs.ts";
import type { GatewayMetrics } from "./metrics.ts";

/** The gateway's limits, defaults applied. */
export interface ResolvedGatewayLimits {
  readonly maxBodyBytes: number;
  readonly maxBatchKeys: number;
  readonly timeoutMs: number;
  readonly maxPageSize: number;
  readonly maxWatchStreams: number;
}

/** The job, the catalog entry and its types of one request. */
export interface RouteTarget {
  readonly job: ResolvedJob;
  readonly entry: CatalogEntry;
  readonly types: CatalogStateTypes;
  /** How answers name the job. */
  readonly jobRef: { id: string; name?: string };
}

/** One gateway's shared parts, as its routes use them. */
export interface GatewayContext {
  readonly client: QueryableStateClient;
  readonly limits: ResolvedGatewayLimits;
  readonly metrics: GatewayMetrics;
  /** Where `/route` looks states up (`--coordinator`), if anywhere. */
  readonly coordinator: KvStateLocationOracle | undefined;
  /** Flink's REST API (`--flink-rest`), if given. */
  readonly flinkRest: string | undefined;
  /** The job, catalog entry and types of a `/v1/jobs/{job}/states/{state}` request. */
  target(c: Context): Promise<RouteTarget>;
  /** The request's `?key=` in the state's key type. */
  keyOf(c: Context, t: CatalogStateTypes): unknown;
  /** The namespace given as text (`?namespace=`) or JSON (a body's), or the one value of a one-value namespace type. */
  namespaceOf(text: string | undefined, json: unknown, t: CatalogStateTypes): unknown;
}

/** The page size of `/keys` and `/scan` without `?pageSize=` (the client's default). */
export const DEFAULT_PAGE_SIZE = 1000;
/** Answers that must not be cached. */
export const NO_STORE = { "cache-control": "no-store" };

/** A catalog type as messages name it. */
export function expression(t: unknown): string {
  return typeof t === "string" ? t : "its type";
}
