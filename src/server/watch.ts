/**
 * The state server's side of the watch extension: WATCH_INTERNAL is a long poll. It is answered at once when a key
 * changed after its from-version, else held (up to its `waitMs`, at most {@link SERVER_MAX_WATCH_WAIT_MS}) and answered
 * as soon as one of its keys is written, or empty when the wait is over.
 *
 * How a change is known: a state that can be watched tells its writes (`KvState.watchWrites`). While a state is
 * watched, a {@link Tracker} records each written key's last version, and for each key group the version after which
 * it saw every write. A key whose from-version is covered gets an exact answer (changed or not); otherwise (a
 * resume from before the tracker began, a state relocated here) a key whose key group moved on since is delivered
 * with its current value — possibly again: delivery is at least once, of the latest value. Nobody watching costs a
 * write nothing; a tracker ends when its state was not polled for {@link TRACKER_IDLE_MS}.
 *
 * Held polls are bounded ({@link SERVER_MAX_HELD_WATCHES} per server), answered at once on WATCH_CANCEL_INTERNAL,
 * released when their connection closes, and answered when the server stops: no timer outlives its poll.
 */
import type { Clock, TimerHandle } from "../core/clock.ts";
import { idKeyOfBytes, KvStateID } from "../core/ids.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { BadRequestError, type JavaThrowableInit, UnknownKeyGroupLocationError, UnknownKvStateIdError } from "../protocol/remote-errors.ts";
import { ChangeTag, WATCH_ENDED_CLASS, type WatchChange, type WatchInternalRequest } from "../protocol/watch.ts";
import { describeError, requestFailureThrowable } from "../net/failures.ts";
import type { KvState, KvStateRegistry } from "../state/kv-state-registry.ts";
import { bytesToId } from "../state/entry-ids.ts";

/** Longest a state server holds a poll. */
export const SERVER_MAX_WATCH_WAIT_MS = 30_000;
/** Most keys one WATCH_INTERNAL may carry. */
export const SERVER_MAX_WATCH_KEYS = 4096;
/** Most polls a state server holds at once; more are answered with a failure. */
export const SERVER_MAX_HELD_WATCHES = 1024;
/** Most map entries a prefix watch delivers in one change; a prefix with more ends the watch. */
export const SERVER_MAX_PREFIX_ENTRIES = 10_000;
/** A tracker that records more keys than this starts again (its key groups are then answered conservatively). */
const TRACKER_MAX_KEYS = 100_000;
/** A tracker ends when its state was not polled for this long (checked on its next write). */
export const TRACKER_IDLE_MS = 60_000;
/** A from-version more than this ahead of the server's wall clock cannot be honoured. */
const FUTURE_GRACE_MS = 60_000;

/** A watch's answer: its changes (one per key), or the failure of the whole poll. */
export type WatchLookup = { readonly changes: readonly WatchChange[] } | { readonly failure: JavaThrowableInit };

interface KeyVersion {
  ms: number;
  seq: number;
}

const versionOf = (ms: number, seq: number): bigint => (BigInt(ms) << 16n) | BigInt(seq);
const max = (...vs: bigint[]): bigint => vs.reduce((a, b) => (b > a ? b : a));

/** The writes of one watched state, while it is watched. */
class Tracker {
  readonly keys: Map<string, KeyVersion> = new Map();
  /** Per key group: every write with a version above this one was recorded. */
  readonly base: Map<number, bigint> = new Map();
  readonly held: Set<HeldPoll> = new Set();
  lastPollAt: number;
  readonly #stop: () => void;

  readonly hub: WatchHub;
  readonly state: KvState;

  constructor(hub: WatchHub, state: KvState) {
    this.hub = hub;
    this.state = state;
    this.lastPollAt = hub.clock.now();
    this.#stop = state.watchWrites!((keyGroup, keyId, ms, seq) => this.#written(keyGroup, keyId, ms, seq));
  }

