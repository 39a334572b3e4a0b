/**
 * How a {@link QueryableStateClient} with several proxies picks one per query: a per-attempt deadline
 * below the query's deadline, moving on to the next proxy after a timeout or a connection failure,
 * optional hedging (a second proxy asked when the first is slow; the first answer wins), and demotion
 * of a proxy that failed (the others are preferred for a while; then it is probed with a copy of a
 * query sent alongside one to a healthy proxy, so probing costs no query any latency).
 *
 * Queries are reads: asking another proxy after one timed out is safe. An abandoned attempt is
 * cancelled in the network client, which drops its late answer by request id.
 */
import type { Clock, TimerHandle } from "../core/clock.ts";
import type { Client } from "../net/client.ts";
import { type DiagnosticsHook, emitDiagnostic } from "../net/diagnostics.ts";
import { ClientClosedError, ConnectError, ConnectionClosedError, RequestAbortedError, RequestTimeoutError, ServerFailureError } from "../net/errors.ts";
import type { KvStateRequest, KvStateResponse } from "../protocol/messages.ts";
import { formatHostPort } from "../transport/address.ts";
import type { Endpoint } from "../transport/transport.ts";

/** Longest demotion, however often a proxy failed in a row. */
const MAX_DEMOTION_MS = 60_000;

/** What the router knows of one proxy. */
interface ProxyHealth {
  /** Failures in a row (0: healthy). */
  failures: number;
  /** Until then, the others are tried first. */
  demotedUntil: number;
  /** A probe of this proxy is on its way. */
  probing: boolean;
}

/** The settings of a {@link ProxyRouter}. */
export interface ProxyRouterSettings {
  readonly addresses: readonly Endpoint[];
  readonly client: Client<KvStateRequest, KvStateResponse>;
  readonly clock: Clock;
  /** The per-attempt deadline; undefined: a third of the query's deadline, at most 2 s. */
  readonly attemptTimeoutMs: number | undefined;
  /** Ask the next proxy too after this long without an answer; undefined: never. */
  readonly hedgeAfterMs: number | undefined;
  /** First demotion of a failed proxy; doubles per failure in a row up to 60 s. */
  readonly demotionMs: number;
  readonly diagnostics: DiagnosticsHook | undefined;
  readonly name: string;
}

/** A failure that says nothing about the answer, only that this proxy did not give it: ask another. */
function isRoutingFailure(e: unknown): boolean {
  return e instanceof ConnectError || e instanceof ConnectionClosedError || e instanceof ServerFailureError ||
    e instanceof RequestTimeoutError;
}

/** The default per-attempt deadline for a query deadline of `totalMs`. */
export function defaultAttemptTimeout(totalMs: number): number {
  return Math.max(1, Math.min(Math.floor(totalMs / 3), 2000));
}

/** Routes queries over several proxies (internal to QueryableStateClient). */
export class ProxyRouter {
  readonly #s: ProxyRouterSettings;
  readonly #health: ProxyHealth[];
  /** The proxy that answered last: queries go there first while it stays healthy. */
  #preferred = 0;

  constructor(settings: ProxyRouterSettings) {
    this.#s = settings;
    this.#health = settings.addresses.map(() => ({ failures: 0, demotedUntil: 0, probing: false }));
  }

  /** Whether proxy `index` is demoted now (for tests and diagnostics). */
  isDemoted(index: number): boolean {
    return this.#health[index].failures > 0;
  }

