#!/usr/bin/env node
// The live-Flink suite (`npm run test:flink`; needs Java 17 and Maven): real Flink clusters
// (1.20 and 2.x, heap and RocksDB) queried by our client on Node, Deno and Bun, and Flink's own
// QueryableStateClient querying our proxy on each runtime; our client also reads the clusters' types
// states (POJOs, rows, tuples, arrays, dates, Avro records, POJO subclasses, Flink 2's Set and nullable
// collections, a count window's per-window state, map keys "__proto__" and "constructor", Kryo values, ... as keys
// and values), `qstate get` reads Avro states with a schema file (`--value-type avro:FILE --json`), Kryo states and
// keys and namespaces of every kind (a tuple and a POJO key as JSON, TimeWindow and GlobalWindow namespaces), our
// HTTP gateway reads every state by the job's name through Flink's real REST API (`--flink-rest`), and `qstate schema`
// derives a catalog from each cluster's checkpoint and savepoints, through which our client reads every state with no
// type written by hand (direction=catalog). Prints one `compat ok:` line per
// verified combination, `compat FAIL:` lines, the error behaviours side by side, and ends with
// "N passed, M failed". Every process it starts is killed when it ends, also on failure.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, flinkClient, startCluster, VERSIONS } from "../compat/harness/peer.mjs";
import { killAll, run, start } from "../compat/harness/processes.mjs";

const BACKENDS = ["heap", "rocksdb"];
const bin = (name) => join("node_modules", ".bin", name);
const RUNTIMES = [
  { name: "node", cmd: process.execPath, args: ["--import", "tsx"] },
  { name: "deno", cmd: bin("deno"), args: ["run", "-A", "--no-check"] },
  { name: "bun", cmd: bin("bun"), args: [] },
];
// What `qstate get --json` is asked of one cluster's Avro states: a record with every union branch set,
// one with nulls and empty collections, a long key, a map state's entries.
const CLI_AVRO_QUERIES = [
  { state: "t-avro", key: "user-0" },
  { state: "t-avro", key: "user-7" },
  { state: "t-avro-by-id", key: "3" },
  { state: "t-avro-map", key: "user-5" },
];
const only = (process.env.QSTATE_FLINK_RUNTIMES ?? "").split(",").filter(Boolean);
const runtimes = only.length ? RUNTIMES.filter((r) => only.includes(r.name)) : RUNTIMES;

let passed = 0, failed = 0;
const ok = (line) => { passed++; console.log(`compat ok: ${line}`); };
const fail = (line) => { failed++; console.log(`compat FAIL: ${line}`); };
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const work = mkdtempSync(join(tmpdir(), "qstate-test-flink-"));

// The error cases both clients are asked, and the error code our client must report for each.
const ERROR_CASES = {
  "unknown-key": { key: "no-such-user", state: "value", codes: ["UNKNOWN_KEY_OR_NAMESPACE"] },
  "unknown-state": { key: "user-0", state: "no-such-state", codes: ["UNKNOWN_STATE_NAME"] },
  // Flink's proxy cannot tell an unknown job from a state not yet registered: it reports
  // UnknownLocationException for both, so the code is UNKNOWN_LOCATION there (ours says UNKNOWN_JOB).
  "unknown-job": { key: "user-0", state: "value", job: "0123456789abcdef0123456789abcdef", codes: ["UNKNOWN_LOCATION", "UNKNOWN_JOB"] },
  "wrong-namespace": { codes: ["UNKNOWN_KEY_OR_NAMESPACE"] },
};

function errorQueries(jobId) {
  return Object.entries(ERROR_CASES).filter(([name]) => name !== "wrong-namespace").map(([name, c]) => ({
    case: name, jobId: c.job ?? jobId, state: c.state, kind: "value", keyType: "string", key: c.key, valueType: "long",
  }));
}

const describeJava = (r) => r.ok ? `value ${JSON.stringify(r.value)}` : signature(r);

