/**
 * Direction extensions (issue 23): our protocol extensions against live Flink peers, which must answer them
 * harmlessly and keep working, and our client's fallbacks. Per cluster:
 *
 * - `check=proxy-probe`: the extension frames our client sends a proxy (HELLO, BATCH_GET: ordinary KvStateRequests
 *   for the reserved job QSTATE:EXTENSION) reach Flink's proxy on one connection; it answers each with a
 *   REQUEST_FAILURE naming UnknownLocationException, and the same connection then answers a real query right
 *   (no SERVER_FAILURE, no reconnect).
 * - `check=server-probe`: the extension frames our proxy sends a state server (KvStateInternalRequests for the
 *   reserved KvStateID) reach every Flink state server of the cluster; each answers UnknownKvStateIdException and
 *   keeps the connection.
 * - `check=batch-fallback`: `getKvStates` (extensions on) learns the proxy speaks none (`peerExtensions()` is null)
 *   and reads every key of every state by single queries: the same answers as the peer computed, unknown keys as
 *   UNKNOWN_KEY_OR_NAMESPACE, in order; single queries on the same client still answer afterwards.
 *
 *   <runtime> compat/ts/check-extensions.ts --clusters FILE --runtime node|deno|bun
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { JobID, KvStateID, QueryableStateClient, RemoteError, timeWindowSerializer, UnknownKeyOrNamespaceError, UnknownKvStateIdError } from "../../mod.ts";
import {
  Client,
  encodeBatchGet,
  encodeBatchGetInternal,
  encodeHello,
  EXTENSION_ID,
  EXTENSION_STATE_NAME,
  KvStateInternalRequest,
  KvStateRequest,
  KvStateResponse,
} from "../../protocol.ts";
import { deserializeValue, serializeKeyAndNamespace, stringSerializer, VoidNamespace, voidNamespaceSerializer } from "../../mod.ts";
import { arg, contentOf, descriptor, keyOf, sameJson, serializer, toJson } from "./types.ts";

interface Entry { key: string; value: unknown; namespace?: [string, string] }
interface State { name: string; kind: string; keyType: string; valueType: string; namespaceType?: string; entries: Entry[] }
interface Cluster { flinkVersion: string; backend: string; jobId: string; proxies: string[]; serverPorts?: string; states: State[] }

const runtime = arg("runtime");
const clusters: Cluster[] = readFileSync(arg("clusters"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
let failures = 0;
const ok = (label: string, detail = "") => console.log(`compat ok: ${label}${detail ? ` ${detail}` : ""}`);
const fail = (label: string, why: string) => {
  failures++;
  console.log(`compat FAIL: ${label}: ${why}`);
};

function endpoint(hostPort: string) {
  const at = hostPort.lastIndexOf(":");
  return { hostname: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
}

/** A failed request's Java class and the first class its text names (Flink wraps causes in text). */
function describe(e: unknown): string {
  if (!(e instanceof RemoteError)) return `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  const named = /Caused by: ([\w.$]+)/.exec(e.remoteMessage ?? "");
  return `${e.remoteClassName}${named ? `(${named[1]})` : ""}`;
}

async function proxyProbe(c: Cluster, label: string): Promise<void> {
  const events: string[] = [];
  const client = new Client("probe", KvStateResponse.decode, { requestTimeoutMs: 20_000, diagnostics: (e) => events.push(e.type) });
  const address = endpoint(c.proxies[0]);
  try {
    const value = c.states.find((s) => s.name === "value")!;
    const key = value.entries[0].key;
    const keyNs = serializeKeyAndNamespace(key, stringSerializer, VoidNamespace, voidNamespaceSerializer);
    const ext = (payload: Uint8Array) => new KvStateRequest(EXTENSION_ID, EXTENSION_STATE_NAME, 0, payload);
    const answers: string[] = [];
    for (const payload of [encodeHello(["batch-get"]), encodeBatchGet(JobID.fromHex(c.jobId).toBytes(), "value", [{ keyHash: stringSerializer.hashCode(key), keyAndNamespace: keyNs }])]) {
      try {
        await client.sendRequest(address, ext(payload));
        answers.push("REQUEST_RESULT");
      } catch (e) {
        answers.push(describe(e));
      }
    }
    const real = await client.sendRequest(address, new KvStateRequest(JobID.fromHex(c.jobId), "value", stringSerializer.hashCode(key), keyNs));
    const got = toJson(deserializeValue(real.content, serializer(value.valueType)));
    const expected = answers.every((a) => a === "java.lang.RuntimeException(org.apache.flink.queryablestate.exceptions.UnknownLocationException)");
    const reconnects = events.filter((t) => t === "disconnected" || t === "connect-failed").length;
    if (expected && sameJson(got, value.entries[0].value) && reconnects === 0 && events.filter((t) => t === "connected").length === 1) {
      ok(label, `answers=${answers.map((a) => a.replace(/^.*\((.*)\)$/, "$1").split(".").pop()).join("+")} then-query=ok one-connection`);
    } else {
      fail(label, `answers ${answers.join(", ")}; then ${JSON.stringify(got)} (expected ${JSON.stringify(value.entries[0].value)}); events ${events.join(",")}`);
    }
  } catch (e) {
    fail(label, (e as Error).stack ?? String(e));
  } finally {
    await client.close();
  }
}

async function serverProbe(c: Cluster, label: string): Promise<void> {
  if (c.serverPorts === undefined) return fail(label, "the harness did not pass the state servers' port range");
  const [from, to] = c.serverPorts.split("-").map(Number);
  const probed: string[] = [];
  for (let port = from; port <= to; port++) {
    const events: string[] = [];
    const client = new Client("probe", KvStateResponse.decode, { requestTimeoutMs: 20_000, connectTimeoutMs: 2000, diagnostics: (e) => events.push(e.type) });
    const address = { hostname: "127.0.0.1", port };
    try {
      const answers: unknown[] = [];
      for (const req of [
        new KvStateInternalRequest(EXTENSION_ID, encodeHello(["batch-get"])),
        new KvStateInternalRequest(EXTENSION_ID, encodeBatchGetInternal(KvStateID.random().toBytes(), [new Uint8Array([1, 2, 3])])),
        new KvStateInternalRequest(KvStateID.random(), new Uint8Array([1, 2, 3])),
      ]) {
        answers.push(await client.sendRequest(address, req).then(() => "REQUEST_RESULT", (e) => e));
      }
      if (answers[0] instanceof Error && answers[0].constructor.name === "ConnectError") continue; // no server on this port
      const good = answers.every((a) => a instanceof UnknownKvStateIdError);
      const steady = events.filter((t) => t === "connected").length === 1 && !events.includes("disconnected");
      if (good && steady) probed.push(String(port));
      else return fail(label, `port ${port}: ${answers.map(describe).join(", ")}; events ${events.join(",")}`);
    } finally {
      await client.close();
    }
  }
  if (probed.length === 0) fail(label, `no state server answered on ${c.serverPorts}`);
  else ok(label, `servers=${probed.length} answers=UnknownKvStateIdException×3 one-connection-each`);
}

async function batchFallback(c: Cluster, label: string): Promise<void> {
  const client = new QueryableStateClient(c.proxies[0], { requestTimeoutMs: 30_000 });
  try {
    const peer = await client.peerExtensions();
    if (peer !== null) return fail(label, `a Flink proxy claimed extensions: ${peer.implementation}`);
    const bad: string[] = [];
    let keysRead = 0;
    for (const s of c.states) {
      const d = descriptor(s.kind, s.name, s.valueType);
      const groups = new Map<string, Entry[]>();
      for (const e of s.entries) {
        const ns = e.namespace ? e.namespace.join("/") : "";
        groups.set(ns, [...(groups.get(ns) ?? []), e]);
      }
      for (const [ns, entries] of groups) {
        const options = ns ? { namespace: { start: BigInt(entries[0].namespace![0]), end: BigInt(entries[0].namespace![1]) }, namespaceType: timeWindowSerializer } : {};
        const keys = [...entries.map((e) => keyOf(s.keyType, e.key)), keyOf(s.keyType, s.keyType === "string" ? "no-such-user" : "987654321")];
        const results = await client.getKvStates(c.jobId, s.name, keys, serializer(s.keyType), d, options as never);
        keysRead += keys.length;
        results.forEach((r, i) => {
          if (i === entries.length) {
            if (r.ok || !(r.error instanceof UnknownKeyOrNamespaceError)) bad.push(`${s.name}[missing]: ${r.ok ? "a value" : r.error.code}`);
            return;
          }
          if (!r.ok) return void bad.push(`${s.name}[${entries[i].key}]: ${r.error.code} ${r.error.message}`);
          const got = toJson(contentOf(s.kind, r.state));
          if (!sameJson(got, entries[i].value)) bad.push(`${s.name}[${entries[i].key}] = ${JSON.stringify(got)}, expected ${JSON.stringify(entries[i].value)}`);
        });
      }
    }
    // Single queries on the same client after the extension traffic.
    const value = c.states.find((s) => s.name === "value")!;
    const again = await client.getKvState(c.jobId, "value", value.entries[0].key, serializer("string"), descriptor("value", "value", value.valueType));
    if (!sameJson(toJson(contentOf("value", again)), value.entries[0].value)) bad.push("a single query after the batches answered wrong");
    // Freshness: none from a Flink proxy (the value still comes); a bound cannot be checked, so it fails typed.
    const vd = descriptor("value", "value", value.valueType);
    const plain = await client.getKvStateWithFreshness(c.jobId, "value", value.entries[0].key, serializer("string"), vd);
    if (plain.freshness !== undefined || !sameJson(toJson(contentOf("value", plain.state)), value.entries[0].value)) bad.push("getKvStateWithFreshness against Flink");
    const bounded = await client.getKvStates(c.jobId, "value", [value.entries[0].key], serializer("string"), vd, { maxStalenessMs: 1000 }).then(
      () => "resolved",
      (e) => (e as { code?: string }).code,
    );
    if (bounded !== "UNSUPPORTED_BY_PEER") bad.push(`a freshness bound against Flink's proxy gave ${bounded}, not UNSUPPORTED_BY_PEER`);
    // Flink cannot list keys.
    const listing = await client.listKeys(c.jobId, "value", serializer("string")).then(() => "resolved", (e) => (e as { code?: string }).code);
    if (listing !== "UNSUPPORTED_BY_PEER") bad.push(`a key listing against Flink's proxy gave ${listing}, not UNSUPPORTED_BY_PEER`);
    // Nor scan a map.
    const map = c.states.find((s) => s.kind === "map" && !s.namespaceType)!;
    const scan = await client.scanMapState(c.jobId, map.name, keyOf(map.keyType, map.entries[0].key), serializer(map.keyType), descriptor("map", map.name, map.valueType) as never)
      .then(() => "resolved", (e) => (e as { code?: string }).code);
    if (scan !== "UNSUPPORTED_BY_PEER") bad.push(`a map scan against Flink's proxy gave ${scan}, not UNSUPPORTED_BY_PEER`);
    // Nor watch a key.
    const watched = await client.watch(c.jobId, "value", [value.entries[0].key], serializer("string"), vd, { signal: AbortSignal.timeout(20_000) })
      [Symbol.asyncIterator]().next().then(() => "an event", (e) => (e as { code?: string }).code);
    if (watched !== "UNSUPPORTED_BY_PEER") bad.push(`a watch against Flink's proxy gave ${watched}, not UNSUPPORTED_BY_PEER`);
    if (bad.length === 0) ok(label, `states=${c.states.length} keys=${keysRead} peerExtensions=null then-single=ok freshness=none bound=UNSUPPORTED_BY_PEER listKeys=UNSUPPORTED_BY_PEER scan=UNSUPPORTED_BY_PEER watch=UNSUPPORTED_BY_PEER`);
    else fail(label, bad.slice(0, 5).join("; "));
  } catch (e) {
    fail(label, (e as Error).stack ?? String(e));
  } finally {
    await client.close();
  }
}

