// The extension codecs (src/protocol/extensions.ts): exact bytes of the documented layouts, round trips, and
// hostile input — every malformed payload or answer is an InvalidFrameError (or an "unsupported" request), never
// another exception, a hang or a large allocation.
import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { type ByteReader, ByteWriter } from "../../src/core/bytes.ts";
import { toHex } from "../../src/core/hex.ts";
import { InvalidFrameError } from "../../src/protocol/errors.ts";
import {
  BatchFlags,
  beginAnswer,
  decodeExtensionAnswer,
  decodeExtensionRequest,
  EntryTag,
  encodeBatchAnswer,
  encodeBatchGet,
  encodeBatchGetInternal,
  encodeFailedAnswer,
  encodeHello,
  encodeHelloAnswer,
  encodeTooLargeAnswer,
  encodeUnsupportedAnswer,
  EXTENSION_ID,
  type ExtensionAnswer,
  ExtOp,
  ExtStatus,
  isExtensionId,
  MAX_FAILURE_DEPTH,
  readBatchAnswer,
  encodeKeys,
  encodeKeysAnswer,
  encodeKeysInternal,
  encodeKeysInternalAnswer,
  readKeysAnswer,
  readKeysInternalAnswer,
  readClientBatchAnswer,
  readServerBatchAnswer,
  decodeFreshnessRecord,
  readHelloAnswer,
  writeFailureRecord,
} from "../../src/protocol/extensions.ts";
import type { JavaThrowableInit } from "../../src/protocol/remote-errors.ts";
import { Rng } from "../helpers/random.ts";
import { encodeScan, encodeScanInternal } from "../../src/protocol/scan.ts";

/** The body of an OK answer (fails the test otherwise). */
function okBody(a: ExtensionAnswer): ByteReader {
  if (a.status !== ExtStatus.OK) throw new assert.AssertionError({ message: `status ${a.status}, expected OK` });
  return a.body;
}