async function main() {
  console.log("=== building the Flink peer");
  for (const v of VERSIONS) await build(v);
  console.log(`built (${elapsed()})`);

  console.log("=== starting Flink clusters");
  // Each cluster checkpoints into a directory of its own and takes savepoints once its state is complete: the
  // catalog direction reads them with qstate schema.
  const clusters = await Promise.all(VERSIONS.flatMap((v) => BACKENDS.map((b) => startCluster(v.version, b, { snapshots: join(work, `snapshots-${v.version}-${b}`) }))));
  for (const c of clusters) console.log(`flink ${c.flinkVersion} ${c.backend}: job ${c.jobId}, proxies ${c.proxies.join(" ")}`);
  console.log(`clusters ready (${elapsed()})`);
  const clustersFile = join(work, "clusters.jsonl");
  writeFileSync(clustersFile, clusters.map(({ stop: _s, ...c }) => JSON.stringify(c)).join("\n") + "\n");

  // Flink's own client against Flink's own proxy, for the error cases: the reference behaviour.
  const flinkErrors = new Map();
  for (const c of clusters) {
    const qs = errorQueries(c.jobId);
    const res = await flinkClient(c.flinkVersion, c.proxies[0], qs);
    qs.forEach((q, i) => flinkErrors.set(`${c.flinkVersion}/${c.backend}/${q.case}`, res[i]));
  }

  console.log("=== direction ts-client: our client reads the Flink clusters");
  for (const rt of runtimes) {
    const r = await run(rt.cmd, [...rt.args, "compat/ts/check-ts-client.ts", "--clusters", clustersFile, "--runtime", rt.name], { timeoutMs: 240_000 });
    const seen = new Set();
    for (const line of r.stdout.split("\n")) {
      if (line.startsWith("compat ok: ")) {
        const l = line.slice("compat ok: ".length);
        if (!seen.has(l)) { seen.add(l); ok(l); }
      } else if (line.startsWith("compat FAIL: ")) fail(line.slice("compat FAIL: ".length));
      else if (line.startsWith("compat error: ")) {
        const e = JSON.parse(line.slice("compat error: ".length));
        const want = ERROR_CASES[e.case].codes;
        const ref = flinkErrors.get(`${e.flink}/${e.backend}/${e.case}`);
        const label = `flink=${e.flink} backend=${e.backend} direction=ts-client error=${e.case} runtime=${e.runtime}`;
        const detail = `ours=${e.class}/${e.code}, flink-client=${ref ? describeJava(ref) : "(not askable: Flink's client has no public namespace query)"}`;
        if (!e.ok && want.includes(e.code)) ok(`${label} ${detail}`);
        else fail(`${label} expected ${want.join(" or ")}, ${detail}`);
      }
    }
    if (r.code !== 0 && seen.size === 0) fail(`direction=ts-client runtime=${rt.name}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
    console.log(`(${rt.name} done, ${elapsed()})`);
  }

  console.log("=== direction ts-client, type families: our client reads the Flink clusters' types states");
  for (const rt of runtimes) {
    const r = await run(rt.cmd, [...rt.args, "compat/ts/check-ts-types.ts", "--clusters", clustersFile, "--runtime", rt.name], { timeoutMs: 240_000 });
    let lines = 0;
    for (const line of r.stdout.split("\n")) {
      if (line.startsWith("compat ok: ")) (lines++, ok(line.slice("compat ok: ".length)));
      else if (line.startsWith("compat FAIL: ")) (lines++, fail(line.slice("compat FAIL: ".length)));
    }
    if (r.code !== 0 && lines === 0) fail(`direction=ts-client types runtime=${rt.name}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
    console.log(`(${rt.name} done, ${elapsed()})`);
  }

  console.log("=== direction gateway: our HTTP gateway reads the Flink clusters' states by job name (Flink's REST API)");
  for (const rt of runtimes) {
    const r = await run(rt.cmd, [...rt.args, "compat/ts/check-gateway.ts", "--clusters", clustersFile, "--runtime", rt.name], { timeoutMs: 240_000 });
    let lines = 0;
    for (const line of r.stdout.split("\n")) {
      if (line.startsWith("compat ok: ")) (lines++, ok(line.slice("compat ok: ".length)));
      else if (line.startsWith("compat FAIL: ")) (lines++, fail(line.slice("compat FAIL: ".length)));
    }
    if (r.code !== 0 && lines === 0) fail(`direction=gateway runtime=${rt.name}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
    console.log(`(${rt.name} done, ${elapsed()})`);
  }

  console.log("=== direction extensions: Flink's proxies and state servers answer our extension frames harmlessly; getKvStates falls back");
  for (const rt of runtimes) {
    const r = await run(rt.cmd, [...rt.args, "compat/ts/check-extensions.ts", "--clusters", clustersFile, "--runtime", rt.name], { timeoutMs: 240_000 });
    let lines = 0;
    for (const line of r.stdout.split("\n")) {
      if (line.startsWith("compat ok: ")) (lines++, ok(line.slice("compat ok: ".length)));
      else if (line.startsWith("compat FAIL: ")) (lines++, fail(line.slice("compat FAIL: ".length)));
    }
    if (r.code !== 0 && lines === 0) fail(`direction=extensions runtime=${rt.name}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
    console.log(`(${rt.name} done, ${elapsed()})`);
  }

  console.log("=== direction catalog: qstate schema reads each cluster's checkpoint and savepoints, our client queries every state through that catalog alone");
  for (const rt of runtimes) await catalogDirection(clusters, clustersFile, rt);

  console.log("=== the CLI: qstate get --value-type avro:FILE --json reads a Flink cluster's Avro states");
  await cliAvro(clusters[0]);
  console.log("=== the CLI: qstate get --value-type kryo1<...>/kryo<...> --json reads each Flink version's Kryo states");
  for (const c of clusters.filter((c) => c.backend === "heap")) await cliKryo(c);

  console.log("=== the CLI: qstate get --json with tuple and POJO keys, TimeWindow and GlobalWindow namespaces, subclasses");
  for (const v of VERSIONS) await cliTypes(clusters.find((c) => c.flinkVersion === v.version && c.backend === "rocksdb") ?? clusters[0]);

  // Bad input on one connection: what Flink's proxy does is the reference for ours.
  const probe = async (proxy, job) => {
    const r = await run(process.execPath, ["--import", "tsx", "compat/ts/probe-malformed.ts", "--proxy", proxy, "--job", job], { timeoutMs: 60_000 });
    return new Map(r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).map((x) => [x.case, x]));
  };
  const shape = (x) => x ? `${x.answers.map((a) => a.split(" ")[0]).join("+")}${x.closed ? "+closed" : ""}` : "none";
  const flinkProbes = new Map();
  for (const c of clusters.filter((c) => c.backend === "heap")) flinkProbes.set(c.flinkVersion, await probe(c.proxies[0], c.jobId));

  console.log("=== direction flink-client: Flink's client reads our proxy");
  const expected = clusters[0].states.filter((s) => !s.namespaceType && s.name !== "window-count");
  for (const rt of runtimes) {
    const ours = start(`our LocalCluster on ${rt.name}`, rt.cmd, [...rt.args, "compat/ts/serve-ours.ts"], { timeoutMs: 120_000 });
    try {
      const info = await ours.first;
      const mine = await probe(info.proxies[0], info.jobs.user);
      // Our client's batches through this proxy's batch-get extension, before Flink's client queries the same proxy.
      const ext = await run(process.execPath, ["--import", "tsx", "compat/ts/check-extensions.ts", "--clusters", clustersFile, "--runtime", "node",
        "--ours", info.proxies[0], "--jobs", JSON.stringify(info.jobs), "--proxy-runtime", rt.name], { timeoutMs: 120_000 });
      let extLines = 0;
      for (const line of ext.stdout.split("\n")) {
        if (line.startsWith("compat ok: ")) (extLines++, ok(line.slice("compat ok: ".length)));
        else if (line.startsWith("compat FAIL: ")) (extLines++, fail(line.slice("compat FAIL: ".length)));
      }
      if (extLines === 0) fail(`direction=extensions backend=ours runtime=${rt.name}: exit ${ext.code}\n${ext.stderr.slice(-3000)}`);
      for (const [version, theirs] of flinkProbes) {
        for (const [name, ref] of theirs) {
          const label = `flink=${version} backend=ours direction=wire bad-input=${name} runtime=${rt.name}`;
          if (shape(mine.get(name)) === shape(ref)) ok(`${label} both=${shape(ref)}`);
          else fail(`${label} flink-proxy=${shape(ref)} ours=${shape(mine.get(name))}: ${JSON.stringify(mine.get(name))}`);
        }
      }
      for (const v of VERSIONS) {
        const queries = [];
        for (const s of expected) {
          const jobId = s.keyType === "long" ? info.jobs.id : info.jobs.user;
          for (const e of s.entries) queries.push({ s, e, q: { jobId, state: s.name, kind: s.kind, keyType: s.keyType, key: e.key, valueType: s.valueType } });
        }
        const errs = errorQueries(info.jobs.user);
        const res = await flinkClient(v.version, info.proxies[0], [...queries.map((x) => x.q), ...errs]);
        const bad = new Map();
        queries.forEach((x, i) => {
          const r = res[i];
          const same = r.ok && JSON.stringify(normalize(r.value)) === JSON.stringify(normalize(x.e.value));
          if (!same && !bad.has(x.s.name)) bad.set(x.s.name, `${x.s.name}[${x.e.key}]: ${r.ok ? JSON.stringify(r.value) : `${r.class}: ${r.message}`}, expected ${JSON.stringify(x.e.value)}`);
        });
        for (const s of expected) {
          const label = `flink=${v.version} backend=ours direction=flink-client kind=${s.kind} type=${s.keyType}->${s.kind === "list" ? `list<${s.valueType}>` : s.valueType} runtime=${rt.name}`;
          if (bad.has(s.name)) fail(`${label}: ${bad.get(s.name)}`);
          else ok(label);
        }
        errs.forEach((q, i) => {
          const got = res[queries.length + i];
          const ref = flinkErrors.get(`${v.version}/heap/${q.case}`);
          const label = `flink=${v.version} backend=ours direction=flink-client error=${q.case} runtime=${rt.name}`;
          const detail = `ours-proxy=${describeJava(got)}, flink-proxy=${describeJava(ref)}`;
          // Flink users catch the exception classes: the innermost known class must match.
          if (!got.ok && signature(got) === signature(ref)) ok(`${label} ${detail}`);
          else fail(`${label} ${detail}; ours: ${got.message}`);
        });
      }
    } catch (e) {
      fail(`direction=flink-client runtime=${rt.name}: ${e.message}`);
    } finally {
      ours.stop();
    }
    console.log(`(${rt.name} done, ${elapsed()})`);
  }
  for (const c of clusters) c.stop();
}

/**
 * Issue 22: `qstate schema SNAPSHOT --json` on runtime `rt` for every checkpoint and savepoint the clusters took (the
 * heap ones: a checkpoint and a native savepoint, Flink failing canonical heap savepoints of this job; RocksDB: an
 * incremental checkpoint, a native and a canonical savepoint), then compat/ts/check-catalog.ts on the same runtime
 * queries every state of the cluster with that catalog's types and compares with the peer's content: one line per
 * (cluster, snapshot).
 */
async function catalogDirection(clusters, clustersFile, rt) {
  const manifest = [];
  for (const [i, c] of clusters.entries()) {
    if (!c.snapshots?.length) fail(`flink=${c.flinkVersion} backend=${c.backend} direction=catalog runtime=${rt.name}: the cluster took no snapshots`);
    for (const snap of c.snapshots ?? []) {
      const label = `${snap.kind}-${snap.format}`;
      const names = Object.entries(c.queryableNames ?? {}).map(([from, to]) => `${from}=${to}`).join(",");
      const r = await run(rt.cmd, [...rt.args, "src/cli/main.ts", "schema", snap.path, "--json", "--job-name", "compat", "--job-id", c.jobId,
        "--queryable-names", names], { timeoutMs: 120_000 });
      if (r.code !== 0) {
        fail(`flink=${c.flinkVersion} backend=${c.backend} direction=catalog snapshot=${label} runtime=${rt.name}: qstate schema exited ${r.code}: ` +
          `${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
        continue;
      }
      const file = join(work, `catalog-${rt.name}-${i}-${label}.json`);
      writeFileSync(file, r.stdout);
      manifest.push({ cluster: i, snapshot: label, catalog: file });
    }
  }
  const manifestFile = join(work, `catalogs-${rt.name}.json`);
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const r = await run(rt.cmd, [...rt.args, "compat/ts/check-catalog.ts", "--clusters", clustersFile, "--manifest", manifestFile, "--runtime", rt.name], { timeoutMs: 300_000 });
  let lines = 0;
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("compat ok: ")) (lines++, ok(line.slice("compat ok: ".length)));
    else if (line.startsWith("compat FAIL: ")) (lines++, fail(line.slice("compat FAIL: ".length)));
  }
  if (r.code !== 0 && lines === 0) fail(`direction=catalog runtime=${rt.name}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
  console.log(`(${rt.name} done, ${elapsed()})`);
}

/**
 * `qstate get --json` on each runtime against one cluster's Avro states, the schemas written to files as a user
 * has them: one line per runtime, ok when every query prints the value the peer computed.
 */
async function cliAvro(c) {
  const states = new Map((c.types?.states ?? []).filter((s) => s.avroSchemas).map((s) => [s.name, s]));
  const queries = [];
  for (const q of CLI_AVRO_QUERIES) {
    const s = states.get(q.state);
    const entry = s?.entries.find((e) => String(e.key) === q.key);
    if (!s || !entry) {
      fail(`flink=${c.flinkVersion} backend=${c.backend} direction=cli avro: the peer has no ${q.state}[${q.key}]`);
      return;
    }
    const files = {};
    for (const [name, schema] of Object.entries(s.avroSchemas)) {
      files[name] = join(work, `${name}.avsc`);
      writeFileSync(files[name], JSON.stringify(schema, null, 2));
    }
    const map = s.kind === "map" ? /^map<([^,]+),avro:([\w$.]+)>$/.exec(s.valueType) : null;
    const record = map ? map[2] : /^avro:([\w$.]+)$/.exec(s.valueType)?.[1];
    const args = ["get", "--proxy", c.proxies[0], "--job", c.types.jobId, "--state", s.name, "--key", q.key,
      "--key-type", s.keyType, "--value-type", `avro:${files[record]}`, "--kind", s.kind, "--json"];
    if (map) args.push("--map-key-type", map[1]);
    queries.push({ s, entry, args });
  }
  for (const rt of runtimes) {
    const types = [...new Set(queries.map((q) => `${q.s.keyType}->${q.s.valueType.replace(/avro:([\w$.]+)/g, "avro<$1>")}`))];
    const label = `flink=${c.flinkVersion} backend=${c.backend} direction=cli command=get value-type=avro:FILE json ` +
      `type=${types.join(",")} queries=${queries.length} runtime=${rt.name}`;
    await checkCliQueries(rt, label, queries);
  }
}

/** Java's String.hashCode(). */
function javaStringHash(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * `qstate get --json` on each runtime against one cluster: keys and namespaces of every kind given on the command
 * line as users give them (a tuple key as JSON, a POJO key as JSON with --key-hash, a TimeWindow namespace as JSON, a
 * GlobalWindow namespace by its type alone), subclass values, and map keys "__proto__" and "constructor".
 */
async function cliTypes(c) {
  const all = [...(c.types?.states ?? []), ...c.states];
  const find = (name) => all.find((s) => s.name === name);
  const queries = [];
  const add = (name, pick, extra = []) => {
    const s = find(name);
    const entry = s?.entries.find(pick) ?? s?.entries[0];
    if (!s || !entry) return fail(`flink=${c.flinkVersion} backend=${c.backend} direction=cli types: the peer has no state ${name}`);
    const key = typeof entry.key === "string" ? entry.key : JSON.stringify(entry.key);
    const map = s.kind === "map" ? /^map<([^,]+),(.*)>$/.exec(s.valueType) : null;
    const args = ["get", "--proxy", c.proxies[0], "--job", c.types.jobId, "--state", s.name, "--key", key, "--key-type", s.keyType,
      "--value-type", map ? map[2] : s.valueType, "--kind", s.kind === "list" ? "list" : s.kind === "map" ? "map" : "value", "--json", ...extra];
    if (map) args.push("--map-key-type", map[1]);
    if (s.namespaceType) {
      args.push("--namespace-type", s.namespaceType);
      if (s.namespaceType === "timewindow") args.push("--namespace", JSON.stringify({ start: entry.namespace[0], end: entry.namespace[1] }));
    }
    queries.push({ s, entry, args });
  };
  add("t-longs-by-pair", () => true);
  add("window-sum", () => true);
  add("count-window-sum", () => true);
  const pojoKey = find("t-stats-by-pojo")?.entries[0]?.key;
  if (pojoKey) add("t-stats-by-pojo", () => true, ["--key-hash", String((Math.imul(31, javaStringHash(pojoKey.user)) + pojoKey.bucket) | 0)]);
  add("t-shapes", (e) => typeof e.value?.["@class"] === "string" && e.value["@class"].endsWith("Square"));
  add("t-odd-keys", (e) => e.value && Object.hasOwn(e.value, "__proto__"));
  if (queries.length === 0) return;
  for (const rt of runtimes) {
    const types = [...new Set(queries.map((q) => `${q.s.keyType}${q.s.namespaceType ? `@${q.s.namespaceType}` : ""}`))];
    const label = `flink=${c.flinkVersion} backend=${c.backend} direction=cli command=get json key-types=${types.join(",")} ` +
      `queries=${queries.length} runtime=${rt.name}`;
    await checkCliQueries(rt, label, queries);
  }
}

/**
 * `qstate get --json` on each runtime against one cluster's Kryo states (value, list and map states; the type
 * expressions as the peer printed them): one line per runtime, ok when every query prints the peer's value.
 */
async function cliKryo(c) {
  const queries = [];
  for (const [state, key] of [["t-kryo-event", "user-0"], ["t-kryo-pojo", "user-2"], ["t-kryo-object", "user-7"],
    ["t-kryo-list", "user-1"], ["t-kryo-map", "user-3"]]) {
    const s = (c.types?.states ?? []).find((x) => x.name === state);
    const entry = s?.entries.find((e) => String(e.key) === key);
    if (!s || !entry) {
      fail(`flink=${c.flinkVersion} backend=${c.backend} direction=cli kryo: the peer has no ${state}[${key}]`);
      return;
    }
    const map = s.kind === "map" ? /^map<([^,]+),(.+)>$/.exec(s.valueType) : null;
    const args = ["get", "--proxy", c.proxies[0], "--job", c.types.jobId, "--state", s.name, "--key", key,
      "--key-type", s.keyType, "--value-type", map ? map[2] : s.valueType, "--kind", s.kind, "--json"];
    if (map) args.push("--map-key-type", map[1]);
    queries.push({ s, entry, args });
  }
  const kryo = c.flinkVersion.startsWith("1.") ? "kryo1" : "kryo";
  for (const rt of runtimes) {
    const label = `flink=${c.flinkVersion} backend=${c.backend} direction=cli command=get value-type=${kryo} json ` +
      `states=${queries.map((q) => q.s.name).join(",")} runtime=${rt.name}`;
    await checkCliQueries(rt, label, queries);
  }
}

/**
 * Runs each query's `qstate` command line on one runtime, all at once, and reports one line: ok when every query
 * printed (as its last line of JSON) the value the peer computed.
 */
async function checkCliQueries(rt, label, queries) {
  const results = await Promise.all(queries.map((q) => run(rt.cmd, [...rt.args, "src/cli/main.ts", ...q.args], { timeoutMs: 60_000 })));
  const bad = [];
  results.forEach((r, i) => {
    const { s, entry } = queries[i];
    const key = typeof entry.key === "string" ? entry.key : JSON.stringify(entry.key);
    let got;
    try {
      got = JSON.parse(r.stdout.trim().split("\n").pop()).value;
    } catch {
      bad.push(`${s.name}[${key}]: exit ${r.code}, ${r.stdout.slice(-500)}${r.stderr.slice(-1500)}`);
      return;
    }
    if (!sameJson(got, entry.value)) bad.push(`${s.name}[${key}] = ${JSON.stringify(got)}, expected ${JSON.stringify(entry.value)}`);
  });
  if (bad.length === 0) ok(label);
  else fail(`${label}: ${bad.join("; ")}`);
}

/** Deep equality of JSON values, object keys compared as sets. */
function sameJson(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

/** Map values compare as sets of entries. */
function normalize(v) {
  if (v && typeof v === "object" && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
  return v;
}

/**
 * What a Flink user's catch sees: the exception class, and for Flink's "Failed request N.\n
 * Caused by: <class>: ..." RuntimeException also the class its text names first.
 */
function signature(r) {
  if (!r || r.ok) return null;
  const named = /Caused by: ([\w.$]+)/.exec(r.message ?? "");
  return named ? `${r.class}(${named[1]})` : r.class;
}

try {
  await main();
} catch (e) {
  fail(`suite aborted: ${e.stack ?? e}`);
} finally {
  killAll();
  rmSync(work, { recursive: true, force: true });
}
console.log(`\n=== live Flink suite took ${elapsed()}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
