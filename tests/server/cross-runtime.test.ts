// A KvState server on each runtime (child processes running scripts/serve-fixture.ts) answers
// a client on the runtime running this test. Run on Node, Deno and Bun, that is all 9 pairs.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { detectRuntime, UnknownKeyOrNamespaceError } from "../../mod.ts";
import { keyRequest, newClient, valueOf } from "../helpers/fixture.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const script = `${root}scripts/serve-fixture.ts`;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

const servers: Record<string, [string, string[]]> = {
  node: ["node", ["--import", "tsx", script]],
  deno: [bin("deno"), ["run", "-A", "--no-check", script]],
  bun: [bin("bun"), [script]],
};

function startServer(runtime: string): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, args] = servers[runtime];
  const child = spawn(cmd, [...args, "--port", "0", "--keys", "500"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "", err = "";
    const timer = setTimeout(() => fail(new Error(`${runtime} server did not start in 30 s: ${err}`)), 30_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(e);
    };
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /LISTENING 127\.0\.0\.1:(\d+) stateId=0000000000000001000000000000000\d keys=500/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on("exit", (code) => fail(new Error(`${runtime} server exited with ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref?.();
  });
}

describe(`cross-runtime: client on ${detectRuntime()}`, () => {
  const children: ChildProcess[] = [];
  after(async () => {
    await Promise.all(children.map(stop));
  });

  for (const runtime of Object.keys(servers)) {
    test(`server on ${runtime}`, async () => {
      const { child, port } = await startServer(runtime);
      children.push(child);
      const client = newClient({ requestTimeoutMs: 10_000 });
      try {
        const addr = { hostname: "127.0.0.1", port };
        const keys = Array.from({ length: 1000 }, (_, i) => (i * 37) % 500);
        const answers = await Promise.all(keys.map((k) => client.sendRequest(addr, keyRequest(k))));
        answers.forEach((a, i) => assert.equal(valueOf(a), `value-${keys[i]}`));
        await assert.rejects(client.sendRequest(addr, keyRequest(500)), UnknownKeyOrNamespaceError);
      } finally {
        await client.close();
        await stop(child);
      }
    });
  }
});
