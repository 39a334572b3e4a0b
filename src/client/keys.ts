/**
 * Key listing ({@link QueryableStateClient.listKeys}, the `keys` extension): a state's keys a page at a time, in
 * (key group, key bytes) order, with an opaque cursor that resumes where the last page ended, on whichever state
 * server holds that key group by then. Flink's proxy cannot list keys: the call fails with `UNSUPPORTED_BY_PEER`.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, QueryableStateError, SerializationError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import { finishDecode } from "../types/decode-errors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { type VoidNamespace, voidNamespaceSerializer } from "../types/void-namespace.ts";
import {
  encodeKeys,
  EXT_KEYS,
  ExtOp,
  ExtStatus,
  INVALID_CURSOR_CLASS,
  InvalidCursorError,
  readKeysAnswer,
  UNSUPPORTED_BY_PEER_CLASS,
  UnsupportedByPeerError,
} from "../protocol/extensions.ts";
import { errorFromJavaThrowable } from "../protocol/remote-errors.ts";
import { type ExtensionSession, PlainPeer } from "./extensions.ts";

/** Options of {@link QueryableStateClient.listKeys}. */
export interface ListKeysOptions<N = VoidNamespace> {
  /** List the keys that have a value in this namespace. @default VoidNamespace */
  namespace?: N;
  /** Serializer of `namespace`; required with any namespace other than VoidNamespace. */
  namespaceType?: TypeSerializer<N>;
  /** Most keys in the page (the proxy allows up to its `keys.max-page-size`, 10000 by default). @default 1000 */
  pageSize?: number;
  /** Resume after the page that gave this cursor (the same job, state, namespace and key groups). */
  cursor?: string;
  /** Only these key groups (inclusive). @default all */
  keyGroups?: { readonly from: number; readonly to: number };
  /** Abort the call. */
  signal?: AbortSignal;
  /** Time for this page. @default the client's `requestTimeoutMs` */
  timeoutMs?: number;
}

/** One page of keys: the keys, and the cursor of the next page (undefined: that was the last). */
export interface KeyPage<K> {
  /** The keys of the page, in key-group order, then in the order of their bytes. */
  readonly keys: K[];
  /** Pass it as `cursor` for the next page; undefined when every key was listed. */
  readonly cursor: string | undefined;
}

/** What the listing needs of its client. */
export interface KeysHost {
  readonly session: ExtensionSession;
  readonly defaultTimeoutMs: number;
}

const MAX_KEY_GROUP = 0x7fffffff;

/** A cursor's bytes as base64url text. */
export function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A cursor's bytes from its base64url text (InvalidCursorError when it is not base64url). */
export function fromBase64Url(text: string): Uint8Array {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) throw new InvalidCursorError("The cursor is not one a page of keys gave (base64url text expected): pass it as it came.");
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** One page of the keys of `stateName` (see {@link QueryableStateClient.listKeys}). */
export async function listKeysPage<K, N>(
  host: KeysHost,
  job: JobID,
  stateName: string,
  keyType: TypeSerializer<K>,
  options: ListKeysOptions<N>,
): Promise<KeyPage<K>> {
  if (keyType === null || typeof keyType !== "object" || typeof keyType.deserialize !== "function") {
    throw new InvalidArgumentError("keyType must be the serializer the job keys the state by (e.g. stringSerializer).");
  }
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}.`);
  const from = options.keyGroups?.from ?? 0;
  const to = options.keyGroups?.to ?? MAX_KEY_GROUP;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) {
    throw new InvalidArgumentError(`keyGroups must be integers with 0 ≤ from ≤ to, got [${from}, ${to}].`);
  }
  const namespaceType = (options.namespaceType ?? voidNamespaceSerializer) as TypeSerializer<unknown>;
  if (options.namespace !== undefined && options.namespaceType === undefined) {
    throw new InvalidArgumentError("A namespace needs its serializer: pass namespaceType along with namespace.");
  }
  const w = new ByteWriter(32);
  try {
    namespaceType.serialize(options.namespaceType === undefined ? undefined : options.namespace, w);
  } catch (e) {
    throw new InvalidArgumentError(`Could not serialize the namespace with ${namespaceType.name}: ${(e as Error).message}`, { cause: e });
  }
  const cursor = options.cursor === undefined ? null : fromBase64Url(options.cursor);
  const timeoutMs = options.timeoutMs ?? (host.defaultTimeoutMs === Infinity ? undefined : host.defaultTimeoutMs);
  const unsupported = (detail: string, cause?: unknown) => new UnsupportedByPeerError(EXT_KEYS, detail, { cause });
  const peer = await host.session.peer({ signal: options.signal, timeoutMs });
  if (!peer?.extensions.has(EXT_KEYS)) {
    throw unsupported(peer === null
      ? "the proxy speaks no protocol extensions (a Flink proxy, or extensions: \"off\"): Flink cannot list a state's keys"
      : `the proxy (${peer.implementation}) does not offer it`);
  }
  let answer;
  try {
    answer = await host.session.request(ExtOp.KEYS, encodeKeys({
      jobId: job.toBytes(),
      stateName,
      flags: 0,
      fromKeyGroup: from,
      toKeyGroup: to,
      namespace: w.view(),
      pageSize,
      cursor,
    }), { signal: options.signal, timeoutMs });
  } catch (e) {
    if (e instanceof PlainPeer) throw unsupported("the proxy answered as a Flink proxy does", e);
    throw e;
  }
  switch (answer.status) {
    case ExtStatus.OK: {
      const page = readKeysAnswer(answer.body);
      const keys = page.keys.map(({ key }, i) => {
        const r = new ByteReader(key);
        try {
          const k = keyType.deserialize(r);
          if (r.remaining !== 0) throw new SerializationError(`${r.remaining} byte(s) left over after reading a key with ${keyType.name}.`);
          return k;
        } catch (e) {
          if (e instanceof QueryableStateError && !(e instanceof SerializationError) && e.code !== "TRUNCATED_INPUT") throw e;
          throw new SerializationError(
            `Could not decode key ${i} of the page of state '${stateName}' with ${keyType.name}: ${(finishDecode(e) as Error).message} ` +
              "Pass the serializer the job keys the state by.",
            { cause: e },
          );
        }
      });
      return { keys, cursor: page.cursor === null ? undefined : toBase64Url(page.cursor) };
    }
    case ExtStatus.FAILED:
      if (answer.failure.className === INVALID_CURSOR_CLASS) throw new InvalidCursorError(answer.failure.message ?? "The proxy cannot resume this cursor.");
      if (answer.failure.className === UNSUPPORTED_BY_PEER_CLASS) throw unsupported(answer.failure.message ?? "a state server cannot list keys");
      throw errorFromJavaThrowable(answer.failure);
    case ExtStatus.UNSUPPORTED:
      throw unsupported(answer.reason);
    default:
      throw unsupported(`the proxy answered a key listing with status ${answer.status}`);
  }
}
