/** The qstate commands: each one's flags (see args.ts) and what it runs. */
import process from "node:process";
import { explainQuery } from "./explain.ts";
import { toJsonValue, toText } from "./format.ts";
import { runGet } from "./get.ts";
import { runDemo, runLocal } from "./local.ts";
import { CLUSTER_COMMANDS } from "./cluster-commands.ts";
import { fetchMetrics, parseMetrics, statsTable } from "./stats.ts";
import { TYPE_NAMES } from "./types.ts";
import { type CommandSpec, type Flags, optionalString, positiveInt, UsageError } from "./args.ts";

/** A command: its spec, and its action over the parsed flags (resolves to the exit code). */
export interface Command extends CommandSpec {
  run(flags: Flags): Promise<number>;
}

const TYPES = `Types are type expressions (README, "Type mapping"): ${TYPE_NAMES.join(", ")}, decimal, instant,\n` +
  "tuple<string,long>, list<long>, map<string,double>, row<id:long,name:string>, pojo<com.acme.Stats>{count:long},\n" +
  "long[], nullable<long>, enum<RED,GREEN>, … avro:FILE.avsc reads Flink Avro generic records of that schema\n" +
  "(values only; needs `npm install avsc`). Flink's KryoSerializer (generic types): kryo (Flink 2.x), kryo1 (Flink 1.x),\n" +
  "kryo<java.time.LocalDateTime>, kryo1<com.acme.Event>{id:long,tags:List<String>} (fields as Java declares them).\n" +
  "Keys on the command line: the simple names, decimal, biginteger.\n" +
  "--json prints values losslessly: 64-bit integers and decimals as strings, dates ISO-8601, bytes as hex.";
const json = { name: "json", help: "print JSON instead of text (errors too, as {\"error\": {code, message}})" } as const;

function seconds(flags: Flags, command: string): number | undefined {
  const v = optionalString(flags, "duration");
  if (v === undefined) return undefined;
  if (!(Number(v) > 0)) throw new UsageError(`--duration must be a positive number of seconds, got '${v}'.`, command);
  return Number(v);
}

const local: Command = {
  name: "local",
  summary: "start an embedded cluster running the demo job and serve it until Ctrl-C",
  details: "A coordinator and N task managers (each a state server and a proxy) in this process, running a job\n" +
    "that counts events per user. With --json it prints one line: {\"jobId\",\"proxies\",\"states\",\"keys\"}.",
  flags: [
    { name: "task-managers", value: "N", help: "task managers to start", default: "2" },
    { name: "host", value: "HOST", help: "address to listen on", default: "127.0.0.1" },
    { name: "duration", value: "SEC", help: "stop after this many seconds" },
    { name: "metrics-port", value: "PORT", help: "serve Prometheus metrics at http://HOST:PORT/metrics (0: a free port)" },
    json,
  ],
  async run(f) {
    const port = optionalString(f, "metrics-port");
    if (port !== undefined && !/^\d+$/.test(port)) throw new UsageError(`--metrics-port must be a port number, got '${port}'.`, "local");
    await runLocal({
      taskManagers: positiveInt(f, "task-managers", "local"),
      host: f.host as string,
      json: f.json === true,
      seconds: seconds(f, "local"),
      metricsPort: port === undefined ? undefined : Number(port),
    });
    return 0;
  },
};

const demo: Command = {
  name: "demo",
  summary: "the embedded cluster plus a live table of query results (what `npm start` runs)",
  flags: [
    { name: "task-managers", value: "N", help: "task managers to start", default: "2" },
    { name: "host", value: "HOST", help: "address to listen on", default: "127.0.0.1" },
    { name: "duration", value: "SEC", help: "stop after this many seconds" },
  ],
  async run(f) {
    await runDemo({ taskManagers: positiveInt(f, "task-managers", "demo"), host: f.host as string, seconds: seconds(f, "demo") });
    return 0;
  },
};

