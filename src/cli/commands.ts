/** The qstate commands: each one's flags (see args.ts) and what it runs. */
import process from "node:process";
import { explainQuery } from "./explain.ts";
import { toJsonValue, toText } from "./format.ts";
import { runGet } from "./get.ts";
import { runCatalogGet } from "./get-catalog.ts";
import { freshnessFlags, parseKeyList, printOutcomes, readKeysFile, runCatalogGetMany, runGetMany } from "./get-many.ts";
import { gatewayCommand } from "./gateway-command.ts";
import { keysCommand } from "./keys-command.ts";
import { scanCommand } from "./scan-command.ts";
import { watchCommand } from "./watch-command.ts";
import { runDemo, runLocal } from "./local.ts";
import { ETCD_FLAGS, etcdOptionsFromFlags } from "./etcd-flags.ts";
import { CLUSTER_COMMANDS } from "./cluster-commands.ts";
import { fetchMetrics, parseMetrics, parseMetricsAddress, statsJson, statsTable } from "./stats.ts";
import { TYPE_NAMES } from "./types.ts";
import { listStates, statesText } from "./states.ts";
import { CLIENT_TLS_FLAGS, clientTlsOf } from "./security.ts";
import { QUERY_CLIENT_FLAGS, queryClientFlags } from "./query-client.ts";
import { asUsage, type CommandSpec, type Flags, optionalString, positiveInt, UsageError } from "./args.ts";
import { schemaCommand } from "./schema.ts";

/** A command: its spec, and its action over the parsed flags (resolves to the exit code). */
export interface Command extends CommandSpec {
  run(flags: Flags): Promise<number>;
}

const TYPES = `Types are type expressions (README, "Type mapping"): ${TYPE_NAMES.join(", ")}, decimal, instant,\n` +
  "tuple<string,long>, list<long>, map<string,double>, row<id:long,name:string>, pojo<com.acme.Stats>{count:long},\n" +
  "long[], nullable<long>, enum<RED,GREEN>, … avro:FILE.avsc reads Flink Avro generic records of that schema\n" +
  "(values only; needs `npm install avsc`). Flink's KryoSerializer (generic types): kryo (Flink 2.x), kryo1 (Flink 1.x),\n" +
  "kryo<java.time.LocalDateTime>, kryo1<com.acme.Event>{id:long,tags:List<String>} (fields as Java declares them).\n" +
  "--key and --namespace: plain text for the simple names, decimal and\n" +
  "biginteger; JSON for the others, as --json prints them: --key '[\"ada\",\"3\"]' --key-type tuple<string,long>,\n" +
  "--namespace '{\"start\":0,\"end\":60000}' --namespace-type timewindow (globalwindow needs no --namespace).\n" +
  "--json prints values losslessly: 64-bit integers and decimals as strings, dates ISO-8601, bytes as hex.";
const json = { name: "json", help: "print JSON instead of text (errors too, as {\"error\": {code, message}})" } as const;

/** An optional flag holding a Java int (a hash code). */
function javaInt(flags: Flags, name: string, command: string): number | undefined {
  const v = optionalString(flags, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < -0x80000000 || Number(v) > 0x7fffffff) {
    throw new UsageError(`--${name} must be a Java int (-2147483648 to 2147483647), got '${v}'.`, command);
  }
  return Number(v);
}

function seconds(flags: Flags, command: string): number | undefined {
  const v = optionalString(flags, "duration");
  if (v === undefined) return undefined;
  if (!(Number(v) > 0)) throw new UsageError(`--duration must be a positive number of seconds, got '${v}'.`, command);
  return Number(v);
}

