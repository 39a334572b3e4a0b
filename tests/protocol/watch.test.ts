// The watch extension's codecs (src/protocol/watch.ts): the exact bytes of the layouts the README documents, round
// trips, and hostile input — every malformed payload or answer is an InvalidFrameError, never another exception or a
// large allocation.
import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { ByteReader } from "../../src/core/bytes.ts";
import { fromHex, toHex } from "../../src/core/hex.ts";
import { InvalidFrameError } from "../../src/protocol/errors.ts";
import { beginAnswer, decodeExtensionAnswer, decodeExtensionRequest, ExtStatus } from "../../src/protocol/extensions.ts";
import {
  ChangeTag,
  encodeWatch,
  encodeWatchCancel,
  encodeWatchInternal,
  readWatchAnswer,
  readWatchInternalAnswer,
  type WatchChange,
  WatchOp,
  writeWatchAnswer,
  writeWatchInternalAnswer,
} from "../../src/protocol/watch.ts";
import { Rng } from "../helpers/random.ts";

const hex = (s: string) => s.replace(/\s+/g, "");

const CHANGES: WatchChange[] = [
  { tag: ChangeTag.UNCHANGED, resumeVersion: 1n },
  { tag: ChangeTag.VALUE, resumeVersion: 5n, version: 4n, value: new Uint8Array([1, 2]) },
  { tag: ChangeTag.DELETED, resumeVersion: 6n, version: 6n },
  { tag: ChangeTag.ENTRIES, resumeVersion: 8n, version: 7n, entries: [{ key: new Uint8Array([0x61]), value: new Uint8Array([9]) }, { key: new Uint8Array([0x62]), value: null }] },
  { tag: ChangeTag.ENDED, resumeVersion: 9n, reason: "no" },
];
const CHANGES_HEX = hex(`
  0000000000000001 00
  0000000000000005 01 0000000000000004 00000002 0102
  0000000000000006 02 0000000000000006
  0000000000000008 03 0000000000000007 00000002 00000001 61 01 00000001 09  00000001 62 00
  0000000000000009 04 00000002 6e6f`);

function internalAnswer(changes: WatchChange[]): Uint8Array {
  const w = beginAnswer(WatchOp.WATCH_INTERNAL, ExtStatus.OK);
  writeWatchInternalAnswer(w, changes);
  return w.view();
}

function clientAnswer(nodes: string[], nodeOf: number[], changes: WatchChange[]): Uint8Array {
  const w = beginAnswer(WatchOp.WATCH, ExtStatus.OK);
  writeWatchAnswer(w, nodes, nodeOf, changes);
  return w.view();
}

