/**
 * The gateway's watch: `GET /v1/jobs/{job}/states/{state}/watch?key=…` as Server-Sent Events. Each change is an event
 * `change` whose `id:` is the watch's resume version, so a browser's `EventSource` (or any client sending
 * `Last-Event-ID`) resumes after the last event it got; a comment line every `heartbeatMs` keeps proxies and load
 * balancers from closing a quiet stream. The stream pulls: the watch polls again only when the HTTP client has read
 * what came before (backpressure). The upstream poll is released when the HTTP client goes away or the gateway closes;
 * a watch that fails after the stream began ends with an event `error` holding the problem document.
 */
import type { Hono } from "hono";
import type { CatalogStateTypes, JsonValue, QueryableStateClient } from "./core.ts";
import { InvalidArgumentError, toJsonValue, UnsupportedByPeerError, valueFromText } from "./core.ts";
import { expression, type GatewayContext } from "./context.ts";
import { GatewayRequestError, problemOf } from "./errors.ts";

/** What one watch stream reads. */
export interface WatchStreamRequest {
  readonly client: QueryableStateClient;
  readonly jobId: string;
  readonly types: CatalogStateTypes;
  readonly jobRef: { id: string; name?: string };
  /** The keys (a prefix watch: one). */
  readonly keys: readonly unknown[];
  /** A map state's user-key prefix, or undefined. */
  readonly prefix: unknown;
  readonly namespace: unknown;
  readonly fromVersion: bigint | undefined;
  readonly heartbeatMs: number;
  /** Aborted when the HTTP request goes away. */
  readonly signal: AbortSignal | undefined;
  /** The gateway's open streams (closed when it closes). */
  readonly streams: Set<AbortController>;
}

const ENCODER = new TextEncoder();

function plain(kind: string, state: unknown): unknown {
  if (kind === "value") return (state as { value(): unknown }).value();
  if (kind === "list") return [...(state as { get(): Iterable<unknown> }).get()];
  return new Map((state as { entries(): Iterable<[unknown, unknown]> }).entries());
}

