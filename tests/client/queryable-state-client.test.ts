import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  ImmutableAggregatingState,
  ImmutableFoldingState,
  ImmutableListState,
  ImmutableMapState,
  ImmutableReducingState,
  ImmutableValueState,
  ReadOnlyStateError,
} from "../../src/client/immutable-states.ts";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import { InvalidArgumentError, QueryableStateError, SerializationError } from "../../src/core/errors.ts";
import { decodeLocation } from "../../src/types/decode-errors.ts";
import { parseTypeExpression } from "../../src/types/expression.ts";
import { PojoSubclassError } from "../../src/types/type-errors.ts";
import { fromHex, toHex } from "../../src/core/hex.ts";
import { JobID } from "../../src/core/ids.ts";
import {
  ClientClosedError,
  ConnectError,
  ConnectionClosedError,
  RequestAbortedError,
  RequestTimeoutError,
} from "../../src/net/errors.ts";
import { ServerBase } from "../../src/net/server-base.ts";
import type { Endpoint } from "../../src/transport/transport.ts";
import { KvStateRequest, KvStateResponse, type MessageBody } from "../../src/protocol/messages.ts";
import {
  RemoteError,
  UnknownJobError,
  UnknownKeyOrNamespaceError,
  UnknownLocationError,
  UnknownStateNameError,
} from "../../src/protocol/remote-errors.ts";
import {
  aggregatingState,
  foldingState,
  listState,
  mapState,
  reducingState,
  valueState,
} from "../../src/state/descriptors.ts";
import { serializeKeyAndNamespace, serializeList, serializeMap, serializeValue } from "../../src/state/kv-state-serializer.ts";
import { bytesSerializer } from "../../src/types/bytes-serializer.ts";
import { booleanSerializer, doubleSerializer, intSerializer, longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { tupleSerializer } from "../../src/types/tuple-serializer.ts";
import type { TypeSerializer } from "../../src/types/type-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock, settlesAt } from "../helpers/fake-clock.ts";

const JOB = JobID.fromHex("0123456789abcdef0011223344556677");
const OTHER_JOB = "ffeeddccbbaa99887766554433221100";
const pairSerializer = tupleSerializer(intSerializer, longSerializer); // Tuple2<Integer, Long>

/**
 * A fake client proxy: answers from a table keyed by (job, state name, key+namespace bytes),
 * checks that each request's key hash is the Java hash recorded with the entry, and fails the
 * way Flink's proxy does for unknown jobs, names and locations.
 */
class FakeProxy {
  readonly #table = new Map<string, { hash: number; value: Uint8Array }>();
  readonly #names = new Set<string>();
  readonly #special = new Map<string, (req: KvStateRequest) => MessageBody | Promise<MessageBody>>();
  readonly #hanging: (() => void)[] = [];
  /** What each request carried. */
  readonly seen: { job: string; name: string; hash: number; key: string }[] = [];
  readonly server: ServerBase<KvStateRequest>;

  constructor() {
    this.server = new ServerBase("Queryable State Proxy Server", {
      decode: KvStateRequest.decode,
      handle: (_id, req) => this.#handle(req),
    }, { shutdownTimeoutMs: 200 });
  }

  start(): Promise<Endpoint> {
    return this.server.start();
  }

  /** An entry of JOB; `javaHash` is the key's Java hashCode, written out by hand. */
  put<K>(name: string, key: K, keyType: TypeSerializer<K>, javaHash: number, value: Uint8Array, ns?: { namespace: unknown; type: TypeSerializer<unknown> }): void {
    const keyNs = serializeKeyAndNamespace(key, keyType, ns?.namespace ?? VoidNamespace, ns?.type ?? (voidNamespaceSerializer as TypeSerializer<unknown>));
    this.#names.add(name);
    this.#table.set(`${JOB}/${name}/${toHex(keyNs)}`, { hash: javaHash, value });
  }

  /** Requests for `name` are answered by `fn` instead of the table. */
  special(name: string, fn: (req: KvStateRequest) => MessageBody | Promise<MessageBody>): void {
    this.#names.add(name);
    this.#special.set(name, fn);
  }

  /** A promise that never settles until close(); its answer is dropped. */
  hang(): Promise<MessageBody> {
    return new Promise((resolve) => this.#hanging.push(() => resolve(new KvStateResponse(new Uint8Array(0)))));
  }

  #handle(req: KvStateRequest): MessageBody | Promise<MessageBody> {
    const key = toHex(req.serializedKeyAndNamespace);
    this.seen.push({ job: req.jobId.toString(), name: req.stateName, hash: req.keyHashCode, key });
    if (!req.jobId.equals(JOB)) {
      // As Flink's proxy reports it: text inside a RuntimeException.
      throw new RemoteError({
        className: "java.lang.RuntimeException",
        message: `Failed request 1.\n Caused by: org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (${req.jobId})`,
      });
    }
    if (!this.#names.has(req.stateName)) {
      throw new RemoteError({
        className: "java.lang.RuntimeException",
        message: `Failed request 1.\n Caused by: org.apache.flink.runtime.query.UnknownKvStateLocation: No KvStateLocation found for KvState instance with name '${req.stateName}'.`,
      });
    }
    const special = this.#special.get(req.stateName);
    if (special) return special(req);
    const entry = this.#table.get(`${req.jobId}/${req.stateName}/${key}`);
    if (entry === undefined) throw UnknownKeyOrNamespaceError.forServer("Queryable State Server");
    if (req.keyHashCode !== entry.hash) {
      throw new RemoteError({ className: "java.lang.IllegalStateException", message: `key hash ${req.keyHashCode} is not the Java hash ${entry.hash}` });
    }
    return new KvStateResponse(entry.value);
  }

  async close(): Promise<void> {
    for (const release of this.#hanging.splice(0)) release();
    await this.server.close();
  }
}

const v = <T>(value: T, s: TypeSerializer<T>): Uint8Array => serializeValue(value, s)!;

async function startProxy(): Promise<{ proxy: FakeProxy; port: number }> {
  const proxy = new FakeProxy();
  // value states with several key types (hashes are Java's, computed by hand)
  proxy.put("sums", 42n, longSerializer, 42, v(1234n, longSerializer));
  proxy.put("sums", -1n, longSerializer, 0, v(-5n, longSerializer));
  proxy.put("sums", 1n << 32n, longSerializer, 1, v(7n, longSerializer));
  proxy.put("names", 7, intSerializer, 7, v("seven", stringSerializer));
  proxy.put("names", -3, intSerializer, -3, v("minus three", stringSerializer));
  proxy.put("by-user", "hello", stringSerializer, 99162322, v(1.5, doubleSerializer));
  proxy.put("by-user", "", stringSerializer, 0, v(-0.25, doubleSerializer));
  proxy.put("pairs", [1, 2n], pairSerializer, 33, v([3, 4n], pairSerializer));
  proxy.put("windows", 42n, longSerializer, 42, v(5, intSerializer), { namespace: "w1", type: stringSerializer as TypeSerializer<unknown> });
  // list: Flink's List<Long>[1,2,3] bytes
  proxy.put("events", 42n, longSerializer, 42, fromHex("0000000000000001" + "2c" + "0000000000000002" + "2c" + "0000000000000003"));
  proxy.put("events", 43n, longSerializer, 43, new Uint8Array(0));
  proxy.put("tags", "hello", stringSerializer, 99162322, serializeList(["a", "bc"], stringSerializer));
  // maps: Flink's Map<String, Long>{k1: 7, k2: null} bytes, then tuple, byte[] and long user keys
  proxy.put("counts", 7, intSerializer, 7, fromHex("036b31" + "00" + "0000000000000007" + "036b32" + "01"));
  proxy.put("counts", 8, intSerializer, 8, new Uint8Array(0));
  const tupleKeys = tupleSerializer(intSerializer, stringSerializer);
  proxy.put("tuple-map", 1, intSerializer, 1, serializeMap([[[1, "x"], 5n], [[2, "y"], 6n], [[1, "x"], 9n]], tupleKeys, longSerializer));
  proxy.put("bytes-map", 1, intSerializer, 1, serializeMap([[new Uint8Array([1, 2]), "a"], [new Uint8Array([]), null]], bytesSerializer, stringSerializer));
  proxy.put("long-map", 1, intSerializer, 1, serializeMap([[5n, true], [-1n, false]], longSerializer, booleanSerializer));
  // reducing, aggregating (accumulator [sum, count]), folding
  proxy.put("reduced", "a", stringSerializer, 97, v(10n, longSerializer));
  proxy.put("avg", 1, intSerializer, 1, v([10, 4n], pairSerializer));
  proxy.put("folded", 1, intSerializer, 1, v("abc", stringSerializer));
  // a POJO field declared com.acme.Shape holding a com.acme.Circle (class name, then the Circle's own fields)
  const circle = "04" + "000f" + toHex(new TextEncoder().encode("com.acme.Circle")) + "02" + "00" + "0263" + "00" + "3ff8000000000000";
  proxy.put("shapes", 1, intSerializer, 1, fromHex(circle));
  proxy.put("shape-lists", 1, intSerializer, 1, fromHex("01" + "2c" + circle));
  // a POJO whose List field another serializer wrote (an absurd list size)
  proxy.put("stats", 1, intSerializer, 1, fromHex("02" + "00" + "0000000000000003" + "00" + "0a01830461"));
  // failures
  proxy.special("location-unknown", (req) => {
    throw UnknownLocationError.forState(req.stateName, req.jobId);
  });
  proxy.special("job-gone", (req) => {
    // Thrown as the class itself: the server base wraps it exactly as Flink's proxy does.
    throw new RemoteError({ className: "org.apache.flink.runtime.messages.FlinkJobNotFoundException", message: `Could not find Flink job (${req.jobId})` });
  });
  proxy.special("hanging", () => proxy.hang());
  const { port } = await proxy.start();
  return { proxy, port };
}

const avg = {
  createAccumulator: (): [number, bigint] => [0, 0n],
  add: (x: number, acc: [number, bigint]): [number, bigint] => [acc[0] + x, acc[1] + 1n],
  getResult: (acc: [number, bigint]): number => acc[0] / Number(acc[1]),
};

function isReadOnly(e: unknown): boolean {
  assert.ok(e instanceof ReadOnlyStateError);
  assert.ok(e instanceof QueryableStateError);
  assert.equal(e.code, "READ_ONLY_STATE");
  assert.equal(e.javaClassName, "java.lang.UnsupportedOperationException");
  assert.equal(e.message, "State is read-only. No modifications allowed.");
  return true;
}

function isSerializationMismatch(e: unknown): boolean {
  assert.ok(e instanceof SerializationError, String(e));
  assert.equal(e.code, "SERIALIZATION");
  assert.match(e.message, /serializers probably do not match/);
  return true;
}

describe("QueryableStateClient", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  const ready = startProxy();
  cleanup.push(async () => (await ready).proxy.close());
  const clients = (async () => {
    const { port } = await ready;
    const client = new QueryableStateClient("127.0.0.1", port);
    cleanup.push(() => client.close());
    return client;
  })();

  test("value state with long, int, string and tuple keys; VoidNamespace by default", async () => {
    const client = await clients;
    const { proxy } = await ready;
    const sums = valueState("sums", longSerializer);
    const s: ImmutableValueState<bigint> = await client.getKvState(JOB, "sums", 42n, longSerializer, sums);
    assert.ok(s instanceof ImmutableValueState);
    assert.equal(s.value(), 1234n);
    const last = proxy.seen.at(-1)!;
    assert.deepEqual(last, { job: JOB.toString(), name: "sums", hash: 42, key: "000000000000002a2a00" });
    assert.equal((await client.getKvState(JOB.toString(), "sums", -1n, longSerializer, sums)).value(), -5n);
    assert.equal((await client.getKvState(JOB, "sums", 1n << 32n, longSerializer, sums)).value(), 7n);
    assert.equal((await client.getKvState(JOB, "names", 7, intSerializer, valueState("names", stringSerializer))).value(), "seven");
    assert.equal((await client.getKvState(JOB, "names", -3, intSerializer, valueState("names", stringSerializer))).value(), "minus three");
    assert.equal((await client.getKvState(JOB, "by-user", "hello", stringSerializer, valueState("u", doubleSerializer))).value(), 1.5);
    assert.equal((await client.getKvState(JOB, "by-user", "", stringSerializer, valueState("u", doubleSerializer))).value(), -0.25);
    const pair = await client.getKvState(JOB, "pairs", [1, 2n], pairSerializer, valueState("pairs", pairSerializer));
    assert.deepEqual(pair.value(), [3, 4n]);
  });

  test("list state: Flink's delimited bytes, a frozen array, empty lists", async () => {
    const client = await clients;
    const s: ImmutableListState<bigint> = await client.getKvState(JOB, "events", 42n, longSerializer, listState("events", longSerializer));
    assert.ok(s instanceof ImmutableListState);
    assert.deepEqual(s.get(), [1n, 2n, 3n]);
    assert.ok(Object.isFrozen(s.get()));
    assert.throws(() => (s.get() as bigint[]).push(4n), TypeError);
    assert.deepEqual((await client.getKvState(JOB, "events", 43n, longSerializer, listState("events", longSerializer))).get(), []);
    assert.deepEqual((await client.getKvState(JOB, "tags", "hello", stringSerializer, listState("tags", stringSerializer))).get(), ["a", "bc"]);
  });

  test("map state: lookups, null values, frozen snapshots and iteration", async () => {
    const client = await clients;
    const s: ImmutableMapState<string | null, bigint> = await client.getKvState(
      JOB, "counts", 7, intSerializer, mapState("counts", stringSerializer, longSerializer),
    );
    assert.ok(s instanceof ImmutableMapState);
    assert.equal(s.size, 2);
    assert.equal(s.isEmpty(), false);
    assert.equal(s.get("k1"), 7n);
    assert.equal(s.get("k2"), null);
    assert.equal(s.get("k3"), undefined);
    assert.equal(s.contains("k2"), true);
    assert.equal(s.contains("k3"), false);
    assert.deepEqual(s.keys(), ["k1", "k2"]);
    assert.deepEqual(s.values(), [7n, null]);
    assert.deepEqual(s.entries(), [["k1", 7n], ["k2", null]]);
    assert.deepEqual([...s], [["k1", 7n], ["k2", null]]);
    for (const snapshot of [s.entries(), s.entries()[0], s.keys(), s.values()]) assert.ok(Object.isFrozen(snapshot));
    assert.throws(() => (s.entries() as [string, bigint][]).pop(), TypeError);
    assert.throws(() => ((s.entries()[0] as unknown) as unknown[])[1] = 1n, TypeError);
    const empty = await client.getKvState(JOB, "counts", 8, intSerializer, mapState("counts", stringSerializer, longSerializer));
    assert.equal(empty.isEmpty(), true);
    assert.equal(empty.size, 0);
    assert.deepEqual([...empty], []);
  });

  test("map state: tuple and byte-array user keys match by bytes, long keys also by number", async () => {
    const client = await clients;
    const tuples = await client.getKvState(JOB, "tuple-map", 1, intSerializer, mapState("m", tupleSerializer(intSerializer, stringSerializer), longSerializer));
    assert.equal(tuples.size, 2, "a key written twice is one entry, the later value wins");
    assert.equal(tuples.get([1, "x"]), 9n);
    assert.equal(tuples.get([2, "y"]), 6n);
    assert.equal(tuples.contains([2, "x"]), false);
    assert.equal(tuples.get([1] as unknown as [number, string]), undefined, "a key the serializer cannot write is absent");
    const bytes = await client.getKvState(JOB, "bytes-map", 1, intSerializer, mapState("m", bytesSerializer, stringSerializer));
    assert.equal(bytes.get(new Uint8Array([1, 2])), "a");
    assert.equal(bytes.get(new Uint8Array([])), null);
    assert.equal(bytes.contains(new Uint8Array([])), true);
    assert.equal(bytes.contains(new Uint8Array([1])), false);
    const longs = await client.getKvState(JOB, "long-map", 1, intSerializer, mapState("m", longSerializer, booleanSerializer));
    assert.equal(longs.get(5n), true);
    assert.equal(longs.get(5 as unknown as bigint), true);
    assert.equal(longs.get(-1n), false);
    assert.equal(longs.get("5" as unknown as bigint), undefined);
  });

  test("reducing, aggregating (getResult applied to the accumulator) and folding states", async () => {
    const client = await clients;
    const r: ImmutableReducingState<bigint> = await client.getKvState(JOB, "reduced", "a", stringSerializer, reducingState("reduced", (a, b) => a + b, longSerializer));
    assert.ok(r instanceof ImmutableReducingState);
    assert.equal(r.get(), 10n);
    const a: ImmutableAggregatingState<number> = await client.getKvState(JOB, "avg", 1, intSerializer, aggregatingState("avg", avg, pairSerializer));
    assert.ok(a instanceof ImmutableAggregatingState);
    assert.equal(a.get(), 2.5);
    const f: ImmutableFoldingState<string | null> = await client.getKvState(JOB, "folded", 1, intSerializer, foldingState("folded", "", (acc: string | null, x: number) => `${acc}${x}`, stringSerializer));
    assert.ok(f instanceof ImmutableFoldingState);
    assert.equal(f.get(), "abc");
    const failing = { ...avg, getResult: (): number => { throw new RangeError("no average of nothing"); } };
    await assert.rejects(client.getKvState(JOB, "avg", 1, intSerializer, aggregatingState("avg", failing, pairSerializer)), RangeError);
  });

  test("every mutator of every state kind throws the read-only error", async () => {
    const client = await clients;
    const value = await client.getKvState(JOB, "sums", 42n, longSerializer, valueState("sums", longSerializer));
    const list = await client.getKvState(JOB, "events", 42n, longSerializer, listState("events", longSerializer));
    const map = await client.getKvState(JOB, "counts", 7, intSerializer, mapState("counts", stringSerializer, longSerializer));
    const reducing = await client.getKvState(JOB, "reduced", "a", stringSerializer, reducingState("reduced", (x, y) => x + y, longSerializer));
    const aggregating = await client.getKvState(JOB, "avg", 1, intSerializer, aggregatingState("avg", avg, pairSerializer));
    const folding = await client.getKvState(JOB, "folded", 1, intSerializer, foldingState("f", "", (acc: string | null) => acc, stringSerializer));
    const attempts: (() => unknown)[] = [
      () => value.update(1n), () => value.clear(),
      () => list.add(1n), () => list.addAll([1n]), () => list.update([1n]), () => list.clear(),
      () => map.put("k", 1n), () => map.putAll([["k", 1n]]), () => map.remove("k1"), () => map.clear(),
      () => reducing.add(1n), () => reducing.clear(),
      () => aggregating.add(1), () => aggregating.clear(),
      () => folding.add(1), () => folding.clear(),
    ];
    for (const attempt of attempts) assert.throws(attempt, isReadOnly);
    assert.equal(value.value(), 1234n, "state unchanged");
    assert.equal(map.size, 2);
  });

  test("namespaces: serialized after the magic byte; a namespace needs its serializer", async () => {
    const client = await clients;
    const { proxy } = await ready;
    const s = await client.getKvState(JOB, "windows", 42n, longSerializer, valueState("w", intSerializer), { namespace: "w1", namespaceType: stringSerializer });
    assert.equal(s.value(), 5);
    assert.equal(proxy.seen.at(-1)!.key, "000000000000002a" + "2a" + "037731");
    await assert.rejects(
      client.getKvState(JOB, "windows", 42n, longSerializer, valueState("w", intSerializer), { namespace: "w2", namespaceType: stringSerializer }),
      UnknownKeyOrNamespaceError,
    );
    const explicitVoid = await client.getKvState(JOB, "sums", 42n, longSerializer, valueState("sums", longSerializer), { namespace: VoidNamespace, namespaceType: voidNamespaceSerializer });
    assert.equal(explicitVoid.value(), 1234n);
    const sent = proxy.seen.length;
    await assert.rejects(client.getKvState(JOB, "windows", 42n, longSerializer, valueState("w", intSerializer), { namespace: "w1" } as never), InvalidArgumentError);
    await assert.rejects(client.getKvState(JOB, "windows", 42n, longSerializer, valueState("w", intSerializer), { namespaceType: stringSerializer }), InvalidArgumentError);
    await assert.rejects(client.getKvState(JOB, "windows", 42n, longSerializer, valueState("w", intSerializer), { namespace: 5, namespaceType: stringSerializer } as never), InvalidArgumentError);
    assert.equal(proxy.seen.length, sent);
  });

  test("keys, key types, job ids, names and descriptors of the wrong shape fail before anything is sent", async () => {
    const client = await clients;
    const { proxy } = await ready;
    const sent = proxy.seen.length;
    const requests = client.stats().requests;
    const d = valueState("sums", longSerializer);
    const bad: [string, () => Promise<unknown>][] = [
      ["string for int", () => client.getKvState(JOB, "names", "abc" as unknown as number, intSerializer, d)],
      ["int out of range", () => client.getKvState(JOB, "names", 2 ** 31, intSerializer, d)],
      ["fraction for long", () => client.getKvState(JOB, "sums", 1.5 as unknown as bigint, longSerializer, d)],
      ["number for string", () => client.getKvState(JOB, "by-user", 5 as unknown as string, stringSerializer, d)],
      ["null key", () => client.getKvState(JOB, "by-user", null, stringSerializer, d)],
      ["tuple arity", () => client.getKvState(JOB, "pairs", [1] as unknown as [number, bigint], pairSerializer, d)],
      ["tuple null field", () => client.getKvState(JOB, "pairs", [1, null] as unknown as [number, bigint], pairSerializer, d)],
      ["type name instead of serializer", () => client.getKvState(JOB, "sums", 42n, "Long" as unknown as TypeSerializer<bigint>, d)],
      ["serializer without value hash", () => client.getKvState(JOB, "sums", new Uint8Array(1), bytesSerializer, d)],
      ["bad job id", () => client.getKvState("not-a-job", "sums", 42n, longSerializer, d)],
      ["empty name", () => client.getKvState(JOB, "", 42n, longSerializer, d)],
      ["not a descriptor", () => client.getKvState(JOB, "sums", 42n, longSerializer, {} as never)],
    ];
    for (const [what, call] of bad) {
      await assert.rejects(call(), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError, `${what}: ${String(e)}`);
        assert.equal(e.code, "INVALID_ARGUMENT");
        return true;
      }, what);
    }
    assert.equal(proxy.seen.length, sent);
    assert.equal(client.stats().requests, requests);
  });

  test("answers that do not fit the descriptor are serialization errors", async () => {
    const client = await clients;
    // "seven" as a string is 6 bytes, too short for a long
    await assert.rejects(client.getKvState(JOB, "names", 7, intSerializer, valueState("names", longSerializer)), isSerializationMismatch);
    // a long read as an int leaves 4 bytes over
    await assert.rejects(client.getKvState(JOB, "sums", 42n, longSerializer, valueState("sums", intSerializer)), isSerializationMismatch);
    await assert.rejects(client.getKvState(JOB, "counts", 7, intSerializer, mapState("counts", intSerializer, longSerializer)), isSerializationMismatch);
    await assert.rejects(client.getKvState(JOB, "events", 42n, longSerializer, listState("events", stringSerializer)), isSerializationMismatch);
    await assert.rejects(client.getKvState(JOB, "avg", 1, intSerializer, aggregatingState("avg", avg, tupleSerializer(longSerializer, longSerializer) as unknown as typeof pairSerializer)), isSerializationMismatch);
  });

  test("a value that does not decode: the specific code users catch, the field, its byte and a hint", async () => {
    const client = await clients;
    const shape = parseTypeExpression("pojo<com.acme.Shape>{name:string}");
    for (const d of [valueState("shapes", shape), listState("shape-lists", shape)]) {
      await assert.rejects(client.getKvState(JOB, d.name, 1, intSerializer, d), (e: unknown) => {
        assert.ok(e instanceof PojoSubclassError, String(e));
        assert.equal(e.code, "POJO_SUBCLASS");
        assert.match(e.message, new RegExp(`queryable state '${d.name}'`));
        assert.match(e.message, /\| com\.acme\.Circle\{field:type,\.\.\.\}/);
        return true;
      });
    }
    const withCircle = parseTypeExpression("pojo<com.acme.Shape>{name:string} | com.acme.Circle{radius:double}");
    assert.deepEqual((await client.getKvState(JOB, "shapes", 1, intSerializer, valueState("shapes", withCircle))).value(),
      { "@class": "com.acme.Circle", name: "c", radius: 1.5 });
    const stats = parseTypeExpression("pojo<com.acme.Stats>{count:long,tags:list<string>}");
    await assert.rejects(client.getKvState(JOB, "stats", 1, intSerializer, valueState("stats", stats)), (e: unknown) => {
      isSerializationMismatch(e);
      assert.equal(decodeLocation(e)?.path, "Stats.tags");
      assert.match((e as Error).message, /\[at Stats\.tags, byte 10\] Field 'tags' of a POJO is a List/);
      return true;
    });
  });

  test("remote failures arrive typed: unknown key, job, state name and location", async () => {
    const client = await clients;
    await assert.rejects(client.getKvState(JOB, "sums", 99n, longSerializer, valueState("sums", longSerializer)), (e: unknown) => {
      assert.ok(e instanceof UnknownKeyOrNamespaceError);
      assert.equal(e.code, "UNKNOWN_KEY_OR_NAMESPACE");
      assert.equal(e.remoteMessage, "Queryable State Server : No state for the specified key/namespace.");
      return true;
    });
    await assert.rejects(client.getKvState(OTHER_JOB, "sums", 42n, longSerializer, valueState("sums", longSerializer)), (e: unknown) => {
      assert.ok(e instanceof UnknownJobError, String(e));
      assert.equal(e.code, "UNKNOWN_JOB");
      assert.match(e.message, new RegExp(`Could not find Flink job \\(${OTHER_JOB}\\)`));
      return true;
    });
    await assert.rejects(client.getKvState(JOB, "job-gone", 42n, longSerializer, valueState("x", longSerializer)), (e: unknown) => {
      assert.ok(e instanceof UnknownJobError, String(e));
      assert.equal(e.remoteClassName, "java.lang.RuntimeException");
      assert.match(e.remoteMessage!, /^Failed request \d+\.\n Caused by: org\.apache\.flink\.runtime\.messages\.FlinkJobNotFoundException: Could not find Flink job/);
      return true;
    });
    await assert.rejects(client.getKvState(JOB, "nope", 42n, longSerializer, valueState("x", longSerializer)), (e: unknown) => {
      assert.ok(e instanceof UnknownStateNameError, String(e));
      assert.equal(e.code, "UNKNOWN_STATE_NAME");
      assert.match(e.message, /No KvStateLocation found for KvState instance with name 'nope'\./);
      return true;
    });
    await assert.rejects(client.getKvState(JOB, "location-unknown", 42n, longSerializer, valueState("x", longSerializer)), (e: unknown) => {
      assert.ok(e instanceof UnknownLocationError, String(e));
      assert.equal(e.code, "UNKNOWN_LOCATION");
      assert.match(e.message, new RegExp(`Could not retrieve location of state=location-unknown of job=${JOB}`));
      return true;
    });
    // the connection survives request failures
    assert.equal((await client.getKvState(JOB, "sums", 42n, longSerializer, valueState("sums", longSerializer))).value(), 1234n);
  });

  test("AbortSignal: already aborted, and aborted while waiting", async () => {
    const client = await clients;
    const { proxy } = await ready;
    const d = valueState("x", longSerializer);
    await assert.rejects(client.getKvState(JOB, "sums", 42n, longSerializer, d, { signal: AbortSignal.abort() }), RequestAbortedError);
    const controller = new AbortController();
    const seen = proxy.seen.length;
    const pending = client.getKvState(JOB, "hanging", 42n, longSerializer, d, { signal: controller.signal });
    await eventually("the query at the proxy", () => assert.equal(proxy.seen.length, seen + 1));
    controller.abort(new Error("user gave up"));
    await assert.rejects(pending, (e: unknown) => {
      assert.ok(e instanceof RequestAbortedError);
      assert.equal(e.code, "REQUEST_ABORTED");
      return true;
    });
    assert.equal((await client.getKvState(JOB, "sums", 42n, longSerializer, valueState("sums", longSerializer))).value(), 1234n);
  });

  test("timeouts: per query and the client's default", async () => {
    const { port } = await ready;
    const d = valueState("x", longSerializer);
    /** Asserts that `query` fails with a RequestTimeoutError of `ms`, exactly `ms` milliseconds of `clock` after it was made. */
    const timesOutAfter = (clock: FakeClock, ms: number, query: Promise<unknown>) =>
      assert.rejects(settlesAt(clock, ms, query, "the query"), (e: unknown) => {
        assert.ok(e instanceof RequestTimeoutError);
        assert.equal(e.code, "TIMEOUT");
        assert.equal(e.timeoutMs, ms);
        return true;
      });
    const clock = new FakeClock();
    const client = new QueryableStateClient("127.0.0.1", port, { clock });
    const quick = new QueryableStateClient("127.0.0.1", port, { requestTimeoutMs: 50, clock });
    cleanup.push(() => client.close(), () => quick.close());
    await timesOutAfter(clock, 50, client.getKvState(JOB, "hanging", 42n, longSerializer, d, { timeoutMs: 50 }));
    await timesOutAfter(clock, 50, quick.getKvState(JOB, "hanging", 42n, longSerializer, d));
    assert.equal((await quick.getKvState(JOB, "sums", 42n, longSerializer, valueState("sums", longSerializer))).value(), 1234n);
    assert.throws(() => new QueryableStateClient("127.0.0.1", port, { requestTimeoutMs: -1 }), InvalidArgumentError);
  });

  test("stats count requests, successes and failures", async () => {
    const { port } = await ready;
    const client = new QueryableStateClient("127.0.0.1", port);
    cleanup.push(() => client.close());
    const d = valueState("sums", longSerializer);
    await client.getKvState(JOB, "sums", 42n, longSerializer, d);
    await client.getKvState(JOB, "sums", -1n, longSerializer, d);
    await assert.rejects(client.getKvState(JOB, "sums", 99n, longSerializer, d));
    const stats = client.stats();
    assert.equal(stats.requests, 3);
    assert.equal(stats.successful, 2);
    assert.equal(stats.failed, 1);
    assert.equal(stats.activeConnections, 1);
    // The two successes are in the latency histogram, and the percentiles come from it.
    assert.equal(stats.latencyBuckets.reduce((a, b) => a + b, 0), 2);
    assert.ok(stats.p50LatencyMs > 0 && stats.p50LatencyMs <= stats.p90LatencyMs && stats.p90LatencyMs <= stats.p99LatencyMs);
    assert.ok(stats.p99LatencyMs <= stats.maxLatencyMs && stats.maxLatencyMs <= stats.successfulLatencyMs);
  });

  test("close is idempotent, fails waiting queries and refuses new ones; asyncDispose closes", async () => {
    const { port } = await ready;
    const client = new QueryableStateClient("127.0.0.1", port);
    const d = valueState("sums", longSerializer);
    assert.equal((await client.getKvState(JOB, "sums", 42n, longSerializer, d)).value(), 1234n);
    const { proxy } = await ready;
    const seen = proxy.seen.length;
    const waiting = client.getKvState(JOB, "hanging", 42n, longSerializer, d);
    await eventually("the query at the proxy", () => assert.equal(proxy.seen.length, seen + 1));
    const first = client.close();
    assert.equal(client.close(), first);
    await first;
    await assert.rejects(waiting, ClientClosedError);
    await assert.rejects(client.getKvState(JOB, "sums", 42n, longSerializer, d), (e: unknown) => {
      assert.ok(e instanceof ClientClosedError);
      assert.equal(e.code, "CLIENT_CLOSED");
      return true;
    });
    const disposed = new QueryableStateClient("127.0.0.1", port);
    await disposed.getKvState(JOB, "sums", 42n, longSerializer, d);
    await disposed[Symbol.asyncDispose]();
    await assert.rejects(disposed.getKvState(JOB, "sums", 42n, longSerializer, d), ClientClosedError);
  });

  test("the port is validated as Flink does (a numeric string too); connection failures are typed", async () => {
    for (const port of [-1, 65536, 1.5, Number.NaN, "", "abc", "90 69", "-1", "65536", "0x10"]) {
      assert.throws(() => new QueryableStateClient("127.0.0.1", port), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        assert.match(e.message, /^The proxy's port must be an integer in 0\.\.65535 \(a number, or a string of digits such as "9069"\), got /);
        assert.ok(e.message.includes(typeof port === "string" ? JSON.stringify(port) : String(port)), e.message);
        return true;
      });
    }
    // A port read from an environment variable: "9069" is port 9069, on an IPv6 host too.
    const fromEnv = new QueryableStateClient("127.0.0.1", "9069");
    assert.equal(fromEnv.port, 9069);
    await fromEnv.close();
    const v6 = new QueryableStateClient("::1", " 1 ");
    assert.deepEqual([v6.host, v6.port], ["::1", 1]);
    await v6.close();
    assert.throws(() => new QueryableStateClient("", 9069), InvalidArgumentError);
    await new QueryableStateClient("127.0.0.1", 0).close();
    await new QueryableStateClient("127.0.0.1", 65535).close();

    // nothing listens on a port whose server has closed
    const gone = new ServerBase("Queryable State Proxy Server", { decode: KvStateRequest.decode, handle: () => null });
    const { port: deadPort } = await gone.start();
    await gone.close();
    const refused = new QueryableStateClient("127.0.0.1", deadPort, { connectTimeoutMs: 2000 });
    cleanup.push(() => refused.close());
    await assert.rejects(refused.getKvState(JOB, "sums", 42n, longSerializer, valueState("sums", longSerializer)), ConnectError);

    // the proxy goes away while a query waits
    const dying = new FakeProxy();
    dying.special("hanging", () => dying.hang());
    const { port } = await dying.start();
    const client = new QueryableStateClient("127.0.0.1", port);
    cleanup.push(() => client.close(), () => dying.close());
    const waiting = client.getKvState(JOB, "hanging", 42n, longSerializer, valueState("x", longSerializer));
    await eventually("the query at the proxy", () => assert.equal(dying.seen.length, 1));
    const closing = dying.server.close({ timeoutMs: 20 });
    await assert.rejects(waiting, ConnectionClosedError);
    await closing;
  });
});
