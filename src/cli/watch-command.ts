/**
 * `qstate watch`: follows keys of a state (or one key's map entries under a prefix) through a proxy of ours (the watch
 * extension), one line per change, until Ctrl-C (exit 0).
 */
import process from "node:process";
import { InvalidArgumentError } from "../core/errors.ts";
import { JobID } from "../core/ids.ts";
import { listState, mapState, type StateDescriptor, valueState } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { fromJsonValue } from "../types/json-value.ts";
import { asUsage, optionalString, positiveInt, UsageError } from "./args.ts";
import type { Command } from "./commands.ts";
import { toJsonValue, toText } from "./format.ts";
import { parseKeyList } from "./get-many.ts";
import { KINDS } from "./get.ts";
import { openQueryClient, QUERY_CLIENT_FLAGS, queryClientFlags } from "./query-client.ts";
import { parseValue, serializerForType, typeOptionsFor } from "./types.ts";

/** The value of a read-only state as the CLI prints it. */
function valueOf(kind: string, state: unknown): unknown {
  if (kind === "value") return (state as { value(): unknown }).value();
  if (kind === "list") return [...(state as { get(): Iterable<unknown> }).get()];
  return new Map((state as { entries(): Iterable<[unknown, unknown]> }).entries());
}

/** `qstate watch`. */
export const watchCommand: Command = {
  name: "watch",
  summary: "follow keys of a state (or one key's map entries under a prefix) through a proxy of ours, one line per change",
  details: "Prints each change as it happens until Ctrl-C (exit 0): KEY<TAB>VALUE<TAB>VERSION per line ('(deleted)' for a\n" +
    "key without value; with --prefix, KEY<TAB>MAP-KEY<TAB>VALUE<TAB>VERSION), or with --json one JSON object per line\n" +
    "({\"key\", \"value\" | \"deleted\", \"version\", \"node\", \"resumeVersion\"}). The first lines are the keys' current values\n" +
    "unless --from-version (an earlier line's resumeVersion) resumes after it. A key written twice between two lines\n" +
    "comes once, with its newest value. A Flink proxy cannot watch: the command fails with UNSUPPORTED_BY_PEER.",
  flags: [
    { name: "proxy", value: "HOST:PORT[,HOST:PORT]", help: "the proxy (ours; several: one that goes away is replaced)", env: "QSTATE_PROXY", required: true },
    { name: "job", value: "HEX", help: "the job id (32 hex digits)", env: "QSTATE_JOB", required: true },
    { name: "state", value: "NAME", help: "the queryable state name", required: true },
    { name: "key", value: "VALUE", help: "the key to watch (or --keys)" },
    { name: "keys", value: "K1,K2,…", help: "several keys (a JSON array for keys with commas)" },
    { name: "key-type", value: "TYPE", help: "the key's type", required: true },
    { name: "value-type", value: "TYPE", help: "the value's (or list element's, or map value's) type", required: true },
    { name: "kind", value: "value|list|map", help: "the state's kind (reducing, aggregating, folding: value)", default: "value" },
    { name: "map-key-type", value: "TYPE", help: "a map state's key type", default: "string" },
    { name: "prefix", value: "TEXT", help: "watch the entries of --key's map whose keys start with this (string map keys)" },
    { name: "namespace", value: "VALUE", help: "the namespace to watch (with --namespace-type)" },
    { name: "namespace-type", value: "TYPE", help: "the namespace's type" },
    { name: "from-version", value: "V", help: "resume after this version (a resumeVersion printed earlier)" },
    { name: "wait", value: "MS", help: "how long the proxy may hold each poll (default: its limit, at most 20000)" },
    { name: "timeout", value: "MS", help: "time for a poll's answer beyond --wait", default: "5000", env: "QSTATE_TIMEOUT_MS" },
    ...QUERY_CLIENT_FLAGS,
    { name: "json", help: "one JSON object per line (errors too, as {\"error\": {code, message}})" },
  ],
  examples: [
    "# every change of two users' click counts, until Ctrl-C\n" +
    "qstate watch --proxy 127.0.0.1:9069 --job 379d0a… --state event-counts --keys user-0,user-1 --key-type string --value-type long",
    "# the pages under /docs of one user's map, as NDJSON, resuming after a version printed earlier\n" +
    "qstate watch --state page-counts --key ada --key-type string --kind map --value-type long --prefix /docs --json --from-version 113613209608060929",
  ],
  async run(f) {
    const kind = f.kind as string;
    if (!KINDS.includes(kind)) throw new UsageError(`Unknown --kind '${kind}': use value, list or map.`, "watch");
    const names = [f["key-type"] as string, f["value-type"] as string, f["map-key-type"] as string, optionalString(f, "namespace-type")];
    const types = await typeOptionsFor(names).catch((e) => asUsage("watch", () => {
      throw e;
    }));
    const jobId = asUsage("watch", () => JobID.fromHex(f.job as string));
    const keyType = asUsage("watch", () => serializerForType(f["key-type"] as string, types));
    const valueType = asUsage("watch", () => serializerForType(f["value-type"] as string, types));
    const mapKeyType = asUsage("watch", () => serializerForType(f["map-key-type"] as string, types));
    const keyText = optionalString(f, "key"), keysText = optionalString(f, "keys");
    if ((keyText === undefined) === (keysText === undefined)) throw new UsageError("Give --key or --keys (one of them).", "watch");
    const texts = keyText !== undefined ? [keyText] : parseKeyList(keysText!, false, "watch");
    const keys = texts.map((t) => asUsage("watch", () => parseValue(f["key-type"] as string, t, keyType)));
    const prefixText = optionalString(f, "prefix");
    if (prefixText !== undefined && (kind !== "map" || keys.length !== 1)) throw new UsageError("--prefix watches one --key of a --kind map state.", "watch");
    let ns: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> } = {};
    const nsName = optionalString(f, "namespace-type");
    if (nsName !== undefined) {
      const namespaceType = asUsage("watch", () => serializerForType(nsName, types));
      const text = optionalString(f, "namespace");
      ns = { namespaceType, namespace: text === undefined ? asUsage("watch", () => fromJsonValue(namespaceType, null)) : asUsage("watch", () => parseValue(nsName, text, namespaceType)) };
    } else if (optionalString(f, "namespace") !== undefined) throw new UsageError("--namespace needs --namespace-type.", "watch");
    const fromText = optionalString(f, "from-version");
    const fromVersion = fromText === undefined ? undefined : asUsage("watch", () => {
      if (!/^\d{1,19}$/.test(fromText)) throw new InvalidArgumentError(`--from-version must be a version (a non-negative integer), got '${fromText}'.`);
      return BigInt(fromText);
    });
    const waitMs = optionalString(f, "wait") === undefined ? undefined : positiveInt(f, "wait", "watch");
    const timeoutMs = positiveInt(f, "timeout", "watch");
    const client = openQueryClient("watch", { proxy: f.proxy as string, timeoutMs, ...queryClientFlags(f, "watch") });
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const options = { fromVersion, waitMs, timeoutMs, signal: stop.signal, ...ns };
    const write = (s: string) => process.stdout.write(s);
    try {
      if (prefixText !== undefined) {
        const prefix = asUsage("watch", () => parseValue(f["map-key-type"] as string, prefixText, mapKeyType));
        const descriptor = mapState(f.state as string, mapKeyType, valueType);
        for await (const e of client.watch(jobId, f.state as string, { key: keys[0], prefix }, keyType, descriptor, options)) {
          if (f.json) {
            write(JSON.stringify({
              key: toJsonValue(e.key),
              userKey: toJsonValue(e.userKey),
              ...(e.deleted ? { deleted: true } : { value: toJsonValue(e.value) }),
              version: e.version.toString(),
              node: e.node,
              resumeVersion: e.resumeVersion.toString(),
            }) + "\n");
          } else write(`${toText(e.key)}\t${toText(e.userKey)}\t${e.deleted ? "(deleted)" : toText(e.value)}\t${e.version}\n`);
        }
        return 0;
      }
      const descriptor: StateDescriptor = kind === "value" ? valueState(f.state as string, valueType) : kind === "list" ? listState(f.state as string, valueType) : mapState(f.state as string, mapKeyType, valueType);
      for await (const e of client.watch(jobId, f.state as string, keys, keyType, descriptor, options)) {
        const value = e.deleted ? undefined : valueOf(kind, e.state);
        if (f.json) {
          write(JSON.stringify({
            key: toJsonValue(e.key),
            ...(e.deleted ? { deleted: true } : { value: toJsonValue(value) }),
            version: e.version.toString(),
            node: e.node,
            resumeVersion: e.resumeVersion.toString(),
          }) + "\n");
        } else write(`${toText(e.key)}\t${e.deleted ? "(deleted)" : toText(value)}\t${e.version}\n`);
      }
      return 0;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await client.close();
    }
  },
};
