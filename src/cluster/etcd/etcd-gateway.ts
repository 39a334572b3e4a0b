/**
 * A small etcd v3 client over etcd's JSON gateway and the web-standard `fetch` (no
 * dependency; identical on Node, Deno and Bun — see the README's deployment guide for why not
 * the `etcd3` package). Pitfalls handled, as measured in our etcd reference: int64 fields are
 * strings (lease ids above 2^53 stay strings), omitted defaults (a PUT watch event has no
 * `type`, an empty range no `kvs`, a keepalive on a lost lease no `TTL`), base64 keys and
 * values, newline-delimited stream frames split anywhere, and Deno's abort-after-GC bug (a
 * watch is cancelled with `reader.cancel()` as well as `abort()`). Every unary call has a
 * timeout, so a hung etcd (no FIN, nothing answers) is detected, not waited on forever.
 */
import { QueryableStateError } from "../../core/errors.ts";

/** etcd did not answer in time, refused the connection, or answered with an error. */
export class EtcdUnavailableError extends QueryableStateError {
  /** Builds the error for the call `what` (an etcd path), failed with `cause`. */
  constructor(what: string, cause: unknown) {
    super("ETCD_UNAVAILABLE", `etcd ${what} failed: ${(cause as Error)?.message ?? cause}. Check that etcd is running and reachable (its /health endpoint).`, { cause });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function b64(text: string): string {
  let s = "";
  for (const byte of encoder.encode(text)) s += String.fromCharCode(byte);
  return btoa(s);
}

export function unb64(text: string | undefined): string {
  if (text === undefined) return "";
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return decoder.decode(bytes);
}

/** The range end covering every key with `prefix` (its last byte + 1, trailing 0xff dropped). */
export function prefixEnd(prefix: string): string {
  const bytes = [...encoder.encode(prefix)];
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0xff) bytes.pop();
  if (bytes.length === 0) return btoa("\0");
  bytes[bytes.length - 1]++;
  return btoa(String.fromCharCode(...bytes));
}

/** One key of a {@link EtcdGateway.rangePrefix} answer, decoded from the gateway's base64. */
export interface EtcdKeyValue {
  /** The key, as UTF-8 text. */
  key: string;
  /** The value, as UTF-8 text. */
  value: string;
  /** The store revision that last changed the key (a decimal string: int64). */
  modRevision: string;
  /** The lease the key is bound to, "0" for none (a decimal string: int64). */
  lease: string;
}

/** A change seen by {@link EtcdGateway.watchPrefix}: a key was put or deleted. */
export interface EtcdWatchEvent {
  /** What happened to the key. */
  type: "PUT" | "DELETE";
  /** The key, as UTF-8 text. */
  key: string;
  /** The new value ("" for a DELETE). */
  value: string;
}

/** Options of {@link EtcdGateway}. */
export interface EtcdOptions {
  /** Each unary call fails after this long. @default 3000 */
  timeoutMs?: number;
}

/** The etcd v3 calls this library needs (key-value, leases, watches), over the JSON gateway. */
export class EtcdGateway {
  /** The etcd base URL, without a trailing slash. */
  readonly url: string;
  readonly #timeoutMs: number;

  /**
   * A client of the etcd at `url`; it holds no connection of its own (each call is a `fetch`).
   *
   * @param url e.g. `http://127.0.0.1:2379`
   */
  constructor(url: string, options: EtcdOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 3000;
  }

  async #post(path: string, body: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      throw new EtcdUnavailableError(path, e);
    }
    const text = await res.text().catch((e) => {
      throw new EtcdUnavailableError(path, e);
    });
    if (!res.ok) throw new EtcdUnavailableError(path, new Error(`HTTP ${res.status}: ${text}`));
    return JSON.parse(text);
  }

  /** True when etcd answers /health in time and reports itself healthy. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(this.#timeoutMs) });
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
    const r = await this.#post("/v3/kv/range", { key: b64(key) });
    const kvs = r.kvs as Record<string, string>[] | undefined;
    return kvs === undefined || kvs.length === 0 ? undefined : unb64(kvs[0].value);
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

  /** Renews a lease; false when it is gone (etcd answers 200 without a TTL). */
  async keepAlive(lease: string): Promise<boolean> {
    const r = await this.#post("/v3/lease/keepalive", { ID: lease });
    const ttl = (r.result as Record<string, string> | undefined)?.TTL;
    return ttl !== undefined && Number(ttl) > 0;
  }

  /** Revokes a lease: every key bound to it is deleted at once. */
  async revokeLease(lease: string): Promise<void> {
    await this.#post("/v3/lease/revoke", { ID: lease });
  }

  /**
   * Watches `prefix` from `startRevision` until `signal` aborts or the stream ends (resolves
   * then, rejects on a broken stream: the caller re-reads and watches again).
   */
  async watchPrefix(prefix: string, startRevision: string, onEvent: (e: EtcdWatchEvent) => void, signal: AbortSignal, onCreated?: () => void): Promise<void> {
    const res = await fetch(`${this.url}/v3/watch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ create_request: { key: b64(prefix), range_end: prefixEnd(prefix), start_revision: startRevision } }),
      signal,
    });
    if (!res.ok || res.body === null) throw new EtcdUnavailableError("watch", new Error(`HTTP ${res.status}`));
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
          if (msg.error) throw new EtcdUnavailableError("watch", new Error(msg.error.message ?? "stream error"));
          const result = msg.result ?? {};
          if (result.created) onCreated?.();
          if (result.canceled) throw new EtcdUnavailableError("watch", new Error(String(result.cancel_reason ?? "canceled")));
          for (const ev of (result.events as Record<string, Record<string, string> | string>[] | undefined) ?? []) {
            const kv = ev.kv as Record<string, string>;
            onEvent({ type: ev.type === "DELETE" ? "DELETE" : "PUT", key: unb64(kv.key), value: unb64(kv.value) });
          }
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
