/**
 * Map scans ({@link QueryableStateClient.scanMapState}, the `map-scan` extension): one key's MapState a page at a time,
 * in the order of its user keys, optionally only those with a prefix (string user keys) or in a range, with an opaque
 * cursor. Flink's proxy cannot scan: the call fails with `UNSUPPORTED_BY_PEER` (read the whole map with `getKvState`).
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, QueryableStateError, SerializationError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import {
  ExtStatus,
  INVALID_CURSOR_CLASS,
  InvalidCursorError,
  UNSUPPORTED_BY_PEER_CLASS,
  UnsupportedByPeerError,
} from "../protocol/extensions.ts";
import { errorFromJavaThrowable } from "../protocol/remote-errors.ts";
import { encodeScan, EXT_SCAN, readScanAnswer, ScanOp } from "../protocol/scan.ts";
import type { MapStateDescriptor } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import type { VoidNamespace } from "../types/void-namespace.ts";
import { type ExtensionSession, PlainPeer } from "./extensions.ts";
import { fromBase64Url, toBase64Url } from "./keys.ts";

/** Options of {@link QueryableStateClient.scanMapState}. */
export interface ScanMapOptions<UK, N = VoidNamespace> {
  /** Only user keys starting with this text (string user keys). */
  prefix?: UK;
  /** The first user key (inclusive). */
  from?: UK;
  /** The end (exclusive). */
  to?: UK;
  /** Most entries in the page (the proxy allows up to its `map-scan.max-page-size`, 10000 by default). @default 1000 */
  pageSize?: number;
  /** Resume after the page that gave this cursor (the same key, namespace and bounds). */
  cursor?: string;
  /** The namespace to read. @default VoidNamespace */
  namespace?: N;
  /** Serializer of `namespace`. */
  namespaceType?: TypeSerializer<N>;
  /** Abort the call. */
  signal?: AbortSignal;
  /** Time for this page. @default the client's `requestTimeoutMs` */
  timeoutMs?: number;
}

/** One page of a map: its entries in user-key order, and the cursor of the next page (undefined after the last). */
export interface MapPage<UK, UV> {
  /** `[userKey, value]` pairs (a value may be null, as Flink's map states allow). */
  readonly entries: [UK, UV | null][];
  /** Pass it as `cursor` for the next page; undefined when the map has no more entries within the bounds. */
  readonly cursor: string | undefined;
}

/** What a scan needs of its client. */
export interface ScanHost {
  readonly session: ExtensionSession;
  readonly defaultTimeoutMs: number;
  /** The Java hash and key+namespace bytes of the key (throws InvalidArgumentError). */
  serializeKey(key: unknown, options: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> }): { keyHash: number; keyAndNamespace: Uint8Array };
}

function bytesOf<T>(serializer: TypeSerializer<T>, v: T | undefined, what: string): Uint8Array | null {
  if (v === undefined) return null;
  const w = new ByteWriter(32);
  try {
    serializer.serialize(v, w);
  } catch (e) {
    throw new InvalidArgumentError(`Could not serialize the scan's ${what} with ${serializer.name}: ${(e as Error).message}`, { cause: e });
  }
  return w.toBytes();
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

/** One page of the map of `key` in `stateName` (see {@link QueryableStateClient.scanMapState}). */
export async function scanMapPage<K, UK, UV>(
  host: ScanHost,
  job: JobID,
  stateName: string,
  key: K,
  descriptor: MapStateDescriptor<UK, UV>,
  options: ScanMapOptions<UK, unknown>,
): Promise<MapPage<UK, UV>> {
  if (descriptor === null || typeof descriptor !== "object" || descriptor.kind !== "map") {
    throw new InvalidArgumentError("scanMapState needs a map state descriptor (mapState(name, userKeySerializer, userValueSerializer)).");
  }
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}.`);
  if (options.prefix !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new InvalidArgumentError("Give a prefix or a range (from, to), not both.");
  }
  const { keyHash, keyAndNamespace } = host.serializeKey(key, options as { namespace?: unknown; namespaceType?: TypeSerializer<unknown> });
  const uk = descriptor.userKeySerializer;
  const from = bytesOf(uk, options.from, "start"), to = bytesOf(uk, options.to, "end"), prefix = bytesOf(uk, options.prefix, "prefix");
  const cursor = options.cursor === undefined ? null : fromBase64Url(options.cursor);
  const timeoutMs = options.timeoutMs ?? (host.defaultTimeoutMs === Infinity ? undefined : host.defaultTimeoutMs);
  const unsupported = (detail: string, cause?: unknown) => new UnsupportedByPeerError(EXT_SCAN, detail, { cause });
  const peer = await host.session.peer({ signal: options.signal, timeoutMs });
  if (!peer?.extensions.has(EXT_SCAN)) {
    throw unsupported(peer === null
      ? "the proxy speaks no protocol extensions (a Flink proxy, or extensions: \"off\"): read the whole map with getKvState"
      : `the proxy (${peer.implementation}) does not offer it`);
  }
  let answer;
  try {
    const payload = encodeScan({ jobId: job.toBytes(), stateName, keyHash, keyAndNamespace, flags: 0, from, to, prefix, pageSize, cursor });
    answer = await host.session.request(ScanOp.SCAN, payload, { signal: options.signal, timeoutMs });
  } catch (e) {
    if (e instanceof PlainPeer) throw unsupported("the proxy answered as a Flink proxy does", e);
    throw e;
  }
  switch (answer.status) {
    case ExtStatus.OK: {
      const page = readScanAnswer(answer.body);
      return {
        entries: page.entries.map((e) => [
          read(uk, e.key, "user key", stateName),
          e.value === null ? null : read(descriptor.userValueSerializer, e.value, "value", stateName),
        ]),
        cursor: page.cursor === null ? undefined : toBase64Url(page.cursor),
      };
    }
    case ExtStatus.FAILED:
      if (answer.failure.className === INVALID_CURSOR_CLASS) throw new InvalidCursorError(answer.failure.message ?? "The proxy cannot resume this cursor.");
      if (answer.failure.className === UNSUPPORTED_BY_PEER_CLASS) throw unsupported(answer.failure.message ?? "a state server cannot scan maps");
      throw errorFromJavaThrowable(answer.failure);
    case ExtStatus.UNSUPPORTED:
      throw unsupported(answer.reason);
    default:
      throw unsupported(`the proxy answered a scan with status ${answer.status}`);
  }
}
