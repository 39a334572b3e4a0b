/**
 * A small etcd v3 client over etcd's JSON gateway and the web-standard `fetch` (no
 * dependency; identical on Node, Deno and Bun — see the README's deployment guide for why not
 * the `etcd3` package). Pitfalls handled, as measured in our etcd reference: int64 fields are
 * strings (lease ids above 2^53 stay strings), omitted defaults (a PUT watch event has no
 * `type`, an empty range no `kvs`, a keepalive on a lost lease no `TTL`), base64 keys and
 * values, newline-delimited stream frames split anywhere, and Deno's abort-after-GC bug (a
 * watch is cancelled with `reader.cancel()` as well as `abort()`).
 *
 * High availability: it takes every member's URL. Each call goes to the member that answered
 * last; one that refuses, does not answer within the attempt timeout (a hung or stopped member)
 * or answers 5xx (no leader, a timed-out proposal) is left for the next one, round after round,
 * until the call's deadline. A watch ({@link EtcdGateway.watch}) checks its member's health and
 * moves to another member when it fails, resuming from the revision after the last event it saw.
 * Authentication: a user and password (a token from `/v3/auth/authenticate`, renewed when etcd
 * says it expired) and client certificates (`tls`, through `src/transport/tls-fetch.ts`).
 */
import { type Clock, realClock, sleep, type TimerHandle } from "../../core/clock.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { EtcdUnavailableError } from "../../protocol/remote-errors.ts";
import type { FetchLike } from "../../transport/tls-fetch.ts";
import { b64, decoder, describe, EtcdAuthError, type EtcdKeyValue, type EtcdOptions, type EtcdWatchEvent, type EtcdWatchOptions, isAuthRequired, parseEtcdEndpoints, prefixEnd, unb64 } from "./etcd-api.ts";

export { EtcdUnavailableError };
export { b64, EtcdAuthError, type EtcdKeyValue, type EtcdOptions, type EtcdWatchEvent, type EtcdWatchOptions, parseEtcdEndpoints, prefixEnd, unb64 } from "./etcd-api.ts";

interface EtcdErrorBody {
  error?: string;
  message?: string;
  code?: number;
}

/** The etcd v3 calls this library needs (key-value, leases, watches, auth), over the JSON gateway of one or several members. */
export class EtcdGateway {
  /** Every member's URL, as given (without trailing slashes). */
  readonly endpoints: readonly string[];
  readonly #timeoutMs: number;
  readonly #attemptMs: number;
  readonly #user: string | undefined;
  readonly #password: string | undefined;
  readonly #clock: Clock;
  readonly #fetch: Promise<FetchLike>;
  #preferred = 0;
  #token: Promise<string | undefined> | undefined;

  /**
   * A client of the etcd members at `endpoints`; it holds no connection of its own (each call is a `fetch`).
   *
   * @param endpoints one URL (`"http://127.0.0.1:2379"`), several separated by commas, or an array of them
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for an empty list or a URL that is not http(s)
   */
  constructor(endpoints: string | readonly string[], options: EtcdOptions = {}) {
    this.endpoints = parseEtcdEndpoints(endpoints);
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#attemptMs = options.attemptTimeoutMs ?? Math.min(1000, this.#timeoutMs);
    if (options.password !== undefined && options.user === undefined) throw new InvalidArgumentError("An etcd password was given without a user.");
    this.#user = options.user;
    this.#password = options.password;
    this.#clock = options.clock ?? realClock;
    const tls = options.tls;
    const needsTls = tls !== undefined && (tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined || tls.rejectUnauthorized === false);
    this.#fetch = needsTls
      ? import("../../transport/tls-fetch.ts").then((m) => m.fetchWithTls(tls!))
      : Promise.resolve((url, init) => fetch(url, init));
    this.#fetch.catch(() => {}); // reported by the first call
  }

