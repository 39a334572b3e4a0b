// `qstate get` with keys and namespaces of every type (issue 19): tuple and POJO keys as JSON, a bare
// date, TimeWindow and GlobalWindow namespaces, map keys "__proto__" and "constructor"; against a state
// server of ours behind our proxy, on the runtime running this test.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import {
  computeKeyGroupRangeForOperatorIndex, Coordinator, detectRuntime, GlobalWindow, globalWindowSerializer, JobID,
  KvStateClientProxy, KvStateServer, LocalDate, localDateSerializer, longSerializer, parseTypeExpression,
  serializeKeyAndNamespace, serializeMap, serializeValue, stringSerializer, timeWindowSerializer, toHex, type TypeSerializer,
  VoidNamespace, voidNamespaceSerializer,
} from "../../mod.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const main = `${root}src/cli/main.ts`;
const runtime = detectRuntime();
const command: [string, string[]] = runtime === "deno"
  ? [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", main]]
  : runtime === "bun"
  ? [`${root}node_modules/.bin/bun`, [main]]
  : ["node", ["--import", "tsx", main]];

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0], [...command[1], ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const USER_KEY = "pojo<com.acme.UserKey>{user:string,bucket:int}";

describe(`qstate get: keys and namespaces of every type, on ${runtime}`, () => {
  const jobId = JobID.random();
  let server: KvStateServer, proxy: KvStateClientProxy, address: string;
  // key ‖ 42 ‖ namespace (hex) → the value's bytes, per state
  const states = new Map<string, Map<string, Uint8Array>>();
  const put = <K, N>(state: string, key: K, ks: TypeSerializer<K>, ns: N, nss: TypeSerializer<N>, value: Uint8Array) => {
    if (!states.has(state)) states.set(state, new Map());
    states.get(state)!.set(toHex(serializeKeyAndNamespace(key, ks, ns, nss)), value);
  };

  before(async () => {
    const long = (n: bigint) => serializeValue(n, longSerializer)!;
    put("by-pair", ["ada", 3n], parseTypeExpression("tuple<string,long>"), VoidNamespace, voidNamespaceSerializer, long(42n));
    put("window-sum", "ada", stringSerializer, { start: 0n, end: 60000n }, timeWindowSerializer, long(7n));
    put("count-window-sum", "ada", stringSerializer, GlobalWindow, globalWindowSerializer, long(9n));
    put("by-user-key", { user: "ada", bucket: 1 }, parseTypeExpression(USER_KEY), VoidNamespace, voidNamespaceSerializer, long(5n));
    put("by-date", new LocalDate(2024, 2, 29), localDateSerializer, VoidNamespace, voidNamespaceSerializer, long(1n));
    put("odd-keys", "ada", stringSerializer, VoidNamespace, voidNamespaceSerializer,
      serializeMap([["__proto__", 1n], ["constructor", 2n], ["toString", null]], stringSerializer, longSerializer));
    server = new KvStateServer({ host: "127.0.0.1", port: 0 });
    const coordinator = new Coordinator();
    coordinator.registerJob(jobId, new Map([["op", 128]]));
    await server.start();
    for (const [name, table] of states) {
      const id = server.registry.register({ getSerializedValue: (keyAndNamespace) => table.get(toHex(keyAndNamespace)) ?? null });
      coordinator.notifyKvStateRegistered(jobId, "op", computeKeyGroupRangeForOperatorIndex(128, 1, 0), name, id, server.address!);
    }
    proxy = new KvStateClientProxy({ oracle: coordinator, host: "127.0.0.1", port: 0 });
    const p = await proxy.start();
    address = `127.0.0.1:${p.port}`;
  });

  after(async () => {
    await proxy?.close();
    await server?.close();
  });

  const get = (state: string, ...args: string[]) =>
    run(["get", "--proxy", address, "--job", jobId.toString(), "--state", state, "--value-type", "long", "--json", ...args]);
  const value = (r: { code: number | null; stdout: string; stderr: string }) => {
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout).value;
  };

  test("a tuple key as JSON (longs as strings or exact numbers)", async () => {
    assert.equal(value(await get("by-pair", "--key", '["ada","3"]', "--key-type", "tuple<string,long>")), "42");
    assert.equal(value(await get("by-pair", "--key", '["ada",3]', "--key-type", "tuple<string,long>")), "42");
  });

  test("TimeWindow and GlobalWindow namespaces", async () => {
    assert.equal(value(await get("window-sum", "--key", "ada", "--key-type", "string",
      "--namespace", '{"start":0,"end":60000}', "--namespace-type", "timewindow")), "7");
    assert.equal(value(await get("count-window-sum", "--key", "ada", "--key-type", "string", "--namespace-type", "globalwindow")), "9");
    assert.equal(value(await get("count-window-sum", "--key", "ada", "--key-type", "string",
      "--namespace", "GlobalWindow", "--namespace-type", "globalwindow")), "9");
  });

  test("a POJO key: its JSON and its Java hashCode, which is user code", async () => {
    assert.equal(value(await get("by-user-key", "--key", '{"user":"ada","bucket":1}', "--key-type", USER_KEY, "--key-hash", "2988835")), "5");
    const noHash = await get("by-user-key", "--key", '{"user":"ada","bucket":1}', "--key-type", USER_KEY);
    assert.equal(noHash.code, 1);
    assert.equal(JSON.parse(noHash.stdout).error.code, "MISSING_KEY_HASH");
  });

  test("a date key as bare text", async () => {
    assert.equal(value(await get("by-date", "--key", "2024-02-29", "--key-type", "localdate")), "1");
  });

  test("map keys __proto__ and constructor are printed as entries", async () => {
    const r = await get("odd-keys", "--key", "ada", "--key-type", "string", "--kind", "map");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '{"value":{"__proto__":"1","constructor":"2","toString":null}}');
    const text = await run(["get", "--proxy", address, "--job", jobId.toString(), "--state", "odd-keys", "--value-type", "long",
      "--key", "ada", "--key-type", "string", "--kind", "map"]);
    assert.equal(text.stdout.trim(), '{"__proto__":"1","constructor":"2","toString":null}');
  });

  test("a key that does not fit its type says how to write it", async () => {
    const r = await get("by-pair", "--key", '["ada",', "--key-type", "tuple<string,long>");
    assert.equal(r.code, 2); // a mistake in the flags
    const e = JSON.parse(r.stdout).error;
    assert.equal(e.code, "INVALID_ARGUMENT");
    assert.match(e.message, /is not JSON/);
    const wrong = await get("by-pair", "--key", '["ada","x"]', "--key-type", "tuple<string,long>");
    assert.match(JSON.parse(wrong.stdout).error.message, /JSON at \$\[1\]: LongSerializer cannot read "x"/);
    const ns = await get("window-sum", "--key", "ada", "--key-type", "string", "--namespace-type", "timewindow");
    assert.match(JSON.parse(ns.stdout).error.message, /needs --namespace/);
  });

  test("explain takes the same keys", async () => {
    const r = await run(["explain", "--key", '{"user":"ada","bucket":1}', "--key-type", USER_KEY, "--key-hash", "2988835", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).javaHashCode, 2988835);
    assert.deepEqual(JSON.parse(r.stdout).key, { user: "ada", bucket: 1 });
  });
});