  #written(keyGroup: number, keyId: string, ms: number, seq: number): void {
    if (this.held.size === 0 && this.hub.clock.now() - this.lastPollAt > TRACKER_IDLE_MS) {
      this.stop();
      return;
    }
    if (!this.base.has(keyGroup)) this.base.set(keyGroup, versionOf(ms, seq) - 1n);
    const k = this.keys.get(keyId);
    if (k !== undefined) {
      k.ms = ms;
      k.seq = seq;
    } else if (this.keys.size >= TRACKER_MAX_KEYS) {
      this.keys.clear();
      this.base.clear();
    } else this.keys.set(keyId, { ms, seq });
    for (const poll of this.held) if (poll.keyIds.has(keyId)) poll.wake();
  }

  stop(): void {
    this.#stop();
    this.hub.trackers.delete(this.state);
  }
}

/** A poll being held. */
class HeldPoll {
  readonly keyIds: Set<string>;
  #timer: TimerHandle | undefined;
  #done = false;
  #woken = false;
  readonly #onAbort: () => void;

  readonly hub: WatchHub;
  readonly req: Omit<WatchInternalRequest, "op">;
  readonly trackers: readonly Tracker[];
  readonly signal: AbortSignal | undefined;
  readonly resolve: (r: WatchLookup) => void;

