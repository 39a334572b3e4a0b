/**
 * `qstate schema DIR`: the state catalog of a Flink checkpoint or savepoint (every keyed state's operator, name,
 * kind and type expressions, read from the serializer snapshots Flink wrote), as a table or as catalog JSON.
 */
import process from "node:process";
import type { CatalogState, CatalogType } from "../catalog/catalog.ts";
import { readStateSchemas, type StateSchemas } from "../schema/read-schemas.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { type Flags, optionalString, UsageError } from "./args.ts";
import type { Command } from "./commands.ts";

/** `--queryable-names a=b,c=d` as an object; a mistake is a usage error. */
export function parseNamePairs(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const eq = pair.lastIndexOf("=");
    const from = pair.slice(0, eq).trim(), to = pair.slice(eq + 1).trim();
    if (eq <= 0 || from === "" || to === "") {
      throw new UsageError(`--queryable-names takes STATE=NAME pairs separated by commas, got '${pair}'.`, "schema");
    }
    Object.defineProperty(out, from, { value: to, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function list(flags: Flags, name: string): string[] | undefined {
  const v = optionalString(flags, name);
  return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

const typeText = (t: CatalogType | undefined): string => (t === undefined ? "" : typeof t === "string" ? t : `(unmapped: ${t.serializer})`);

/** The catalog as a table: one block per operator, a row per state. */
export function schemaTable(r: StateSchemas): string {
  const job = r.catalog.jobs[0];
  const src = job.source;
  const head = `job ${job.name}${job.jobId && job.jobId !== job.name ? ` (${job.jobId})` : ""}: ${r.snapshot.kind}` +
    `${r.snapshot.format ? ` (${r.snapshot.format})` : ""} ${r.snapshot.checkpointId}, Flink ${src?.flinkVersion ?? "?"}` +
    `${src?.backend ? `, ${src.backend}` : ""}, ${job.states.length} keyed state(s)`;
  const lines = [head];
  const byOperator = new Map<string, CatalogState[]>();
  for (const s of job.states) {
    const op = `${s.operator ?? "operator"} (${s.operatorId})`;
    byOperator.set(op, [...(byOperator.get(op) ?? []), s]);
  }
  const unmapped: string[] = [];
  for (const [op, states] of byOperator) {
    lines.push("", op);
    const rows = [["state", "kind", "key", "namespace", "value"]];
    for (const s of states) {
      rows.push([
        s.queryableName ? `${s.name} (queryable as ${s.queryableName})` : s.name,
        s.kind,
        typeText(s.key),
        typeText(s.namespace),
        s.kind === "map" ? `${typeText(s.userKey)} -> ${typeText(s.value)}` : typeText(s.value),
      ]);
      for (const t of [s.key, s.namespace, s.userKey, s.value]) {
        if (t !== undefined && typeof t !== "string") unmapped.push(`${s.name}: ${t.serializer}: ${t.reason}`);
      }
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) lines.push(`  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")}`.trimEnd());
  }
  if (unmapped.length > 0) lines.push("", "Unmapped serializers (queries of these states fail with UNSUPPORTED_TYPE):", ...unmapped.map((u) => `  ${u}`));
  return lines.join("\n");
}

/** The `schema` command. */
export const schemaCommand: Command = {
  name: "schema",
  summary: "read a Flink checkpoint or savepoint and print the state catalog of its keyed states",
  positional: {
    name: "dir",
    value: "DIR",
    help: "a checkpoint's (chk-N) or savepoint's directory, its _metadata, or a job's checkpoint directory (its newest chk-N)",
  },
  details: "Every keyed state's operator, name, kind and the type expressions of its key, namespace and value, from the\n" +
    "serializer snapshots Flink 1.17 to 2.x wrote (heap and RocksDB; full, incremental, native and canonical). A\n" +
    "serializer without a type expression shows as unmapped, with the reason. --json prints the catalog (README, \"State\n" +
    "catalog\") for `qstate get --catalog`; notes (timers left out, Kryo classes to describe) go to stderr.\n" +
    "A checkpoint holds each state's descriptor name: where the job registers it under another queryable name\n" +
    "(setQueryable, asQueryableState), give --queryable-names. Nothing outside DIR is read.",
  flags: [
    { name: "json", help: "print the catalog as JSON (errors too, as {\"error\": {code, message}})" },
    { name: "job-name", value: "NAME", help: "the catalog job's name (default: the job id the path shows, else DIR's name)" },
    { name: "job-id", value: "HEX", help: "the catalog job's id (default: the job id a checkpoint's path shows)" },
    { name: "queryable-names", value: "STATE=NAME,...", help: "the queryable names of states whose descriptor name differs (STATE may be OPERATOR/STATE)" },
    { name: "uids", value: "UID,...", help: "the operator uids the job sets: they name Flink 1.x's operators, which checkpoints keep only by id" },
  ],
  examples: [
    "# the table of a checkpoint's states\nqstate schema /flink/checkpoints/379d0a…/chk-42",
    "# a catalog for qstate get, the state \"clicks-per-user\" queryable as \"clicks\"\n" +
    "qstate schema /flink/savepoints/savepoint-379d0a-5c2e8f1b9a3d --json --job-name shop --queryable-names clicks-per-user=clicks > catalog.json\n" +
    "qstate get --catalog catalog.json --proxy 127.0.0.1:9069 --job 379d0a… --state clicks --key ada",
  ],
  async run(f) {
    const jobId = optionalString(f, "job-id");
    if (jobId !== undefined && !/^[0-9a-fA-F]{32}$/.test(jobId)) throw new UsageError(`--job-id must be 32 hex digits, got '${jobId}'.`, "schema");
    const queryableNames = parseNamePairs(optionalString(f, "queryable-names"));
    const uids = list(f, "uids");
    let r: StateSchemas;
    try {
      r = await readStateSchemas(f.dir as string, { jobName: optionalString(f, "job-name"), jobId: jobId?.toLowerCase(), queryableNames, uids });
    } catch (e) {
      // The only invalid arguments are the names given (a state name several operators have, unqualified).
      if (e instanceof InvalidArgumentError) throw new UsageError(e.message.replace(/^queryableNames/, "--queryable-names"), "schema", { code: e.code, cause: e });
      throw e;
    }
    for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
    process.stdout.write((f.json ? JSON.stringify(r.catalog, null, 2) : schemaTable(r)) + "\n");
    return 0;
  },
};