/** A type flag `qstate get` needs when no --catalog gives the types. */
function requiredType(flags: Flags, name: string): string {
  const v = optionalString(flags, name);
  if (v === undefined) throw new UsageError(`--${name} is required (or give --catalog FILE, or set QSTATE_CATALOG).`, "get");
  return v;
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
  examples: [
    "# two task managers; prints the job id, the proxies, the states and a query to try on each\nqstate local",
    "# machine-readable, metrics on port 9249, stop after a minute\nqstate local --json --metrics-port 9249 --duration 60",
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
  examples: ["# what npm start runs, for ten seconds\nqstate demo --duration 10"],
  async run(f) {
    await runDemo({ taskManagers: positiveInt(f, "task-managers", "demo"), host: f.host as string, seconds: seconds(f, "demo") });
    return 0;
  },
};

const get: Command = {
  name: "get",
  summary: "query one key through a proxy (ours or a Flink cluster's)",
  details: "Reducing, aggregating and folding states read as --kind value. Prints the value ({\"value\": ...}\n" +
    `with --json); on failure prints the error code and message and exits with 1 (2 for a mistake in the flags).\n${TYPES}`,
  flags: [
    { name: "proxy", value: "HOST:PORT[,HOST:PORT]", help: "the proxy (or proxies: one that cannot be reached is skipped within --timeout)", env: "QSTATE_PROXY", required: true },
    { name: "job", value: "HEX", help: "the job id (32 hex digits)", env: "QSTATE_JOB", required: true },
    { name: "state", value: "NAME", help: "the queryable state name", required: true },
    { name: "key", value: "VALUE", help: "the key to read (or --keys / --keys-file)" },
    { name: "keys", value: "K1,K2,…", help: "many keys in one call (a JSON array for keys with commas): one line per key" },
    { name: "keys-file", value: "FILE", help: "many keys, one per line (- reads standard input)" },
    { name: "max-staleness", value: "MS", help: "fail keys whose state is further behind its input (our proxies; prints per key, as --keys)" },
    { name: "min-version", value: "V", help: "fail keys whose state's version is lower (read-your-writes; a version as --json prints it)" },
    { name: "wait", value: "MS", help: "with --max-staleness or --min-version: wait up to this long for them" },
    { name: "catalog", value: "FILE", help: "a state catalog: the state's kind and types come from it (no type flags)", env: "QSTATE_CATALOG" },
    { name: "key-type", value: "TYPE", help: "the key's type (required without --catalog)" },
    { name: "value-type", value: "TYPE", help: "the value's (or list element's, or map value's) type (required without --catalog)" },
    { name: "kind", value: "value|list|map", help: "the state's kind (default value)" },
    { name: "map-key-type", value: "TYPE", help: "a map state's key type (default string)" },
    { name: "namespace", value: "VALUE", help: "the namespace to read (with --namespace-type)" },
    { name: "namespace-type", value: "TYPE", help: "the namespace's type (timewindow, globalwindow, …)" },
    { name: "key-hash", value: "INT", help: "the key's Java hashCode(), for keys whose hash is user code (POJO keys)" },
    { name: "timeout", value: "MS", help: "give up after this long", default: "5000", env: "QSTATE_TIMEOUT_MS" },
    ...QUERY_CLIENT_FLAGS,
    json,
  ],
  examples: [
    "# a reducing state of longs, keyed by string (the job id as `qstate local` or Flink prints it)\n" +
    "qstate get --proxy 127.0.0.1:9069 --job 379d0a… --state event-counts --key user-0 --key-type string --value-type long",
    "# a map state as lossless JSON, proxies and job from the environment\n" +
    "export QSTATE_PROXY=10.0.0.7:9069,10.0.0.8:9069 QSTATE_JOB=379d0a…\n" +
    "qstate get --state events-by-type --key user-0 --key-type string --kind map --map-key-type string --value-type long --json",
    "# the kind and types from a state catalog (README, \"State catalog\")\n" +
    "qstate get --catalog catalog.json --proxy 127.0.0.1:9069 --job 379d0a… --state clicks --key ada",
    "# many keys in one call (one request through a proxy of ours): a line per key, exit code 1 if one has no value\n" +
    "qstate get --proxy 127.0.0.1:9069 --job 379d0a… --state event-counts --keys user-0,user-1,user-2 --key-type string --value-type long",
    "# read-your-writes: wait up to a second for the version a writer saw (--json prints each key's freshness)\n" +
    "qstate get --state balance --keys ada --key-type string --value-type long --min-version 113613209608060929 --wait 1000 --json",
    "# a POJO value keyed by a long\n" +
    "qstate get --state stats --key 42 --key-type long --value-type 'pojo<com.acme.Stats>{count:long,name:string}'",
  ],
  async run(f) {
    const catalog = optionalString(f, "catalog");
    const typeFlags = ["key-type", "value-type", "kind", "map-key-type", "namespace-type"].filter((n) => f[n] !== undefined);
    const keySources = ["key", "keys", "keys-file"].filter((n) => f[n] !== undefined);
    if (keySources.length !== 1) {
      throw new UsageError(keySources.length === 0 ? "--key is required (or --keys, or --keys-file)." : `give one of --${keySources.join(", --")}.`, "get");
    }
    const bounds = freshnessFlags(optionalString(f, "max-staleness"), optionalString(f, "min-version"), optionalString(f, "wait"));
    const bounded = bounds.maxStalenessMs !== undefined || bounds.minVersion !== undefined;
    if (bounds.waitMs !== undefined && !bounded) throw new UsageError("--wait needs --max-staleness or --min-version.", "get");
    if (f.key === undefined || bounded) {
      const keys = f.key !== undefined
        ? [f.key as string]
        : f.keys !== undefined
        ? parseKeyList(f.keys as string, false)
        : parseKeyList(await readKeysFile(f["keys-file"] as string), true);
      const outcomes = catalog !== undefined
        ? await runCatalogGetMany({
          catalog, proxy: f.proxy as string, job: f.job as string, state: f.state as string,
          namespace: optionalString(f, "namespace"), keyHash: javaInt(f, "key-hash", "get"), timeoutMs: positiveInt(f, "timeout", "get"), typeFlags, ...queryClientFlags(f, "get"),
        }, keys, bounds)
        : await runGetMany({
          proxy: f.proxy as string, job: f.job as string, state: f.state as string,
          keyType: requiredType(f, "key-type"), valueType: requiredType(f, "value-type"), kind: optionalString(f, "kind") ?? "value",
          mapKeyType: optionalString(f, "map-key-type") ?? "string", namespace: optionalString(f, "namespace"),
          namespaceType: optionalString(f, "namespace-type"), keyHash: javaInt(f, "key-hash", "get"),
          timeoutMs: positiveInt(f, "timeout", "get"), ...queryClientFlags(f, "get"),
        }, keys, bounds);
      return printOutcomes(outcomes, f.json === true, (s) => process.stdout.write(s));
    }
    const value = catalog !== undefined
      ? await runCatalogGet({
        catalog, proxy: f.proxy as string, job: f.job as string, state: f.state as string, key: f.key as string,
        namespace: optionalString(f, "namespace"), keyHash: javaInt(f, "key-hash", "get"), timeoutMs: positiveInt(f, "timeout", "get"), typeFlags, ...queryClientFlags(f, "get"),
      })
      : await runGet({
      proxy: f.proxy as string,
      job: f.job as string,
      state: f.state as string,
      key: f.key as string,
      keyType: requiredType(f, "key-type"),
      valueType: requiredType(f, "value-type"),
      kind: optionalString(f, "kind") ?? "value",
      mapKeyType: optionalString(f, "map-key-type") ?? "string",
      namespace: optionalString(f, "namespace"),
      namespaceType: optionalString(f, "namespace-type"),
      keyHash: javaInt(f, "key-hash", "get"),
      timeoutMs: positiveInt(f, "timeout", "get"),
      ...queryClientFlags(f, "get"),
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
    { name: "key-hash", value: "INT", help: "the key's Java hashCode(), for keys whose hash is user code (POJO keys)" },
    { name: "max-parallelism", value: "N", help: "the job's max parallelism (number of key groups)", default: "128" },
    { name: "parallelism", value: "N", help: "the operator's parallelism (at most the max parallelism)", default: "4" },
    json,
  ],
  examples: [
    "# which key group and subtask hold key \"hello\", and the request frame's bytes\nqstate explain --key hello --key-type string",
    "# for a job with max parallelism 256 and 8 subtasks, as JSON\nqstate explain --key 42 --key-type long --max-parallelism 256 --parallelism 8 --json",
  ],
  run(f) {
    const maxParallelism = positiveInt(f, "max-parallelism", "explain");
    const parallelism = positiveInt(f, "parallelism", "explain");
    if (parallelism > maxParallelism) {
      throw new UsageError(`--parallelism ${parallelism} is above --max-parallelism ${maxParallelism}: a job cannot have more subtasks than key groups.`, "explain");
    }
    // Nothing is sent: every failure is a mistake in the flags.
    const report = asUsage("explain", () =>
      explainQuery({
        job: f.job as string, state: f.state as string, key: f.key as string, keyType: f["key-type"] as string,
        keyHash: javaInt(f, "key-hash", "explain"), maxParallelism, parallelism,
      })
    );
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
  details: "Per server, proxy and client: connections, requests, successes, failures, and the latency of successes\n" +
    "(mean, and p50/p90/p99 estimated from the latency histogram), in milliseconds. --json prints an object\n" +
    "keyed \"role name\": {role,name,connections,requests,successful,failed,latencyMs:{mean,p50,p90,p99}}.",
  flags: [
    { name: "metrics", value: "HOST:PORT", help: "the metrics endpoint (the port of --metrics-port or serveMetrics)", env: "QSTATE_METRICS", required: true },
    { name: "timeout", value: "MS", help: "give up after this long", default: "5000" },
    json,
  ],
  examples: ["# the figures of `qstate local --metrics-port 9249`\nqstate stats --metrics 127.0.0.1:9249"],
  async run(f) {
    const address = parseMetricsAddress(f.metrics as string);
    const rows = parseMetrics(await fetchMetrics(address, positiveInt(f, "timeout", "stats")));
    if (f.json) process.stdout.write(statsJson(rows) + "\n");
    else process.stdout.write(statsTable(rows) + "\n");
    return 0;
  },
};

const states: Command = {
  name: "states",
  summary: "list the jobs a coordinator (or etcd) knows and the queryable states each registered",
  details: "Names only: a registry knows where states are served, not their types (see `qstate local` for the demo's).\n" +
    "--json prints [{\"jobId\",\"states\":[{\"name\",\"vertex\",\"numKeyGroups\",\"registeredKeyGroups\"}]}].",
  flags: [
    { name: "coordinator", value: "HOST:PORT[,HOST:PORT]", help: "the coordinator(s) to ask", env: "QSTATE_COORDINATOR" },
    ...ETCD_FLAGS.map((spec) => spec.name === "etcd" ? { ...spec, help: "ask etcd instead: every member's JSON gateway URL, separated by commas" } : spec),
    { name: "etcd-prefix", value: "PREFIX", help: "the key prefix of the entries in etcd", default: "/queryable-state/" },
    { name: "job", value: "HEX", help: "only this job", env: "QSTATE_JOB" },
    { name: "timeout", value: "MS", help: "give up after this long", default: "5000" },
    ...CLIENT_TLS_FLAGS,
    json,
  ],
  examples: [
    "# every job and state registered at the coordinator of `qstate cluster`\nqstate states --coordinator 127.0.0.1:6124",
    "# one job's states, from etcd, as JSON\nqstate states --etcd http://127.0.0.1:2379 --job 379d0a… --json",
  ],
  async run(f) {
    if (f.coordinator === undefined && f.etcd === undefined) throw new UsageError("give --coordinator HOST:PORT or --etcd URL.", "states");
    const jobs = await listStates({
      coordinator: optionalString(f, "coordinator"),
      etcd: optionalString(f, "etcd"),
      etcdOptions: f.etcd === undefined ? undefined : await etcdOptionsFromFlags(f, "states"),
      etcdPrefix: f["etcd-prefix"] as string,
      job: optionalString(f, "job"),
      timeoutMs: positiveInt(f, "timeout", "states"),
      tls: clientTlsOf(f, "states"),
    });
    process.stdout.write((f.json ? JSON.stringify(jobs) : statesText(jobs)) + "\n");
    return 0;
  },
};

/** Every command, in the order `qstate --help` lists them. */
export const COMMANDS: readonly Command[] = [local, demo, ...CLUSTER_COMMANDS, get, keysCommand, scanCommand, watchCommand, states, schemaCommand, explain, stats, gatewayCommand];
