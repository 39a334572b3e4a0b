/** The gateway's OpenAPI 3.1 document (served at `/openapi.json`), made from its options so that it says what it does. */
import { codesByStatus } from "./errors.ts";

/** What of the gateway's configuration the document reflects. */
export interface OpenApiOptions {
  /** The package version. */
  readonly version: string;
  /** Whether `/v1/*` and `/metrics` need a bearer token. */
  readonly auth: boolean;
  /** The most keys a batch may have. */
  readonly maxBatchKeys: number;
  /** The largest request body, in bytes. */
  readonly maxBodyBytes: number;
  /** A query's time limit, in ms. */
  readonly timeoutMs: number;
  /** The largest `pageSize` of a key listing or map scan. */
  readonly maxPageSize: number;
  readonly maxWatchStreams: number;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string) => ({ description, content: { "application/json": { schema } } });

/** The OpenAPI 3.1 document. */
export function openApiDocument(o: OpenApiOptions): Record<string, unknown> {
  const byStatus = codesByStatus();
  const problem = (status: number, when: string) => ({
    description: `${when} Codes: ${[...(byStatus.get(status) ?? [])].join(", ")}.`,
    content: { "application/problem+json": { schema: ref("Problem") } },
  });
  const errors = (statuses: number[]) => {
    const out: Record<string, unknown> = {};
    const when: Record<number, string> = {
      400: "A key, namespace, query parameter or body that does not fit the state's types or the gateway's limits, or a cursor no page gave.",
      401: "No or a wrong bearer token.",
      404: "An unknown job, state, key (and namespace) or path.",
      409: "A job name that several running jobs have (`candidates` lists their ids).",
      413: "A body or batch above its limit.",
      429: `As many watch streams open as the gateway allows (${o.maxWatchStreams}); retry after the Retry-After seconds.`,
      422: "A state whose type the catalog lists as unmapped.",
      500: "A bug of the gateway.",
      501: "The proxy does not speak the extension the request needs: Flink's proxy (and Flink's state servers) neither list keys, scan maps nor watch.",
      502: "An answer the catalog's types do not decode, or a failure the proxy reported.",
      503: "The proxy, a state server or the job listing cannot be reached, or the gateway is shutting down.",
      504: `No answer within the time limit (${o.timeoutMs} ms).`,
    };
    for (const s of statuses) if (s !== 401 || o.auth) out[String(s)] = problem(s, when[s]);
    return out;
  };
  const security = o.auth ? [{ bearer: [] }] : [];
  const jobParam = {
    name: "job", in: "path", required: true, schema: { type: "string" },
    description: "The job's id (32 hex digits) or its name (resolved through the catalog's jobId, Flink's REST API or the coordinator).",
  };
  const stateParam = { name: "state", in: "path", required: true, schema: { type: "string" }, description: "The state's name (or queryable name, or an alias) in the catalog." };
  const keyParam = {
    name: "key", in: "query", required: true, schema: { type: "string" },
    description: "The key: as text for types read from a JSON string (string, long, decimal, dates …), else as JSON (tuples as arrays, POJOs as objects).",
  };
  const namespaceParam = {
    name: "namespace", in: "query", required: false, schema: { type: "string" },
    description: 'The namespace of window state, as JSON (`{"start":0,"end":60000}` for timewindow); globalwindow needs none.',
  };
  const queryErrors = [400, 401, 404, 409, 422, 500, 502, 503, 504];
  const pageSizeParam = {
    name: "pageSize", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: o.maxPageSize, default: Math.min(1000, o.maxPageSize) },
    description: `The most keys or entries in the page (at most ${o.maxPageSize}; a proxy allowing fewer gives its maximum). A page may hold fewer and still have a next one.`,
  };
  const cursorParam = {
    name: "cursor", in: "query", required: false, schema: { type: "string", pattern: "^[A-Za-z0-9_-]+$" },
    description: "The `cursor` of the previous page, as it came (the same state, key, namespace, key groups and bounds); 400 INVALID_CURSOR otherwise.",
  };
  const keyGroupsParam = {
    name: "keyGroups", in: "query", required: false, schema: { type: "string", pattern: "^[0-9]+-[0-9]+$" },
    description: "Only keys of these key groups, FROM-TO inclusive (e.g. `0-63`).",
  };
  const paged = (schema: unknown, description: string) => ({
    ...json(schema, description),
    headers: { Link: { description: 'The next page: `<path?…&cursor=…>; rel="next"` (absent after the last page).', schema: { type: "string" } } },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "queryable-state gateway",
      version: o.version,
      description: "Reads keyed state of Flink jobs (and of queryable-state clusters) over HTTP, with types from a state catalog. " +
        "Values are lossless JSON: 64-bit integers, BigIntegers and decimals as strings, dates ISO-8601, bytes as hex. " +
        "Errors are RFC 9457 problem documents with a stable `code`.",
    },
    ...(o.auth ? { security } : {}),
    paths: {
      "/v1/jobs": {
        get: {
          operationId: "listJobs",
          summary: "The catalog's jobs and states, with the running jobs each name resolves to",
          security,
          responses: { "200": json(ref("JobsResponse"), "The catalog."), ...errors([401, 500]) },
        },
      },
      "/v1/jobs/{job}/states/{state}": {
        get: {
          operationId: "getValue",
          summary: "The value of one key",
          security,
          parameters: [jobParam, stateParam, keyParam, namespaceParam],
          responses: { "200": json(ref("ValueResponse"), "The value."), ...errors(queryErrors) },
        },
      },
      "/v1/jobs/{job}/states/{state}/batch": {
        post: {
          operationId: "getValues",
          summary: "The values of many keys in one call (one request per state server through a proxy of ours, concurrent single queries through Flink's); each key gets its value or its error, in order",
          security,
          parameters: [jobParam, stateParam],
          requestBody: { required: true, content: { "application/json": { schema: ref("BatchRequest") } } },
          responses: { "200": json(ref("BatchResponse"), "One result per key, in the order of the keys."), ...errors([...queryErrors, 413]) },
        },
      },
      "/v1/jobs/{job}/states/{state}/watch": {
        get: {
          operationId: "watchKeys",
          summary: "The changes of keys as they happen, as Server-Sent Events (through a proxy of ours): an event `change` per " +
            "change (a JSON `WatchEvent`) whose `id` is the version to resume from (`Last-Event-ID`), a comment line as a heartbeat, " +
            "an event `error` (a `Problem`) if the watch ends; latest values, at least once",
          security,
          parameters: [
            jobParam,
            stateParam,
            { ...keyParam, description: `${keyParam.description} Repeat it for several keys (at most ${o.maxBatchKeys}).` },
            namespaceParam,
            { name: "prefix", in: "query", required: false, schema: { type: "string" }, description: "Map states, one key: watch the entries whose map keys start with this." },
            { name: "fromVersion", in: "query", required: false, schema: { type: "string", pattern: "^[0-9]+$" }, description: "Resume after this version (an event's id); the Last-Event-ID header takes precedence. Without it the first events are the keys' current values." },
            { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string", pattern: "^[0-9]+$" }, description: "The id of the last event received (sent by EventSource when it reconnects)." },
          ],
          responses: {
            "200": {
              description: "A stream of Server-Sent Events; each `change` event's data is a `WatchEvent`.",
              content: { "text/event-stream": { schema: { type: "string" } } },
            },
            ...errors([...queryErrors, 413, 429, 501]),
          },
        },
      },
      "/v1/jobs/{job}/states/{state}/route": {
        get: {
          operationId: "explainRoute",
          summary: "How a key is routed: its Java hash, key group, subtask and the state server holding it (as far as known)",
          security,
          parameters: [jobParam, stateParam, keyParam],
          responses: { "200": json(ref("RouteResponse"), "The route."), ...errors(queryErrors) },
        },
      },
      "/v1/jobs/{job}/states/{state}/keys": {
        get: {
          operationId: "listKeys",
          summary: "One page of the state's keys (those with a value in the namespace), in key-group order; follow `cursor` (or the `Link` header's rel=\"next\") for the next page. Needs a proxy of ours: Flink's answers 501 UNSUPPORTED_BY_PEER",
          security,
          parameters: [jobParam, stateParam, pageSizeParam, cursorParam, keyGroupsParam, namespaceParam],
          responses: { "200": paged(ref("KeysResponse"), "The page."), ...errors([...queryErrors, 501]) },
        },
      },
      "/v1/jobs/{job}/states/{state}/scan": {
        get: {
          operationId: "scanMap",
          summary: "One page of a map state's entries for one key, in map-key order, optionally only map keys with a prefix or in [from, to); follow `cursor` (or the `Link` header's rel=\"next\") for the next page. Needs a proxy of ours: Flink's answers 501 UNSUPPORTED_BY_PEER",
          security,
          parameters: [
            jobParam, stateParam, keyParam,
            { name: "prefix", in: "query", required: false, schema: { type: "string" }, description: "Only map keys starting with this text (string map keys); not with from/to." },
            { name: "from", in: "query", required: false, schema: { type: "string" }, description: "The first map key (inclusive), written as `key` is." },
            { name: "to", in: "query", required: false, schema: { type: "string" }, description: "The end of the range (exclusive), written as `key` is." },
            pageSizeParam, cursorParam, namespaceParam,
          ],
          responses: { "200": paged(ref("ScanResponse"), "The page."), ...errors([...queryErrors, 501]) },
        },
      },
      "/v1/stats": {
        get: {
          operationId: "stats",
          summary: "The gateway's request rate, errors and latency per second over the last two minutes",
          security,
          responses: { "200": json(ref("StatsResponse"), "The statistics."), ...errors([401]) },
        },
      },
      "/healthz": { get: { operationId: "health", summary: "The process is up", security: [], responses: { "200": json(ref("Health"), "Up.") } } },
      "/readyz": {
        get: {
          operationId: "ready",
          summary: "The gateway can answer: a proxy answers and it is not shutting down",
          security: [],
          responses: { "200": json(ref("Health"), "Ready."), "503": json(ref("Health"), "Not ready (`reason` says why).") },
        },
      },
      "/metrics": {
        get: {
          operationId: "metrics",
          summary: "Prometheus metrics: requests by route and status, latency histograms, the proxy client's statistics",
          security,
          responses: { "200": { description: "Prometheus text format 0.0.4.", content: { "text/plain": { schema: { type: "string" } } } }, ...errors([401]) },
        },
      },
      "/openapi.json": {
        get: { operationId: "openapi", summary: "This document", security: [], responses: { "200": json({ type: "object" }, "OpenAPI 3.1.") } },
      },
      "/": {
        get: {
          operationId: "console",
          summary: "The web console",
          security: [],
          responses: { "200": { description: "An HTML page.", content: { "text/html": { schema: { type: "string" } } } } },
        },
      },
    },
    components: {
      ...(o.auth ? { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } } : {}),
      schemas: {
        Json: { description: "Any JSON value (lossless: longs and decimals as strings)." },
        JobRef: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "string", pattern: "^[0-9a-f]{32}$" }, name: { type: "string" } },
          additionalProperties: false,
        },
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail", "code"],
          properties: {
            type: { type: "string", description: "urn:queryable-state:error:CODE" },
            title: { type: "string" },
            status: { type: "integer", minimum: 400, maximum: 599 },
            detail: { type: "string", description: "What happened and what to do." },
            code: { type: "string", description: "The stable error code." },
            candidates: { type: "array", items: { type: "string" }, description: "AMBIGUOUS_JOB: the ids of the running jobs of that name." },
          },
          additionalProperties: false,
        },
        ValueResponse: {
          type: "object",
          required: ["job", "state", "key", "value"],
          properties: { job: ref("JobRef"), state: { type: "string" }, key: ref("Json"), namespace: ref("Json"), value: ref("Json") },
          additionalProperties: false,
        },
        KeysResponse: {
          type: "object",
          required: ["job", "state", "keys", "cursor"],
          properties: {
            job: ref("JobRef"),
            state: { type: "string" },
            namespace: ref("Json"),
            keys: { type: "array", items: ref("Json"), description: "The keys, as JSON (as `key` of a value is)." },
            cursor: { type: ["string", "null"], description: "Pass as `cursor` for the next page; null after the last." },
          },
          additionalProperties: false,
        },
        ScanResponse: {
          type: "object",
          required: ["job", "state", "key", "entries", "cursor"],
          properties: {
            job: ref("JobRef"),
            state: { type: "string" },
            key: ref("Json"),
            namespace: ref("Json"),
            entries: {
              type: "array",
              items: { type: "object", required: ["userKey", "value"], properties: { userKey: ref("Json"), value: ref("Json") }, additionalProperties: false },
              description: "The entries in map-key order (a value may be null).",
            },
            cursor: { type: ["string", "null"], description: "Pass as `cursor` for the next page; null after the last." },
          },
          additionalProperties: false,
        },
        BatchRequest: {
          type: "object",
          required: ["keys"],
          properties: {
            keys: { type: "array", minItems: 1, maxItems: o.maxBatchKeys, items: ref("Json"), description: "The keys, as JSON (strings for string keys)." },
            namespace: { ...ref("Json"), description: "The namespace of every key (window state)." },
            maxStalenessMs: { type: "integer", minimum: 0, description: "Fail keys whose state is further behind its input (412 FRESHNESS_BOUND_NOT_MET; 501 UNSUPPORTED_BY_PEER through a Flink proxy)." },
            minVersion: { type: "string", pattern: "^[0-9]+$", description: "Fail keys whose state's version is lower: read-your-writes with a version a writer saw." },
            waitMs: { type: "integer", minimum: 0, description: "Wait up to this long for the bounds to be met." },
          },
          additionalProperties: false,
          description: `At most ${o.maxBatchKeys} keys and ${o.maxBodyBytes} bytes.`,
        },
        BatchResponse: {
          type: "object",
          required: ["job", "state", "results"],
          properties: {
            job: ref("JobRef"),
            state: { type: "string" },
            results: {
              type: "array",
              items: {
                oneOf: [
                  { type: "object", required: ["key", "value"], properties: { key: ref("Json"), value: ref("Json"), freshness: ref("Freshness") }, additionalProperties: false },
                  { type: "object", required: ["key", "error"], properties: { key: ref("Json"), error: ref("Problem"), freshness: ref("Freshness") }, additionalProperties: false },
                ],
              },
            },
          },
          additionalProperties: false,
        },
        Freshness: {
          type: "object",
          description: "Where the key was served and how fresh its state is (our proxies and state servers only).",
          required: ["node", "keyGroup", "version", "lastUpdateMs", "asOfMs", "stalenessMs"],
          properties: {
            node: { type: "string", description: "host:port of the state server." },
            keyGroup: { type: "integer" },
            version: { type: "string", pattern: "^[0-9]+$", description: "Moves on with every write in the key group; pass as minVersion." },
            lastUpdateMs: { type: ["integer", "null"], description: "The last write, ms since the epoch (null: never)." },
            asOfMs: { type: "integer", description: "Every record the subtask received before this time is applied." },
            stalenessMs: { type: "integer", minimum: 0, description: "How far behind its input the state was." },
          },
          additionalProperties: false,
        },
        WatchEvent: {
          type: "object",
          description: "The data of a `change` event: a key's new value (or its deletion); with `prefix`, one map entry's.",
          required: ["job", "state", "key", "version", "node", "resumeVersion"],
          properties: {
            job: ref("JobRef"),
            state: { type: "string" },
            key: ref("Json"),
            userKey: { ...ref("Json"), description: "Prefix watches: the map entry's key." },
            value: ref("Json"),
            deleted: { const: true, description: "The key (or map entry) has no value any more." },
            version: { type: "string", pattern: "^[0-9]+$", description: "The version of the newest write of the key." },
            node: { type: "string", description: "host:port of the state server that served it." },
            resumeVersion: { type: "string", pattern: "^[0-9]+$", description: "The event's id: resume after it with fromVersion or Last-Event-ID." },
          },
          additionalProperties: false,
        },
        RouteResponse: {
          type: "object",
          required: ["job", "state", "key", "javaHashCode", "murmurHash"],
          properties: {
            job: ref("JobRef"),
            state: { type: "string" },
            key: ref("Json"),
            javaHashCode: { type: "integer" },
            murmurHash: { type: "integer" },
            maxParallelism: { type: "integer" },
            keyGroup: { type: "integer" },
            parallelism: { type: "integer" },
            operatorIndex: { type: "integer" },
            server: { type: "string", description: "host:port of the state server holding the key group." },
            vertex: { type: "string" },
            notes: { type: "array", items: { type: "string" }, description: "Where the figures came from, and what is unknown." },
          },
          additionalProperties: false,
        },
        CatalogType: { oneOf: [{ type: "string" }, { type: "object", required: ["serializer", "reason"] }] },
        JobsResponse: {
          type: "object",
          required: ["jobs", "resolvesNames"],
          properties: {
            catalog: { type: "string", description: "Where the catalog was read from." },
            resolvesNames: { type: "boolean", description: "Whether job names resolve through a listing (Flink's REST API or a coordinator)." },
            listingError: ref("Problem"),
            jobs: {
              type: "array",
              items: {
                type: "object",
                required: ["name", "states"],
                properties: {
                  name: { type: "string" },
                  jobId: { type: "string" },
                  running: { type: "array", items: { type: "string" }, description: "Ids of the running jobs this name resolves to." },
                  states: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["name", "queryableName", "kind", "key", "value"],
                      properties: {
                        name: { type: "string" },
                        queryableName: { type: "string" },
                        aliases: { type: "array", items: { type: "string" } },
                        kind: { enum: ["value", "list", "map", "reducing", "aggregating", "folding"] },
                        key: ref("CatalogType"),
                        namespace: ref("CatalogType"),
                        value: ref("CatalogType"),
                        userKey: ref("CatalogType"),
                        maxParallelism: { type: "integer" },
                        operator: { type: "string" },
                        description: { type: "string" },
                      },
                      additionalProperties: false,
                    },
                  },
                },
                additionalProperties: false,
              },
            },
          },
          additionalProperties: false,
        },
        StatsResponse: {
          type: "object",
          required: ["now", "series", "totals"],
          properties: {
            now: { type: "integer" },
            series: {
              type: "array",
              items: {
                type: "object",
                required: ["t", "requests", "keys", "clientErrors", "serverErrors", "p50", "p90", "p99"],
                properties: {
                  t: { type: "integer" },
                  requests: { type: "integer" },
                  keys: { type: "integer" },
                  clientErrors: { type: "integer" },
                  serverErrors: { type: "integer" },
                  p50: { type: ["number", "null"] },
                  p90: { type: ["number", "null"] },
                  p99: { type: ["number", "null"] },
                },
                additionalProperties: false,
              },
            },
            totals: { type: "object" },
            upstream: { type: "object" },
          },
          additionalProperties: false,
        },
        Health: {
          type: "object",
          required: ["status"],
          properties: { status: { enum: ["ok", "ready", "unavailable"] }, reason: { type: "string" } },
          additionalProperties: false,
        },
      },
    },
  };
}
