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
import { type CatalogDocument, type CatalogEntry, type CatalogStateTypes, catalogStateTypes, type ClientTlsOptions, CoordinatorClient, type Endpoint, InvalidArgumentError, JobID, type KvStateLocationOracle, parseAddressList, QueryableStateClient, type ServerTlsOptions, StateCatalog, stringSerializer, TransportError, type TypeExpressionOptions, valueFromJson, valueFromText, valueState } from "./core.ts";
import { CONSOLE_HTML } from "./console-page.ts";
import { expression, type GatewayContext, NO_STORE } from "./context.ts";
import { GatewayRequestError, problemOf } from "./errors.ts";
import { coordinatorLister, flinkRestLister, type JobLister, JobResolver, type ResolvedJob } from "./jobs.ts";
import { GatewayMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { pageRoutes } from "./page-routes.ts";
import { pick, positive, problemResponse, routeOf } from "./request-helpers.ts";
import { stateRoutes } from "./state-routes.ts";
import { watchRoute } from "./watch.ts";

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
  /** The most watch streams (`GET …/watch`) open at once; more get 429 TOO_MANY_STREAMS. @default 1000 */
  maxWatchStreams?: number;
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

const JSON_TYPE = "application/json; charset=utf-8";
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
    maxWatchStreams: Math.floor(positive(options.limits?.maxWatchStreams, 1000, "limits.maxWatchStreams")),
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

  const g: GatewayContext = { client, limits, metrics, coordinator, flinkRest: options.flinkRest, target, keyOf, namespaceOf };
  const streams = new Set<AbortController>();
  const heartbeatMs = positive(options.watchHeartbeatMs, 15_000, "watchHeartbeatMs");

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

  stateRoutes(app, g);
  watchRoute(app, g, streams, heartbeatMs);
  pageRoutes(app, g);

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