  /**
   * The order to try the proxies in: healthy ones from the preferred one on, then demoted ones, the
   * one whose demotion ends first before the others. Also returns a demoted proxy whose demotion has
   * ended and that is not being probed, to probe alongside (only when a healthy one is tried first).
   */
  #plan(now: number): { order: number[]; probe: number | undefined } {
    const n = this.#s.addresses.length;
    const healthy: number[] = [];
    const demoted: number[] = [];
    for (let i = 0; i < n; i++) {
      const index = (this.#preferred + i) % n;
      (this.#health[index].failures === 0 ? healthy : demoted).push(index);
    }
    demoted.sort((a, b) => this.#health[a].demotedUntil - this.#health[b].demotedUntil);
    let probe: number | undefined;
    if (healthy.length > 0) {
      const due = demoted.find((i) => this.#health[i].demotedUntil <= now && !this.#health[i].probing);
      if (due !== undefined) probe = due;
    }
    return { order: [...healthy, ...demoted], probe };
  }

  #failed(index: number): void {
    const h = this.#health[index];
    h.failures++;
    const ms = Math.min(this.#s.demotionMs * 2 ** Math.min(h.failures - 1, 30), MAX_DEMOTION_MS);
    h.demotedUntil = this.#s.clock.now() + ms;
  }

  #answered(index: number): void {
    const h = this.#health[index];
    h.failures = 0;
    h.demotedUntil = 0;
  }

  /**
   * Sends `request` within `totalMs` (Infinity: no deadline). Resolves with the first answer; rejects
   * with a remote failure as soon as a proxy reports one, with RequestAbortedError when `signal`
   * aborts, and otherwise, once no proxy is left to ask, with RequestTimeoutError when the deadline
   * passed or the last connection failure.
   */
  send(
    request: KvStateRequest,
    totalMs: number,
    signal: AbortSignal | undefined,
    overrides?: { readonly attemptTimeoutMs?: number; readonly hedge?: boolean },
  ): Promise<KvStateResponse> {
    const s = this.#s;
    const clock = s.clock;
    const start = clock.now();
    const deadline = start + totalMs;
    // A long poll (a watch) overrides the per-attempt deadline (its answer may come late by design) and never hedges.
    const attemptMs = overrides?.attemptTimeoutMs ?? s.attemptTimeoutMs ?? defaultAttemptTimeout(totalMs);
    const hedgeAfterMs = overrides?.hedge === false ? undefined : s.hedgeAfterMs;
    const { order, probe } = this.#plan(start);
    if (probe !== undefined) this.#probe(probe, request, attemptMs);
    return new Promise<KvStateResponse>((resolve, reject) => {
      let next = 0;
      let done = false;
      let lastError: unknown;
      let lastIndex: number | undefined;
      let hedgeTimer: TimerHandle | undefined;
      // Each attempt in flight, with the controller that cancels it when another one wins.
      const running = new Map<number, AbortController>();
      const finish = (result: KvStateResponse | undefined, error: unknown): void => {
        if (done) return;
        done = true;
        clock.clearTimeout(hedgeTimer);
        signal?.removeEventListener("abort", onAbort);
        for (const ac of running.values()) ac.abort(new Error("another proxy answered first"));
        running.clear();
        if (error === undefined) resolve(result!);
        else reject(error);
      };
      const onAbort = () => finish(undefined, new RequestAbortedError(`${s.name}: query for state '${request.stateName}'`, signal!.reason));
      const outOfTime = () => new RequestTimeoutError(`${s.name}: query for state '${request.stateName}' (tried ${tried()})`, totalMs);
      const tried = () => order.slice(0, next).map((i) => formatHostPort(s.addresses[i])).join(", ");
      /** Starts the next attempt; false when no proxy or no time is left. */
      const launch = (): boolean => {
        if (done || next >= order.length) return false;
        const now = clock.now();
        const remaining = deadline - now;
        if (remaining <= 0) return false;
        const index = order[next++];
        if (lastIndex !== undefined && lastError !== undefined) {
          emitDiagnostic(s.diagnostics, { type: "failover", component: s.name, from: s.addresses[lastIndex], to: s.addresses[index], error: lastError });
        }
        // The last proxy to ask gets all the time left: no one would take over from it.
        const budget = next === order.length ? remaining : Math.min(attemptMs, remaining);
        const ac = new AbortController();
        running.set(index, ac);
        s.client.sendRequest(s.addresses[index], request, { signal: ac.signal, timeoutMs: budget === Infinity ? undefined : budget }).then(
          (res) => {
            running.delete(index);
            this.#answered(index);
            this.#preferred = index;
            finish(res, undefined);
          },
          (e) => {
            running.delete(index);
            if (done) return;
            if (!isRoutingFailure(e)) {
              // A proxy answered (a remote failure is an answer too): this proxy is fine.
              this.#answered(index);
              finish(undefined, e);
              return;
            }
            this.#failed(index);
            lastError = e;
            lastIndex = index;
            if (launch() || running.size > 0) return;
            finish(undefined, clock.now() >= deadline || e instanceof RequestTimeoutError ? outOfTime() : e);
          },
        );
        armHedge();
        return true;
      };
      const armHedge = (): void => {
        clock.clearTimeout(hedgeTimer);
        hedgeTimer = undefined;
        if (hedgeAfterMs === undefined || next >= order.length) return;
        hedgeTimer = clock.setTimeout(() => {
          hedgeTimer = undefined;
          launch();
        }, hedgeAfterMs, { unref: true });
      };
      if (signal !== undefined) {
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
      }
      if (!launch()) finish(undefined, outOfTime());
    });
  }

  /**
   * Asks a demoted proxy the same query, detached from it (its answer is not used, and it is not
   * cancelled when the query is answered elsewhere): an answer restores the proxy, a failure extends
   * its demotion.
   */
  #probe(index: number, request: KvStateRequest, attemptMs: number): void {
    const h = this.#health[index];
    h.probing = true;
    const timeoutMs = Number.isFinite(attemptMs) ? attemptMs : 2000;
    this.#s.client.sendRequest(this.#s.addresses[index], request, { timeoutMs }).then(
      () => this.#answered(index),
      (e) => {
        if (isRoutingFailure(e)) this.#failed(index);
        else if (!(e instanceof RequestAbortedError || e instanceof ClientClosedError)) this.#answered(index); // a remote failure is an answer
      },
    ).finally(() => (h.probing = false));
  }
}
