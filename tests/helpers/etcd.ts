// A real etcd for tests: Debian's etcd-server binary, on loopback ephemeral ports, data in a
// temp dir; killed (and its dir removed) by stop(). `etcdBinary()` is undefined when etcd is
// not installed (apt-get install -y etcd-server): tests skip then, saying so.
// `startEtcdCluster(n)` starts n members that form one cluster; each member can be killed,
// stopped (SIGSTOP), continued and started again on its data dir, as the fault suite needs.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type FetchLike, fetchWithTls } from "../../src/transport/tls-fetch.ts";
import { freePort } from "./free-port.ts";

export function etcdBinary(): string | undefined {
  for (const p of ["/usr/bin/etcd", "/usr/local/bin/etcd"]) if (existsSync(p)) return p;
  return undefined;
}


/**
 * TLS for the members' client port (PEM file paths): `clientCertAuth` makes them require a client
 * certificate signed by `ca`; `clientCert`/`clientKey` are what the health check presents (default: cert/key).
 */
export interface EtcdTlsFiles {
  cert: string;
  key: string;
  ca: string;
  clientCertAuth?: boolean;
  clientCert?: string;
  clientKey?: string;
}

export interface EtcdMember {
  readonly name: string;
  /** Its client URL (http:// or https://). */
  readonly url: string;
  readonly child: ChildProcess | undefined;
  /** Starts it (again, on the same data dir and ports) and waits until it answers /health. */
  start(): Promise<void>;
  /** kill -9, and waits for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP: it keeps its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

export interface TestEtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's client URL. */
  readonly urls: readonly string[];
  /** The members' URLs separated by commas (what `--etcd` takes). */
  readonly url: string;
  /** Kills every member and removes the data. */
  stop(): Promise<void>;
}

export interface TestEtcd {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** One member on loopback (the etcd registry tests' default). */
export async function startEtcd(options: { tls?: EtcdTlsFiles; extraArgs?: string[] } = {}): Promise<TestEtcd> {
  const cluster = await startEtcdCluster(1, options);
  return { url: cluster.url, child: cluster.members[0].child!, stop: () => cluster.stop() };
}

/** Signals a running member's process group (nothing when it has exited). */
function signal(child: ChildProcess | undefined, sig: NodeJS.Signals): void {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // it exited meanwhile
  }
}

type ClusterOptions = { tls?: EtcdTlsFiles; healthTimeoutMs?: number; extraArgs?: string[] };

/**
 * `n` members forming one cluster, on free loopback ports; resolves when every member is healthy. A member that
 * finds its port taken meanwhile (another process bound it first) makes the cluster start again on new ports.
 */
export async function startEtcdCluster(n: number, options: ClusterOptions = {}): Promise<TestEtcdCluster> {
  for (let attempt = 1;; attempt++) {
    try {
      return await startEtcdClusterOnce(n, options);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test(String(e))) throw e;
    }
  }
}

async function startEtcdClusterOnce(n: number, options: ClusterOptions): Promise<TestEtcdCluster> {
  const bin = etcdBinary()!;
  const dir = mkdtempSync(join(tmpdir(), "qs-etcd-"));
  const tls = options.tls;
  const scheme = tls === undefined ? "http" : "https";
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < n; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const initialCluster = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(",");
  const healthTimeoutMs = options.healthTimeoutMs ?? 30_000;

  const check: FetchLike = tls === undefined
    ? (u, init) => fetch(u, init)
    : await fetchWithTls({ ca: readFileSync(tls.ca, "utf8"), cert: readFileSync(tls.clientCert ?? tls.cert, "utf8"), key: readFileSync(tls.clientKey ?? tls.key, "utf8") });

  const members = ports.map((p, i) => {
    const name = `m${i}`;
    const url = `${scheme}://127.0.0.1:${p.client}`;
    let child: ChildProcess | undefined;
    let err = "";
    const args = [
      "--name", name, "--data-dir", join(dir, name),
      "--listen-client-urls", url, "--advertise-client-urls", url,
      "--listen-peer-urls", `http://127.0.0.1:${p.peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${p.peer}`,
      "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", `qs-${ports[0].client}`,
      "--log-level", "error",
      ...(tls === undefined ? [] : ["--cert-file", tls.cert, "--key-file", tls.key, "--trusted-ca-file", tls.ca, ...(tls.clientCertAuth ? ["--client-cert-auth"] : [])]),
      ...(options.extraArgs ?? []),
    ];
    const launch = () => {
      err = "";
      // Its own process group: a fault test can signal it without reaching anyone else.
      child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
      child.stderr!.on("data", (d) => (err = (err + d).slice(-4000)));
    };
    const healthy = async () => {
      const until = Date.now() + healthTimeoutMs;
      for (;;) {
        try {
          const res = await check(`${url}/health`, { signal: AbortSignal.timeout(1000) });
          if (res.ok && (await res.json()).health === "true") return;
        } catch {
          // not up yet
        }
        if (child?.exitCode !== null || Date.now() > until) {
          throw new Error(`etcd member ${name} did not become healthy within ${healthTimeoutMs} ms: ${err}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const member: EtcdMember = {
      name,
      url,
      get child() {
        return child;
      },
      async start() {
        launch();
        await healthy();
      },
      async kill() {
        const c = child;
        if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise((r) => c.once("exit", r));
        try {
          process.kill(-c.pid!, "SIGKILL");
        } catch {
          c.kill("SIGKILL");
        }
        await gone;
      },
      pause() {
        signal(child, "SIGSTOP");
      },
      resume() {
        signal(child, "SIGCONT");
      },
    };
    return member;
  });

  const stop = async () => {
    for (const m of members) {
      m.resume();
      await m.kill();
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A member of a new cluster answers /health only once a quorum is up: start them all, then wait.
  try {
    await Promise.all(members.map((m) => m.start()));
  } catch (e) {
    await stop();
    throw e;
  }
  const urls = members.map((m) => m.url);
  return { members, urls, url: urls.join(","), stop };
}
