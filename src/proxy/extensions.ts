/**
 * The proxy's side of the protocol extensions (see `src/protocol/extensions.ts`): a client's requests for the
 * reserved job `QSTATE:EXTENSION` are answered here. HELLO tells what this proxy speaks; BATCH_GET reads many
 * keys of one state: the keys are grouped by the state server owning their key group, each group goes to its
 * server as one BATCH_GET_INTERNAL (or as single requests to a server that does not speak extensions: a Flink
 * one), stale locations are looked up again and only the keys they concern retried, and every key gets its own
 * value or failure, in the caller's order.
 */
import { type Clock, sleep } from "../core/clock.ts";
import { computeKeyGroupForKeyHash } from "../core/key-groups.ts";
import { idKeyOfBytes } from "../core/ids.ts";
import { InvalidFrameError } from "../protocol/errors.ts";
import { type BatchEntry, batchEntrySize, type BatchGetRequest, decodeExtensionAnswer, decodeExtensionRequest, encodeBatchAnswer, encodeBatchGetInternal, encodeFailedAnswer, encodeHelloAnswer, encodeTooLargeAnswer, encodeUnsupportedAnswer, EntryTag, BatchFlags, EXT_BATCH_GET, EXT_FRESHNESS, EXT_KEYS, EXTENSION_ID, type KeysInternalRequest, ExtOp, ExtStatus, type BatchFreshness, freshnessSize, type FreshnessRecord, readBatchAnswer, readServerBatchAnswer } from "../protocol/extensions.ts";
import { KvStateInternalRequest, KvStateRequest, type KvStateResponse } from "../protocol/messages.ts";
import { errorFromJavaThrowable, RemoteError, UnknownKeyGroupLocationError, UnknownKeyOrNamespaceError } from "../protocol/remote-errors.ts";
import { type DiagnosticsHook, emitDiagnostic } from "../net/diagnostics.ts";
import { requestFailureThrowable } from "../net/failures.ts";
import { formatHostPort } from "../transport/address.ts";
import type { Endpoint } from "../transport/transport.ts";
import type { KvStateLocation } from "../state/kv-state-location.ts";
import type { BatchLookup, KeysLookup } from "../server/extensions.ts";
import { badRequestThrowable } from "./extension-retry.ts";
import { answerKeys } from "./keys.ts";
import type { ScanLookup } from "../server/scan.ts";
import { EXT_SCAN, type ScanInternalRequest, ScanOp } from "../protocol/scan.ts";
import { answerScan } from "./scan.ts";
import { EXT_WATCH, type WatchInternalRequest, WatchOp } from "../protocol/watch.ts";
import type { WatchLookup } from "../server/watch.ts";
import { ProxyWatches } from "./watch.ts";
import { VERSION } from "../version.ts";

/** Options of a proxy's protocol extensions (part of `KvStateClientProxyOptions`). */
export interface ProxyExtensionOptions {
  /**
   * Answer our clients' extension requests (batches, HELLO). `false` makes the proxy answer them as Flink's
   * does (an unknown job), so clients fall back to single queries. @default true
   */
  extensions?: boolean;
  /** Most keys one batch may have; more are refused with a BadRequestError. @default 4096 */
  maxBatchKeys?: number;
  /** Largest batch answer in bytes; a larger one is answered TOO_LARGE and the client splits the batch. @default 16 MiB */
  maxBatchAnswerBytes?: number;
  /** Most keys one page of a key listing may ask for. @default 10000 */
  maxKeysPageSize?: number;
  /** A page of a key listing is answered within this time, with the keys found so far and a cursor. @default 1000 */
  keysPageTimeMs?: number;
  /** Most entries one page of a map scan may ask for. @default 10000 */
  maxScanPageSize?: number;
  /** Most keys one watch poll may carry. @default 4096 */
  maxWatchKeys?: number;
  /** Longest a watch poll is held when nothing changes (state servers hold up to 30 s). @default 30000 */
  maxWatchWaitMs?: number;
}

