/**
 * What the etcd client speaks in: its options, key-values and watch events as this library reads them from etcd's
 * JSON gateway (base64 keys and values, int64 fields as strings), the endpoints list, and the authentication error.
 */
import type { Clock } from "../../core/clock.ts";
import { InvalidArgumentError, QueryableStateError } from "../../core/errors.ts";
import type { ClientTlsOptions } from "../../transport/transport.ts";

/** etcd refused our credentials, needs some we were not given, or denied the user a key (code `ETCD_AUTH_FAILED`). */
export class EtcdAuthError extends QueryableStateError {
  /** `message` says what etcd answered and which option or flag to fix. */
  constructor(message: string, options?: { cause?: unknown }) {
    super("ETCD_AUTH_FAILED", message, options);
  }
}

const encoder = new TextEncoder();
export const decoder = new TextDecoder();

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
  /** The store revision of the change (a decimal string: int64). */
  modRevision: string;
  /** The lease the key is bound to after a PUT, "0" for none or a DELETE (a decimal string: int64). */
  lease: string;
}

/** Options of {@link EtcdGateway}: deadlines, credentials and TLS, shared by every etcd-backed component. */
export interface EtcdOptions {
  /** Each unary call, failover between members included, fails after this long. @default 3000 */
  timeoutMs?: number;
  /** One member gets this long to answer before the call moves on to the next. @default min(1000, timeoutMs) */
  attemptTimeoutMs?: number;
  /** etcd user (authentication enabled in etcd): calls carry a token from `/v3/auth/authenticate`. */
  user?: string;
  /** The password of `user`. */
  password?: string;
  /** TLS for `https://` endpoints: the CA that signed etcd's certificate, and a client certificate and key (PEM text). */
  tls?: ClientTlsOptions;
  /** Advanced: the time source of the watch's health checks and reconnect back-off. @default the runtime's timers */
  clock?: Clock;
}

/** Options of {@link EtcdGateway.watch}. */
export interface EtcdWatchOptions {
  /** The first revision to report (a decimal string): events from it on are delivered, none is skipped. */
  startRevision: string;
  /** Stops the watch; {@link EtcdGateway.watch} resolves then. */
  signal: AbortSignal;
  /** Each change, in revision order. */
  onEvent(event: EtcdWatchEvent): void;
  /** The watch is established (again, after each reconnect). */
  onCreated?(): void;
  /**
   * etcd compacted revisions the watch had not seen yet: changes were lost, whatever the caller derived
   * from the keys must be read again. The watch goes on from the compaction revision.
   */
  onCompacted?(compactRevision: string): void;
  /** A stream broke, a member failed its health check, or none could be reached (each time; for logs). */
  onError?(error: unknown): void;
  /** How often the member serving the watch is health-checked; a failed check moves the watch to another member. @default 1000 */
  healthIntervalMs?: number;
}

/** Splits `"http://a:2379,http://b:2379"` (or takes an array) into member URLs, each checked and without trailing slashes. */
export function parseEtcdEndpoints(endpoints: string | readonly string[]): string[] {
  const list = (typeof endpoints === "string" ? endpoints.split(",") : [...endpoints]).map((u) => String(u).trim()).filter((u) => u !== "");
  if (list.length === 0) throw new InvalidArgumentError("No etcd endpoint given: pass one URL or several, e.g. \"http://10.0.0.9:2379,http://10.0.0.10:2379\".");
  return list.map((u) => {
    if (!/^https?:\/\/[^/\s]+/i.test(u)) {
      throw new InvalidArgumentError(`etcd endpoint '${u}' is not an http:// or https:// URL (e.g. http://10.0.0.9:2379).`);
    }
    return u.replace(/\/+$/, "");
  });
}

/** etcd's answers when a call needs a (new) token: 401 for an expired or unknown one, "user name is empty" without one. */
export function isAuthRequired(status: number, message: string): boolean {
  return status === 401 || /user name is empty|invalid auth token|auth token is expired/i.test(message);
}

export function describe(e: unknown): string {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  if (err?.name === "TimeoutError") return "no answer in time";
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `${err?.message ?? String(e)}${cause ? ` (${cause})` : ""}`;
}
