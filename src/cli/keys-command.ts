/** `qstate keys`: a state's keys through a proxy of ours (the key-listing extension), a page at a time or all. */
import process from "node:process";
import { JobID } from "../core/ids.ts";
import { loadCatalogFile } from "../catalog/file.ts";
import { catalogStateTypes } from "../catalog/state-types.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { fromJsonValue } from "../types/json-value.ts";
import { asUsage, optionalString, positiveInt, UsageError } from "./args.ts";
import type { Command } from "./commands.ts";
import { toJsonValue, toText } from "./format.ts";
import { openQueryClient, QUERY_CLIENT_FLAGS, queryClientFlags } from "./query-client.ts";
import { parseValue, serializerForType, typeOptionsFor } from "./types.ts";

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** `qstate keys`. */
export const keysCommand: Command = {
  name: "keys",
  summary: "list a state's keys through a proxy of ours, a page at a time (--all: every page)",
  details: "Keys come in key-group order, then in the order of their bytes. Without --all one page is printed, and the\n" +
    "cursor of the next on standard error (text) or as \"cursor\" (--json: {\"keys\": [...], \"cursor\": \"…\" or null});\n" +
    "pass it back with --cursor. The cursor resumes where the page ended, also after the state moved to another task\n" +
    "manager. A Flink proxy cannot list keys: the command fails with UNSUPPORTED_BY_PEER.",
  flags: [
    { name: "proxy", value: "HOST:PORT[,HOST:PORT]", help: "the proxy (ours)", env: "QSTATE_PROXY", required: true },
    { name: "job", value: "HEX", help: "the job id (32 hex digits; or a catalog job's name with --catalog)", env: "QSTATE_JOB", required: true },
    { name: "state", value: "NAME", help: "the queryable state name", required: true },
    { name: "key-type", value: "TYPE", help: "the key's type (required without --catalog)" },
    { name: "catalog", value: "FILE", help: "a state catalog: the key and namespace types come from it", env: "QSTATE_CATALOG" },
    { name: "namespace", value: "VALUE", help: "list the keys with a value in this namespace (with --namespace-type)" },
    { name: "namespace-type", value: "TYPE", help: "the namespace's type (timewindow, globalwindow, …)" },
    { name: "page-size", value: "N", help: "keys per page", default: "1000" },
    { name: "cursor", value: "TEXT", help: "the next page of an earlier listing (as it printed it)" },
    { name: "key-groups", value: "FROM-TO", help: "only these key groups (inclusive)" },
    { name: "all", help: "every page, one after the other" },
    { name: "timeout", value: "MS", help: "give up on a page after this long", default: "5000", env: "QSTATE_TIMEOUT_MS" },
    ...QUERY_CLIENT_FLAGS,
    { name: "json", help: "print JSON instead of text (errors too, as {\"error\": {code, message}})" },
  ],
  examples: [
    "# the first page of a state's keys, then the next one\nqstate keys --proxy 127.0.0.1:9069 --job 379d0a… --state event-counts --key-type string --page-size 100\n" +
    "qstate keys --proxy 127.0.0.1:9069 --job 379d0a… --state event-counts --key-type string --page-size 100 --cursor AQAAAIAN…",
    "# every key, as JSON\nqstate keys --proxy 127.0.0.1:9069 --job 379d0a… --state event-counts --key-type string --all --json",
  ],
  async run(f) {
    const catalog = optionalString(f, "catalog");
    let keyType: TypeSerializer<unknown>;
    let namespaceType: TypeSerializer<unknown> | undefined;
    let namespaceExpression = optionalString(f, "namespace-type") ?? "";
    let job = f.job as string;
    if (catalog !== undefined) {
      if (f["key-type"] !== undefined || f["namespace-type"] !== undefined) {
        throw new UsageError("--catalog gives the key and namespace types: leave out --key-type and --namespace-type.", "keys");
      }
      const { catalog: c, typeOptions } = await loadCatalogFile(catalog).catch((e) => asUsage("keys", () => {
        throw e;
      }));
      const entry = asUsage("keys", () => c.find(job, f.state as string));
      if (!HEX32.test(job)) {
        if (entry.job.jobId === undefined) throw new UsageError(`job ${JSON.stringify(job)} of the catalog has no "jobId": give --job as the job id.`, "keys");
        job = entry.job.jobId;
      }
      const t = asUsage("keys", () => catalogStateTypes(entry, typeOptions));
      keyType = t.keyType;
      namespaceType = t.namespaceType;
      namespaceExpression = typeof entry.state.namespace === "string" ? entry.state.namespace : "";
    } else {
      const keyTypeName = optionalString(f, "key-type");
      if (keyTypeName === undefined) throw new UsageError("--key-type is required (or give --catalog FILE).", "keys");
      const nsName = optionalString(f, "namespace-type");
      const types = await typeOptionsFor([keyTypeName, nsName]).catch((e) => asUsage("keys", () => {
        throw e;
      }));
      keyType = asUsage("keys", () => serializerForType(keyTypeName, types));
      namespaceType = nsName === undefined ? undefined : asUsage("keys", () => serializerForType(nsName, types));
    }
    const jobId = asUsage("keys", () => JobID.fromHex(job));
    let namespace: unknown;
    const nsText = optionalString(f, "namespace");
    if (nsText !== undefined || namespaceType !== undefined) {
      if (namespaceType === undefined) throw new UsageError("--namespace needs --namespace-type (or a catalog entry with a namespace).", "keys");
      namespace = nsText === undefined ? asUsage("keys", () => fromJsonValue(namespaceType!, null)) : asUsage("keys", () => parseValue(namespaceExpression, nsText, namespaceType));
    }
    let keyGroups: { from: number; to: number } | undefined;
    const range = optionalString(f, "key-groups");
    if (range !== undefined) {
      const m = /^(\d+)-(\d+)$/.exec(range);
      if (m === null || Number(m[1]) > Number(m[2])) throw new UsageError(`--key-groups must be FROM-TO with FROM ≤ TO, got '${range}'.`, "keys");
      keyGroups = { from: Number(m[1]), to: Number(m[2]) };
    }
    const timeoutMs = positiveInt(f, "timeout", "keys");
    const client = openQueryClient("keys", { proxy: f.proxy as string, timeoutMs, ...queryClientFlags(f, "keys") });
    const options = {
      pageSize: positiveInt(f, "page-size", "keys"),
      keyGroups,
      ...(namespaceType === undefined ? {} : { namespace, namespaceType }),
    };
    const write = (s: string) => process.stdout.write(s);
    try {
      if (f.all === true) {
        const keys: unknown[] = [];
        for await (const k of client.keys(jobId, f.state as string, keyType, options)) {
          if (f.json) keys.push(toJsonValue(k));
          else write(`${toText(k)}\n`);
        }
        if (f.json) write(JSON.stringify({ keys }) + "\n");
        return 0;
      }
      const page = await client.listKeys(jobId, f.state as string, keyType, { ...options, cursor: optionalString(f, "cursor") });
      if (f.json) write(JSON.stringify({ keys: page.keys.map((k) => toJsonValue(k)), cursor: page.cursor ?? null }) + "\n");
      else {
        for (const k of page.keys) write(`${toText(k)}\n`);
        process.stderr.write(page.cursor === undefined ? "(last page)\n" : `next page: --cursor ${page.cursor}\n`);
      }
      return 0;
    } finally {
      await client.close();
    }
  },
};
