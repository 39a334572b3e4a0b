// Hostile extension frames (issue 23) against our state server and proxy, over real sockets: malformed payloads,
// another version, unknown ops and flags, impossible counts, batches above the limits, ops meant for the other role.
// Each is answered as bad input is (an extension answer saying FAILED or UNSUPPORTED), and the same connection then
// answers a valid request. Also: the reserved id cannot be registered, and a peer whose answers are not extension
// answers is treated as a Flink peer.
import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import { JobID, KvStateID } from "../../src/core/ids.ts";
import { Client } from "../../src/net/client.ts";
import { ServerBase } from "../../src/net/server-base.ts";
import {
  decodeExtensionAnswer,
  encodeBatchAnswer,
  encodeBatchGet,
  encodeBatchGetInternal,
  encodeHello,
  encodeHelloAnswer,
  encodeKeysInternal,
  EntryTag,
  EXTENSION_ID,
  EXTENSION_STATE_NAME,
  type ExtensionAnswer,
  ExtOp,
  ExtStatus,
} from "../../src/protocol/extensions.ts";
import { InvalidFrameError } from "../../src/protocol/errors.ts";
import { KvStateInternalRequest, KvStateRequest, KvStateResponse } from "../../src/protocol/messages.ts";
import { UnknownJobError, UnknownLocationError } from "../../src/protocol/remote-errors.ts";
import { errorFromJavaThrowable } from "../../src/protocol/remote-errors.ts";
import { KvStateRegistry } from "../../src/state/kv-state-registry.ts";
import { valueState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { startDeployment } from "../helpers/batch-setup.ts";
import { encodeScanInternal, ScanOp } from "../../src/protocol/scan.ts";
import { Rng } from "../helpers/random.ts";
import { serializeKeyAndNamespace } from "../../src/state/kv-state-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";

const key = (user: string) => serializeKeyAndNamespace(user, stringSerializer, VoidNamespace, voidNamespaceSerializer);

/** A raw payload with a given version and op, then `rest`. */
function payload(version: number, op: number, ...rest: number[]): Uint8Array {
  return new Uint8Array([version, op, ...rest]);
}

describe("hostile extension frames", () => {
  test("the state server answers each as bad input and keeps the connection", async () => {
    const d = await startDeployment(10);
    const events: string[] = [];
    await using client = new Client("t", KvStateResponse.decode, { requestTimeoutMs: 5000, diagnostics: (e) => events.push(e.type) });
    try {
      const server = d.servers[0].address!;
      const ask = async (p: Uint8Array, op: number): Promise<ExtensionAnswer> =>
        decodeExtensionAnswer((await client.sendRequest(server, new KvStateInternalRequest(EXTENSION_ID, p))).content, op);
      assert.equal((await ask(encodeHello([]), ExtOp.HELLO)).status, ExtStatus.OK);
      assert.equal((await ask(payload(2, ExtOp.HELLO), ExtOp.HELLO)).status, ExtStatus.UNSUPPORTED);
      assert.equal((await ask(payload(1, 77), 77)).status, ExtStatus.UNSUPPORTED);
      // Meant for a proxy.
      assert.equal((await ask(encodeBatchGet(new Uint8Array(16), "x", []), ExtOp.BATCH_GET)).status, ExtStatus.UNSUPPORTED);
      // Flags this version does not know.
      assert.equal((await ask(encodeBatchGetInternal(d.ids[0].toBytes(), [], 4), ExtOp.BATCH_GET_INTERNAL)).status, ExtStatus.UNSUPPORTED);
      // Truncated, and an impossible count: FAILED with a BadRequestException, nothing allocated.
      for (const bad of [payload(1, ExtOp.BATCH_GET_INTERNAL, 1, 2, 3), payload(1, ExtOp.BATCH_GET_INTERNAL, ...new Array(20).fill(0), 0x7f, 0xff, 0xff, 0xff)]) {
        const a = await ask(bad, ExtOp.BATCH_GET_INTERNAL);
        assert.equal(a.status, ExtStatus.FAILED);
        if (a.status === ExtStatus.FAILED) {
          assert.equal(errorFromJavaThrowable(a.failure).code, "BAD_REQUEST");
          assert.match(a.failure.message!, /Malformed extension request/);
        }
      }
      // An unknown state id: FAILED with UnknownKvStateIdException (the proxy retries after a fresh lookup).
      const unknown = await ask(encodeBatchGetInternal(KvStateID.random().toBytes(), [key("user-1")]), ExtOp.BATCH_GET_INTERNAL);
      assert.equal(unknown.status, ExtStatus.FAILED);
      if (unknown.status === ExtStatus.FAILED) assert.equal(errorFromJavaThrowable(unknown.failure).code, "UNKNOWN_KV_STATE_ID");
      // Too many keys.
      const many = await ask(encodeBatchGetInternal(d.ids[0].toBytes(), Array.from({ length: 16_385 }, () => new Uint8Array(0))), ExtOp.BATCH_GET_INTERNAL);
      assert.equal(many.status, ExtStatus.FAILED);
      // Key listings: a state without keys() is UNSUPPORTED; bad limits and ranges, truncated payloads FAILED.
      const listing = (limit: number, from = 0, to = 127) => encodeKeysInternal({ kvStateId: d.ids[0].toBytes(), fromKeyGroup: from, toKeyGroup: to, after: null, namespace: new Uint8Array([0]), limit });
      assert.equal((await ask(listing(10), ExtOp.KEYS_INTERNAL)).status, ExtStatus.UNSUPPORTED);
      for (const bad of [listing(0), listing(100_001), listing(10, 5, 4), listing(10).subarray(0, 30)]) {
        assert.equal((await ask(bad, ExtOp.KEYS_INTERNAL)).status, ExtStatus.FAILED);
      }
      // Map scans: a state without scan() is UNSUPPORTED; bad limits and truncated payloads FAILED.
      const scanning = (limit: number) => encodeScanInternal({ kvStateId: d.ids[0].toBytes(), keyAndNamespace: key("user-1"), from: null, to: null, prefix: null, after: null, limit });
      assert.equal((await ask(scanning(10), ScanOp.SCAN_INTERNAL)).status, ExtStatus.UNSUPPORTED);
      for (const bad of [scanning(0), scanning(100_001), scanning(10).subarray(0, 25)]) {
        assert.equal((await ask(bad, ScanOp.SCAN_INTERNAL)).status, ExtStatus.FAILED);
      }
      // Random payloads: always an extension answer.
      const rng = new Rng(Number(process.env.QSTATE_FUZZ_SEED ?? 0) || undefined);
      const base = encodeBatchGetInternal(d.ids[0].toBytes(), [key("user-1"), key("user-2")]);
      for (let i = 0; i < 200; i++) {
        const p = base.slice(0, rng.int(0, base.length));
        for (let m = rng.int(0, 3); m > 0 && p.length > 0; m--) p[rng.int(0, p.length - 1)] = rng.int(0, 255);
        const r = await client.sendRequest(server, new KvStateInternalRequest(EXTENSION_ID, p));
        assert.equal(r.content[0], 1, `seed ${rng.seed}: an extension answer`);
      }
      // After all of it, the same connection answers a real query.
      const real = await client.sendRequest(server, new KvStateInternalRequest(d.ids[0], key("user-1")));
      assert.ok(real.content.length > 0);
      assert.deepEqual(events, ["connected"]);
    } finally {
      await d.close();
    }
  });

  test("the proxy answers each as bad input and keeps the connection", async () => {
    const d = await startDeployment(10, { maxBatchKeys: 100, maxStateNameLength: 64 });
    const events: string[] = [];
    await using client = new Client("t", KvStateResponse.decode, { requestTimeoutMs: 5000, diagnostics: (e) => events.push(e.type) });
    try {
      const proxy = d.proxyAddress;
      const ask = async (p: Uint8Array, op: number): Promise<ExtensionAnswer> =>
        decodeExtensionAnswer((await client.sendRequest(proxy, new KvStateRequest(EXTENSION_ID, EXTENSION_STATE_NAME, 0, p))).content, op);
      const hello = await ask(encodeHello(["batch-get", "what-is-this"]), ExtOp.HELLO);
      assert.equal(hello.status, ExtStatus.OK);
      assert.equal((await ask(payload(9, ExtOp.HELLO), ExtOp.HELLO)).status, ExtStatus.UNSUPPORTED);
      assert.equal((await ask(payload(1, 200), 200)).status, ExtStatus.UNSUPPORTED);
      assert.equal((await ask(encodeBatchGetInternal(d.ids[0].toBytes(), []), ExtOp.BATCH_GET_INTERNAL)).status, ExtStatus.UNSUPPORTED);
      assert.equal((await ask(encodeBatchGet(d.jobId.toBytes(), "counts", [], 2), ExtOp.BATCH_GET)).status, ExtStatus.UNSUPPORTED);
      const expectFailed = async (p: Uint8Array, code: string, text?: RegExp) => {
        const a = await ask(p, ExtOp.BATCH_GET);
        assert.equal(a.status, ExtStatus.FAILED);
        if (a.status !== ExtStatus.FAILED) return;
        const e = errorFromJavaThrowable(a.failure);
        assert.equal(e.code, code, e.message);
        if (text) assert.match(e.message, text);
        return e;
      };
      await expectFailed(payload(1, ExtOp.BATCH_GET, 1, 2, 3), "BAD_REQUEST", /Malformed/);
      await expectFailed(encodeBatchGet(d.jobId.toBytes(), "counts", Array.from({ length: 101 }, () => ({ keyHash: 0, keyAndNamespace: key("a") }))), "BAD_REQUEST", /maximum of 100/);
      await expectFailed(encodeBatchGet(d.jobId.toBytes(), "n".repeat(65), []), "BAD_REQUEST", /exceeds the maximum of 64/);
      // An unknown job: what a single query gets (UnknownLocationException, caused by the unknown job).
      const unknownJob = await expectFailed(encodeBatchGet(JobID.random().toBytes(), "counts", [{ keyHash: 1, keyAndNamespace: key("a") }]), "UNKNOWN_JOB");
      assert.ok(unknownJob instanceof UnknownJobError || unknownJob instanceof UnknownLocationError);
      await expectFailed(encodeBatchGet(d.jobId.toBytes(), "nope", [{ keyHash: 1, keyAndNamespace: key("a") }]), "UNKNOWN_STATE_NAME");
      // Keys whose hash and bytes disagree are routed by the hash, as single queries are: a miss, not a crash.
      const odd = await ask(encodeBatchGet(d.jobId.toBytes(), "counts", [{ keyHash: 12345, keyAndNamespace: new Uint8Array([1, 2, 3]) }]), ExtOp.BATCH_GET);
      assert.equal(odd.status, ExtStatus.OK);
      const rng = new Rng(Number(process.env.QSTATE_FUZZ_SEED ?? 0) || undefined);
      const base = encodeBatchGet(d.jobId.toBytes(), "counts", [{ keyHash: stringSerializer.hashCode("user-1"), keyAndNamespace: key("user-1") }]);
      for (let i = 0; i < 200; i++) {
        const p = base.slice(0, rng.int(0, base.length));
        for (let m = rng.int(0, 3); m > 0 && p.length > 0; m--) p[rng.int(0, p.length - 1)] = rng.int(0, 255);
        const r = await client.sendRequest(proxy, new KvStateRequest(EXTENSION_ID, EXTENSION_STATE_NAME, 0, p)).then((x) => x, (e) => e);
        // Mutated job ids and names are answered FAILED inside a result; nothing else comes back.
        assert.ok(r instanceof KvStateResponse && r.content[0] === 1, `seed ${rng.seed}: ${r}`);
      }
      const real = await client.sendRequest(proxy, new KvStateRequest(d.jobId, "counts", stringSerializer.hashCode("user-2"), key("user-2")));
      assert.ok(real.content.length > 0);
      assert.deepEqual(events, ["connected"]);
      assert.equal(d.proxy.stats().failed, 0, "every extension request is answered with a result");
    } finally {
      await d.close();
    }
  });

  test("the reserved id cannot be registered", () => {
    assert.throws(() => new KvStateRegistry().register({ getSerializedValue: () => null }, { id: KvStateID.fromBytes(EXTENSION_ID) }), InvalidArgumentError);
  });

  test("a proxy whose answers are not extension answers is a Flink proxy to the client; broken batch answers reject typed", async () => {
    // A fake proxy that answers everything with a REQUEST_RESULT holding 8 bytes (as a state of a job with the reserved id would).
    const seen: string[] = [];
    const junk = new ServerBase("fake", {
      decode: KvStateRequest.decode,
      handle: (_id, req) => {
        seen.push(req.jobId.toString() === JobID.fromBytes(EXTENSION_ID).toString() ? "ext" : req.stateName);
        return new KvStateResponse(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 42]));
      },
    }, { shutdownTimeoutMs: 100 });
    const a = await junk.start();
    try {
      await using client = new QueryableStateClient(a.hostname, a.port);
      const results = await client.getKvStates(JobID.random(), "s", ["a", "b"], stringSerializer, valueState("s", longSerializer));
      assert.deepEqual(results.map((r) => r.ok && r.state.value()), [42n, 42n]);
      assert.deepEqual(seen, ["ext", "s", "s"]);
      assert.equal(await client.peerExtensions(), null);
    } finally {
      await junk.close();
    }
    // A proxy that says it speaks batch-get, then answers a batch with the wrong number of entries.
    const liar = new ServerBase("liar", {
      decode: KvStateRequest.decode,
      handle: (_id, req) => {
        const op = req.serializedKeyAndNamespace[1];
        if (op === ExtOp.HELLO) return new KvStateResponse(encodeHelloAnswer({ implementation: "liar", extensions: new Map([["batch-get", 1]]), limits: new Map() }));
        return new KvStateResponse(encodeBatchAnswer(ExtOp.BATCH_GET, [{ tag: EntryTag.MISSING }]));
      },
    }, { shutdownTimeoutMs: 100 });
    const b = await liar.start();
    try {
      await using client = new QueryableStateClient(b.hostname, b.port);
      await assert.rejects(client.getKvStates(JobID.random(), "s", ["a", "b"], stringSerializer, valueState("s", longSerializer)), InvalidFrameError);
    } finally {
      await liar.close();
    }
  });
});