describe("watch codecs", () => {
  test("WATCH, byte for byte", () => {
    const bytes = encodeWatch({
      jobId: new Uint8Array(16).fill(0x11),
      stateName: "s",
      flags: 0,
      waitMs: 1000,
      pollId: 5n,
      keys: [{ keyHash: 7, fromVersion: 0x10000n, keyAndNamespace: new Uint8Array([0xaa]) }],
      prefix: null,
    });
    assert.equal(toHex(bytes), hex(`01 08 ${"11".repeat(16)} 00000001 73 00000000 000003e8 0000000000000005
      00000001 00000007 0000000000010000 00000001 aa ffffffff`));
    const r = decodeExtensionRequest(bytes);
    assert.equal(r.op, WatchOp.WATCH);
    if (r.op !== WatchOp.WATCH) return;
    assert.deepEqual([r.stateName, r.flags, r.waitMs, r.pollId, r.prefix], ["s", 0, 1000, 5n, null]);
    assert.deepEqual(r.keys.map((k) => [k.keyHash, k.fromVersion, toHex(k.keyAndNamespace)]), [[7, 0x10000n, "aa"]]);
  });

  test("WATCH_INTERNAL and the cancels, byte for byte", () => {
    const bytes = encodeWatchInternal({
      flags: 0,
      waitMs: 0,
      pollId: 2n,
      keys: [{ kvStateId: new Uint8Array(16).fill(0x22), keyGroup: 10, fromVersion: 0n, keyAndNamespace: new Uint8Array([0xbb, 0xcc]) }],
      prefix: new Uint8Array([0x2f]),
    });
    assert.equal(toHex(bytes), hex(`01 09 00000000 00000000 0000000000000002 00000001 ${"22".repeat(16)} 0000000a 0000000000000000
      00000002 bbcc 00000001 2f`));
    const r = decodeExtensionRequest(bytes);
    assert.equal(r.op, WatchOp.WATCH_INTERNAL);
    if (r.op !== WatchOp.WATCH_INTERNAL) return;
    assert.deepEqual([r.waitMs, r.pollId, toHex(r.prefix!), r.keys[0].keyGroup, toHex(r.keys[0].keyAndNamespace)], [0, 2n, "2f", 10, "bbcc"]);
    assert.equal(toHex(encodeWatchCancel(9n)), "010a0000000000000009");
    assert.equal(toHex(encodeWatchCancel(9n, true)), "010b0000000000000009");
    assert.deepEqual(decodeExtensionRequest(encodeWatchCancel(9n, true)), { op: WatchOp.WATCH_CANCEL_INTERNAL, pollId: 9n });
  });

  test("answers, byte for byte, and back", () => {
    const inner = internalAnswer(CHANGES);
    assert.equal(toHex(inner), "010900" + "00000005" + CHANGES_HEX);
    const a = decodeExtensionAnswer(inner, WatchOp.WATCH_INTERNAL);
    assert.equal(a.status, ExtStatus.OK);
    if (a.status === ExtStatus.OK) assert.deepEqual(readWatchInternalAnswer(a.body, 5), CHANGES);
    const outer = clientAnswer(["a:1"], [0, -1, 0, 0, 0], CHANGES);
    // Each change is preceded by its node index: rebuild the expectation change by change.
    const perChange = [
      "00000000" + hex("0000000000000001 00"),
      "ffffffff" + hex("0000000000000005 01 0000000000000004 00000002 0102"),
      "00000000" + hex("0000000000000006 02 0000000000000006"),
      "00000000" + hex("0000000000000008 03 0000000000000007 00000002 00000001 61 01 00000001 09 00000001 62 00"),
      "00000000" + hex("0000000000000009 04 00000002 6e6f"),
    ].join("");
    assert.equal(toHex(outer), "010800" + "00000001" + "00000003613a31" + "00000005" + perChange);
    const b = decodeExtensionAnswer(outer, WatchOp.WATCH);
    if (b.status !== ExtStatus.OK) throw new Error("not OK");
    const read = readWatchAnswer(b.body, 5);
    assert.deepEqual(read.changes, CHANGES);
    assert.deepEqual(read.nodes, ["a:1", "", "a:1", "a:1", "a:1"]);
  });

  test("malformed bodies are InvalidFrameError", () => {
    const body = (h: string) => new ByteReader(fromHex(hex(h)));
    // Wrong count, unknown tag, negative version, a node index out of the table, an impossible count.
    assert.throws(() => readWatchInternalAnswer(body("00000002 0000000000000001 00"), 2), InvalidFrameError);
    assert.throws(() => readWatchInternalAnswer(body("00000001 0000000000000001 07"), 1), InvalidFrameError);
    assert.throws(() => readWatchInternalAnswer(body("00000001 8000000000000001 00"), 1), InvalidFrameError);
    assert.throws(() => readWatchInternalAnswer(body("00000001 0000000000000001 00"), 2), InvalidFrameError);
    assert.throws(() => readWatchAnswer(body("00000000 00000001 00000000 0000000000000001 00"), 1), InvalidFrameError);
    assert.throws(() => readWatchAnswer(body("7fffffff"), 1), InvalidFrameError);
    assert.throws(() => decodeExtensionRequest(fromHex("0108" + "11".repeat(16) + "00000001" + "73" + "00000000" + "00000000" + "0000000000000000" + "7fffffff")), InvalidFrameError);
    // A negative from-version.
    const neg = encodeWatchInternal({ flags: 0, waitMs: 0, pollId: 1n, keys: [{ kvStateId: new Uint8Array(16), keyGroup: 0, fromVersion: 0n, keyAndNamespace: new Uint8Array(1) }], prefix: null });
    neg[2 + 4 + 4 + 8 + 4 + 16 + 4] = 0xff;
    assert.throws(() => decodeExtensionRequest(neg), InvalidFrameError);
  });

  test("random payloads and answers never throw anything but InvalidFrameError", () => {
    const rng = new Rng(Number(process.env.QSTATE_FUZZ_SEED ?? 0) || undefined);
    const requests = [
      encodeWatch({ jobId: new Uint8Array(16), stateName: "st", flags: 0, waitMs: 9, pollId: 3n, keys: [{ keyHash: 1, fromVersion: 2n, keyAndNamespace: new Uint8Array(3) }, { keyHash: 4, fromVersion: 0n, keyAndNamespace: new Uint8Array(2) }], prefix: new Uint8Array(2) }),
      encodeWatchInternal({ flags: 0, waitMs: 9, pollId: 3n, keys: [{ kvStateId: new Uint8Array(16), keyGroup: 3, fromVersion: 2n, keyAndNamespace: new Uint8Array(3) }], prefix: null }),
      encodeWatchCancel(7n),
    ];
    const answers = [internalAnswer(CHANGES), clientAnswer(["n:1", "m:2"], [1, 0, -1, 0, 1], CHANGES)];
    for (let i = 0; i < 4000; i++) {
      const base = i % 2 === 0 ? rng.pick(requests) : rng.pick(answers);
      const b = base.slice(0, rng.int(0, base.length));
      for (let m = rng.int(0, 4); m > 0 && b.length > 0; m--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      try {
        if (i % 2 === 0) decodeExtensionRequest(b);
        else {
          const a = decodeExtensionAnswer(b, b[1] ?? 0);
          if (a.status === ExtStatus.OK) {
            if (a.op === WatchOp.WATCH) readWatchAnswer(a.body, 5);
            else readWatchInternalAnswer(a.body, 5);
          }
        }
      } catch (e) {
        assert.ok(e instanceof InvalidFrameError, `seed ${rng.seed}, case ${i}: ${(e as Error).stack}`);
      }
    }
  });
});
