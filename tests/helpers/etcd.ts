// A real etcd for tests: Debian's etcd-server binary, on loopback ephemeral ports, data in a
// temp dir; killed (and its dir removed) by stop(). `etcdBinary()` is undefined when etcd is
// not installed (apt-get install -y etcd-server): tests skip then, saying so.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function etcdBinary(): string | undefined {
  for (const p of ["/usr/bin/etcd", "/usr/local/bin/etcd"]) if (existsSync(p)) return p;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface TestEtcd {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<TestEtcd> {
  const bin = etcdBinary()!;
  const dir = mkdtempSync(join(tmpdir(), "qs-etcd-"));
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const child = spawn(bin, [
    "--name", "test", "--data-dir", join(dir, "data"),
    "--listen-client-urls", url, "--advertise-client-urls", url,
    "--listen-peer-urls", `http://127.0.0.1:${peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peer}`,
    "--initial-cluster", `test=http://127.0.0.1:${peer}`, "--log-level", "error",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && (await res.json()).health === "true") return { url, child, stop };
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`etcd did not become healthy within 30 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