/** The SSE response of a watch (the checks that can fail with a status are done before: see the route). */
export function watchStream(r: WatchStreamRequest): Response {
  const stop = new AbortController();
  r.streams.add(stop);
  const onGone = () => stop.abort();
  r.signal?.addEventListener("abort", onGone, { once: true });
  const { entry, keyType, namespaceType, descriptor } = r.types;
  const options = {
    fromVersion: r.fromVersion,
    signal: stop.signal,
    ...(namespaceType === undefined ? {} : { namespace: r.namespace, namespaceType }),
  };
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  stop.signal.addEventListener("abort", () => clearInterval(heartbeat), { once: true });
  const finish = () => {
    clearInterval(heartbeat);
    r.signal?.removeEventListener("abort", onGone);
    r.streams.delete(stop);
    stop.abort();
  };
  const base = { job: r.jobRef, state: entry.state.name };
  // One event's data from the iterator's next item; the iterator polls again only when the stream wants more
  // (pull): an HTTP client that stops reading stops the watch's polls (backpressure).
  const events: AsyncIterator<{ id: bigint; data: unknown }> = (async function* () {
    if (r.prefix !== undefined) {
      const it = r.client.watch(r.jobId, entry.queryableName, { key: r.keys[0], prefix: r.prefix }, keyType, descriptor as never, options);
      for await (const e of it as AsyncIterable<{ key: unknown; userKey: unknown; value: unknown; deleted: boolean; version: bigint; node: string; resumeVersion: bigint }>) {
        yield {
          id: e.resumeVersion,
          data: {
            ...base,
            key: toJsonValue(e.key),
            userKey: toJsonValue(e.userKey),
            ...(e.deleted ? { deleted: true } : { value: toJsonValue(e.value) }),
            version: String(e.version),
            node: e.node,
            resumeVersion: String(e.resumeVersion),
          },
        };
      }
      return;
    }
    for await (const e of r.client.watch(r.jobId, entry.queryableName, r.keys, keyType, descriptor, options)) {
      yield {
        id: e.resumeVersion,
        data: {
          ...base,
          key: toJsonValue(e.key),
          ...(e.deleted ? { deleted: true } : { value: toJsonValue(plain(descriptor.kind, e.state)) as JsonValue }),
          version: String(e.version),
          node: e.node,
          resumeVersion: String(e.resumeVersion),
        },
      };
    }
  })();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(ENCODER.encode(text));
      };
      send(`: watching ${entry.state.name}\nretry: 1000\n\n`);
      heartbeat = setInterval(() => send(": heartbeat\n\n"), r.heartbeatMs);
    },
    async pull(controller) {
      const end = () => {
        finish();
        try {
          controller.close();
        } catch {
          // The client went away: the stream is cancelled already.
        }
      };
      try {
        const next = await events.next();
        if (next.done || stop.signal.aborted) return end();
        controller.enqueue(ENCODER.encode(`id: ${next.value.id}\nevent: change\ndata: ${JSON.stringify(next.value.data)}\n\n`));
      } catch (e) {
        if (!stop.signal.aborted) controller.enqueue(ENCODER.encode(`event: error\ndata: ${JSON.stringify(problemOf(e))}\n\n`));
        end();
      }
    },
    cancel() {
      finish();
      events.return?.(undefined).catch(() => {});
    },
  });
  return new Response(body, {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}

/** Adds `GET …/watch` to `app`: its streams are kept in `streams` (the gateway aborts them when it closes). */
export function watchRoute(app: Hono, g: GatewayContext, streams: Set<AbortController>, heartbeatMs: number): void {
  app.get("/v1/jobs/:job/states/:state/watch", async (c) => {
    if (streams.size >= g.limits.maxWatchStreams) {
      c.header("retry-after", "5");
      throw new GatewayRequestError(
        "TOO_MANY_STREAMS",
        `The gateway holds ${streams.size} watch streams, its limit (maxWatchStreams, --max-watch-streams): close one, or watch through another instance.`,
      );
    }
    const { job, entry, types: t, jobRef } = await g.target(c);
    const texts = c.req.queries("key") ?? [];
    if (texts.length === 0) throw new InvalidArgumentError(`Give the keys to watch: ?key=…&key=… (each a ${expression(entry.state.key)}).`);
    if (texts.length > g.limits.maxBatchKeys) {
      throw new GatewayRequestError("REQUEST_TOO_LARGE", `The watch has ${texts.length} keys; at most ${g.limits.maxBatchKeys} are allowed: watch fewer at once.`);
    }
    const keys = texts.map((text) => valueFromText(t.keyType, text, "key", expression(entry.state.key)));
    const prefixText = c.req.query("prefix");
    let prefix: unknown;
    if (prefixText !== undefined) {
      if (t.descriptor.kind !== "map" || keys.length !== 1) throw new InvalidArgumentError(`"prefix" watches the entries of one key of a map state; ${entry.label} is a ${t.descriptor.kind} state.`);
      prefix = valueFromText(t.descriptor.userKeySerializer, prefixText, "prefix", "the map's key type");
    }
    const namespace = g.namespaceOf(c.req.query("namespace"), undefined, t);
    // A reconnecting EventSource sends the last event's id: it takes precedence over fromVersion.
    const from = c.req.header("last-event-id") ?? c.req.query("fromVersion");
    if (from !== undefined && !/^\d{1,19}$/.test(from)) {
      throw new InvalidArgumentError(`The version to resume from (Last-Event-ID or fromVersion) must be a version as the events give it (digits), got '${from}'.`);
    }
    // A proxy that cannot watch fails now, with its status, rather than inside the stream.
    const peer = await g.client.peerExtensions({ timeoutMs: g.limits.timeoutMs });
    if (!peer?.extensions.has("watch")) {
      throw new UnsupportedByPeerError("watch", peer === null ? "the proxy speaks no protocol extensions (a Flink proxy): read the state with GET instead" : `the proxy (${peer.implementation}) does not offer it`);
    }
    return watchStream({
      client: g.client,
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

}
