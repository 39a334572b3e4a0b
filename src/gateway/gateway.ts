/**
 * The HTTP gateway: a Web-standard `fetch(Request) → Response` handler (Hono) that reads keyed state through a
 * queryable-state proxy (Flink's or ours) with types from a state catalog. `serveGateway` serves it on the current
 * runtime (src/transport/serve-fetch.ts).
 */
import { fromJsonValue } from "../types/json-value.ts";
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import { secretEquals } from "../core/secrets.ts";
import { VERSION } from "../version.ts";
import { withAvro } from "../catalog/file.ts";
import {
  type CatalogDocument, type CatalogEntry, type CatalogStateTypes, catalogStateTypes, type ClientTlsOptions, computeKeyGroupForKeyHash,
  computeOperatorIndexForKeyGroup, CoordinatorClient, type Endpoint, formatHostPort, InvalidArgumentError, InvalidCursorError, JobID, type JsonValue,
  type KvStateLocationOracle, type MapStateDescriptor, murmurHash, parseAddressList, QueryableStateClient, QueryableStateError, queryCatalogState, queryCatalogStates, type ServerTlsOptions,
  StateCatalog, stringSerializer, toJsonValue, TransportError, type TypeExpressionOptions, UnsupportedByPeerError, valueFromJson, valueFromText,
  valueState,
} from "./core.ts";
import { watchStream } from "./watch.ts";
import { GatewayRequestError, problemOf } from "./errors.ts";
import { coordinatorLister, flinkRestLister, type JobLister, JobResolver, type ResolvedJob } from "./jobs.ts";
import { GatewayMetrics, type MeasuredRoute } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { CONSOLE_HTML } from "./console-page.ts";

/** Limits of one gateway. */
export interface GatewayLimits {
  /** The largest request body accepted, in bytes; a larger one gets 413 REQUEST_TOO_LARGE. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** The most keys one batch may have; more get 413 REQUEST_TOO_LARGE. @default 1000 */
  maxBatchKeys?: number;
  /** How long a query may take; then its answer is 504 TIMEOUT. @default 10000 */
  timeoutMs?: number;
  /**
   * The most keys or map entries one page of `/keys` or `/scan` may ask for (`pageSize`); more get 400
   * INVALID_ARGUMENT. A proxy allowing fewer (its `keys.max-page-size`, `map-scan.max-page-size`) gets its maximum.
   * @default 10000
   */
  maxPageSize?: number;
}

/** Cross-origin requests the gateway allows (CORS); without this option browsers of other origins are refused. */
export interface GatewayCors {
  /** The origins allowed (`https://ops.example.com`), or `"*"` for any. */
  origins: "*" | readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. @default 600 */
  maxAgeSeconds?: number;
}

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** The proxy or proxies to query (`"h1:9069,h2:9069"`): a Flink cluster's or ours, with failover across them. */
  proxies: string | readonly (string | Endpoint)[];
  /** The state catalog: a parsed one, its document, or the path of its file (Avro schemas resolved beside it). */
  catalog: StateCatalog | CatalogDocument | string;
  /** Resolves the catalog's `avro:NAME` types when `catalog` is not a file path (the gateway resolves a file's itself). */
  typeOptions?: TypeExpressionOptions;
  /** Flink's REST API (`http://jobmanager:8081`): job names resolve through `GET /jobs/overview`. */
  flinkRest?: string;
  /**
   * Our coordinator (`"host:port[,host:port]"`, or an in-process `Coordinator`/`CoordinatorClient`): job names resolve
   * to the job that registered the catalog job's states, and `/route` names the server holding a key.
   */
  coordinator?: string | KvStateLocationOracle;
  /** Your own job listing (instead of `flinkRest` or `coordinator`). */
  jobs?: JobLister;
  /** How long a job listing is reused, in ms. @default 5000 */
  jobCacheMs?: number;
  /** How often a watch stream (Server-Sent Events) sends a heartbeat comment while nothing changes, in ms. @default 15000 */
  watchHeartbeatMs?: number;
  /** Bearer tokens that may use `/v1/*` and `/metrics` (compared in constant time); none: no authentication. */
  tokens?: readonly string[];
  /** Cross-origin requests to allow. */
  cors?: GatewayCors;
  /** Body, batch and time limits. */
  limits?: GatewayLimits;
  /** Connect to the proxies with TLS. */
  proxyTls?: ClientTlsOptions;
  /** Serve the web console at `/`. @default true */
  console?: boolean;
}

