/**
 * The etcd flags every command that talks to etcd shares: its members, a user (the password only from the
 * environment or a file, never argv, which `ps` shows), and the CA, certificate and key of https endpoints.
 */
import process from "node:process";
import type { EtcdOptions } from "../cluster/etcd/etcd-gateway.ts";
import { type Flags, type FlagSpec, optionalString, UsageError } from "./args.ts";

/** `--etcd` and the flags of its credentials and TLS. */
export const ETCD_FLAGS: readonly FlagSpec[] = [
  {
    name: "etcd",
    value: "URL[,URL]",
    help: "keep locations in etcd: every member's JSON gateway URL, separated by commas (calls fail over between them)",
    env: "QSTATE_ETCD",
  },
  { name: "etcd-user", value: "USER", help: "etcd user (authentication enabled); its password comes from QSTATE_ETCD_PASSWORD or --etcd-password-file", env: "QSTATE_ETCD_USER" },
  { name: "etcd-password-file", value: "FILE", help: "read the etcd user's password from this file (first line)" },
  { name: "etcd-ca", value: "FILE", help: "CA certificate (PEM) that signed etcd's certificate, for https:// endpoints" },
  { name: "etcd-cert", value: "FILE", help: "client certificate (PEM) for etcd's client-cert-auth (mutual TLS)" },
  { name: "etcd-key", value: "FILE", help: "private key (PEM) of --etcd-cert" },
];

/** The etcd credential and TLS flags given on this command line (not `--etcd`), to hand to a child process; a password stays in the environment. */
export function etcdFlagArgs(f: Flags): string[] {
  const out: string[] = [];
  for (const spec of ETCD_FLAGS) {
    const v = f[spec.name];
    if (typeof v === "string" && spec.name !== "etcd") out.push(`--${spec.name}`, v);
  }
  return out;
}

/**
 * The etcd client options the flags ask for: user and password, TLS files read. Without `--etcd-user` a
 * password is ignored; with it, one must come from `--etcd-password-file` or `QSTATE_ETCD_PASSWORD`.
 * @throws UsageError when a file cannot be read, a user has no password, or a certificate has no key
 */
export async function etcdOptionsFromFlags(f: Flags, command: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<EtcdOptions> {
  const { readFile } = await import("node:fs/promises");
  const read = async (flag: string): Promise<string | undefined> => {
    const file = optionalString(f, flag);
    if (file === undefined) return undefined;
    try {
      return await readFile(file, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read --${flag} ${file}: ${(e as Error).message}`, command, { cause: e });
    }
  };
  const options: EtcdOptions = {};
  const user = optionalString(f, "etcd-user");
  if (user !== undefined) {
    const fromFile = await read("etcd-password-file");
    const password = fromFile === undefined ? env.QSTATE_ETCD_PASSWORD : fromFile.split(/\r?\n/)[0];
    if (password === undefined || password === "") {
      throw new UsageError("--etcd-user needs a password: set QSTATE_ETCD_PASSWORD or give --etcd-password-file (never on the command line).", command);
    }
    options.user = user;
    options.password = password;
  }
  const [ca, cert, key] = [await read("etcd-ca"), await read("etcd-cert"), await read("etcd-key")];
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--etcd-cert and --etcd-key go together.", command);
  if (ca !== undefined || cert !== undefined) options.tls = { ca, cert, key };
  return options;
}
