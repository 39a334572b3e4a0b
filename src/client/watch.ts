/**
 * Watches ({@link QueryableStateClient.watch}, the `watch` extension): changes of keys of one state, or of the entries
 * of one key's MapState under a prefix, as an async iterator. Each step is a long poll (WATCH) that the proxy answers
 * as soon as a key changed after its from-version, or empty after `waitMs`; the next poll leaves only when the
 * consumer asks for more (backpressure), from the versions delivered so far, so a poll that failed (a proxy gone, a
 * timeout) is sent again — to another proxy when the client has several — and nothing is lost. Delivery is of latest
 * values, at least once: a key written twice between polls is delivered once, with its newest value and version.
 * Flink's proxy cannot watch: the iterator fails with `UNSUPPORTED_BY_PEER`.
 */
import { ByteReader, ByteWriter, bytesEqual } from "../core/bytes.ts";
import { type Clock, sleep } from "../core/clock.ts";
import { InvalidArgumentError, QueryableStateError, SerializationError, WatchEndedError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import { RequestAbortedError } from "../net/errors.ts";
import { ExtStatus, UNSUPPORTED_BY_PEER_CLASS, UnsupportedByPeerError } from "../protocol/extensions.ts";
import { errorFromJavaThrowable } from "../protocol/remote-errors.ts";
import { ChangeTag, encodeWatch, encodeWatchCancel, EXT_WATCH, readWatchAnswer, WATCH_ENDED_CLASS, WatchOp } from "../protocol/watch.ts";
import type { MapStateDescriptor, StateDescriptor } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import type { VoidNamespace } from "../types/void-namespace.ts";
import { type ExtensionSession, PlainPeer } from "./extensions.ts";
import type { ImmutableState, ImmutableStateFor } from "./immutable-states.ts";

/** Options of {@link QueryableStateClient.watch}. */
export interface WatchOptions<N = VoidNamespace> {
  /**
   * Deliver only changes after this version (an event's `resumeVersion`, e.g. after a restart). Without it, the first
   * answer delivers every watched key that has a value (a snapshot), then the changes.
   */
  fromVersion?: bigint;
  /** Ends the iteration (the held poll is released at once). */
  signal?: AbortSignal;
  /** How long each poll may be held when nothing changes. @default the proxy's `watch.max-wait-ms`, at most 20000 */
  waitMs?: number;
  /** Time for a poll's answer beyond `waitMs`. @default the client's `requestTimeoutMs` */
  timeoutMs?: number;
  /** Failed polls in a row (timeouts, lost connections) after which the iterator throws. @default 5 */
  retries?: number;
  /** The namespace of the keys. @default VoidNamespace */
  namespace?: N;
  /** Serializer of `namespace`. */
  namespaceType?: TypeSerializer<N>;
}

/** A change of a watched key. */
export interface WatchEvent<K, S> {
  /** The key. */
  readonly key: K;
  /** The version of the key's newest write (time-based: `version >> 16n` is its time in ms since the epoch). */
  readonly version: bigint;
  /** The key's state now; undefined when `deleted`. */
  readonly state: S | undefined;
  /** The key has no value any more (or, resuming, had none). */
  readonly deleted: boolean;
  /** The state server that served it (`host:port`). */
  readonly node: string;
  /** Pass it as `fromVersion` to resume after this event without losing any change (some may come again). */
  readonly resumeVersion: bigint;
}

/** A change of an entry of a watched map (a prefix watch). */
export interface MapWatchEvent<K, UK, UV> {
  /** The key whose map it is. */
  readonly key: K;
  /** The entry's user key. */
  readonly userKey: UK;
  /** The entry's value now (null: a null value); undefined when `deleted`. */
  readonly value: UV | null | undefined;
  /** The entry is gone. */
  readonly deleted: boolean;
  /** The version of the map's newest write. */
  readonly version: bigint;
  /** The state server that served it (`host:port`). */
  readonly node: string;
  /** Pass it as `fromVersion` to resume after this event (a resumed prefix watch delivers the entries again). */
  readonly resumeVersion: bigint;
}

/** What a watch needs of its client. */
export interface WatchHost {
  readonly session: ExtensionSession;
  readonly clock: Clock;
  readonly defaultTimeoutMs: number;
  /** The Java hash and key+namespace bytes of a key (throws InvalidArgumentError). */
  serializeKey(key: unknown, options: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> }): { keyHash: number; keyAndNamespace: Uint8Array };
  /** Decodes a value as the descriptor's read-only state. */
  decode(bytes: Uint8Array): ImmutableState;
}

/** Failures a poll is sent again after. */
const TRANSIENT = new Set([
  "TIMEOUT",
  "CONNECT_FAILED",
  "CONNECTION_CLOSED",
  "SERVER_FAILURE",
  "SERVER_UNREACHABLE",
  "UNKNOWN_KV_STATE_ID",
  "UNKNOWN_KEY_GROUP_LOCATION",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CLOSED",
]);

function randomPollId(): bigint {
  const b = new Uint32Array(2);
  crypto.getRandomValues(b);
  return (BigInt(b[0] & 0x7fffffff) << 32n) | BigInt(b[1]);
}

