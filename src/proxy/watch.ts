/**
 * The proxy's side of the watch extension: a client's WATCH (a long poll over keys of one state, or over one key's map
 * entries under a prefix) is split by the state server owning each key's key group, one WATCH_INTERNAL per server, all
 * held at once. As soon as one server answers with a change, the others are asked to answer now (WATCH_CANCEL_INTERNAL,
 * or an abort in-process), so the client gets every change there is in one answer. Keys whose location turned stale
 * (a relocated subtask) are looked up again and polled where they are now, within the same poll.
 *
 * A client's WATCH_CANCEL, its connection closing or the proxy stopping answer its held poll at once.
 */
import { sleep } from "../core/clock.ts";
import { computeKeyGroupForKeyHash } from "../core/key-groups.ts";
import { emitDiagnostic } from "../net/diagnostics.ts";
import { requestFailureThrowable } from "../net/failures.ts";
import {
  beginAnswer,
  decodeExtensionAnswer,
  encodeFailedAnswer,
  encodeUnsupportedAnswer,
  EXTENSION_ID,
  ExtStatus,
  UNSUPPORTED_BY_PEER_CLASS,
} from "../protocol/extensions.ts";
import { KvStateInternalRequest, KvStateRequest } from "../protocol/messages.ts";
import { BadRequestError, errorFromJavaThrowable, RemoteError, UnknownKeyGroupLocationError } from "../protocol/remote-errors.ts";
import {
  ChangeTag,
  encodeWatchCancel,
  encodeWatchInternal,
  readWatchInternalAnswer,
  WATCH_ENDED_CLASS,
  watchAnswerSize,
  type WatchChange,
  type WatchInternalKey,
  type WatchInternalRequest,
  WatchOp,
  type WatchRequest,
  writeWatchAnswer,
} from "../protocol/watch.ts";
import type { WatchLookup } from "../server/watch.ts";
import { formatHostPort } from "../transport/address.ts";
import type { Endpoint } from "../transport/transport.ts";
import type { ProxyExtensionHost } from "./extensions.ts";

const EMPTY = new Uint8Array(0);

/** A state server cannot do what the watch needs. */
class Unsupported extends Error {}
/** A state server ended the watch. */
class Ended extends Error {}

/** What the watch handler needs of its proxy beyond the other extensions' host. */
export interface ProxyWatchHost extends ProxyExtensionHost {
  /** A poll held by a state server in this process, or undefined when the server at `address` is not one. */
  watchLocally(address: Endpoint, request: Omit<WatchInternalRequest, "op">, signal: AbortSignal): WatchLookup | Promise<WatchLookup> | undefined;
}

/** Limits of a proxy's watches. */
export interface ProxyWatchLimits {
  /** Most keys one WATCH may carry. */
  readonly maxKeys: number;
  /** Longest a poll is held. */
  readonly maxWaitMs: number;
}

/** The watches of one proxy. */
export class ProxyWatches {
  readonly #host: ProxyWatchHost;
  readonly #limits: ProxyWatchLimits;
  /** Held polls by their client connection (its signal) and the client's poll id. */
  readonly #byConnection = new WeakMap<AbortSignal, Map<bigint, AbortController>>();
  readonly #all = new Set<AbortController>();
  #nextPollId = 1n;
  #closed = false;

  constructor(host: ProxyWatchHost, limits: ProxyWatchLimits) {
    this.#host = host;
    this.#limits = limits;
  }