/** What the extension handler uses of its proxy (a private object the proxy builds; no import of the proxy class). */
export interface ProxyExtensionHost {
  readonly serverName: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxStateNameLength: number;
  readonly diagnostics: DiagnosticsHook | undefined;
  /** The location of the request's (job, state name); cached unless `force`. */
  lookup(request: KvStateRequest, force: boolean): Promise<KvStateLocation>;
  /** Sends an internal request to the server at `address` (in-process when it is local), within `deadline`. */
  send(address: Endpoint, request: KvStateInternalRequest, deadline: number, stateName: string): KvStateResponse | Promise<KvStateResponse>;
  /** A batch looked up by a state server in this process, or undefined when the server at `address` is not one. */
  batchLocally(
    address: Endpoint,
    kvStateId: Uint8Array,
    keys: readonly Uint8Array[],
    keyGroups?: readonly number[],
  ): BatchLookup | Promise<BatchLookup> | undefined;
  /** A page of keys from a state server in this process, or undefined when the server at `address` is not one. */
  keysLocally(address: Endpoint, request: Omit<KeysInternalRequest, "op">): KeysLookup | undefined;
  /** One page of a map from a state server in this process, or undefined when the server at `address` is not one. */
  scanLocally(address: Endpoint, request: Omit<ScanInternalRequest, "op">): ScanLookup | undefined;
  /** A watch poll held by a state server in this process, or undefined when the server at `address` is not one. */
  watchLocally(address: Endpoint, request: Omit<WatchInternalRequest, "op">, signal: AbortSignal): WatchLookup | Promise<WatchLookup> | undefined;
  /** Whether a failure may be cured by a fresh lookup (a stale location, a lost connection). */
  isRetryable(e: unknown): boolean;
  /** The failure to report for a location that could not be resolved (the single-request path's rule). */
  locationFailure(e: unknown, request: KvStateRequest): unknown;
}

/** How long a state server that answered an extension request with a failure is asked key by key. */
const PLAIN_SERVER_RECHECK_MS = 60_000;
const EMPTY = new Uint8Array(0);

interface Group {
  readonly address: Endpoint;
  /** `host:port` of the address: the entries' node. */
  readonly node: string;
  readonly kvStateId: Uint8Array;
  readonly indices: number[];
}

/** A batch in progress: the request, what each key got so far, and where each key lives. */
interface Batch {
  readonly req: BatchGetRequest;
  /** Whether the client asked for freshness (each key's key group goes to its server, each entry says how fresh). */
  readonly fresh: boolean;
  readonly entries: (BatchEntry | undefined)[];
  readonly errors: unknown[];
  /** Each key's key group and node, once located. */
  readonly keyGroups: number[];
  readonly nodes: string[];
  /** Each key's freshness as its state server gave it (decoded in-process, as bytes from a socket). */
  readonly records: (FreshnessRecord | Uint8Array | null | undefined)[];
  readonly deadline: number;
}

/** Answers extension requests for one proxy. */
export class ProxyExtensions {
  readonly #host: ProxyExtensionHost;
  readonly #maxKeys: number;
  readonly #maxAnswerBytes: number;
  readonly #maxPage: number;
  readonly #maxScanPage: number;
  readonly #pageTimeMs: number;
  readonly #watches: ProxyWatches;
  readonly #maxWatchKeys: number;
  readonly #maxWatchWaitMs: number;
  /** State servers that do not speak extensions (a Flink server), until when. */
  readonly #plainServers = new Map<string, number>();

  constructor(host: ProxyExtensionHost, options: ProxyExtensionOptions) {
    this.#host = host;
    this.#maxKeys = options.maxBatchKeys ?? 4096;
    this.#maxAnswerBytes = options.maxBatchAnswerBytes ?? 16 * 1024 * 1024;
    this.#maxPage = options.maxKeysPageSize ?? 10_000;
    this.#maxScanPage = options.maxScanPageSize ?? 10_000;
    this.#pageTimeMs = options.keysPageTimeMs ?? 1000;
    this.#maxWatchKeys = options.maxWatchKeys ?? 4096;
    this.#maxWatchWaitMs = options.maxWatchWaitMs ?? 30_000;
    this.#watches = new ProxyWatches(host, { maxKeys: this.#maxWatchKeys, maxWaitMs: this.#maxWatchWaitMs });
  }