/** A gateway: a fetch handler to serve with any HTTP server, and its resources. */
export interface Gateway {
  /** Answers one HTTP request. */
  fetch(request: Request): Promise<Response>;
  /** The catalog it serves. */
  readonly catalog: StateCatalog;
  /** Requests being answered now. */
  readonly inFlight: number;
  /**
   * Refuses new requests (503 GATEWAY_CLOSING, `/readyz` 503), waits up to `graceMs` for those in flight, then
   * closes its connections to the proxies. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** The page size of `/keys` and `/scan` without `?pageSize=` (the client's default). */
const DEFAULT_PAGE_SIZE = 1000;
const JSON_TYPE = "application/json; charset=utf-8";
const PROBLEM_TYPE = "application/problem+json; charset=utf-8";
const NO_STORE = { "cache-control": "no-store" };
// The console loads nothing from elsewhere: its script and style are inline, its requests go to this gateway.
const CONSOLE_CSP = {
  "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
};

/**
 * Makes a gateway. Nothing listens: serve `gateway.fetch` with {@link serveGateway}, `Deno.serve`, `Bun.serve` or
 * any Web-standard server.
 * @throws CatalogError (`CATALOG`) for a catalog that cannot be read, InvalidArgumentError for bad options
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const limits = {
    maxBodyBytes: positive(options.limits?.maxBodyBytes, 1024 * 1024, "limits.maxBodyBytes"),
    maxBatchKeys: positive(options.limits?.maxBatchKeys, 1000, "limits.maxBatchKeys"),
    timeoutMs: positive(options.limits?.timeoutMs, 10_000, "limits.timeoutMs"),
    maxPageSize: Math.floor(positive(options.limits?.maxPageSize, 10_000, "limits.maxPageSize")),
  };
  const { catalog, typeOptions } = await loadCatalog(options);
  const client = new QueryableStateClient(options.proxies, {
    requestTimeoutMs: limits.timeoutMs,
    connectTimeoutMs: limits.timeoutMs,
    tls: options.proxyTls,
  });
  let coordinator: KvStateLocationOracle | undefined;
  let ownCoordinator: CoordinatorClient | undefined;
  if (typeof options.coordinator === "string") {
    coordinator = ownCoordinator = new CoordinatorClient(parseAddressList(options.coordinator), { requestTimeoutMs: limits.timeoutMs, connectTimeoutMs: limits.timeoutMs });
  } else coordinator = options.coordinator;
  const lister = options.jobs ??
    (options.flinkRest !== undefined ? flinkRestLister(options.flinkRest, limits.timeoutMs) : coordinator?.listStates ? coordinatorLister(coordinator) : undefined);
  const resolver = new JobResolver(catalog, { lister, cacheMs: options.jobCacheMs });
  const metrics = new GatewayMetrics();
  const tokens = [...(options.tokens ?? [])];
  if (tokens.some((t) => typeof t !== "string" || t === "")) throw new InvalidArgumentError("tokens must be non-empty strings.");
  const openapi = JSON.stringify(openApiDocument({ version: VERSION, auth: tokens.length > 0, ...limits }));
  const typesOf = new Map<CatalogEntry, CatalogStateTypes>();
  let closing: Promise<void> | undefined;
  let ready: { at: number; ok: Promise<string | undefined> } | undefined;

  const types = (entry: CatalogEntry): CatalogStateTypes => {
    let t = typesOf.get(entry);
    if (t === undefined) typesOf.set(entry, t = catalogStateTypes(entry, typeOptions));
    return t;
  };

  /** The job, the catalog entry and its types of a `/v1/jobs/{job}/states/{state}` request. */
  const target = async (c: Context): Promise<{ job: ResolvedJob; entry: CatalogEntry; types: CatalogStateTypes; jobRef: { id: string; name?: string } }> => {
    const segment = c.req.param("job")!;
    const job = await resolver.resolve(segment);
    const entry = catalog.find(job.catalogJob ?? (/^[0-9a-fA-F]{32}$/.test(segment) ? undefined : segment), c.req.param("state")!);
    return { job, entry, types: types(entry), jobRef: { id: job.id.toString(), ...(job.name === undefined ? {} : { name: job.name }) } };
  };

  const expression = (t: unknown) => (typeof t === "string" ? t : "its type");

  const keyOf = (c: Context, t: CatalogStateTypes): unknown => {
    const text = c.req.query("key");
    if (text === undefined) throw new InvalidArgumentError(`Give the key to read: ?key=… (a ${expression(t.entry.state.key)}).`);
    return valueFromText(t.keyType, text, "key", expression(t.entry.state.key));
  };

  const namespaceOf = (text: string | undefined, json: unknown, t: CatalogStateTypes): unknown => {
    if (text === undefined && json === undefined) {
      // A namespace type of one value (globalwindow) needs no namespace in the request, as on the command line.
      return t.namespaceType !== undefined && t.namespaceType.length === 1 ? fromJsonValue(t.namespaceType, null) : undefined;
    }
    if (t.namespaceType === undefined) throw new InvalidArgumentError(`${t.entry.label} has no namespace: leave out "namespace".`);
    const e = expression(t.entry.state.namespace);
    return text !== undefined ? valueFromText(t.namespaceType, text, "namespace", e) : valueFromJson(t.namespaceType, json, "namespace", e);
  };

  const app = new Hono();