/**
 * `--ours HOST:PORT --jobs '{"user":…,"id":…}' --proxy-runtime R`: our proxy (compat/ts/serve-ours.ts, the same input) answers
 * `getKvStates` through the batch-get extension with the same content the Flink peer computed.
 */
async function ours(proxy: string, jobs: { user: string; id: string }, proxyRuntime: string): Promise<void> {
  const label = `flink=${clusters[0].flinkVersion} backend=ours direction=extensions check=batch client=${runtime} proxy=${proxyRuntime}`;
  const client = new QueryableStateClient(proxy, { requestTimeoutMs: 30_000 });
  try {
    const peer = await client.peerExtensions();
    if (peer?.extensions.get("batch-get") !== 1) return fail(label, `our proxy did not offer batch-get: ${JSON.stringify(peer)}`);
    const bad: string[] = [];
    let keysRead = 0;
    const nodes = new Set<string>();
    for (const s of clusters[0].states.filter((s) => !s.namespaceType && s.name !== "window-count")) {
      const keys = [...s.entries.map((e) => keyOf(s.keyType, e.key)), keyOf(s.keyType, s.keyType === "string" ? "no-such-user" : "987654321")];
      const results = await client.getKvStates(s.keyType === "long" ? jobs.id : jobs.user, s.name, keys, serializer(s.keyType), descriptor(s.kind, s.name, s.valueType));
      keysRead += keys.length;
      results.forEach((r, i) => {
        if (i === s.entries.length) {
          if (r.ok || !(r.error instanceof UnknownKeyOrNamespaceError)) bad.push(`${s.name}[missing]: ${r.ok ? "a value" : r.error.code}`);
        } else if (!r.ok) bad.push(`${s.name}[${s.entries[i].key}]: ${r.error.code}`);
        else if (!sameJson(toJson(contentOf(s.kind, r.state)), s.entries[i].value)) bad.push(`${s.name}[${s.entries[i].key}] differs`);
        if (i < s.entries.length && (r.freshness === undefined || r.freshness.version <= 0n)) bad.push(`${s.name}[${i}]: no freshness`);
        else if (r.freshness !== undefined) nodes.add(r.freshness.node);
      });
    }
    // Every key of each state, listed a page at a time, is the set the peer wrote.
    let listed = 0;
    for (const s of clusters[0].states.filter((s) => !s.namespaceType && s.name !== "window-count")) {
      const got: string[] = [];
      for await (const k of client.keys(s.keyType === "long" ? jobs.id : jobs.user, s.name, serializer(s.keyType), { pageSize: 7 })) got.push(String(k));
      const want = s.entries.map((e) => String(e.key));
      if (JSON.stringify(got.sort()) !== JSON.stringify(want.sort())) bad.push(`keys of ${s.name}: ${got.length} listed, ${want.length} expected`);
      listed += got.length;
    }
    // Every map of the map state, scanned two entries at a time, is the map the peer computed.
    let scanned = 0;
    for (const s of clusters[0].states.filter((s) => s.kind === "map" && !s.namespaceType)) {
      for (const e of s.entries) {
        const got = new Map<unknown, unknown>();
        for await (const [k, v] of client.scanMap(s.keyType === "long" ? jobs.id : jobs.user, s.name, keyOf(s.keyType, e.key), serializer(s.keyType), descriptor("map", s.name, s.valueType) as never, { pageSize: 2 })) {
          got.set(k, v);
        }
        if (!sameJson(toJson(got), e.value)) bad.push(`scan of ${s.name}[${e.key}] = ${JSON.stringify(toJson(got))}, expected ${JSON.stringify(e.value)}`);
        scanned += got.size;
      }
    }
    // A watch of every key of each state first delivers each key's value (a snapshot), the peer's value.
    let watchedKeys = 0;
    for (const s of clusters[0].states.filter((s) => !s.namespaceType && s.name !== "window-count")) {
      const want = new Map(s.entries.map((e) => [String(e.key), e.value]));
      const seen = new Map<string, unknown>();
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), 20_000);
      try {
        const keys = s.entries.map((e) => keyOf(s.keyType, e.key));
        for await (const e of client.watch(s.keyType === "long" ? jobs.id : jobs.user, s.name, keys, serializer(s.keyType), descriptor(s.kind, s.name, s.valueType), { signal: stop.signal })) {
          if (!e.deleted) seen.set(String(e.key), toJson(contentOf(s.kind, e.state)));
          if (seen.size === want.size) break;
        }
      } catch (e) {
        if (!stop.signal.aborted) throw e;
      } finally {
        clearTimeout(timer);
      }
      for (const [k, v] of want) {
        if (!seen.has(k)) bad.push(`watch of ${s.name}: no event for ${k} within 20 s`);
        else if (!sameJson(seen.get(k), v)) bad.push(`watch of ${s.name}[${k}] = ${JSON.stringify(seen.get(k))}, expected ${JSON.stringify(v)}`);
      }
      watchedKeys += seen.size;
    }
    if (bad.length === 0) ok(label, `keys=${keysRead} via=${peer.implementation.replace(/ /g, "_")} freshness-from=${nodes.size}-servers listed=${listed} scanned=${scanned} watched=${watchedKeys}`);
    else fail(label, bad.slice(0, 5).join("; "));
  } catch (e) {
    fail(label, (e as Error).stack ?? String(e));
  } finally {
    await client.close();
  }
}

if (process.argv.includes("--ours")) {
  await ours(arg("ours"), JSON.parse(arg("jobs")), arg("proxy-runtime"));
} else {
  for (const c of clusters) {
    const base = `flink=${c.flinkVersion} backend=${c.backend} direction=extensions`;
    await proxyProbe(c, `${base} check=proxy-probe runtime=${runtime}`);
    await serverProbe(c, `${base} check=server-probe runtime=${runtime}`);
    await batchFallback(c, `${base} check=batch-fallback runtime=${runtime}`);
  }
}
process.exitCode = failures === 0 ? 0 : 1;
