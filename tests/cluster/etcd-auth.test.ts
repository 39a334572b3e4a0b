// etcd with authentication, against a real etcd on loopback (skipped, saying so, when the etcd binary
// is not installed): a user and password (token renewed when etcd forgets it), and client certificates
// over https (mutual TLS), for plain calls, watches and a task manager that registers and serves.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import {
  EtcdAuthError,
  EtcdGateway,
  EtcdLocations,
  EtcdUnavailableError,
  JobID,
  type KeyedJob,
  longSerializer,
  QueryableStateClient,
  reducingState,
  stringSerializer,
  TaskManager,
} from "../../mod.ts";
import { etcdBinary, startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { eventually } from "../helpers/eventually.ts";
import { run } from "../helpers/cli.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
const KEYS = ["ada", "bob", "cy"];
const job: KeyedJob<string, string> = {
  sources: [KEYS],
  keyBy: (k) => k,
  keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
  steps: [{ name: "count", states: [counts], process: (_k, ctx) => ctx.state(counts).add(7n) }],
};
const quiet = () => {};
const fixture = (name: string) => new URL(`../fixtures/etcd-tls/${name}`, import.meta.url).pathname;

async function servesThrough(options: Parameters<typeof TaskManager.join>[0]): Promise<void> {
  const jobId = JobID.random();
  const tm = await TaskManager.join({ ...options, etcdPrefix: `/t-${crypto.randomUUID()}/`, leaseTtlSeconds: 5, log: quiet });
  const client = new QueryableStateClient("127.0.0.1", tm.proxyAddress.port, { requestTimeoutMs: 5000 });
  try {
    await tm.serve(job, { jobId, subtask: 0, parallelism: 1, maxParallelism: 128 }).ready;
    for (const key of KEYS) {
      const v = await eventually(key, () => client.getKvState(jobId, "counts", key, stringSerializer, counts), 20_000, 100);
      assert.equal(v.get(), 7n);
    }
  } finally {
    await client.close();
    await tm.close({ timeoutMs: 200 });
  }
}

const skip = etcdBinary() === undefined ? "etcd is not installed (apt-get install -y etcd-server); the etcd auth tests need a real etcd" : false;

describe("etcd with a user and password", { skip }, () => {
  let etcd: TestEtcd;
  before(async () => {
    // Simple tokens forgotten after 2 s unused: the client must take a new one by itself.
    etcd = await startEtcd({ extraArgs: ["--auth-token", "simple", "--auth-token-ttl", "2"] });
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${etcd.url}${path}`, { method: "POST", headers: token ? { authorization: token } : {}, body: JSON.stringify(body) });
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      return await res.json();
    };
    await post("/v3/auth/user/add", { name: "root", password: "root-pw" });
    await post("/v3/auth/user/grant", { user: "root", role: "root" });
    await post("/v3/auth/user/add", { name: "qstate", password: "s3cret" });
    await post("/v3/auth/role/add", { name: "qstate" });
    await post("/v3/auth/user/grant", { user: "qstate", role: "qstate" });
    await post("/v3/auth/enable", {});
    const { token } = await post("/v3/auth/authenticate", { name: "root", password: "root-pw" });
    // The qstate role may read and write under /t- only (what the tests use).
    await post("/v3/auth/role/grant", { name: "qstate", perm: { permType: "READWRITE", key: btoa("/t-"), range_end: btoa("/t.") } }, token);
  });
  after(async () => {
    await etcd?.stop();
  });

  test("calls without credentials or with a wrong password fail with ETCD_AUTH_FAILED", async () => {
    await assert.rejects(new EtcdGateway(etcd.url).get("/t-x"), (e: Error) => e instanceof EtcdAuthError && e.code === "ETCD_AUTH_FAILED" && /requires authentication/.test(e.message));
    await assert.rejects(new EtcdGateway(etcd.url, { user: "qstate", password: "wrong" }).get("/t-x"), (e: Error) => e instanceof EtcdAuthError && /refused/.test(e.message));
    // A key outside the user's permission: refused, not retried elsewhere.
    await assert.rejects(new EtcdGateway(etcd.url, { user: "qstate", password: "s3cret" }).put("/other", "1"), (e: Error) => e instanceof EtcdAuthError && /permission denied/.test(e.message));
  });

  test("with credentials calls and watches work, and an expired token is renewed", async () => {
    const gateway = new EtcdGateway(etcd.url, { user: "qstate", password: "s3cret" });
    const prefix = `/t-${crypto.randomUUID()}/`;
    await gateway.put(`${prefix}a`, "1");
    assert.equal(await gateway.get(`${prefix}a`), "1");
    // Unused for longer than the token's TTL: etcd answers 401, the gateway authenticates again.
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(await gateway.get(`${prefix}a`), "1");
    const seen: string[] = [];
    const abort = new AbortController();
    const { revision } = await gateway.rangePrefix(prefix);
    const watching = gateway.watch(prefix, { startRevision: String(BigInt(revision) + 1n), signal: abort.signal, onEvent: (e) => seen.push(e.value) });
    await gateway.put(`${prefix}a`, "2");
    await eventually("event", () => assert.deepEqual(seen, ["2"]), 10_000, 50);
    abort.abort();
    await watching;
  });

  test("a task manager registers and serves with the etcd user", async () => {
    await servesThrough({ etcd: etcd.url, etcdOptions: { user: "qstate", password: "s3cret" } });
  });

  test("qstate states takes the user from --etcd-user and the password from the environment only", async () => {
    const args = ["states", "--etcd", etcd.url, "--etcd-prefix", `/t-${crypto.randomUUID()}/`, "--json"];
    const ok = await run([...args, "--etcd-user", "qstate"], { ...process.env, QSTATE_ETCD_PASSWORD: "s3cret" });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), []);
    const refused = await run(args, { ...process.env, QSTATE_ETCD_USER: "", QSTATE_ETCD_PASSWORD: "" });
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stdout).error.code, "ETCD_AUTH_FAILED");
  });
});

describe("etcd over https with client certificates", { skip }, () => {
  let etcd: TestEtcd;
  const tls = { ca: readFileSync(fixture("ca.pem"), "utf8"), cert: readFileSync(fixture("client.pem"), "utf8"), key: readFileSync(fixture("client-key.pem"), "utf8") };
  before(async () => {
    etcd = await startEtcd({
      tls: { ca: fixture("ca.pem"), cert: fixture("server.pem"), key: fixture("server-key.pem"), clientCertAuth: true, clientCert: fixture("client.pem"), clientKey: fixture("client-key.pem") },
    });
  });
  after(async () => {
    await etcd?.stop();
  });

  test("a client certificate is presented; without one etcd refuses the connection", async () => {
    assert.match(etcd.url, /^https:/);
    const gateway = new EtcdGateway(etcd.url, { tls });
    const key = `/t-${crypto.randomUUID()}`;
    await gateway.put(key, "v");
    assert.equal(await gateway.get(key), "v");
    await assert.rejects(new EtcdGateway(etcd.url, { tls: { ca: tls.ca }, timeoutMs: 2000 }).get(key), EtcdUnavailableError);
    const prefix = `/t-${crypto.randomUUID()}/`;
    await using locations = new EtcdLocations(etcd.url, { tls, prefix, log: quiet });
    await locations.start(); // its watch streams over the same TLS
  });

  test("a task manager registers and serves over mutual TLS", async () => {
    await servesThrough({ etcd: etcd.url, etcdOptions: { tls } });
  });

  test("qstate states reads the CA, certificate and key from --etcd-ca, --etcd-cert, --etcd-key", async () => {
    const r = await run([
      "states", "--etcd", etcd.url, "--etcd-prefix", `/t-${crypto.randomUUID()}/`, "--json",
      "--etcd-ca", fixture("ca.pem"), "--etcd-cert", fixture("client.pem"), "--etcd-key", fixture("client-key.pem"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });
});
