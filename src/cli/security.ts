/**
 * What the CLI's roles share about security: the registration token (from the environment or a file, never
 * the command line; generated when a deployment has none) and TLS files (server side, client side, mutual).
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import type { ClientTlsOptions, ServerTlsOptions } from "../transport/transport.ts";
import { type FlagSpec, type Flags, optionalString, UsageError } from "./args.ts";

/** `--token-file`, and `--token` only to refuse it with the reason. */
export const TOKEN_FLAGS: readonly FlagSpec[] = [
  { name: "token-file", value: "FILE", help: "a file holding the registration token (or set QSTATE_TOKEN)", env: "QSTATE_TOKEN_FILE" },
  { name: "token", value: "SECRET", help: "refused: a secret on the command line is visible to every user in ps; set QSTATE_TOKEN or use --token-file" },
];

/** `--insecure`: run without a registration token, on purpose. */
export const INSECURE_FLAG: FlagSpec = {
  name: "insecure",
  help: "accept registrations without a token (anyone who reaches the coordinator can redirect a state; for throwaway demos only)",
};

/**
 * The registration token: QSTATE_TOKEN, else the first line of --token-file; undefined when neither is given.
 * @throws UsageError for `--token` on the command line, an unreadable or empty file, or a token shorter than 16 characters
 */
export function readToken(flags: Flags, command: string, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (flags.token !== undefined) {
    throw new UsageError(
      "--token on the command line is visible to every user of this machine (ps, /proc): set QSTATE_TOKEN in the environment, " +
        "or put the token in a file readable only by you and pass --token-file FILE.",
      command,
    );
  }
  let token = env.QSTATE_TOKEN;
  const file = optionalString(flags, "token-file");
  if ((token === undefined || token === "") && file !== undefined) {
    try {
      token = readFileSync(file, "utf8").split(/\r?\n/)[0].trim();
    } catch (e) {
      throw new UsageError(`Cannot read --token-file ${file}: ${(e as Error).message}`, command, { code: "INVALID_ARGUMENT", cause: e });
    }
    if (token === "") throw new UsageError(`--token-file ${file} is empty: its first line is the token.`, command, { code: "INVALID_ARGUMENT" });
  }
  if (token === undefined || token === "") return undefined;
  if (token.length < 16) {
    throw new UsageError(
      `The registration token has ${token.length} characters: use at least 16 random ones (e.g. \`openssl rand -hex 24\`), ` +
        "or leave it out and the coordinator makes one.",
      command,
      { code: "INVALID_ARGUMENT" },
    );
  }
  return token;
}

/** A new random registration token: 32 random bytes as base64url (43 characters). */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Server-side TLS flags: what a listening role presents, and whom it accepts. */
export const SERVER_TLS_FLAGS: readonly FlagSpec[] = [
  { name: "tls-cert", value: "FILE", help: "serve TLS with this PEM certificate chain (with --tls-key)", env: "QSTATE_TLS_CERT" },
  { name: "tls-key", value: "FILE", help: "the PEM private key of --tls-cert", env: "QSTATE_TLS_KEY" },
  {
    name: "tls-client-ca",
    value: "FILE",
    help: "require client certificates signed by this PEM CA (mutual TLS; not on Deno's listener)",
    env: "QSTATE_TLS_CLIENT_CA",
  },
];

/** Client-side TLS flags: whom a role trusts, and the certificate it shows (mutual TLS). */
export const CLIENT_TLS_FLAGS: readonly FlagSpec[] = [
  { name: "tls", help: "connect with TLS (trusting the runtime's CAs, or --tls-ca)" },
  { name: "tls-ca", value: "FILE", help: "trust this PEM CA for the servers' certificates (implies --tls)", env: "QSTATE_TLS_CA" },
  { name: "tls-client-cert", value: "FILE", help: "present this PEM certificate chain to servers that require one", env: "QSTATE_TLS_CLIENT_CERT" },
  { name: "tls-client-key", value: "FILE", help: "the PEM private key of --tls-client-cert", env: "QSTATE_TLS_CLIENT_KEY" },
  { name: "tls-server-name", value: "NAME", help: "verify servers' certificates against this name (default: the host connected to)" },
];

function pem(flags: Flags, name: string, command: string): string | undefined {
  const file = optionalString(flags, name);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`Cannot read --${name} ${file}: ${(e as Error).message}`, command, { code: "INVALID_ARGUMENT", cause: e });
  }
  if (!text.includes("-----BEGIN ")) {
    throw new UsageError(`--${name} ${file} is not PEM text (no "-----BEGIN" line).`, command, { code: "INVALID_ARGUMENT" });
  }
  return text;
}

/**
 * The server TLS of `--tls-cert`/`--tls-key`/`--tls-client-ca`; undefined when none is given.
 * @throws UsageError for one of cert/key without the other, or an unreadable or non-PEM file
 */
export function serverTlsOf(flags: Flags, command: string): ServerTlsOptions | undefined {
  const cert = pem(flags, "tls-cert", command), key = pem(flags, "tls-key", command), ca = pem(flags, "tls-client-ca", command);
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) throw new UsageError("--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first.", command);
    return undefined;
  }
  if (cert === undefined || key === undefined) throw new UsageError("--tls-cert and --tls-key go together.", command);
  return ca === undefined ? { cert, key } : { cert, key, ca, requestClientCert: true };
}

/**
 * The client TLS of `--tls`/`--tls-ca`/`--tls-client-cert`/`--tls-client-key`/`--tls-server-name`; undefined
 * when none is given.
 * @throws UsageError for one of client cert/key without the other, or an unreadable or non-PEM file
 */
export function clientTlsOf(flags: Flags, command: string): ClientTlsOptions | undefined {
  const ca = pem(flags, "tls-ca", command), cert = pem(flags, "tls-client-cert", command), key = pem(flags, "tls-client-key", command);
  const serverName = optionalString(flags, "tls-server-name");
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--tls-client-cert and --tls-client-key go together.", command);
  if (flags.tls !== true && ca === undefined && cert === undefined && serverName === undefined) return undefined;
  const tls: ClientTlsOptions = {};
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined) Object.assign(tls, { cert, key });
  if (serverName !== undefined) tls.serverName = serverName;
  return tls;
}

/** The flags (name and value) of `specs` as given, to hand the same TLS files to a child of `qstate cluster`. */
export function tlsArgs(flags: Flags, specs: readonly FlagSpec[] = [...SERVER_TLS_FLAGS, ...CLIENT_TLS_FLAGS]): string[] {
  const out: string[] = [];
  for (const f of specs) {
    const v = flags[f.name];
    if (v === true) out.push(`--${f.name}`);
    else if (typeof v === "string") out.push(`--${f.name}`, v);
  }
  return out;
}