function idOf(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function read<T>(serializer: TypeSerializer<T>, bytes: Uint8Array, what: string, stateName: string): T {
  const r = new ByteReader(bytes);
  try {
    const v = serializer.deserialize(r);
    if (r.remaining !== 0) throw new SerializationError(`${r.remaining} byte(s) left over`);
    return v;
  } catch (e) {
    if (e instanceof QueryableStateError && !(e instanceof SerializationError) && e.code !== "TRUNCATED_INPUT") throw e;
    throw new SerializationError(
      `Could not decode a ${what} of map state '${stateName}' with ${serializer.name}: ${(e as Error).message}. Use the map descriptor's serializers the job uses.`,
      { cause: e },
    );
  }
}

interface Plan<K> {
  readonly keys: readonly K[];
  readonly prefix: Uint8Array | null;
}

type RawEvent =
  | { readonly i: number; readonly kind: "value"; readonly version: bigint; readonly resume: bigint; readonly node: string; readonly value: Uint8Array | null }
  | { readonly i: number; readonly kind: "entry"; readonly version: bigint; readonly resume: bigint; readonly node: string; readonly userKey: Uint8Array; readonly value: Uint8Array | null | undefined };

/** The watch loop: yields raw events; the typed wrappers decode them. */
async function* poll<K>(
  host: WatchHost,
  job: JobID,
  stateName: string,
  plan: Plan<K>,
  options: WatchOptions<unknown>,
  from: bigint[],
): AsyncGenerator<RawEvent, void, undefined> {
  const serialized = plan.keys.map((k) => host.serializeKey(k, options as { namespace?: unknown; namespaceType?: TypeSerializer<unknown> }));
  const timeoutMs = options.timeoutMs ?? (host.defaultTimeoutMs === Infinity ? 5000 : host.defaultTimeoutMs);
  const retries = options.retries ?? 5;
  if (!Number.isInteger(retries) || retries < 0) throw new InvalidArgumentError(`retries must be a non-negative integer, got ${retries}.`);
  const unsupported = (detail: string, cause?: unknown) => new UnsupportedByPeerError(EXT_WATCH, detail, { cause });
  const stop = new AbortController();
  const user = options.signal;
  const onAbort = () => stop.abort(user?.reason);
  user?.addEventListener("abort", onAbort, { once: true });
  if (user?.aborted) return;
  let current: bigint | undefined;
  /** Prefix watches: the entries under the prefix as last delivered (undefined: not known yet). */
  let known: Map<string, { key: Uint8Array; value: Uint8Array | null }> | undefined;
  try {
    const peer = await host.session.peer({ signal: stop.signal, timeoutMs });
    if (!peer?.extensions.has(EXT_WATCH)) {
      throw unsupported(peer === null
        ? "the proxy speaks no protocol extensions (a Flink proxy, or extensions: \"off\"): poll with getKvState instead"
        : `the proxy (${peer.implementation}) does not offer it`);
    }
    const waitMs = Math.max(0, Math.floor(options.waitMs ?? Math.min(peer.limits.get("watch.max-wait-ms") ?? 20_000, 20_000)));
    let failures = 0;
    for (;;) {
      if (stop.signal.aborted) return;
      current = randomPollId();
      let answer;
      try {
        const payload = encodeWatch({
          jobId: job.toBytes(),
          stateName,
          flags: 0,
          waitMs,
          pollId: current,
          keys: serialized.map((s, i) => ({ keyHash: s.keyHash, fromVersion: from[i], keyAndNamespace: s.keyAndNamespace })),
          prefix: plan.prefix,
        });
        answer = await host.session.request(WatchOp.WATCH, payload, { signal: stop.signal, timeoutMs: waitMs + timeoutMs, longPollMs: waitMs });
      } catch (e) {
        if (stop.signal.aborted || e instanceof RequestAbortedError) return;
        if (e instanceof PlainPeer) throw unsupported("the proxy answered as a Flink proxy does", e);
        if (e instanceof QueryableStateError && TRANSIENT.has(e.code) && failures < retries) {
          failures++;
          await sleep(host.clock, Math.min(50 * 2 ** failures, 2000), stop.signal).catch(() => {});
          continue;
        }
        throw e;
      }
      current = undefined;
      if (answer.status === ExtStatus.FAILED) {
        const f = answer.failure;
        if (f.className === WATCH_ENDED_CLASS) throw new WatchEndedError(`The watch of '${stateName}' ended: ${f.message ?? "(no reason given)"}`, minOf(from));
        if (f.className === UNSUPPORTED_BY_PEER_CLASS) throw unsupported(f.message ?? "a state server cannot watch");
        const e = errorFromJavaThrowable(f);
        if (e instanceof QueryableStateError && TRANSIENT.has(e.code) && failures < retries) {
          failures++;
          await sleep(host.clock, Math.min(50 * 2 ** failures, 2000), stop.signal).catch(() => {});
          continue;
        }
        throw e;
      }
      if (answer.status !== ExtStatus.OK) throw unsupported(answer.status === ExtStatus.UNSUPPORTED ? answer.reason : `the proxy answered a watch with status ${answer.status}`);
      failures = 0;
      const { changes, nodes } = readWatchAnswer(answer.body, serialized.length);
      const events: RawEvent[] = [];
      for (let i = 0; i < changes.length; i++) {
        const c = changes[i];
        switch (c.tag) {
          case ChangeTag.UNCHANGED:
            if (c.resumeVersion > from[i]) from[i] = c.resumeVersion;
            break;
          case ChangeTag.ENDED:
            throw new WatchEndedError(`The watch of '${stateName}' ended: ${c.reason}`, minOf(from));
          case ChangeTag.VALUE:
          case ChangeTag.DELETED:
            events.push({ i, kind: "value", version: c.version, resume: c.resumeVersion, node: nodes[i], value: c.tag === ChangeTag.VALUE ? c.value : null });
            break;
          case ChangeTag.ENTRIES: {
            const now = new Map<string, { key: Uint8Array; value: Uint8Array | null }>();
            for (const e of c.entries) now.set(idOf(e.key), e);
            const base = { i, kind: "entry" as const, version: c.version, resume: c.resumeVersion, node: nodes[i] };
            for (const [id, e] of now) {
              const before = known?.get(id);
              if (before === undefined || !sameBytes(before.value, e.value)) events.push({ ...base, userKey: e.key, value: e.value });
            }
            if (known !== undefined) for (const [id, e] of known) if (!now.has(id)) events.push({ ...base, userKey: e.key, value: undefined });
            known = now;
            if (c.resumeVersion > from[i]) from[i] = c.resumeVersion;
            break;
          }
        }
      }
      for (const e of events) {
        if (e.resume > from[e.i]) from[e.i] = e.resume;
        yield e;
      }
    }
  } finally {
    user?.removeEventListener("abort", onAbort);
    stop.abort();
    // A poll still held for us: have it answered now (best effort; the proxy also answers it when its wait is over).
    if (current !== undefined) host.session.request(WatchOp.WATCH_CANCEL, encodeWatchCancel(current), { timeoutMs }).catch(() => {});
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}

function minOf(vs: readonly bigint[]): bigint {
  let m = vs[0] ?? 0n;
  for (const v of vs) if (v < m) m = v;
  return m;
}

function checkFrom(options: WatchOptions<unknown>): bigint {
  const f = options.fromVersion ?? 0n;
  if (typeof f !== "bigint" || f < 0n || f > 0x7fff_ffff_ffff_ffffn) throw new InvalidArgumentError(`fromVersion must be a bigint in [0, 2^63), got ${String(f)}.`);
  return f;
}

/** Watches keys of a state (see {@link QueryableStateClient.watch}). */
export async function* watchKeys<K, D extends StateDescriptor>(
  host: WatchHost,
  job: JobID,
  stateName: string,
  keys: readonly K[],
  options: WatchOptions<unknown>,
): AsyncGenerator<WatchEvent<K, ImmutableStateFor<D>>, void, undefined> {
  if (!Array.isArray(keys) || keys.length === 0) throw new InvalidArgumentError("watch needs at least one key.");
  const from = keys.map(() => checkFrom(options));
  for await (const e of poll(host, job, stateName, { keys, prefix: null }, options, from)) {
    if (e.kind !== "value") continue;
    yield {
      key: keys[e.i],
      version: e.version,
      state: e.value === null ? undefined : host.decode(e.value) as ImmutableStateFor<D>,
      deleted: e.value === null,
      node: e.node,
      resumeVersion: minOf(from),
    };
  }
}

/** Watches the entries of one key's map under a prefix (see {@link QueryableStateClient.watch}). */
export async function* watchMapPrefix<K, UK, UV>(
  host: WatchHost,
  job: JobID,
  stateName: string,
  key: K,
  prefix: UK,
  descriptor: MapStateDescriptor<UK, UV>,
  options: WatchOptions<unknown>,
): AsyncGenerator<MapWatchEvent<K, UK, UV>, void, undefined> {
  if (descriptor === null || typeof descriptor !== "object" || descriptor.kind !== "map") {
    throw new InvalidArgumentError("A prefix watch needs a map state descriptor (mapState(name, userKeySerializer, userValueSerializer)).");
  }
  const w = new ByteWriter(32);
  try {
    descriptor.userKeySerializer.serialize(prefix, w);
  } catch (e) {
    throw new InvalidArgumentError(`Could not serialize the prefix with ${descriptor.userKeySerializer.name}: ${(e as Error).message}`, { cause: e });
  }
  const from = [checkFrom(options)];
  for await (const e of poll(host, job, stateName, { keys: [key], prefix: w.toBytes() }, options, from)) {
    if (e.kind !== "entry") continue;
    yield {
      key,
      userKey: read(descriptor.userKeySerializer, e.userKey, "user key", stateName),
      value: e.value === undefined ? undefined : e.value === null ? null : read(descriptor.userValueSerializer, e.value, "value", stateName),
      deleted: e.value === undefined,
      version: e.version,
      node: e.node,
      resumeVersion: from[0],
    };
  }
}