  /** The proxy stops: held watch polls are answered now. */
  close(): void {
    this.#watches.close();
  }

  /** Answers a client's extension request (its key bytes are the payload). Never rejects for bad input. */
  async answer(requestId: bigint, request: KvStateRequest, signal: AbortSignal): Promise<Uint8Array> {
    const payload = request.serializedKeyAndNamespace;
    let req;
    try {
      req = decodeExtensionRequest(payload);
    } catch (e) {
      if (!(e instanceof InvalidFrameError)) throw e;
      return encodeFailedAnswer(payload[1] ?? 0, this.#badRequest(`Malformed extension request: ${e.message}`));
    }
    switch (req.op) {
      case ExtOp.HELLO:
        return encodeHelloAnswer({
          implementation: `queryable-state ${VERSION} (proxy)`,
          extensions: new Map([[EXT_BATCH_GET, 1], [EXT_FRESHNESS, 1], [EXT_KEYS, 1], [EXT_SCAN, 1], [EXT_WATCH, 1]]),
          limits: new Map([
            ["batch-get.max-keys", this.#maxKeys],
            ["batch-get.max-answer-bytes", this.#maxAnswerBytes],
            ["keys.max-page-size", this.#maxPage],
            ["map-scan.max-page-size", this.#maxScanPage],
            ["watch.max-keys", this.#maxWatchKeys],
            ["watch.max-wait-ms", this.#maxWatchWaitMs],
          ]),
        });
      case ExtOp.BATCH_GET:
        return await this.#batchGet(requestId, req, signal);
      case ExtOp.KEYS:
        return await answerKeys(this.#host, { maxPage: this.#maxPage, pageTimeMs: this.#pageTimeMs }, requestId, req, signal);
      case ScanOp.SCAN:
        return await answerScan(this.#host, (a, r) => this.#host.scanLocally(a, r), this.#maxScanPage, requestId, req, signal);
      case WatchOp.WATCH:
        return await this.#watches.answer(requestId, req, signal);
      case WatchOp.WATCH_CANCEL:
        return this.#watches.cancel(req.pollId, signal);
      case ExtOp.BATCH_GET_INTERNAL:
      case ExtOp.KEYS_INTERNAL:
      case ScanOp.SCAN_INTERNAL:
      case WatchOp.WATCH_INTERNAL:
      case WatchOp.WATCH_CANCEL_INTERNAL:
        return encodeUnsupportedAnswer(req.op, "this is a state server's op; a proxy takes the ops without _INTERNAL");
      default:
        return encodeUnsupportedAnswer(req.rawOp, req.reason);
    }
  }

  #badRequest(message: string) {
    return badRequestThrowable(this.#host, message);
  }

  async #batchGet(requestId: bigint, req: BatchGetRequest, signal: AbortSignal): Promise<Uint8Array> {
    const op = ExtOp.BATCH_GET;
    const host = this.#host;
    if ((req.flags & ~BatchFlags.FRESHNESS) !== 0) {
      return encodeUnsupportedAnswer(op, `batch flags 0x${(req.flags >>> 0).toString(16)} are unknown to this proxy`);
    }
    if (req.keys.length > this.#maxKeys) {
      return encodeFailedAnswer(op, this.#badRequest(`A batch of ${req.keys.length} keys exceeds the maximum of ${this.#maxKeys} (maxBatchKeys): split it.`));
    }
    if (req.stateName.length > host.maxStateNameLength) {
      return encodeFailedAnswer(op, this.#badRequest(
        `State name of ${req.stateName.length} characters exceeds the maximum of ${host.maxStateNameLength} (it begins '${req.stateName.slice(0, 64)}').`,
      ));
    }
    const n = req.keys.length;
    const lookupRequest = new KvStateRequest(req.jobId.slice(), req.stateName, 0, EMPTY);
    const deadline = host.clock.now() + host.timeoutMs;
    const batch: Batch = {
      req,
      fresh: (req.flags & BatchFlags.FRESHNESS) !== 0,
      entries: new Array(n),
      errors: new Array(n),
      keyGroups: new Array(n).fill(-1),
      nodes: new Array(n).fill(""),
      records: new Array(n),
      deadline,
    };
    const { entries, errors } = batch;
    let pending = Array.from({ length: n }, (_, i) => i);
    for (let attempt = 1, force = false;; attempt++, force = true) {
      let location: KvStateLocation | undefined;
      let lookupError: unknown;
      try {
        location = await host.lookup(lookupRequest, force);
      } catch (e) {
        lookupError = e;
      }
      if (location !== undefined) {
        // A location holds one id object (and one address object) per registered range: group by them.
        const byObject = new Map<object, Group>();
        const groups = new Map<string, Group>();
        for (const i of pending) {
          const keyGroup = computeKeyGroupForKeyHash(req.keys[i].keyHash, location.numKeyGroups);
          batch.keyGroups[i] = keyGroup;
          const address = location.getKvStateServerAddress(keyGroup);
          const id = location.getKvStateID(keyGroup);
          if (address === null || id === null) {
            errors[i] = UnknownKeyGroupLocationError.forServer(host.serverName);
            continue;
          }
          let g = byObject.get(id);
          if (g === undefined || g.address !== address) {
            const idBytes = id.toBytes();
            const node = formatHostPort(address);
            const groupKey = `${node}/${idKeyOfBytes(idBytes, 0)}`;
            g = groups.get(groupKey);
            if (g === undefined) groups.set(groupKey, g = { address, node, kvStateId: idBytes, indices: [] });
            byObject.set(id, g);
          }
          batch.nodes[i] = g.node;
          g.indices.push(i);
        }
        await Promise.all([...groups.values()].map((g) => this.#forwardGroup(g, batch)));
      }
      const retry = location === undefined ? pending : pending.filter((i) => entries[i] === undefined && host.isRetryable(errors[i]));
      const cause = location === undefined ? lookupError : errors[retry[0]];
      const delay = Math.min(host.initialDelayMs * 2 ** (attempt - 1), host.maxDelayMs);
      if (retry.length === 0 || (location === undefined && !host.isRetryable(lookupError)) || attempt >= host.maxAttempts ||
        host.clock.now() + delay >= deadline || signal.aborted) {
        if (location === undefined) {
          // The state could not be located at all: the whole batch fails as a single query would.
          const failure = host.locationFailure(lookupError, lookupRequest);
          return encodeFailedAnswer(op, requestFailureThrowable(requestId, failure));
        }
        break;
      }
      emitDiagnostic(host.diagnostics, { type: "retry", component: host.serverName, stateName: req.stateName, attempt, delayMs: delay, error: cause });
      try {
        await sleep(host.clock, delay, signal);
      } catch {
        break;
      }
      pending = retry;
    }
    const done: BatchEntry[] = new Array(n);
    let size = 8;
    for (let i = 0; i < n; i++) {
      done[i] = entries[i] ?? { tag: EntryTag.ERROR, error: requestFailureThrowable(requestId, host.locationFailure(errors[i], lookupRequest)) };
      size += batchEntrySize(done[i]);
    }
    let freshness: BatchFreshness | undefined;
    if (batch.fresh) {
      // The nodes once, each entry by index.
      const nodes: string[] = [];
      const index = new Map<string, number>();
      const nodeOf = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const node = batch.nodes[i];
        let at = node === "" ? -1 : index.get(node);
        if (at === undefined) index.set(node, at = nodes.push(node) - 1);
        nodeOf[i] = at;
        if (entries[i] === undefined) batch.records[i] = null; // a failed key's record is unknown
      }
      freshness = { kind: "client", nodes, nodeOf, keyGroups: batch.keyGroups, records: batch.records };
      size += freshnessSize(freshness, n);
    }
    if (size > this.#maxAnswerBytes) return encodeTooLargeAnswer(op, this.#maxAnswerBytes);
    return encodeBatchAnswer(op, done, freshness);
  }

  /** One group's keys from its server: one BATCH_GET_INTERNAL, or single requests to a server that does not speak extensions. */
  async #forwardGroup(g: Group, batch: Batch): Promise<void> {
    const host = this.#host;
    const { req, entries, errors, deadline } = batch;
    const plainUntil = this.#plainServers.get(g.node);
    if (plainUntil !== undefined && plainUntil > host.clock.now()) return this.#forwardSingly(g, batch);
    const keys = g.indices.map((i) => req.keys[i].keyAndNamespace);
    const keyGroups = batch.fresh ? g.indices.map((i) => batch.keyGroups[i]) : undefined;
    const fill = (got: readonly BatchEntry[], records?: readonly (FreshnessRecord | Uint8Array | null)[]) => {
      got.forEach((entry, j) => {
        const i = g.indices[j];
        if (entry.tag === EntryTag.ERROR) errors[i] = errorFromJavaThrowable(entry.error);
        else entries[i] = entry;
        if (records !== undefined) batch.records[i] = records[j];
      });
    };
    try {
      const local = host.batchLocally(g.address, g.kvStateId, keys, keyGroups);
      if (local !== undefined) {
        const r = await local;
        if ("failure" in r) {
          const e = errorFromJavaThrowable(r.failure);
          for (const i of g.indices) errors[i] = e;
        } else fill(r.entries, r.freshness);
        return;
      }
    } catch (e) {
      for (const i of g.indices) errors[i] = e;
      return;
    }
    let content: Uint8Array;
    try {
      const payload = encodeBatchGetInternal(g.kvStateId, keys, 0, keyGroups);
      content = (await host.send(g.address, new KvStateInternalRequest(EXTENSION_ID, payload), deadline, req.stateName)).content;
    } catch (e) {
      if (e instanceof RemoteError) {
        // A REQUEST_FAILURE: the server does not know the reserved id, so it is not ours (a Flink state server).
        this.#plainServers.set(g.node, host.clock.now() + PLAIN_SERVER_RECHECK_MS);
        return this.#forwardSingly(g, batch);
      }
      for (const i of g.indices) errors[i] = e;
      return;
    }
    let answer;
    try {
      answer = decodeExtensionAnswer(content, ExtOp.BATCH_GET_INTERNAL);
      if (answer.status === ExtStatus.OK) {
        if (batch.fresh) {
          const { entries: got, records } = readServerBatchAnswer(answer.body, keys.length);
          fill(got, records);
        } else fill(readBatchAnswer(answer.body, keys.length));
        return;
      }
    } catch (e) {
      for (const i of g.indices) errors[i] = e;
      return;
    }
    switch (answer.status) {
      case ExtStatus.FAILED: {
        const e = errorFromJavaThrowable(answer.failure);
        for (const i of g.indices) errors[i] = e;
        return;
      }
      case ExtStatus.UNSUPPORTED:
        this.#plainServers.set(g.node, host.clock.now() + PLAIN_SERVER_RECHECK_MS);
        return this.#forwardSingly(g, batch);
      case ExtStatus.TOO_LARGE: {
        if (g.indices.length === 1) return this.#forwardSingly(g, batch);
        const half = g.indices.length >> 1;
        await Promise.all([g.indices.slice(0, half), g.indices.slice(half)].map((indices) => this.#forwardGroup({ ...g, indices }, batch)));
      }
    }
  }

  /** One internal request per key, all in flight at once (the connection pipelines them). */
  async #forwardSingly(g: Group, batch: Batch): Promise<void> {
    const { req, entries, errors, deadline } = batch;
    await Promise.all(g.indices.map(async (i) => {
      try {
        const r = await this.#host.send(g.address, new KvStateInternalRequest(g.kvStateId, req.keys[i].keyAndNamespace), deadline, req.stateName);
        entries[i] = { tag: EntryTag.VALUE, value: r.content };
      } catch (e) {
        if (e instanceof UnknownKeyOrNamespaceError) entries[i] = { tag: EntryTag.MISSING };
        else errors[i] = e;
      }
    }));
  }
}