  // Measure every request, refuse new ones while closing.
  app.use("*", async (c, next) => {
    const start = performance.now();
    metrics.inFlight++;
    try {
      if (closing !== undefined && c.req.path !== "/healthz" && c.req.path !== "/readyz") {
        throw new GatewayRequestError("GATEWAY_CLOSING", "The gateway is shutting down: send the request to another instance, or retry shortly.");
      }
      await next();
    } finally {
      metrics.inFlight--;
      metrics.record(routeOf(c.req.method, c.req.path), c.res.status, performance.now() - start);
    }
  });
  if (options.cors !== undefined) {
    const origins = options.cors.origins;
    app.use("*", cors({
      origin: origins === "*" ? "*" : [...origins],
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type"],
      maxAge: options.cors.maxAgeSeconds ?? 600,
    }));
  }
  if (tokens.length > 0) {
    const guard = async (c: Context, next: () => Promise<void>) => {
      const header = c.req.header("authorization") ?? "";
      const m = /^Bearer\s+(.+)$/i.exec(header);
      // Every token is compared, whatever matched, so the time taken does not tell which one did.
      let ok = false;
      for (const t of tokens) ok = secretEquals(m?.[1]?.trim(), t) || ok;
      if (!ok) {
        c.header("www-authenticate", 'Bearer realm="queryable-state"');
        throw new GatewayRequestError("UNAUTHORIZED", m ? "The bearer token is not one the gateway accepts." : "Send a bearer token: Authorization: Bearer <token>.");
      }
      await next();
    };
    app.use("/v1/*", guard);
    app.use("/metrics", guard);
  }

  if (options.console !== false) {
    app.get("/", (c) => c.body(CONSOLE_HTML, 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", ...CONSOLE_CSP }));
  }
  app.get("/openapi.json", (c) => c.body(openapi, 200, { "content-type": JSON_TYPE }));
  app.get("/healthz", (c) => c.json({ status: "ok" }, 200, NO_STORE));
  app.get("/readyz", async (c) => {
    const reason = closing !== undefined ? "shutting down" : await readiness();
    return c.json(reason === undefined ? { status: "ready" } : { status: "unavailable", reason }, reason === undefined ? 200 : 503, NO_STORE);
  });
  app.get("/metrics", (c) =>
    c.body(metrics.prometheus([{ role: "gateway_client", name: "proxy", stats: client.stats() }]), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      ...NO_STORE,
    }));

  app.get("/v1/stats", (c) => {
    const s = client.stats();
    return c.json({
      now: Date.now(),
      series: metrics.series(),
      totals: metrics.totals(),
      upstream: { requests: Number(s.requests), successful: Number(s.successful), failed: Number(s.failed), activeConnections: Number(s.activeConnections) },
    }, 200, NO_STORE);
  });

  app.get("/v1/jobs", async (c) => {
    let listed: readonly import("./jobs.ts").ListedJob[] | undefined;
    let listingError: unknown;
    if (resolver.canList) {
      try {
        listed = await resolver.list();
      } catch (e) {
        listingError = problemOf(e);
      }
    }
    const jobs = catalog.jobs.map((job) => {
      const running = job.jobId !== undefined ? [job.jobId] : listed === undefined ? undefined : resolver.candidates(listed, job.name, job).map((j) => j.id);
      return {
        name: job.name,
        ...(job.jobId === undefined ? {} : { jobId: job.jobId }),
        ...(running === undefined ? {} : { running }),
        states: catalog.entries(job).map(({ state, queryableName }) => ({
          name: state.name,
          queryableName,
          ...pick(state, ["aliases", "kind", "key", "namespace", "value", "userKey", "maxParallelism", "operator", "description"]),
        })),
      };
    });
    return c.json({
      ...(catalog.where === undefined ? {} : { catalog: catalog.where }),
      resolvesNames: resolver.canList,
      ...(listingError === undefined ? {} : { listingError }),
      jobs,
    }, 200, NO_STORE);
  });

  app.get("/v1/jobs/:job/states/:state", async (c) => {
    const { job, entry, types: t, jobRef } = await target(c);
    const key = keyOf(c, t);
    const namespace = namespaceOf(c.req.query("namespace"), undefined, t);
    let value: unknown;
    try {
      value = await queryCatalogState(client, job.id, t, key, { namespace, timeoutMs: limits.timeoutMs });
      metrics.keys("found");
    } catch (e) {
      metrics.keys((e as { code?: string }).code === "UNKNOWN_KEY_OR_NAMESPACE" ? "missing" : "failed");
      throw e;
    }
    return c.json({
      job: jobRef,
      state: entry.state.name,
      key: toJsonValue(key),
      ...(namespace === undefined ? {} : { namespace: toJsonValue(namespace) }),
      value: toJsonValue(value),
    }, 200, NO_STORE);
  });

  app.post("/v1/jobs/:job/states/:state/batch", async (c) => {
    const body = await readJson(c.req.raw, limits.maxBodyBytes);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new InvalidArgumentError('The body must be a JSON object {"keys": [...], "namespace"?: ...}.');
    }
    const members = ["keys", "namespace", "maxStalenessMs", "minVersion", "waitMs"];
    const extra = Object.keys(body).filter((k) => !members.includes(k));
    if (extra.length > 0) throw new InvalidArgumentError(`Unknown member ${JSON.stringify(extra[0])} in the body: it takes ${members.map((m) => `"${m}"`).join(", ")}.`);
    const bounds = freshnessBounds(body as Record<string, unknown>);
    const keys = (body as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) throw new InvalidArgumentError('"keys" must be a non-empty array of keys (as JSON).');
    if (keys.length > limits.maxBatchKeys) {
      throw new GatewayRequestError("REQUEST_TOO_LARGE", `The batch has ${keys.length} keys; at most ${limits.maxBatchKeys} are allowed: split it.`);
    }
    const { job, entry, types: t, jobRef } = await target(c);
    const namespace = namespaceOf(undefined, (body as { namespace?: unknown }).namespace, t);
    const keyExpression = expression(entry.state.key);
    // Keys that do not fit the key type are their own errors; the others go in one getKvStates call (the batch-get
    // extension through a proxy of ours, concurrent single queries through Flink's).
    type Result = { key: JsonValue; value: JsonValue; freshness?: unknown } | { key: JsonValue; error: unknown; freshness?: unknown };
    const results: Result[] = new Array(keys.length);
    const parsed: unknown[] = [];
    const at: number[] = [];
    keys.forEach((k, i) => {
      try {
        parsed.push(valueFromJson(t.keyType, k, "key", keyExpression));
        at.push(i);
      } catch (e) {
        if (!(e instanceof QueryableStateError)) throw e;
        metrics.keys("failed");
        results[i] = { key: k as JsonValue, error: problemOf(e) };
      }
    });
    if (parsed.length > 0) {
      const answers = await queryCatalogStates(client, job.id, t, parsed, { namespace, timeoutMs: limits.timeoutMs, ...bounds });
      answers.forEach((r, j) => {
        const i = at[j];
        const fresh = r.freshness === undefined ? {} : { freshness: { ...r.freshness, version: String(r.freshness.version) } };
        if (r.ok) {
          metrics.keys("found");
          results[i] = { key: keys[i] as JsonValue, value: toJsonValue(r.value), ...fresh };
        } else {
          metrics.keys(r.error.code === "UNKNOWN_KEY_OR_NAMESPACE" ? "missing" : "failed");
          results[i] = { key: keys[i] as JsonValue, error: problemOf(r.error), ...fresh };
        }
      });
    }
    return c.json({ job: jobRef, state: entry.state.name, results }, 200, NO_STORE);
  });

