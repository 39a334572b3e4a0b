// Secure by default on the command line: registrations need a token (made and shown once when none is given,
// never taken from argv), --insecure is explicit, and every role takes TLS and mutual-TLS files.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { CoordinatorClient, CoordinatorUnauthorizedError, JobID, parseHostPort } from "../../mod.ts";
import { run, runtime, startRole, stopRole } from "../helpers/cli.ts";
import type { ChildProcess } from "node:child_process";

const tls = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const noToken = { ...process.env, QSTATE_TOKEN: "", QSTATE_TOKEN_FILE: "" };

describe(`qstate security defaults on ${runtime}`, () => {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "qstate-security-"));
  after(async () => {
    await Promise.all(children.map(stopRole));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (args: string[], env: Record<string, string | undefined> = noToken) => {
    const r = await startRole(args, env);
    children.push(r.child);
    return r;
  };
  const register = async (at: string, token: string | undefined, tlsOptions?: { ca?: string; cert?: string; key?: string }) => {
    await using c = new CoordinatorClient(parseHostPort(at), { token, requestTimeoutMs: 10_000, tls: tlsOptions });
    await c.registerJob("tm-test", JobID.random(), new Map([["v", 4]]));
  };

  test("without a token the coordinator makes one, shows it once, and refuses registrations without it", async () => {
    const { info } = await start(["coordinator", "--port", "0", "--json"]);
    assert.match(String(info.token), /^[\w-]{43}$/);
    const at = String(info.coordinator);
    await assert.rejects(register(at, undefined), CoordinatorUnauthorizedError);
    await assert.rejects(register(at, "x".repeat(43)), CoordinatorUnauthorizedError);
    await register(at, String(info.token));
    // A second coordinator makes another token.
    const other = await start(["coordinator", "--port", "0", "--json"]);
    assert.notEqual(other.info.token, info.token);
  });

  test("a token from QSTATE_TOKEN or --token-file is used and not shown; --token on argv is refused", async () => {
    const secret = "from-the-environment-0123456789";
    const fromEnv = await start(["coordinator", "--port", "0", "--json"], { ...noToken, QSTATE_TOKEN: secret });
    assert.equal(fromEnv.info.token, undefined);
    await register(String(fromEnv.info.coordinator), secret);
    const file = join(dir, "token");
    writeFileSync(file, "from-a-file-abcdefghijklmnop\n", { mode: 0o600 });
    const fromFile = await start(["coordinator", "--port", "0", "--json", "--token-file", file]);
    await register(String(fromFile.info.coordinator), "from-a-file-abcdefghijklmnop");
    await assert.rejects(register(String(fromFile.info.coordinator), secret), CoordinatorUnauthorizedError);

    const argv = await run(["coordinator", "--token", "s3cret-on-the-command-line", "--json"], noToken);
    assert.equal(argv.code, 2);
    assert.match(JSON.parse(argv.stdout).error.message, /visible to every user of this machine \(ps, \/proc\): set QSTATE_TOKEN/);
    const short = await run(["coordinator", "--json"], { ...noToken, QSTATE_TOKEN: "short" });
    assert.equal(short.code, 2);
    assert.match(JSON.parse(short.stdout).error.message, /has 5 characters: use at least 16/);
    const missing = await run(["coordinator", "--json", "--token-file", join(dir, "nope")], noToken);
    assert.equal(missing.code, 2);
    assert.match(JSON.parse(missing.stdout).error.message, /Cannot read --token-file/);
    const both = await run(["coordinator", "--json", "--insecure"], { ...noToken, QSTATE_TOKEN: secret });
    assert.equal(both.code, 2);
  });

  test("--insecure runs open, and says so", async () => {
    const open = await start(["coordinator", "--port", "0", "--json", "--insecure"]);
    assert.equal(open.info.token, undefined);
    await register(String(open.info.coordinator), undefined);
    assert.match(open.stderr(), /--insecure: registrations are not authenticated/);
  });

  test("TLS and mutual TLS: the coordinator serves --tls-cert, requires --tls-client-ca; qstate states connects with --tls-ca and a client certificate", async () => {
    const secret = "tls-test-token-0123456789";
    const served = await start(["coordinator", "--port", "0", "--json", "--tls-cert", tls("server.pem"), "--tls-key", tls("server-key.pem")], { ...noToken, QSTATE_TOKEN: secret });
    assert.equal(served.info.tls, true);
    const at = String(served.info.coordinator);
    const ok = await run(["states", "--coordinator", at, "--tls-ca", tls("ca.pem"), "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), []);
    const plain = await run(["states", "--coordinator", at, "--timeout", "2000", "--json"]);
    assert.equal(plain.code, 1, plain.stdout);
    const untrusted = await run(["states", "--coordinator", at, "--tls", "--timeout", "2000", "--json"]);
    assert.equal(untrusted.code, 1, untrusted.stdout);
    assert.equal(JSON.parse(untrusted.stdout).error.code, "CONNECT_FAILED");

    const badPem = await run(["states", "--coordinator", at, "--tls-ca", tls("../vectors/README.md"), "--json"]);
    assert.equal(badPem.code, 2);
    assert.match(JSON.parse(badPem.stdout).error.message, /is not PEM text/);
    const half = await run(["states", "--coordinator", at, "--tls-client-cert", tls("client.pem"), "--json"]);
    assert.equal(half.code, 2);
    assert.match(JSON.parse(half.stdout).error.message, /--tls-client-cert and --tls-client-key go together/);

    if (runtime === "deno") return; // Deno's listener cannot require client certificates (README, Security)
    const mutual = await start([
      "coordinator", "--port", "0", "--json", "--tls-cert", tls("server.pem"), "--tls-key", tls("server-key.pem"), "--tls-client-ca", tls("client-ca.pem"),
    ], { ...noToken, QSTATE_TOKEN: secret });
    const mat = String(mutual.info.coordinator);
    const withCert = await run(["states", "--coordinator", mat, "--tls-ca", tls("ca.pem"), "--tls-client-cert", tls("client.pem"), "--tls-client-key", tls("client-key.pem"), "--json"]);
    assert.equal(withCert.code, 0, withCert.stdout + withCert.stderr);
    const withoutCert = await run(["states", "--coordinator", mat, "--tls-ca", tls("ca.pem"), "--timeout", "3000", "--json"]);
    assert.equal(withoutCert.code, 1, withoutCert.stdout);
  });

  test("qstate cluster with TLS: a token made and shown once, proxies serve TLS, qstate get reads through them with --tls-ca", async () => {
    const { info } = await start([
      "cluster", "--task-managers", "1", "--runtimes", runtime, "--json",
      "--tls-cert", tls("server.pem"), "--tls-key", tls("server-key.pem"), "--tls-ca", tls("ca.pem"),
    ]);
    assert.match(String(info.token), /^[\w-]{43}$/);
    const [proxy] = info.proxies as string[];
    const key = ((info.taskManagers as { keys: string[] }[])[0].keys)[0];
    const args = ["get", "--proxy", proxy, "--job", String(info.jobId), "--state", "event-counts", "--key", key, "--key-type", "string", "--value-type", "long", "--json", "--timeout", "10000"];
    let read = await run([...args, "--tls-ca", tls("ca.pem")]);
    for (let i = 0; i < 50 && read.code !== 0 && /UNKNOWN_KEY_OR_NAMESPACE/.test(read.stdout); i++) {
      await new Promise((r) => setTimeout(r, 100)); // the demo job has not counted this key yet
      read = await run([...args, "--tls-ca", tls("ca.pem")]);
    }
    assert.equal(read.code, 0, read.stdout + read.stderr);
    assert.match(JSON.parse(read.stdout).value, /^\d+$/);
    const plain = await run([...args.slice(0, -1), "3000"]);
    assert.equal(plain.code, 1, plain.stdout);
    // Every query command takes the same TLS flags: a catalog read, a batch, a key listing.
    const catalog = join(dir, "catalog.json");
    writeFileSync(catalog, JSON.stringify({
      catalogVersion: 1,
      jobs: [{ name: "demo", jobId: String(info.jobId), states: [{ name: "event-counts", kind: "reducing", key: "string", value: "long" }] }],
    }));
    const base = ["--proxy", proxy, "--job", "demo", "--state", "event-counts", "--json", "--timeout", "10000", "--tls-ca", tls("ca.pem")];
    const viaCatalog = await run(["get", ...base, "--catalog", catalog, "--key", key]);
    assert.equal(viaCatalog.code, 0, viaCatalog.stdout + viaCatalog.stderr);
    assert.match(JSON.parse(viaCatalog.stdout).value, /^\d+$/);
    const batch = await run(["get", ...base, "--catalog", catalog, "--keys", key]);
    assert.equal(batch.code, 0, batch.stdout + batch.stderr);
    assert.equal(JSON.parse(batch.stdout).results[0].key, key);
    const keys = await run(["keys", ...base.map((a) => (a === "demo" ? String(info.jobId) : a)), "--key-type", "string", "--all", "--attempt-timeout", "5000"]);
    assert.equal(keys.code, 0, keys.stdout + keys.stderr);
    assert.ok(JSON.stringify(JSON.parse(keys.stdout)).includes(JSON.stringify(key)), keys.stdout);
    const badHedge = await run(["get", ...base, "--catalog", catalog, "--key", key, "--hedge-after", "soon"]);
    assert.equal(badHedge.code, 2, badHedge.stdout);
    assert.match(badHedge.stdout + badHedge.stderr, /--hedge-after must be a positive integer/);
  });
});