  constructor(
    hub: WatchHub,
    req: Omit<WatchInternalRequest, "op">,
    trackers: readonly Tracker[],
    signal: AbortSignal | undefined,
    resolve: (r: WatchLookup) => void,
    waitMs: number,
  ) {
    this.hub = hub;
    this.req = req;
    this.trackers = trackers;
    this.signal = signal;
    this.resolve = resolve;
    this.keyIds = new Set(req.keys.map((k) => bytesToId(k.keyAndNamespace)));
    for (const t of trackers) t.held.add(this);
    hub.held.add(this);
    this.#timer = hub.clock.setTimeout(() => this.answer(), waitMs);
    this.#onAbort = () => this.answer();
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** A key of the poll was written: look again (once per turn of the event loop). */
  wake(): void {
    if (this.#woken || this.#done) return;
    this.#woken = true;
    queueMicrotask(() => {
      this.#woken = false;
      if (this.#done) return;
      const r = this.hub.evaluate(this.req);
      if ("failure" in r || r.changes.some((c) => c.tag !== ChangeTag.UNCHANGED)) this.#finish(r);
    });
  }

  /** Answers with what there is now (the wait is over, a cancel, the signal aborted, the server stops). */
  answer(): void {
    if (!this.#done) this.#finish(this.hub.evaluate(this.req));
  }

  #finish(r: WatchLookup): void {
    this.#done = true;
    this.hub.clock.clearTimeout(this.#timer);
    this.signal?.removeEventListener("abort", this.#onAbort);
    for (const t of this.trackers) t.held.delete(this);
    this.hub.held.delete(this);
    const ids = this.hub.byId.get(this.req.pollId);
    if (ids !== undefined) {
      ids.delete(this);
      if (ids.size === 0) this.hub.byId.delete(this.req.pollId);
    }
    this.resolve(r);
  }
}

/** What a state server's request handler needs of its watches (a {@link KvStateServer}'s are built in). */
export interface WatchPolls {
  /** Answers a WATCH_INTERNAL now, or holds it (see the module's comment); `signal`: the request's connection. */
  watch(requestId: bigint, req: Omit<WatchInternalRequest, "op">, signal?: AbortSignal): WatchLookup | Promise<WatchLookup>;
  /** Answers the held polls of this id from this connection now. */
  cancel(pollId: bigint, signal?: AbortSignal): void;
}

/** The watches of one state server: its trackers and held polls. */
export class WatchHub implements WatchPolls {
  /** The trackers of watched states. */
  readonly trackers: Map<KvState, Tracker> = new Map();
  /** Polls held now. */
  readonly held: Set<HeldPoll> = new Set();
  /** Held polls by their id (for WATCH_CANCEL_INTERNAL). */
  readonly byId: Map<bigint, Set<HeldPoll>> = new Map();
  #closed = false;

  readonly registry: KvStateRegistry;
  readonly serverName: string;
  readonly clock: Clock;

  constructor(registry: KvStateRegistry, serverName: string, clock: Clock) {
    this.registry = registry;
    this.serverName = serverName;
    this.clock = clock;
  }

  /** Polls held now. */
  get heldPolls(): number {
    return this.held.size;
  }

  /** States whose writes are being recorded now. */
  get trackedStates(): number {
    return this.trackers.size;
  }

  /**
   * Answers a WATCH_INTERNAL: at once when a key changed (or the poll cannot be served), else when one does, or after
   * `waitMs` (capped), or when `signal` aborts (the connection closed, a proxy's cancel) or the server stops.
   */
  watch(requestId: bigint, req: Omit<WatchInternalRequest, "op">, signal?: AbortSignal): WatchLookup | Promise<WatchLookup> {
    const bad = (m: string) => ({ failure: BadRequestError.create(this.serverName, m).toJavaThrowable() });
    if (req.flags !== 0) return bad(`watch flags 0x${(req.flags >>> 0).toString(16)} are unknown to this state server`);
    if (req.keys.length === 0 || req.keys.length > SERVER_MAX_WATCH_KEYS) return bad(`A watch takes 1 to ${SERVER_MAX_WATCH_KEYS} keys, got ${req.keys.length}.`);
    if (req.prefix !== null && req.keys.length !== 1) return bad(`A prefix watch takes one key, got ${req.keys.length}.`);
    const trackers: Tracker[] = [];
    try {
      for (const k of req.keys) {
        const state = this.registry.getByKey(idKeyOfBytes(k.kvStateId, 0));
        if (state === undefined) return { failure: UnknownKvStateIdError.forId(this.serverName, KvStateID.fromBytes(k.kvStateId)).toJavaThrowable() };
        if (typeof state.watchWrites !== "function" || typeof state.freshness !== "function") {
          return { failure: { className: WATCH_ENDED_CLASS, message: "This state cannot be watched (a KvState without watchWrites() and freshness())." } };
        }
        if (req.prefix !== null && typeof state.scan !== "function") return bad("A prefix watch needs a map state.");
        if (this.#closed) continue; // stopping: answered at once, nothing recorded
        let t = this.trackers.get(state);
        if (t === undefined) this.trackers.set(state, t = new Tracker(this, state));
        t.lastPollAt = this.clock.now();
        if (!trackers.includes(t)) trackers.push(t);
      }
    } catch (e) {
      return { failure: requestFailureThrowable(requestId, Object.assign(new Error(`Error while processing request with ID ${requestId}. Caused by: ${describeError(e)}`), { name: "java.lang.RuntimeException" })) };
    }
    const now = this.evaluate(req);
    if ("failure" in now || now.changes.some((c) => c.tag !== ChangeTag.UNCHANGED)) return now;
    const waitMs = Math.min(Math.max(0, req.waitMs), SERVER_MAX_WATCH_WAIT_MS);
    if (waitMs === 0 || this.#closed || signal?.aborted) return now;
    if (this.held.size >= SERVER_MAX_HELD_WATCHES) {
      return { failure: { className: WATCH_ENDED_CLASS, message: `${this.serverName} holds ${SERVER_MAX_HELD_WATCHES} watches already (watch.max-held-polls): watch fewer keys at once or from fewer watchers.` } };
    }
    return new Promise((resolve) => {
      const poll = new HeldPoll(this, req, trackers, signal, resolve, waitMs);
      let ids = this.byId.get(req.pollId);
      if (ids === undefined) this.byId.set(req.pollId, ids = new Set());
      ids.add(poll);
    });
  }

  /** WATCH_CANCEL_INTERNAL: the polls of this id (from this connection) are answered now. */
  cancel(pollId: bigint, signal?: AbortSignal): void {
    for (const p of [...(this.byId.get(pollId) ?? [])]) if (p.signal === signal) p.answer();
  }

  /** The server stops: held polls are answered now, no poll is held any more, trackers end. */
  close(): void {
    this.#closed = true;
    for (const p of [...this.held]) p.answer();
    for (const t of [...this.trackers.values()]) t.stop();
  }

  /** What changed for each key of `req` after its from-version, now. */
  evaluate(req: Omit<WatchInternalRequest, "op">): WatchLookup {
    const changes: WatchChange[] = new Array(req.keys.length);
    for (let i = 0; i < req.keys.length; i++) {
      const k = req.keys[i];
      const state = this.registry.getByKey(idKeyOfBytes(k.kvStateId, 0));
      if (state === undefined) return { failure: UnknownKvStateIdError.forId(this.serverName, KvStateID.fromBytes(k.kvStateId)).toJavaThrowable() };
      let f;
      try {
        f = state.freshness?.(k.keyGroup);
      } catch {
        f = undefined;
      }
      if (f === undefined) return { failure: UnknownKeyGroupLocationError.forServer(this.serverName).toJavaThrowable() };
      const groupVersion = f.version;
      const from = k.fromVersion;
      // Every write not applied yet comes after asOfMs (the state's own clock): its version will be above this.
      const watermark = f.asOfMs > 0 ? (BigInt(Math.floor(f.asOfMs)) << 16n) - 1n : 0n;
      const resume = max(from, groupVersion, watermark);
      if (Number(from >> 16n) > Date.now() + FUTURE_GRACE_MS) {
        changes[i] = {
          tag: ChangeTag.ENDED,
          resumeVersion: from,
          reason: `the from-version ${from} is in the future (its time ${Number(from >> 16n)} is after this server's clock): it is not a version of this state; watch again without it`,
        };
        continue;
      }
      if (groupVersion <= from) {
        changes[i] = { tag: ChangeTag.UNCHANGED, resumeVersion: resume };
        continue;
      }
      const t = this.trackers.get(state);
      let version = groupVersion;
      let exact = false;
      if (t !== undefined) {
        if (!t.base.has(k.keyGroup)) t.base.set(k.keyGroup, groupVersion);
        if (t.base.get(k.keyGroup)! <= from) {
          const kv = t.keys.get(bytesToId(k.keyAndNamespace));
          const kver = kv === undefined ? 0n : versionOf(kv.ms, kv.seq);
          if (kver <= from) {
            changes[i] = { tag: ChangeTag.UNCHANGED, resumeVersion: resume };
            continue;
          }
          version = kver;
          exact = true;
        }
      }
      try {
        changes[i] = this.#current(state, k.keyAndNamespace, req.prefix, version, resume, from === 0n && !exact);
      } catch (e) {
        if (e instanceof InvalidArgumentError) return { failure: BadRequestError.create(this.serverName, e.message).toJavaThrowable() };
        return { failure: { className: "java.lang.RuntimeException", message: `Could not read a watched key: ${describeError(e)}` } };
      }
    }
    return { changes };
  }

  /** The key's current value (or its entries under the prefix), as a change at `version`. */
  #current(
    state: KvState,
    keyAndNamespace: Uint8Array,
    prefix: Uint8Array | null,
    version: bigint,
    resumeVersion: bigint,
    absentIsUnchanged: boolean,
  ): WatchChange {
    if (prefix !== null) {
      const page = state.scan!(keyAndNamespace, { from: null, to: null, prefix, after: null, limit: SERVER_MAX_PREFIX_ENTRIES });
      if (page === null) return absentIsUnchanged ? { tag: ChangeTag.UNCHANGED, resumeVersion } : { tag: ChangeTag.ENTRIES, resumeVersion, version, entries: [] };
      if (!page.complete) {
        return { tag: ChangeTag.ENDED, resumeVersion, reason: `more than ${SERVER_MAX_PREFIX_ENTRIES} map entries are under the prefix (watch.max-prefix-entries): watch a longer prefix` };
      }
      return { tag: ChangeTag.ENTRIES, resumeVersion, version, entries: page.entries };
    }
    const value = state.getSerializedValue(keyAndNamespace);
    if (value instanceof Promise) throw new InvalidArgumentError("This state answers asynchronously and cannot be watched.");
    if (value === null || value === undefined) {
      return absentIsUnchanged ? { tag: ChangeTag.UNCHANGED, resumeVersion } : { tag: ChangeTag.DELETED, resumeVersion, version };
    }
    return { tag: ChangeTag.VALUE, resumeVersion, version, value };
  }
}