const get: Command = {
  name: "get",
  summary: "query one key through a proxy (ours or a Flink cluster's)",
  details: "Reducing, aggregating and folding states read as --kind value. Prints the value ({\"value\": ...}\n" +
    `with --json); on failure prints the error code and message and exits with 1.\n${TYPES}`,
  flags: [
    { name: "proxy", value: "HOST:PORT[,HOST:PORT]", help: "the proxy (or proxies: one that cannot be reached is skipped within --timeout)", env: "QSTATE_PROXY", required: true },
    { name: "job", value: "HEX", help: "the job id (32 hex digits)", env: "QSTATE_JOB", required: true },
    { name: "state", value: "NAME", help: "the queryable state name", required: true },
    { name: "key", value: "VALUE", help: "the key to read", required: true },
    { name: "key-type", value: "TYPE", help: "the key's type", required: true },
    { name: "value-type", value: "TYPE", help: "the value's (or list element's, or map value's) type", required: true },
    { name: "kind", value: "value|list|map", help: "the state's kind", default: "value" },
    { name: "map-key-type", value: "TYPE", help: "a map state's key type", default: "string" },
    { name: "namespace", value: "VALUE", help: "the namespace to read (with --namespace-type)" },
    { name: "namespace-type", value: "TYPE", help: "the namespace's type" },
    { name: "timeout", value: "MS", help: "give up after this long", default: "5000", env: "QSTATE_TIMEOUT_MS" },
    json,
  ],
  async run(f) {
    const value = await runGet({
      proxy: f.proxy as string,
      job: f.job as string,
      state: f.state as string,
      key: f.key as string,
      keyType: f["key-type"] as string,
      valueType: f["value-type"] as string,
      kind: f.kind as string,
      mapKeyType: f["map-key-type"] as string,
      namespace: optionalString(f, "namespace"),
      namespaceType: optionalString(f, "namespace-type"),
      timeoutMs: positiveInt(f, "timeout", "get"),
    });
    process.stdout.write((f.json ? JSON.stringify({ value: toJsonValue(value) }) : toText(value)) + "\n");
    return 0;
  },
};

const explain: Command = {
  name: "explain",
  summary: "show how a query for a key is routed and the exact request frame it sends",
  details: TYPES,
  flags: [
    { name: "job", value: "HEX", help: "the job id", default: "0102030405060708090a0b0c0d0e0f10" },
    { name: "state", value: "NAME", help: "the queryable state name", default: "query-name" },
    { name: "key", value: "VALUE", help: "the key", default: "42" },
    { name: "key-type", value: "TYPE", help: "the key's type", default: "long" },
    { name: "max-parallelism", value: "N", help: "the job's max parallelism (number of key groups)", default: "128" },
    { name: "parallelism", value: "N", help: "the operator's parallelism (at most the max parallelism)", default: "4" },
    json,
  ],
  run(f) {
    const maxParallelism = positiveInt(f, "max-parallelism", "explain");
    const parallelism = positiveInt(f, "parallelism", "explain");
    if (parallelism > maxParallelism) {
      throw new UsageError(`--parallelism ${parallelism} is above --max-parallelism ${maxParallelism}: a job cannot have more subtasks than key groups.`, "explain");
    }
    const report = explainQuery({ job: f.job as string, state: f.state as string, key: f.key as string, keyType: f["key-type"] as string, maxParallelism, parallelism });
    if (f.json) process.stdout.write(JSON.stringify(report) + "\n");
    else {
      const width = Math.max(...Object.keys(report).map((k) => k.length));
      for (const [k, v] of Object.entries(report)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
    }
    return Promise.resolve(0);
  },
};

const stats: Command = {
  name: "stats",
  summary: "show the request statistics of a metrics endpoint (qstate local --metrics-port, serveMetrics)",
  flags: [
    { name: "metrics", value: "HOST:PORT", help: "the metrics endpoint", env: "QSTATE_METRICS", required: true },
    { name: "timeout", value: "MS", help: "give up after this long", default: "5000" },
    json,
  ],
  async run(f) {
    const rows = parseMetrics(await fetchMetrics(f.metrics as string, positiveInt(f, "timeout", "stats")));
    if (f.json) process.stdout.write(JSON.stringify(Object.fromEntries(rows)) + "\n");
    else process.stdout.write(statsTable(rows) + "\n");
    return 0;
  },
};

/** Every command, in the order `qstate --help` lists them. */
export const COMMANDS: readonly Command[] = [local, demo, ...CLUSTER_COMMANDS, get, explain, stats];
