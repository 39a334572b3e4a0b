/**
 * Entries a stranger cannot forge: each location entry carries an HMAC-SHA-256 over its etcd key, the
 * lease it is put under and its content, keyed by a key derived from the deployment's shared token (the
 * secret task managers register with). Readers recompute it (Web Crypto's constant-time `verify`) and
 * ignore an entry that does not match: one written without the token, moved to another key, or put
 * under another lease (a copy of a real entry outliving its task manager) is never served.
 */
import { InvalidArgumentError } from "../../core/errors.ts";

const encoder = new TextEncoder();
/** Separates these signatures from any other use of the token. */
const CONTEXT = "queryable-state etcd entries v1";

function b64(bytes: ArrayBuffer): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const s = atob(text);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** Signs and checks etcd entries with a key derived from the deployment's token. */
export class EntrySigner {
  readonly #key: Promise<CryptoKey>;

  /** A signer for `token` (the shared secret of the deployment; at least 16 characters is wise). */
  constructor(token: string) {
    if (typeof token !== "string" || token === "") throw new InvalidArgumentError("The token that signs etcd entries must be a non-empty string.");
    this.#key = (async () => {
      const root = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const derived = await crypto.subtle.sign("HMAC", root, encoder.encode(CONTEXT));
      return await crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    })();
  }

  /** The signature (base64) of `content` stored at `key` under `lease` ("0" for none). */
  async sign(key: string, lease: string, content: unknown): Promise<string> {
    return b64(await crypto.subtle.sign("HMAC", await this.#key, message(key, lease, content)));
  }

  /** Whether `signature` is this deployment's signature of `content` at `key` under `lease`. */
  async verify(key: string, lease: string, content: unknown, signature: unknown): Promise<boolean> {
    if (typeof signature !== "string") return false;
    const bytes = unb64(signature);
    if (bytes === undefined || bytes.length !== 32) return false;
    return await crypto.subtle.verify("HMAC", await this.#key, bytes, message(key, lease, content));
  }
}

function message(key: string, lease: string, content: unknown): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${key}\n${lease}\n${JSON.stringify(content)}`);
}