  /** The member URL calls go to first: the one that answered last. */
  get url(): string {
    return this.endpoints[this.#preferred];
  }

  async #send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<Response> {
    return (await this.#fetch)(url, init);
  }

  /** The Authorization header value: a token (fetched once, shared by concurrent calls), or none without a user. */
  #authToken(deadline: number): Promise<string | undefined> {
    if (this.#user === undefined) return Promise.resolve(undefined);
    const token = this.#token ??= this.#authenticate(deadline);
    token.catch(() => {
      if (this.#token === token) this.#token = undefined;
    });
    return token;
  }

  async #authenticate(deadline: number): Promise<string | undefined> {
    try {
      const r = await this.#post("/v3/auth/authenticate", { name: this.#user, password: this.#password ?? "" }, { auth: false, deadline });
      return String(r.token);
    } catch (e) {
      if (e instanceof EtcdAuthError && /authentication is not enabled/i.test(e.message)) return undefined;
      throw e;
    }
  }

  /**
   * POSTs `body` to `path`, member after member until one answers or the deadline passes. Connection
   * failures, attempt timeouts and 5xx move on; an expired token is renewed once; other 4xx fail at once.
   */
  async #post(path: string, body: unknown, options: { auth?: boolean; deadline?: number } = {}): Promise<Record<string, unknown>> {
    const started = realClock.now();
    const deadline = options.deadline ?? started + this.#timeoutMs;
    const n = this.endpoints.length;
    const errors: string[] = [];
    const first = this.#preferred;
    let renewedToken = false;
    // Whether a member of this round may be up (it answered 5xx or did not answer in time); a round in
    // which every member refused the connection ends the call: etcd is down, waiting helps nobody.
    let maybeUp = false;
    for (let attempt = 0, round = 0;; attempt++) {
      const remaining = deadline - realClock.now();
      if (remaining <= 0) break;
      if (attempt > 0 && attempt % n === 0) {
        if (!maybeUp) break;
        maybeUp = false;
        // Every member failed once (an election in progress, a hung member): pause a little, then go round again.
        round++;
        await sleep(realClock, Math.ceil(Math.min(remaining, 50 * 2 ** Math.min(round, 3))));
        if (deadline - realClock.now() <= 0) break;
      }
      const i = (first + attempt) % n;
      const url = this.endpoints[i];
      const token = options.auth === false ? undefined : await this.#authToken(deadline);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (token !== undefined) headers.authorization = token;
      let res: Response;
      let text: string;
      try {
        const signal = AbortSignal.timeout(Math.max(1, Math.ceil(Math.min(this.#attemptMs, deadline - realClock.now()))));
        res = await this.#send(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body), signal });
        text = await res.text();
      } catch (e) {
        if ((e as Error)?.name === "TimeoutError" || (e as Error)?.name === "AbortError") maybeUp = true;
        errors.push(`${url}: ${describe(e)}`);
        this.#skip(i);
        continue;
      }
      if (res.ok) {
        this.#preferred = i;
        return JSON.parse(text);
      }
      let err: EtcdErrorBody = {};
      try {
        err = JSON.parse(text);
      } catch {
        // not etcd's JSON error: keep the text
      }
      const message = err.message ?? err.error ?? text.slice(0, 200);
      if (isAuthRequired(res.status, message)) {
        if (this.#user === undefined) {
          throw new EtcdAuthError(`etcd at ${url} requires authentication (${message}): give the etcd user and password (--etcd-user, QSTATE_ETCD_PASSWORD).`);
        }
        if (!renewedToken && options.auth !== false) {
          // The token expired (or etcd restarted and forgot it): take a new one and ask the same member again.
          renewedToken = true;
          if (this.#token !== undefined) this.#token = undefined;
          attempt--;
          continue;
        }
        throw new EtcdAuthError(`etcd at ${url} refused the user '${this.#user}' (${message}).`);
      }
      if (res.status === 403 || err.code === 7 || /authentication failed|permission denied|not capable/i.test(message)) {
        throw new EtcdAuthError(`etcd at ${url} refused ${path}${this.#user === undefined ? "" : ` for the user '${this.#user}'`}: ${message}.`);
      }
      if (/authentication is not enabled/i.test(message)) throw new EtcdAuthError(message);
      if (res.status >= 500 || res.status === 429) {
        maybeUp = true;
        errors.push(`${url}: HTTP ${res.status} ${message}`);
        this.#skip(i);
        continue;
      }
      throw new EtcdUnavailableError(path, new Error(`${url} answered HTTP ${res.status}: ${message}`));
    }
    const tried = errors.length === 0 ? "no member answered" : errors.slice(-n).join("; ");
    const budget = Math.round(deadline - started);
    throw new EtcdUnavailableError(path, new Error(`${tried} (members ${this.endpoints.join(", ")}, within ${budget} ms)`));
  }

  /** The next call starts at the member after `i` (it just failed), unless another call already moved on. */
  #skip(i: number): void {
    if (this.#preferred === i) this.#preferred = (i + 1) % this.endpoints.length;
  }

  /** True when one member answers `/health` in time and reports itself healthy. */
  async healthy(): Promise<boolean> {
    for (let k = 0; k < this.endpoints.length; k++) {
      const i = (this.#preferred + k) % this.endpoints.length;
      if (await this.#memberHealthy(this.endpoints[i], Math.ceil(this.#attemptMs))) return true;
    }
    return false;
  }

  async #memberHealthy(url: string, timeoutMs: number): Promise<boolean> {
    try {
      const res = await this.#send(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      const json = await res.json() as { health?: string };
      return res.ok && json.health === "true";
    } catch {
      return false;
    }
  }

  /** Sets `key` to `value`, bound to `lease` when given (the key goes when the lease does). */
  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.#post("/v3/kv/put", { key: b64(key), value: b64(value), ...(lease === undefined ? {} : { lease }) });
  }

  /** Every key with `prefix`, and the store revision read at. */
  async rangePrefix(prefix: string): Promise<{ kvs: EtcdKeyValue[]; revision: string }> {
    const r = await this.#post("/v3/kv/range", { key: b64(prefix), range_end: prefixEnd(prefix) });
    const kvs = (r.kvs as Record<string, string>[] | undefined) ?? [];
    return {
      kvs: kvs.map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), modRevision: kv.mod_revision ?? "0", lease: kv.lease ?? "0" })),
      revision: String((r.header as Record<string, string> | undefined)?.revision ?? "0"),
    };
  }

  /** The value of `key`, `undefined` when there is none. */
  async get(key: string): Promise<string | undefined> {
    return (await this.getKeyValue(key))?.value;
  }

  /** `key` with its value, revision and lease, `undefined` when there is none. */
  async getKeyValue(key: string): Promise<EtcdKeyValue | undefined> {
    const r = await this.#post("/v3/kv/range", { key: b64(key) });
    const kvs = r.kvs as Record<string, string>[] | undefined;
    if (kvs === undefined || kvs.length === 0) return undefined;
    const kv = kvs[0];
    return { key, value: unb64(kv.value), modRevision: kv.mod_revision ?? "0", lease: kv.lease ?? "0" };
  }

  /** Deletes `key` (no error if it does not exist). */
  async delete(key: string): Promise<void> {
    await this.#post("/v3/kv/deleterange", { key: b64(key) });
  }

  /** Deletes every key with `prefix`. */
  async deletePrefix(prefix: string): Promise<void> {
    await this.#post("/v3/kv/deleterange", { key: b64(prefix), range_end: prefixEnd(prefix) });
  }

  /** A new lease; its id stays a string (int64 above 2^53). */
  async grantLease(ttlSeconds: number): Promise<string> {
    const r = await this.#post("/v3/lease/grant", { TTL: String(ttlSeconds) });
    return String(r.ID);
  }

  /**
   * Renews a lease; false when it is gone (etcd answers 200 without a TTL). `timeoutMs` bounds this call
   * (failover included) below the gateway's default, so a renewal can be retried well within the TTL.
   */
  async keepAlive(lease: string, options: { timeoutMs?: number } = {}): Promise<boolean> {
    const deadline = options.timeoutMs === undefined ? undefined : realClock.now() + options.timeoutMs;
    const r = await this.#post("/v3/lease/keepalive", { ID: lease }, { deadline });
    const ttl = (r.result as Record<string, string> | undefined)?.TTL;
    return ttl !== undefined && Number(ttl) > 0;
  }

  /** Revokes a lease: every key bound to it is deleted at once. */
  async revokeLease(lease: string): Promise<void> {
    await this.#post("/v3/lease/revoke", { ID: lease });
  }

  /**
   * One watch stream on the preferred member, from `startRevision` until `signal` aborts or the stream ends
   * (resolves then, rejects on a broken stream). {@link watch} is the one that survives member failures.
   */
  async watchPrefix(prefix: string, startRevision: string, onEvent: (e: EtcdWatchEvent) => void, signal: AbortSignal, onCreated?: () => void): Promise<void> {
    await this.#watchStream(this.url, prefix, startRevision, signal, { onEvent, onCreated });
  }

  /**
   * Watches `prefix` until `options.signal` aborts, across member failures: when the stream breaks or its
   * member fails a health check, it is opened again on the next member from the revision after the last
   * event delivered, so no change is lost or repeated. Resolves once aborted.
   */
  async watch(prefix: string, options: EtcdWatchOptions): Promise<void> {
    const { signal } = options;
    const healthMs = options.healthIntervalMs ?? 1000;
    let next = BigInt(options.startRevision);
    let failedInARow = 0;
    while (!signal.aborted) {
      const index = this.#preferred;
      const url = this.endpoints[index];
      const stream = new AbortController();
      const stop = () => stream.abort();
      signal.addEventListener("abort", stop, { once: true });
      let checking = false;
      let healthTimer: TimerHandle | undefined;
      const check = async () => {
        if (checking || stream.signal.aborted) return;
        checking = true;
        const ok = await this.#memberHealthy(url, Math.ceil(Math.min(this.#attemptMs, healthMs)));
        checking = false;
        if (!ok && !stream.signal.aborted) {
          options.onError?.(new EtcdUnavailableError("watch", new Error(`${url} failed its health check; watching on another member`)));
          stream.abort();
        } else if (!stream.signal.aborted) healthTimer = this.#clock.setTimeout(() => void check(), healthMs, { unref: true });
      };
      healthTimer = this.#clock.setTimeout(() => void check(), healthMs, { unref: true });
      let compacted = false;
      let created = false;
      try {
        await this.#watchStream(url, prefix, String(next), stream.signal, {
          onCreated: () => {
            created = true;
            failedInARow = 0;
            this.#preferred = index;
            options.onCreated?.();
          },
          onEvent: (e) => {
            next = BigInt(e.modRevision) + 1n;
            options.onEvent(e);
          },
          onProgress: (revision) => {
            if (BigInt(revision) + 1n > next) next = BigInt(revision) + 1n;
          },
          onCompacted: (revision) => {
            compacted = true;
            if (BigInt(revision) > next) next = BigInt(revision);
            options.onCompacted?.(revision);
          },
        });
        if (!signal.aborted && !stream.signal.aborted && !compacted) options.onError?.(new EtcdUnavailableError("watch", new Error(`${url} ended the stream`)));
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof EtcdAuthError) this.#token = undefined;
        if (!stream.signal.aborted) options.onError?.(e);
      } finally {
        this.#clock.clearTimeout(healthTimer);
        signal.removeEventListener("abort", stop);
        stream.abort();
      }
      if (signal.aborted || compacted) continue;
      // Move on to the next member (unless a unary call already did); back off once every member failed.
      this.#skip(index);
      if (!created) failedInARow++;
      if (failedInARow >= this.endpoints.length) {
        const rounds = Math.floor(failedInARow / this.endpoints.length);
        await sleep(this.#clock, Math.min(2000, 100 * 2 ** Math.min(rounds, 5)), signal).catch(() => {});
      }
    }
  }

  async #watchStream(
    url: string,
    prefix: string,
    startRevision: string,
    signal: AbortSignal,
    on: { onEvent(e: EtcdWatchEvent): void; onCreated?(): void; onProgress?(revision: string): void; onCompacted?(revision: string): void },
  ): Promise<void> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = await this.#authToken(realClock.now() + this.#timeoutMs);
    if (token !== undefined) headers.authorization = token;
    let res: Response;
    try {
      res = await this.#send(`${url}/v3/watch`, {
        method: "POST",
        headers,
        body: JSON.stringify({ create_request: { key: b64(prefix), range_end: prefixEnd(prefix), start_revision: startRevision, progress_notify: true } }),
        signal,
      });
    } catch (e) {
      if (signal.aborted) return;
      throw new EtcdUnavailableError("watch", new Error(`${url}: ${describe(e)}`));
    }
    if (!res.ok || res.body === null) {
      const text = await res.text().catch(() => "");
      if (isAuthRequired(res.status, text)) throw new EtcdAuthError(`etcd at ${url} refused the watch: ${text}`);
      throw new EtcdUnavailableError("watch", new Error(`${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`));
    }
    const reader = res.body.getReader();
    // Deno: abort alone may no longer reach the fetch after a GC; cancel the reader too.
    const cancel = () => void reader.cancel().catch(() => {});
    signal.addEventListener("abort", cancel, { once: true });
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line === "") continue;
          const msg = JSON.parse(line) as { result?: Record<string, unknown>; error?: { message?: string } };
          if (msg.error) throw new EtcdUnavailableError("watch", new Error(`${url}: ${msg.error.message ?? "stream error"}`));
          const result = msg.result ?? {};
          if (result.compact_revision !== undefined && result.compact_revision !== "0") {
            on.onCompacted?.(String(result.compact_revision));
            return;
          }
          if (result.canceled) {
            const reason = String(result.cancel_reason ?? "canceled");
            if (isAuthRequired(401, reason) || /permission denied/i.test(reason)) throw new EtcdAuthError(`etcd at ${url} cancelled the watch: ${reason}`);
            throw new EtcdUnavailableError("watch", new Error(`${url}: ${reason}`));
          }
          if (result.created) on.onCreated?.();
          const events = (result.events as Record<string, Record<string, string> | string>[] | undefined) ?? [];
          for (const ev of events) {
            const kv = ev.kv as Record<string, string>;
            on.onEvent({
              type: ev.type === "DELETE" ? "DELETE" : "PUT",
              key: unb64(kv.key),
              value: unb64(kv.value),
              modRevision: kv.mod_revision ?? "0",
              lease: kv.lease ?? "0",
            });
          }
          // A progress notification (no events, not the creation): every change up to its revision was sent.
          const revision = (result.header as Record<string, string> | undefined)?.revision;
          if (events.length === 0 && !result.created && revision !== undefined) on.onProgress?.(revision);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    } finally {
      signal.removeEventListener("abort", cancel);
    }
  }
}