describe("extension codecs", () => {
  test("the reserved id is ASCII QSTATE:EXTENSION", () => {
    assert.equal(toHex(EXTENSION_ID), "5153544154453a455854454e53494f4e");
    assert.ok(isExtensionId(EXTENSION_ID.slice()));
    assert.ok(!isExtensionId(new Uint8Array(16)));
    assert.ok(!isExtensionId(EXTENSION_ID.subarray(0, 15)));
  });

  test("HELLO and its answer, byte for byte", () => {
    assert.equal(toHex(encodeHello(["batch-get"])), "0101" + "00000001" + "00000009" + toHex(new TextEncoder().encode("batch-get")));
    const req = decodeExtensionRequest(encodeHello(["batch-get", "x"]));
    assert.deepEqual(req, { op: ExtOp.HELLO, offered: ["batch-get", "x"] });
    const bytes = encodeHelloAnswer({ implementation: "impl", extensions: new Map([["batch-get", 1]]), limits: new Map([["batch-get.max-keys", 4096]]) });
    assert.equal(
      toHex(bytes),
      "010100" + "00000004" + toHex(new TextEncoder().encode("impl")) + "00000001" + "00000009" + toHex(new TextEncoder().encode("batch-get")) +
        "00000001" + "00000001" + "00000012" + toHex(new TextEncoder().encode("batch-get.max-keys")) + "0000000000001000",
    );
    const answer = decodeExtensionAnswer(bytes, ExtOp.HELLO);
    assert.equal(answer.status, ExtStatus.OK);
    const hello = readHelloAnswer(okBody(answer));
    assert.equal(hello.implementation, "impl");
    assert.equal(hello.extensions.get("batch-get"), 1);
    assert.equal(hello.limits.get("batch-get.max-keys"), 4096);
  });

  test("BATCH_GET and BATCH_GET_INTERNAL, byte for byte, and back", () => {
    const job = new Uint8Array(16).fill(7);
    const bytes = encodeBatchGet(job, "ab", [{ keyHash: -1, keyAndNamespace: new Uint8Array([9, 8]) }]);
    assert.equal(toHex(bytes), "0102" + "07".repeat(16) + "00000002" + "6162" + "00000000" + "00000001" + "ffffffff" + "00000002" + "0908");
    const req = decodeExtensionRequest(bytes);
    assert.equal(req.op, ExtOp.BATCH_GET);
    if (req.op !== ExtOp.BATCH_GET) return;
    assert.equal(req.stateName, "ab");
    assert.equal(req.keys[0].keyHash, -1);
    assert.deepEqual([...req.keys[0].keyAndNamespace], [9, 8]);
    const internal = encodeBatchGetInternal(job, [new Uint8Array([1]), new Uint8Array(0)]);
    assert.equal(toHex(internal), "0103" + "07".repeat(16) + "00000000" + "00000002" + "00000001" + "01" + "00000000");
    const back = decodeExtensionRequest(internal);
    assert.equal(back.op, ExtOp.BATCH_GET_INTERNAL);
    if (back.op === ExtOp.BATCH_GET_INTERNAL) assert.deepEqual(back.keys.map((k) => [...k]), [[1], []]);
  });

  test("batch answers: value, missing, error (with its cause chain)", () => {
    const error: JavaThrowableInit = { className: "java.lang.RuntimeException", message: "boom", cause: { className: "x.Y", message: null } };
    const bytes = encodeBatchAnswer(ExtOp.BATCH_GET, [
      { tag: EntryTag.VALUE, value: new Uint8Array([1, 2]) },
      { tag: EntryTag.MISSING },
      { tag: EntryTag.ERROR, error },
    ]);
    assert.equal(toHex(bytes.subarray(0, 14)), "010200" + "00000003" + "00" + "00000002" + "0102");
    const answer = decodeExtensionAnswer(bytes, ExtOp.BATCH_GET);
    assert.equal(answer.status, ExtStatus.OK);
    const entries = readBatchAnswer(okBody(answer), 3);
    // Values and misses keep their encoded bytes, for a proxy to relay as they are.
    assert.deepEqual(entries[0], { tag: EntryTag.VALUE, value: new Uint8Array([1, 2]), raw: new Uint8Array([0, 0, 0, 0, 2, 1, 2]) });
    assert.deepEqual(entries[1], { tag: EntryTag.MISSING, raw: new Uint8Array([1]) });
    assert.deepEqual(encodeBatchAnswer(ExtOp.BATCH_GET, entries), bytes);
    assert.deepEqual(entries[2], { tag: EntryTag.ERROR, error: { ...error, cause: { ...error.cause!, cause: null } } });
  });

  test("freshness: key groups in BATCH_GET_INTERNAL, records after each entry (server and client forms)", () => {
    const internal = encodeBatchGetInternal(new Uint8Array(16), [new Uint8Array([7])], 0, [42]);
    assert.equal(toHex(internal), "0103" + "00".repeat(16) + "00000001" + "00000001" + "0000002a" + "00000001" + "07");
    const req = decodeExtensionRequest(internal);
    assert.ok(req.op === ExtOp.BATCH_GET_INTERNAL && req.keyGroups?.[0] === 42 && req.flags === BatchFlags.FRESHNESS);
    const f = { version: (1000n << 16n) | 3n, lastUpdateMs: 1000, asOfMs: 1200, stalenessMs: 5 };
    const entries = [{ tag: EntryTag.MISSING }, { tag: EntryTag.VALUE, value: new Uint8Array([1]) }] as const;
    const server = encodeBatchAnswer(3, entries, { kind: "server", records: [f, null] });
    assert.equal(
      toHex(server),
      "010300" + "00000002" + "01" + "01" + "0000000003e80003" + "00000000000003e8" + "00000000000004b0" + "0000000000000005" +
        "00" + "00000001" + "01" + "00",
    );
    const back = readServerBatchAnswer(okBody(decodeExtensionAnswer(server, 3)), 2);
    assert.deepEqual(back.records.map(decodeFreshnessRecord), [f, null]);
    // A proxy relays the records as bytes, after its table of nodes; the client reads them.
    const client = encodeBatchAnswer(2, entries, { kind: "client", nodes: ["h:1"], nodeOf: [0, -1], keyGroups: [9, 10], records: back.records });
    assert.equal(toHex(client.subarray(0, 20)), "010200" + "00000001" + "00000003" + toHex(new TextEncoder().encode("h:1")) + "00000002" + "01" + "00");
    const read = readClientBatchAnswer(okBody(decodeExtensionAnswer(client, 2)), 2);
    assert.deepEqual(read.served, [{ node: "h:1", keyGroup: 9, state: f }, { node: "", keyGroup: 10, state: null }]);
    const noTime = encodeBatchAnswer(2, [entries[0]], { kind: "client", nodes: ["h:1"], nodeOf: [0], keyGroups: [9], records: [{ ...f, lastUpdateMs: null }] });
    assert.equal(readClientBatchAnswer(okBody(decodeExtensionAnswer(noTime, 2)), 1).served[0].state!.lastUpdateMs, null);
    const badNode = encodeBatchAnswer(2, [entries[0]], { kind: "client", nodes: ["h:1"], nodeOf: [3], keyGroups: [9], records: [null] });
    assert.throws(() => readClientBatchAnswer(okBody(decodeExtensionAnswer(badNode, 2)), 1), InvalidFrameError);
    // Hostile records: an unknown flag, a negative time.
    const bad = beginAnswer(2, ExtStatus.OK);
    bad.writeInt32(1);
    bad.writeUint8(EntryTag.MISSING);
    bad.writeUint8(2);
    assert.throws(() => readServerBatchAnswer(okBody(decodeExtensionAnswer(bad.toBytes(), 2)), 1), InvalidFrameError);
    for (const at of [9, 17, 25, 33]) {
      const neg = server.slice();
      neg[at] = 0xfe; // the version, the last update, the progress or the staleness goes negative
      assert.throws(() => readServerBatchAnswer(okBody(decodeExtensionAnswer(neg, 3)), 2), InvalidFrameError, `byte ${at}`);
    }
  });

  test("KEYS and KEYS_INTERNAL, and their answers", () => {
    const keys = encodeKeys({ jobId: new Uint8Array(16).fill(1), stateName: "s", flags: 0, fromKeyGroup: 3, toKeyGroup: 9, namespace: new Uint8Array([0]), pageSize: 50, cursor: null });
    assert.equal(toHex(keys), "0104" + "01".repeat(16) + "00000001" + "73" + "00000000" + "00000003" + "00000009" + "00000001" + "00" + "00000032" + "ffffffff");
    const r = decodeExtensionRequest(keys);
    assert.ok(r.op === ExtOp.KEYS && r.pageSize === 50 && r.cursor === null && r.toKeyGroup === 9);
    const internal = decodeExtensionRequest(encodeKeysInternal({ kvStateId: new Uint8Array(16), fromKeyGroup: 1, toKeyGroup: 2, after: new Uint8Array([7]), namespace: new Uint8Array([0]), limit: 5 }));
    assert.ok(internal.op === ExtOp.KEYS_INTERNAL && internal.after?.[0] === 7 && internal.limit === 5);
    const page = readKeysAnswer(okBody(decodeExtensionAnswer(encodeKeysAnswer([{ keyGroup: 4, key: new Uint8Array([1, 2]) }], new Uint8Array([9])), ExtOp.KEYS)));
    assert.deepEqual(page, { keys: [{ keyGroup: 4, key: new Uint8Array([1, 2]) }], cursor: new Uint8Array([9]) });
    const inner = readKeysInternalAnswer(okBody(decodeExtensionAnswer(encodeKeysInternalAnswer([], true), ExtOp.KEYS_INTERNAL)));
    assert.deepEqual(inner, { keys: [], complete: true });
    const neg = encodeKeysInternalAnswer([{ keyGroup: 1, key: new Uint8Array(0) }], false);
    neg.set([0xff, 0xff, 0xff, 0xff], 7); // a negative key group
    assert.throws(() => readKeysInternalAnswer(okBody(decodeExtensionAnswer(neg, ExtOp.KEYS_INTERNAL))), InvalidFrameError);
  });

  test("FAILED, UNSUPPORTED and TOO_LARGE answers", () => {
    const failed = decodeExtensionAnswer(encodeFailedAnswer(ExtOp.BATCH_GET, { className: "a.B", message: "m" }), ExtOp.BATCH_GET);
    assert.deepEqual(failed, { status: ExtStatus.FAILED, op: ExtOp.BATCH_GET, failure: { className: "a.B", message: "m", cause: null } });
    assert.deepEqual(decodeExtensionAnswer(encodeUnsupportedAnswer(9, "why"), 9), { status: ExtStatus.UNSUPPORTED, op: 9, reason: "why" });
    assert.deepEqual(decodeExtensionAnswer(encodeTooLargeAnswer(2, 1234), 2), { status: ExtStatus.TOO_LARGE, op: 2, limitBytes: 1234 });
  });

  test("another version or an unknown op is unsupported, not an error", () => {
    assert.equal(decodeExtensionRequest(new Uint8Array([2, 1])).op, "unsupported");
    assert.equal(decodeExtensionRequest(new Uint8Array([1, 99, 0, 0])).op, "unsupported");
    assert.equal(decodeExtensionRequest(new Uint8Array([1])).op, "unsupported");
    assert.equal(decodeExtensionRequest(new Uint8Array(0)).op, "unsupported");
  });

  test("hostile counts and lengths fail at once, allocating nothing", () => {
    const w = new ByteWriter();
    w.writeUint8(1);
    w.writeUint8(ExtOp.BATCH_GET_INTERNAL);
    w.writeBytes(new Uint8Array(16));
    w.writeInt32(0);
    w.writeInt32(0x7fffffff);
    assert.throws(() => decodeExtensionRequest(w.toBytes()), InvalidFrameError);
    const neg = encodeBatchGet(new Uint8Array(16), "s", [{ keyHash: 0, keyAndNamespace: new Uint8Array(1) }]);
    neg.set([0xff, 0xff, 0xff, 0xfe], neg.length - 5); // the key's length
    assert.throws(() => decodeExtensionRequest(neg), InvalidFrameError);
    assert.throws(() => decodeExtensionRequest(encodeBatchGet(new Uint8Array(16), "s", []).subarray(0, 20)), InvalidFrameError);
    // An answer announcing more entries than were asked, or entries it does not hold.
    const a = beginAnswer(ExtOp.BATCH_GET, ExtStatus.OK);
    a.writeInt32(2);
    a.writeUint8(EntryTag.MISSING);
    a.writeUint8(EntryTag.MISSING);
    const answer = decodeExtensionAnswer(a.toBytes(), ExtOp.BATCH_GET);
    assert.throws(() => readBatchAnswer(okBody(answer), 3), InvalidFrameError);
    const b = beginAnswer(ExtOp.BATCH_GET, ExtStatus.OK);
    b.writeInt32(1);
    b.writeUint8(7);
    assert.throws(() => readBatchAnswer(okBody(decodeExtensionAnswer(b.toBytes(), 2)), 1), InvalidFrameError);
  });

  test("a failure record deeper than the bound is refused", () => {
    let t: JavaThrowableInit = { className: "a.B", message: null };
    for (let i = 0; i < MAX_FAILURE_DEPTH + 3; i++) t = { className: "a.B", message: `${i}`, cause: t };
    // Written records are cut at the bound...
    const w = beginAnswer(2, ExtStatus.FAILED);
    writeFailureRecord(w, t);
    const back = decodeExtensionAnswer(w.toBytes(), 2);
    let depth = 0;
    for (let f = (back as { failure: JavaThrowableInit } & ExtensionAnswer).failure; f.cause; f = f.cause) depth++;
    assert.equal(depth, MAX_FAILURE_DEPTH - 1);
    // ...and a hand-made deeper one does not decode.
    const deep = beginAnswer(2, ExtStatus.FAILED);
    for (let i = 0; i <= MAX_FAILURE_DEPTH; i++) {
      deep.writeInt32(1);
      deep.writeUint8(0x61);
      deep.writeInt32(-1);
      deep.writeUint8(1);
    }
    assert.throws(() => decodeExtensionAnswer(deep.toBytes(), 2), InvalidFrameError);
  });

  test("answers for another op, version or status are not extension answers", () => {
    assert.throws(() => decodeExtensionAnswer(encodeUnsupportedAnswer(3, "x"), 2), InvalidFrameError);
    assert.throws(() => decodeExtensionAnswer(new Uint8Array([2, 2, 0]), 2), InvalidFrameError);
    assert.throws(() => decodeExtensionAnswer(new Uint8Array([1, 2, 9]), 2), InvalidFrameError);
    assert.throws(() => decodeExtensionAnswer(new Uint8Array([1]), 2), InvalidFrameError);
    // What a Flink job's own state could hold: a long.
    assert.throws(() => decodeExtensionAnswer(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 42]), 1), InvalidFrameError);
  });

  test("random payloads and answers never throw anything but InvalidFrameError", () => {
    const rng = new Rng(Number(process.env.QSTATE_FUZZ_SEED ?? 0) || undefined);
    const seeds = [encodeHello(["batch-get"]), encodeBatchGet(new Uint8Array(16), "state", [{ keyHash: 1, keyAndNamespace: new Uint8Array(5) }]),
      encodeBatchGetInternal(new Uint8Array(16), [new Uint8Array(3)], 0, [7]),
      encodeKeys({ jobId: new Uint8Array(16), stateName: "s", flags: 0, fromKeyGroup: 0, toKeyGroup: 9, namespace: new Uint8Array([0]), pageSize: 5, cursor: new Uint8Array(3) }),
      encodeKeysInternal({ kvStateId: new Uint8Array(16), fromKeyGroup: 0, toKeyGroup: 9, after: null, namespace: new Uint8Array([0]), limit: 5 }),
      encodeScan({ jobId: new Uint8Array(16), stateName: "m", keyHash: 3, keyAndNamespace: new Uint8Array(4), flags: 0, from: new Uint8Array(2), to: null, prefix: null, pageSize: 9, cursor: null }),
      encodeScanInternal({ kvStateId: new Uint8Array(16), keyAndNamespace: new Uint8Array(4), from: null, to: null, prefix: new Uint8Array(1), after: null, limit: 3 })];
    const answers = [encodeBatchAnswer(2, [{ tag: EntryTag.VALUE, value: new Uint8Array(3) }, { tag: EntryTag.ERROR, error: { className: "a", message: "b" } }]),
      encodeHelloAnswer({ implementation: "i", extensions: new Map([["e", 1]]), limits: new Map([["l", 2]]) })];
    for (let i = 0; i < 3000; i++) {
      const base = i % 2 === 0 ? rng.pick(seeds) : rng.pick(answers);
      const b = base.slice(0, rng.int(0, base.length));
      for (let m = rng.int(0, 4); m > 0 && b.length > 0; m--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      try {
        if (i % 2 === 0) decodeExtensionRequest(b);
        else {
          const a = decodeExtensionAnswer(b, b[1] ?? 0);
          if (a.status === ExtStatus.OK) {
            if (a.op === ExtOp.HELLO) readHelloAnswer(a.body);
            else readBatchAnswer(a.body, 2);
          }
        }
      } catch (e) {
        assert.ok(e instanceof InvalidFrameError, `seed ${rng.seed}, case ${i}: ${(e as Error).stack}`);
      }
    }
  });
});