  /** The freshness bounds of a batch body (`maxStalenessMs`, `minVersion` as digits, `waitMs`). */
  function freshnessBounds(body: Record<string, unknown>): { maxStalenessMs?: number; minVersion?: bigint; waitMs?: number } {
    const ms = (name: string) => {
      const v = body[name];
      if (v === undefined) return undefined;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`"${name}" must be a whole number of milliseconds, at least 0.`);
      return v;
    };
    const minVersion = body.minVersion;
    if (minVersion !== undefined && (typeof minVersion !== "string" || !/^\d+$/.test(minVersion))) {
      throw new InvalidArgumentError('"minVersion" must be a version as the answers give it: a string of digits.');
    }
    return { maxStalenessMs: ms("maxStalenessMs"), minVersion: minVersion === undefined ? undefined : BigInt(minVersion), waitMs: ms("waitMs") };
  }

  const streams = new Set<AbortController>();
  const heartbeatMs = positive(options.watchHeartbeatMs, 15_000, "watchHeartbeatMs");
  app.get("/v1/jobs/:job/states/:state/watch", async (c) => {
    const { job, entry, types: t, jobRef } = await target(c);
    const texts = c.req.queries("key") ?? [];
    if (texts.length === 0) throw new InvalidArgumentError(`Give the keys to watch: ?key=…&key=… (each a ${expression(entry.state.key)}).`);
    if (texts.length > limits.maxBatchKeys) {
      throw new GatewayRequestError("REQUEST_TOO_LARGE", `The watch has ${texts.length} keys; at most ${limits.maxBatchKeys} are allowed: watch fewer at once.`);
    }
    const keys = texts.map((text) => valueFromText(t.keyType, text, "key", expression(entry.state.key)));
    const prefixText = c.req.query("prefix");
    let prefix: unknown;
    if (prefixText !== undefined) {
      if (t.descriptor.kind !== "map" || keys.length !== 1) throw new InvalidArgumentError(`"prefix" watches the entries of one key of a map state; ${entry.label} is a ${t.descriptor.kind} state.`);
      prefix = valueFromText(t.descriptor.userKeySerializer, prefixText, "prefix", "the map's key type");
    }
    const namespace = namespaceOf(c.req.query("namespace"), undefined, t);
    // A reconnecting EventSource sends the last event's id: it takes precedence over fromVersion.
    const from = c.req.header("last-event-id") ?? c.req.query("fromVersion");
    if (from !== undefined && !/^\d{1,19}$/.test(from)) {
      throw new InvalidArgumentError(`The version to resume from (Last-Event-ID or fromVersion) must be a version as the events give it (digits), got '${from}'.`);
    }
    // A proxy that cannot watch fails now, with its status, rather than inside the stream.
    const peer = await client.peerExtensions({ timeoutMs: limits.timeoutMs });
    if (!peer?.extensions.has("watch")) {
      throw new UnsupportedByPeerError("watch", peer === null ? "the proxy speaks no protocol extensions (a Flink proxy): read the state with GET instead" : `the proxy (${peer.implementation}) does not offer it`);
    }
    return watchStream({
      client,
      jobId: job.id.toString(),
      types: t,
      jobRef,
      keys,
      prefix,
      namespace,
      fromVersion: from === undefined ? undefined : BigInt(from),
      heartbeatMs,
      signal: c.req.raw.signal,
      streams,
    });
  });

  app.get("/v1/jobs/:job/states/:state/route", async (c) => {
    const { job, entry, types: t, jobRef } = await target(c);
    const key = keyOf(c, t);
    if (typeof t.keyType.hashCode !== "function") {
      throw new InvalidArgumentError(`${entry.label}: keys of ${expression(entry.state.key)} have no value-based Java hash, so no route can be computed.`);
    }
    const javaHashCode = t.keyType.hashCode(key) | 0;
    const notes: string[] = [];
    const out: Record<string, unknown> = { job: jobRef, state: entry.state.name, key: toJsonValue(key), javaHashCode, murmurHash: murmurHash(javaHashCode) };
    let maxParallelism = entry.state.maxParallelism;
    if (maxParallelism !== undefined) notes.push("maxParallelism from the catalog");
    if (coordinator !== undefined) {
      try {
        const location = await coordinator.requestKvStateLocation(job.id, entry.queryableName, { signal: AbortSignal.timeout(limits.timeoutMs) });
        maxParallelism = location.numKeyGroups;
        const keyGroup = computeKeyGroupForKeyHash(javaHashCode, maxParallelism);
        const server = location.getKvStateServerAddress(keyGroup);
        if (server !== null) out.server = formatHostPort(server);
        out.vertex = location.jobVertexId;
        notes.push("key groups and server from the coordinator's location of the state");
      } catch (e) {
        notes.push(`the coordinator could not locate the state: ${(e as Error).message}`);
      }
    }
    if (maxParallelism === undefined) {
      notes.push('the key group needs the operator\'s max parallelism: add "maxParallelism" to the catalog entry, or run the gateway with --coordinator');
    } else {
      const keyGroup = computeKeyGroupForKeyHash(javaHashCode, maxParallelism);
      out.maxParallelism = maxParallelism;
      out.keyGroup = keyGroup;
      const parallelism = await parallelismOf(job, entry);
      if (parallelism !== undefined) {
        out.parallelism = parallelism.parallelism;
        out.operatorIndex = computeOperatorIndexForKeyGroup(maxParallelism, parallelism.parallelism, keyGroup);
        if (parallelism.vertex !== undefined) out.vertex ??= parallelism.vertex;
        if (parallelism.hosts?.[out.operatorIndex as number] !== undefined) out.server ??= parallelism.hosts[out.operatorIndex as number];
        notes.push(parallelism.note);
      }
    }
    out.notes = notes;
    return c.json(out, 200, NO_STORE);
  });

  // Key listing and map scans (the `keys` and `map-scan` extensions): a page at a time, the cursor of the next page in
  // the body (null after the last) and in a `Link: <…>; rel="next"` header.
  app.get("/v1/jobs/:job/states/:state/keys", async (c) => {
    const { job, entry, types: t, jobRef } = await target(c);
    const requested = pageSizeOf(c);
    const cursor = cursorOf(c);
    const keyGroups = keyGroupsOf(c.req.query("keyGroups"));
    const namespace = requiredNamespace(c, t);
    const pageSize = Math.min(requested, await peerLimit("keys.max-page-size"));
    let page;
    try {
      page = await client.listKeys(job.id, entry.queryableName, t.keyType, {
        pageSize,
        cursor,
        keyGroups,
        ...(t.namespaceType === undefined ? {} : { namespace, namespaceType: t.namespaceType }),
        timeoutMs: limits.timeoutMs,
      });
    } catch (e) {
      throw namingEntry(e, entry);
    }
    nextLink(c, page.cursor);
    return c.json({
      job: jobRef,
      state: entry.state.name,
      ...(namespace === undefined ? {} : { namespace: toJsonValue(namespace) }),
      keys: page.keys.map(toJsonValue),
      cursor: page.cursor ?? null,
    }, 200, NO_STORE);
  });

  app.get("/v1/jobs/:job/states/:state/scan", async (c) => {
    const { job, entry, types: t, jobRef } = await target(c);
    if (t.descriptor.kind !== "map") {
      throw new InvalidArgumentError(
        `${entry.label} is a ${entry.state.kind} state: only map states scan. Read its value with GET /v1/jobs/{job}/states/{state}?key=….`,
      );
    }
    const descriptor = t.descriptor as MapStateDescriptor<unknown, unknown>;
    const key = keyOf(c, t);
    const requested = pageSizeOf(c);
    const cursor = cursorOf(c);
    const namespace = requiredNamespace(c, t);
    const userKeyType = descriptor.userKeySerializer;
    const userKeyExpression = expression(entry.state.userKey);
    const bound = (name: "prefix" | "from" | "to") => {
      const text = c.req.query(name);
      return text === undefined ? undefined : valueFromText(userKeyType, text, name, userKeyExpression);
    };
    const prefix = bound("prefix"), from = bound("from"), to = bound("to");
    if (prefix !== undefined && userKeyType !== stringSerializer) {
      throw new InvalidArgumentError(`${entry.label} has map keys of ${userKeyExpression}: "prefix" needs string map keys; give a range with "from" and "to".`);
    }
    if (prefix !== undefined && (from !== undefined || to !== undefined)) throw new InvalidArgumentError('Give "prefix" or a range ("from", "to"), not both.');
    const pageSize = Math.min(requested, await peerLimit("map-scan.max-page-size"));
    let page;
    try {
      page = await client.scanMapState(job.id, entry.queryableName, key, t.keyType, descriptor, {
        pageSize,
        cursor,
        prefix,
        from,
        to,
        ...(t.namespaceType === undefined ? {} : { namespace, namespaceType: t.namespaceType }),
        timeoutMs: limits.timeoutMs,
      });
    } catch (e) {
      throw namingEntry(e, entry);
    }
    nextLink(c, page.cursor);
    return c.json({
      job: jobRef,
      state: entry.state.name,
      key: toJsonValue(key),
      ...(namespace === undefined ? {} : { namespace: toJsonValue(namespace) }),
      entries: page.entries.map(([k, v]) => ({ userKey: toJsonValue(k), value: toJsonValue(v) })),
      cursor: page.cursor ?? null,
    }, 200, NO_STORE);
  });

  /** `?keyGroups=FROM-TO` (inclusive). */
  function keyGroupsOf(text: string | undefined): { from: number; to: number } | undefined {
    if (text === undefined) return undefined;
    const m = /^(\d{1,10})-(\d{1,10})$/.exec(text);
    const from = Number(m?.[1]), to = Number(m?.[2]);
    if (m === null || from > to || to > 0x7fffffff) {
      throw new InvalidArgumentError(`keyGroups must be FROM-TO, two key groups with FROM ≤ TO (e.g. 0-63), got ${JSON.stringify(text)}.`);
    }
    return { from, to };
  }

  /** `?pageSize=` (default 1000, at most `limits.maxPageSize`). */
  function pageSizeOf(c: Context): number {
    const text = c.req.query("pageSize");
    if (text === undefined) return Math.min(DEFAULT_PAGE_SIZE, limits.maxPageSize);
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`pageSize must be a whole number from 1 to ${limits.maxPageSize}, got ${JSON.stringify(text)}.`);
    const n = Number(text);
    if (n > limits.maxPageSize) {
      throw new InvalidArgumentError(`pageSize ${text} is above the gateway's limit of ${limits.maxPageSize}: ask for fewer and follow the cursor to the next page.`);
    }
    return n;
  }

  /** `?cursor=` as a page gave it (base64url); anything else is INVALID_CURSOR before the proxy is asked. */
  function cursorOf(c: Context): string | undefined {
    const text = c.req.query("cursor");
    if (text === undefined) return undefined;
    if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) {
      throw new InvalidCursorError('The cursor is not one a page gave (base64url text expected): pass the "cursor" of the last page as it came, or leave it out to start again.');
    }
    return text;
  }

  /** The namespace of a listing or scan: required for namespaced states (but globalwindow's one value). */
  function requiredNamespace(c: Context, t: CatalogStateTypes): unknown {
    const namespace = namespaceOf(c.req.query("namespace"), undefined, t);
    if (namespace === undefined && t.namespaceType !== undefined) {
      throw new InvalidArgumentError(`${t.entry.label} is kept per namespace of ${expression(t.entry.state.namespace)}: give it as ?namespace=… (JSON).`);
    }
    return namespace;
  }

  /** The page size the proxy allows (it says so in its extension handshake); a peer without extensions fails later. */
  async function peerLimit(name: string): Promise<number> {
    const peer = await client.peerExtensions({ timeoutMs: limits.timeoutMs });
    return peer?.limits.get(name) ?? Infinity;
  }

  /** `Link: <this path with the next cursor>; rel="next"` when there is a next page. */
  function nextLink(c: Context, cursor: string | undefined): void {
    if (cursor === undefined) return;
    const url = new URL(c.req.url);
    url.searchParams.set("cursor", cursor);
    c.header("link", `<${url.pathname}${url.search}>; rel="next"`);
  }

  // A known path with another method: 405 with the methods it takes.
  const only = (allow: string) => (c: Context) => {
    c.header("allow", allow);
    throw new GatewayRequestError("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed here: use ${allow}.`);
  };
  for (const p of ["/", "/openapi.json", "/healthz", "/readyz", "/metrics", "/v1/stats", "/v1/jobs", "/v1/jobs/:job/states/:state", "/v1/jobs/:job/states/:state/route", "/v1/jobs/:job/states/:state/keys", "/v1/jobs/:job/states/:state/scan", "/v1/jobs/:job/states/:state/watch"]) {
    app.on(["POST", "PUT", "PATCH", "DELETE"], p, only("GET"));
  }
  app.on(["GET", "PUT", "PATCH", "DELETE"], "/v1/jobs/:job/states/:state/batch", only("POST"));

  app.notFound((c) => problemResponse(c, new GatewayRequestError("ROUTE_NOT_FOUND", `No such path: ${c.req.path}. The API is described at /openapi.json.`)));
  app.onError((e, c) => problemResponse(c, e));

  /** Flink's REST API for the operator's parallelism and subtask hosts (when --flink-rest is given). */
  async function parallelismOf(job: ResolvedJob, entry: CatalogEntry): Promise<{ parallelism: number; vertex?: string; hosts?: string[]; note: string } | undefined> {
    if (options.flinkRest === undefined) return undefined;
    const base = options.flinkRest.replace(/\/+$/, "");
    try {
      const res = await fetch(`${base}/jobs/${job.id}`, { signal: AbortSignal.timeout(limits.timeoutMs) });
      if (!res.ok) return undefined;
      const vertices = ((await res.json()) as { vertices?: { id: string; name: string; parallelism: number }[] }).vertices ?? [];
      const op = entry.state.operator?.toLowerCase();
      const vertex = vertices.find((v) => v.id === entry.state.operatorId) ?? (op === undefined ? undefined : vertices.find((v) => v.name.toLowerCase().includes(op))) ??
        (vertices.length === 1 ? vertices[0] : undefined);
      if (vertex === undefined) return undefined;
      const detail = await fetch(`${base}/jobs/${job.id}/vertices/${vertex.id}`, { signal: AbortSignal.timeout(limits.timeoutMs) });
      const subtasks = detail.ok ? ((await detail.json()) as { subtasks?: { subtask: number; host?: string; endpoint?: string }[] }).subtasks ?? [] : [];
      const hosts: string[] = [];
      for (const s of subtasks) if (typeof s.subtask === "number") hosts[s.subtask] = s.endpoint ?? s.host ?? "";
      return { parallelism: vertex.parallelism, vertex: vertex.name, hosts, note: `parallelism and subtask hosts of vertex "${vertex.name}" from Flink's REST API` };
    } catch {
      return undefined;
    }
  }

  /** Why the gateway is not ready (a proxy answering anything, even an error, is ready); cached for a second. */
  function readiness(): Promise<string | undefined> {
    const now = Date.now();
    if (ready !== undefined && now - ready.at < 1000) return ready.ok;
    const probe = client.getKvState(JobID.random(), PROBE.name, "", stringSerializer, PROBE, { timeoutMs: Math.min(limits.timeoutMs, 2000) }).then(
      () => undefined,
      (e: unknown) => {
        const code = (e as { code?: string }).code ?? "";
        return UNREACHABLE.has(code) ? `no proxy answers: ${(e as Error).message}` : undefined;
      },
    );
    ready = { at: now, ok: probe };
    return probe;
  }

  return {
    fetch: (request) => Promise.resolve(app.fetch(request)),
    catalog,
    get inFlight() {
      return metrics.inFlight;
    },
    close(graceMs = 5000) {
      return closing ??= (async () => {
        for (const s of [...streams]) s.abort(); // watch streams end (their upstream polls are released)
        const until = Date.now() + graceMs;
        while (metrics.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        await client.close();
        await ownCoordinator?.close();
      })();
    },
  };
}

/** What `/readyz` asks the proxy for: a state of a random job, whose "unknown" answer proves the proxy is up. */
const PROBE = valueState("__qstate_gateway_readyz__", stringSerializer);
const UNREACHABLE = new Set(["CONNECT_FAILED", "CONNECTION_CLOSED", "TIMEOUT", "CLIENT_CLOSED", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "TLS"]);

function problemResponse(c: Context, e: unknown): Response {
  const p = problemOf(e);
  if (p.status === 500 && !(e instanceof QueryableStateError)) console.error("queryable-state gateway: unexpected error", e);
  return c.body(JSON.stringify(p), p.status as 500, { "content-type": PROBLEM_TYPE, ...NO_STORE });
}

function routeOf(method: string, path: string): MeasuredRoute {
  if (!path.startsWith("/v1/jobs")) return "other";
  if (path === "/v1/jobs") return "jobs";
  if (method === "POST" && path.endsWith("/batch")) return "batch";
  if (path.endsWith("/route")) return "route";
  if (path.endsWith("/keys")) return "keys";
  if (path.endsWith("/scan")) return "scan";
  return /^\/v1\/jobs\/[^/]+\/states\/[^/]+$/.test(path) ? "get" : "other";
}

/** A page the catalog's types did not decode names the entry to fix. */
function namingEntry(e: unknown, entry: CatalogEntry): unknown {
  if (e instanceof QueryableStateError && DECODING.has(e.code)) {
    e.message += ` The catalog's ${entry.label} gives the types the page was read with: fix that entry if the job's types differ.`;
  }
  return e;
}
const DECODING = new Set(["SERIALIZATION", "TRUNCATED_INPUT", "POJO_SUBCLASS", "AVRO_DECODE"]);

function pick<T extends object>(o: T, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function positive(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be a positive number, got ${String(v)}.`);
  return v;
}

/** The request's body as JSON, refusing more than `max` bytes (413) before reading them all. */
async function readJson(request: Request, max: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const tooLarge = () => new GatewayRequestError("REQUEST_TOO_LARGE", `The body is larger than ${max} bytes: send fewer keys per batch.`);
  if (declared > max) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder().decode(concat(chunks, size));
  if (text.trim() === "") throw new InvalidArgumentError('The body is empty: send {"keys": [...]} as JSON.');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`The body is not JSON (${(e as Error).message}).`);
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

async function loadCatalog(options: GatewayOptions): Promise<{ catalog: StateCatalog; typeOptions: TypeExpressionOptions }> {
  const c = options.catalog;
  if (typeof c === "string") {
    const { loadCatalogFile } = await import("../catalog/file.ts");
    const loaded = await loadCatalogFile(c);
    return { catalog: loaded.catalog, typeOptions: options.typeOptions ?? loaded.typeOptions };
  }
  const catalog = c instanceof StateCatalog ? c : StateCatalog.parse(c);
  if (options.typeOptions !== undefined) return { catalog, typeOptions: options.typeOptions };
  return await withAvro(catalog);
}

/** Options of {@link serveGateway}: the gateway's, and where to listen. */
export interface ServeGatewayOptions extends GatewayOptions {
  /** The local address to bind. @default "127.0.0.1" */
  host?: string;
  /** The TCP port (0: a free one). @default 8080 */
  port?: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: Pick<ServerTlsOptions, "cert" | "key">;
  /** How long closing waits for requests in flight, in ms. @default 5000 */
  shutdownGraceMs?: number;
}

/** A gateway listening on the current runtime's HTTP server. */
export interface ServedGateway extends AsyncDisposable {
  /** The gateway. */
  readonly gateway: Gateway;
  /** Where it listens. */
  readonly addr: Endpoint;
  /** Its base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Stops accepting connections, lets requests in flight finish (up to the grace period), then closes the gateway. */
  close(): Promise<void>;
}

/**
 * Makes a gateway and serves it on this runtime's HTTP server (`Deno.serve`, `Bun.serve`, `node:http` through
 * `@hono/node-server`), over TLS when `tls` is given.
 *
 * @example
 * ```ts
 * import { serveGateway } from "queryable-state/gateway";
 *
 * const served = await serveGateway({ proxies: "127.0.0.1:9069", catalog: "catalog.json", port: 8080 });
 * // curl 'http://127.0.0.1:8080/v1/jobs/shop/states/clicks?key=ada'
 * await served.close();
 * ```
 */
export async function serveGateway(options: ServeGatewayOptions): Promise<ServedGateway> {
  const gateway = await createGateway(options);
  const hostname = options.host ?? "127.0.0.1", port = options.port ?? 8080;
  const { serveFetch } = await import("../transport/serve-fetch.ts");
  let server;
  try {
    server = await serveFetch(gateway.fetch, { hostname, port, tls: options.tls });
  } catch (e) {
    await gateway.close(0);
    // A missing @hono/node-server is not a socket failure: it reaches the caller as the loader reported it.
    throw /MODULE_NOT_FOUND/.test(String((e as { code?: unknown })?.code)) ? e : TransportError.from(e, "listen on", { hostname, port });
  }
  const grace = options.shutdownGraceMs ?? 5000;
  let closing: Promise<void> | undefined;
  const close = () => closing ??= Promise.all([server.close(grace), gateway.close(grace)]).then(() => {});
  const host = server.addr.hostname.includes(":") ? `[${server.addr.hostname}]` : server.addr.hostname;
  return { gateway, addr: server.addr, url: `${server.scheme}://${host}:${server.addr.port}`, close, [Symbol.asyncDispose]: close };
}
