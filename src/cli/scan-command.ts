/** `qstate scan`: one key's MapState through a proxy of ours (the map-scan extension), a page at a time or all. */
import process from "node:process";
import { JobID } from "../core/ids.ts";
import { mapState } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { fromJsonValue } from "../types/json-value.ts";
import { asUsage, optionalString, positiveInt, UsageError } from "./args.ts";
import type { Command } from "./commands.ts";
import { toJsonValue, toText } from "./format.ts";
import { openQueryClient, QUERY_CLIENT_FLAGS, queryClientFlags } from "./query-client.ts";
import { parseValue, serializerForType, typeOptionsFor } from "./types.ts";

/** `qstate scan`. */
export const scanCommand: Command = {
  name: "scan",
  summary: "read one key's MapState through a proxy of ours, a page at a time (--all: every page), by prefix or range",
  details: "Entries come in user-key order (strings and numbers by value, other keys by their bytes). Without --all one\n" +
    "page is printed (KEY<TAB>VALUE per line), and the cursor of the next on standard error (text) or as \"cursor\"\n" +
    "(--json: {\"entries\": [[k, v], ...], \"cursor\": \"…\" or null}); pass it back with --cursor. A Flink proxy cannot\n" +
    "scan: the command fails with UNSUPPORTED_BY_PEER (read the whole map with qstate get --kind map).",
  flags: [
    { name: "proxy", value: "HOST:PORT[,HOST:PORT]", help: "the proxy (ours)", env: "QSTATE_PROXY", required: true },
    { name: "job", value: "HEX", help: "the job id (32 hex digits)", env: "QSTATE_JOB", required: true },
    { name: "state", value: "NAME", help: "the queryable map state's name", required: true },
    { name: "key", value: "VALUE", help: "the key whose map to read", required: true },
    { name: "key-type", value: "TYPE", help: "the key's type", required: true },
    { name: "map-key-type", value: "TYPE", help: "the map's key type", default: "string" },
    { name: "value-type", value: "TYPE", help: "the map's value type", required: true },
    { name: "prefix", value: "TEXT", help: "only map keys starting with this (string map keys)" },
    { name: "from", value: "VALUE", help: "the first map key (inclusive)" },
    { name: "to", value: "VALUE", help: "the end (exclusive)" },
    { name: "namespace", value: "VALUE", help: "the namespace to read (with --namespace-type)" },
    { name: "namespace-type", value: "TYPE", help: "the namespace's type" },
    { name: "page-size", value: "N", help: "entries per page", default: "1000" },
    { name: "cursor", value: "TEXT", help: "the next page of an earlier scan (as it printed it)" },
    { name: "all", help: "every page, one after the other" },
    { name: "timeout", value: "MS", help: "give up on a page after this long", default: "5000", env: "QSTATE_TIMEOUT_MS" },
    ...QUERY_CLIENT_FLAGS,
    { name: "json", help: "print JSON instead of text (errors too, as {\"error\": {code, message}})" },
  ],
  examples: [
    "# the pages under /docs a user visited, with counts\n" +
    "qstate scan --proxy 127.0.0.1:9069 --job 379d0a… --state events-by-type --key user-0 --key-type string --value-type long --prefix cl --all",
  ],
  async run(f) {
    const names = [f["key-type"] as string, f["map-key-type"] as string, f["value-type"] as string, optionalString(f, "namespace-type")];
    const types = await typeOptionsFor(names).catch((e) => asUsage("scan", () => {
      throw e;
    }));
    const jobId = asUsage("scan", () => JobID.fromHex(f.job as string));
    const keyType = asUsage("scan", () => serializerForType(f["key-type"] as string, types));
    const userKeyType = asUsage("scan", () => serializerForType(f["map-key-type"] as string, types));
    const valueType = asUsage("scan", () => serializerForType(f["value-type"] as string, types));
    const key = asUsage("scan", () => parseValue(f["key-type"] as string, f.key as string, keyType));
    const bound = (name: string) => {
      const v = optionalString(f, name);
      return v === undefined ? undefined : asUsage("scan", () => parseValue(f["map-key-type"] as string, v, userKeyType));
    };
    let ns: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> } = {};
    const nsName = optionalString(f, "namespace-type");
    if (nsName !== undefined) {
      const namespaceType = asUsage("scan", () => serializerForType(nsName, types));
      const text = optionalString(f, "namespace");
      ns = { namespaceType, namespace: text === undefined ? asUsage("scan", () => fromJsonValue(namespaceType, null)) : asUsage("scan", () => parseValue(nsName, text, namespaceType)) };
    } else if (optionalString(f, "namespace") !== undefined) throw new UsageError("--namespace needs --namespace-type.", "scan");
    const timeoutMs = positiveInt(f, "timeout", "scan");
    const client = openQueryClient("scan", { proxy: f.proxy as string, timeoutMs, ...queryClientFlags(f, "scan") });
    const descriptor = mapState(f.state as string, userKeyType, valueType);
    const options = { pageSize: positiveInt(f, "page-size", "scan"), prefix: bound("prefix"), from: bound("from"), to: bound("to"), ...ns };
    const write = (s: string) => process.stdout.write(s);
    const line = ([k, v]: [unknown, unknown]) => `${toText(k)}\t${toText(v)}\n`;
    try {
      if (f.all === true) {
        const entries: unknown[] = [];
        for await (const e of client.scanMap(jobId, f.state as string, key, keyType, descriptor, options)) {
          if (f.json) entries.push([toJsonValue(e[0]), toJsonValue(e[1])]);
          else write(line(e));
        }
        if (f.json) write(JSON.stringify({ entries }) + "\n");
        return 0;
      }
      const page = await client.scanMapState(jobId, f.state as string, key, keyType, descriptor, { ...options, cursor: optionalString(f, "cursor") });
      if (f.json) write(JSON.stringify({ entries: page.entries.map(([k, v]) => [toJsonValue(k), toJsonValue(v)]), cursor: page.cursor ?? null }) + "\n");
      else {
        for (const e of page.entries) write(line(e));
        process.stderr.write(page.cursor === undefined ? "(last page)\n" : `next page: --cursor ${page.cursor}\n`);
      }
      return 0;
    } finally {
      await client.close();
    }
  },
};
