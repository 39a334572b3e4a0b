// The Flink peer (compat/flink): building it per Flink version, starting its cluster role, and
// running its client role (Flink's own QueryableStateClient).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, start } from "./processes.mjs";

export const PEER_DIR = new URL("../flink/", import.meta.url).pathname;
export const VERSIONS = [
  { profile: "flink-1.20", version: "1.20.5" },
  { profile: "flink-2", version: "2.3.0" },
];
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
// The --add-opens a Flink distribution starts its JVMs with on Java 17 (env.java.opts.all in its config.yaml):
// Kryo's serializers reach into JDK classes (java.time on Flink 1.x, Arrays.asList's array, ...).
const OPENS = ["java.lang", "java.net", "java.io", "java.nio", "sun.nio.ch", "java.lang.reflect", "java.text", "java.time",
  "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "java.util.concurrent.locks"]
  .map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`);

/** Builds the peer for one Flink version: offline first (a warm Maven cache), online if that fails. */
export async function build({ profile, version }) {
  for (const offline of [true, false]) {
    const r = await run("mvn", ["-B", "-q", ...(offline ? ["-o"] : []), "package", `-P${profile}`], { cwd: PEER_DIR, timeoutMs: 900_000 });
    if (r.code === 0) return;
    if (!offline) throw new Error(`mvn package -P${profile} failed:\n${r.stdout.slice(-4000)}${r.stderr.slice(-4000)}`);
  }
  void version;
}

function classpath(version) {
  const dir = join(PEER_DIR, "target", `flink-${version}`);
  const file = join(dir, "classpath.txt");
  if (!existsSync(file)) throw new Error(`peer for Flink ${version} not built (${file} missing)`);
  return `${join(dir, "classes")}:${readFileSync(file, "utf8").trim()}`;
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

const taken = new Set();
/** A range of `size` free loopback ports no other cluster of this run uses. */
export async function freeRange(size) {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Below Linux's ephemeral range (32768+), where no other process's port-0 bind can land.
    const base = 20_000 + Math.floor(Math.random() * 1_200) * 10;
    const ports = Array.from({ length: size }, (_, i) => base + i);
    if (ports.some((p) => taken.has(p))) continue;
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) {
      ports.forEach((p) => taken.add(p));
      return `${base}-${base + size - 1}`;
    }
  }
  throw new Error("no free port range found");
}

/**
 * Starts the cluster role; resolves to its JSON line plus `stop()`. `snapshots`: a directory the job checkpoints into
 * (the line then lists a checkpoint and two savepoints, see Snapshots.java), `incremental` (RocksDB, default true) and
 * `inlineThreshold` (Flink's execution.checkpointing.data-inline-threshold, default "20kb"); `omitStates`: types states to
 * leave out of the job (a heap cluster takes a canonical savepoint only without the states Snapshots.java names);
 * `parallelism` (default 4).
 */
export async function startCluster(version, backend, { snapshots, incremental = true, inlineThreshold, omitStates, parallelism } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), `qstate-flink-${version}-${backend}-`));
  const proxyPorts = await freeRange(10);
  const serverPorts = await freeRange(10);
  const restPort = (await freeRange(1)).split("-")[0];
  const p = start(`flink ${version} ${backend}`, java, [
    "-Xmx768m", ...OPENS, "-cp", classpath(version), "dev.qstate.compat.Main", "cluster",
    "--backend", backend, "--proxy-ports", proxyPorts, "--server-ports", serverPorts, "--rest-port", restPort, "--tmp-dir", tmp,
    ...(snapshots ? ["--snapshots", snapshots, "--incremental", String(incremental)] : []),
    ...(snapshots && inlineThreshold ? ["--inline-threshold", inlineThreshold] : []),
    ...(omitStates?.length ? ["--omit-states", omitStates.join(",")] : []),
    ...(parallelism ? ["--parallelism", String(parallelism)] : []),
  ], { timeoutMs: 300_000 });
  const stop = () => {
    p.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    return { ...(await p.first), serverPorts, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

/** Flink's QueryableStateClient against `proxy`: one result object per query, in order. */
export async function flinkClient(version, proxy, queries) {
  const input = queries.map((q, id) => JSON.stringify({ id, ...q })).join("\n") + "\n";
  const r = await run(java, ["-Xmx256m", ...OPENS, "-cp", classpath(version), "dev.qstate.compat.Main", "client", "--proxy", proxy], { input, timeoutMs: 180_000 });
  const out = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  if (out.length !== queries.length) {
    throw new Error(`Flink client (${version}) answered ${out.length} of ${queries.length} queries (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
  }
  return out.sort((a, b) => a.id - b.id);
}