  /** The proxy stops: every held poll is answered now. */
  close(): void {
    this.#closed = true;
    for (const c of [...this.#all]) c.abort();
  }

  /** A client's WATCH_CANCEL: its poll of this id (on this connection) is answered now. */
  cancel(pollId: bigint, connection: AbortSignal): Uint8Array {
    this.#byConnection.get(connection)?.get(pollId)?.abort();
    return beginAnswer(WatchOp.WATCH_CANCEL, ExtStatus.OK, 4).view();
  }

  /** Answers a client's WATCH. Never rejects for bad input. */
  async answer(requestId: bigint, req: WatchRequest, connection: AbortSignal): Promise<Uint8Array> {
    const op = WatchOp.WATCH;
    const host = this.#host;
    const bad = (m: string) => encodeFailedAnswer(op, BadRequestError.create(host.serverName, m).toJavaThrowable());
    if (req.flags !== 0) return encodeUnsupportedAnswer(op, `watch flags 0x${(req.flags >>> 0).toString(16)} are unknown to this proxy`);
    if (req.keys.length === 0 || req.keys.length > this.#limits.maxKeys) return bad(`A watch takes 1 to ${this.#limits.maxKeys} keys (maxWatchKeys), got ${req.keys.length}.`);
    if (req.prefix !== null && req.keys.length !== 1) return bad(`A prefix watch takes one key, got ${req.keys.length}.`);
    if (req.stateName.length > host.maxStateNameLength) return bad(`State name of ${req.stateName.length} characters exceeds the maximum of ${host.maxStateNameLength}.`);
    const waitMs = this.#closed ? 0 : Math.min(Math.max(0, req.waitMs), this.#limits.maxWaitMs);
    const wake = new AbortController();
    let polls = this.#byConnection.get(connection);
    if (polls === undefined) this.#byConnection.set(connection, polls = new Map());
    polls.set(req.pollId, wake);
    this.#all.add(wake);
    const onClose = () => wake.abort();
    connection.addEventListener("abort", onClose, { once: true });
    if (connection.aborted) wake.abort();
    try {
      const n = req.keys.length;
      const changes: (WatchChange | undefined)[] = new Array(n);
      const nodes: string[] = new Array(n).fill("");
      const until = host.clock.now() + waitMs;
      await this.#poll(req, Array.from({ length: n }, (_, i) => i), false, 1, until, wake, changes, nodes);
      const table: string[] = [];
      const nodeOf = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (nodes[i] === "") nodeOf[i] = -1;
        else {
          let at = table.indexOf(nodes[i]);
          if (at < 0) at = table.push(nodes[i]) - 1;
          nodeOf[i] = at;
        }
      }
      const done = changes as WatchChange[];
      const w = beginAnswer(op, ExtStatus.OK, watchAnswerSize(done, table));
      writeWatchAnswer(w, table, nodeOf, done);
      return w.view();
    } catch (e) {
      if (e instanceof Unsupported) return encodeFailedAnswer(op, { className: UNSUPPORTED_BY_PEER_CLASS, message: e.message });
      if (e instanceof Ended) return encodeFailedAnswer(op, { className: WATCH_ENDED_CLASS, message: e.message });
      return encodeFailedAnswer(op, requestFailureThrowable(requestId, host.locationFailure(e, new KvStateRequest(req.jobId.slice(), req.stateName, 0, EMPTY))));
    } finally {
      connection.removeEventListener("abort", onClose);
      if (polls.get(req.pollId) === wake) polls.delete(req.pollId);
      this.#all.delete(wake);
    }
  }

  /** Polls the keys at `indices` where they live, filling `changes` and `nodes`; retries stale locations. */
  async #poll(
    req: WatchRequest,
    indices: number[],
    force: boolean,
    attempt: number,
    until: number,
    wake: AbortController,
    changes: (WatchChange | undefined)[],
    nodes: string[],
  ): Promise<void> {
    const host = this.#host;
    const lookupRequest = new KvStateRequest(req.jobId.slice(), req.stateName, 0, EMPTY);
    let groups: Map<string, { address: Endpoint; keys: WatchInternalKey[]; indices: number[] }>;
    try {
      const location = await host.lookup(lookupRequest, force);
      groups = new Map();
      for (const i of indices) {
        const k = req.keys[i];
        const keyGroup = computeKeyGroupForKeyHash(k.keyHash, location.numKeyGroups);
        const address = location.getKvStateServerAddress(keyGroup);
        const id = location.getKvStateID(keyGroup);
        if (address === null || id === null) throw UnknownKeyGroupLocationError.forServer(host.serverName);
        const node = formatHostPort(address);
        let g = groups.get(node);
        if (g === undefined) groups.set(node, g = { address, keys: [], indices: [] });
        g.keys.push({ kvStateId: id.toBytes(), keyGroup, fromVersion: k.fromVersion, keyAndNamespace: k.keyAndNamespace });
        g.indices.push(i);
      }
    } catch (e) {
      return await this.#retry(req, indices, attempt, until, wake, changes, nodes, e);
    }
    await Promise.all([...groups].map(async ([node, g]) => {
      let got: WatchChange[];
      try {
        got = await this.#pollServer(g.address, req, g.keys, until, wake.signal);
      } catch (e) {
        return await this.#retry(req, g.indices, attempt, until, wake, changes, nodes, e);
      }
      for (let j = 0; j < g.indices.length; j++) {
        changes[g.indices[j]] = got[j];
        nodes[g.indices[j]] = node;
      }
      // A change: the other servers answer now, so that the client gets every change there is.
      if (got.some((c) => c.tag !== ChangeTag.UNCHANGED)) wake.abort();
    }));
  }

  async #retry(
    req: WatchRequest,
    indices: number[],
    attempt: number,
    until: number,
    wake: AbortController,
    changes: (WatchChange | undefined)[],
    nodes: string[],
    failure: unknown,
  ): Promise<void> {
    const host = this.#host;
    if (failure instanceof Unsupported || failure instanceof Ended) throw failure;
    const delay = Math.min(host.initialDelayMs * 2 ** (attempt - 1), host.maxDelayMs);
    const deadline = Math.max(until, host.clock.now()) + host.timeoutMs;
    if (!host.isRetryable(failure) || attempt >= host.maxAttempts || host.clock.now() + delay >= deadline) throw failure;
    emitDiagnostic(host.diagnostics, { type: "retry", component: host.serverName, stateName: req.stateName, attempt, delayMs: delay, error: failure });
    await sleep(host.clock, delay);
    await this.#poll(req, indices, true, attempt + 1, until, wake, changes, nodes);
  }

  /** One WATCH_INTERNAL to one state server (in-process when it runs here). */
  async #pollServer(address: Endpoint, req: WatchRequest, keys: WatchInternalKey[], until: number, wake: AbortSignal): Promise<WatchChange[]> {
    const host = this.#host;
    const waitMs = wake.aborted ? 0 : Math.max(0, Math.ceil(until - host.clock.now()));
    const pollId = this.#nextPollId++;
    const inner = { flags: 0, waitMs, pollId, keys, prefix: req.prefix };
    let r: WatchLookup | undefined;
    const local = host.watchLocally(address, inner, wake);
    if (local !== undefined) r = await local;
    else {
      const deadline = host.clock.now() + waitMs + host.timeoutMs;
      // Asked to answer now (another server had a change, the client cancelled): tell the server.
      const onWake = () => {
        Promise.resolve()
          .then(() => host.send(address, new KvStateInternalRequest(EXTENSION_ID, encodeWatchCancel(pollId, true)), host.clock.now() + host.timeoutMs, req.stateName))
          .catch(() => {}); // the poll's own answer (or failure) tells the rest
      };
      wake.addEventListener("abort", onWake, { once: true });
      let content: Uint8Array;
      try {
        content = (await host.send(address, new KvStateInternalRequest(EXTENSION_ID, encodeWatchInternal(inner)), deadline, req.stateName)).content;
      } catch (e) {
        if (e instanceof RemoteError) throw new Unsupported(`the state server ${formatHostPort(address)} cannot watch (a Flink state server): ${e.message}`);
        throw e;
      } finally {
        wake.removeEventListener("abort", onWake);
      }
      const answer = decodeExtensionAnswer(content, WatchOp.WATCH_INTERNAL);
      if (answer.status === ExtStatus.OK) return readWatchInternalAnswer(answer.body, keys.length);
      if (answer.status === ExtStatus.FAILED) r = { failure: answer.failure };
      else throw new Unsupported(`the state server ${formatHostPort(address)} cannot watch: ${answer.status === ExtStatus.UNSUPPORTED ? answer.reason : `status ${answer.status}`}`);
    }
    if ("failure" in r) {
      if (r.failure.className === WATCH_ENDED_CLASS) throw new Ended(r.failure.message ?? "the state server ended the watch");
      throw errorFromJavaThrowable(r.failure);
    }
    if (r.changes.length !== keys.length) throw new Unsupported(`the state server ${formatHostPort(address)} answered ${r.changes.length} changes for ${keys.length} keys`);
    return r.changes as WatchChange[];
  }
}
