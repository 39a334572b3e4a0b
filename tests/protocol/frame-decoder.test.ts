import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteWriter, FrameTooLargeError, QueryableStateError, InvalidFrameError, KvStateID, ProtocolError, UnknownMessageTypeError, VersionMismatchError } from "../../mod.ts";
import { encodeRequestFrame, encodeResponseFrame, encodeServerFailureFrame, type Frame, FrameDecoder, KvStateInternalRequest, KvStateResponse, MessageType } from "../../protocol.ts";
import { type Rng, withSeed } from "../helpers/random.ts";

function randomFrame(rng: Rng, id: bigint): Uint8Array {
  const k = rng.int(0, 2);
  if (k === 0) return encodeRequestFrame(id, new KvStateInternalRequest(new KvStateID(rng.int64(), rng.int64()), rng.bytes(rng.int(0, 64))));
  if (k === 1) return encodeResponseFrame(id, new KvStateResponse(rng.bytes(rng.pick([0, 10, 1000, 70000]))));
  return encodeServerFailureFrame({ className: "java.lang.RuntimeException", message: `boom ${id}` });
}

function drain(d: FrameDecoder, out: Frame[]): void {
  for (let f = d.next(); f; f = d.next()) out.push(f);
}

function header(length: number, version: number, type: number): Uint8Array {
  const w = new ByteWriter();
  w.writeInt32(length);
  w.writeInt32(version);
  w.writeInt32(type);
  return w.toBytes();
}

describe("FrameDecoder", () => {
  test("random frame streams, split at random points, decode to the same frames", () => {
    withSeed((rng) => {
      for (let round = 0; round < 30; round++) {
        const frames = Array.from({ length: rng.int(1, 40) }, (_, i) => randomFrame(rng, BigInt(i) * 0x1_0000_0001n));
        const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
        let at = 0;
        for (const f of frames) stream.set(f, (at += f.length) - f.length);
        const d = new FrameDecoder();
        const got: Frame[] = [];
        for (let pos = 0; pos < stream.length;) {
          const n = rng.pick([1, 2, 3, 5, 17, 4096, 100000]);
          d.push(stream.slice(pos, pos + n));
          pos += n;
          drain(d, got);
        }
        assert.equal(d.bufferedBytes, 0);
        assert.equal(got.length, frames.length);
        got.forEach((g, i) => {
          const original = frames[i];
          const type = new DataView(original.buffer, original.byteOffset).getInt32(8);
          assert.equal(g.type, type);
          assert.equal(g.requestId, type === MessageType.SERVER_FAILURE ? -1n : BigInt(i) * 0x1_0000_0001n);
          const bodyStart = type === MessageType.SERVER_FAILURE ? 12 : 20;
          assert.deepEqual(g.body, original.subarray(bodyStart));
        });
      }
    });
  });

  test("frames inside one chunk are views, not copies", () => {
    const a = encodeResponseFrame(1n, new KvStateResponse(new Uint8Array([1, 2, 3])));
    const b = encodeResponseFrame(2n, new KvStateResponse(new Uint8Array([4])));
    const chunk = new Uint8Array(a.length + b.length);
    chunk.set(a);
    chunk.set(b, a.length);
    const d = new FrameDecoder();
    d.push(chunk);
    const f1 = d.next()!, f2 = d.next()!;
    assert.equal(d.next(), undefined);
    assert.equal(f1.body.buffer, chunk.buffer);
    assert.equal(f2.body.buffer, chunk.buffer);
    assert.equal(f2.requestId, 2n);
  });

  test("lengths below the header or above the maximum are fatal", () => {
    for (const len of [-1, 0, 7, -2147483648]) {
      const d = new FrameDecoder();
      d.push(header(len, 0x79a1b710, 0));
      assert.throws(() => d.next(), (e: unknown) => e instanceof InvalidFrameError && e.fatal);
      assert.throws(() => d.next(), InvalidFrameError, "stays failed");
      assert.throws(() => d.push(new Uint8Array(1)), InvalidFrameError);
    }
    const d = new FrameDecoder({ maxFrameLength: 1024 });
    d.push(header(1025, 0x79a1b710, 1));
    assert.throws(() => d.next(), (e: unknown) => e instanceof FrameTooLargeError && e.code === "FRAME_TOO_LARGE" && e.fatal);
    const big = new FrameDecoder();
    big.push(header(0x7fffffff, 0x79a1b710, 1));
    assert.throws(() => big.next(), FrameTooLargeError, "2 GiB is refused before any allocation");
    assert.throws(() => new FrameDecoder({ maxFrameLength: 3 }), (e: unknown) => e instanceof QueryableStateError && e.code === "INVALID_ARGUMENT");
  });

  test("a wrong version or an unknown type skips that frame only", () => {
    const good = encodeResponseFrame(9n, new KvStateResponse(new Uint8Array([9])));
    const badVersion = new Uint8Array([...header(16, 0, 1), 0, 0, 0, 0, 0, 0, 0, 1]);
    const badType = new Uint8Array([...header(16, 0x79a1b710, 4), 0, 0, 0, 0, 0, 0, 0, 1]);
    const d = new FrameDecoder();
    d.push(new Uint8Array([...badVersion, ...badType, ...good]));
    assert.throws(() => d.next(), (e: unknown) => {
      assert.ok(e instanceof VersionMismatchError);
      assert.equal(e.message, "Version Mismatch:  Found 0, Expected: 2040641296.");
      assert.equal(e.fatal, false);
      return true;
    });
    assert.throws(() => d.next(), (e: unknown) => e instanceof UnknownMessageTypeError && e.message === "Illegal message type with index 4.");
    assert.equal(d.next()!.requestId, 9n);
  });

  test("a request frame too short for its id is refused", () => {
    const d = new FrameDecoder();
    d.push(new Uint8Array([...header(12, 0x79a1b710, 0), 0, 0, 0, 1]));
    assert.throws(() => d.next(), (e: unknown) => e instanceof ProtocolError && e.code === "INVALID_FRAME");
  });

  test("garbage never hangs or crashes: every outcome is a frame, undefined or a ProtocolError", () => {
    withSeed((rng) => {
      for (let i = 0; i < 2000; i++) {
        const d = new FrameDecoder({ maxFrameLength: 1 << 16 });
        const junk = rng.bytes(rng.int(0, 64));
        if (rng.bool()) junk.set([0x79, 0xa1, 0xb7, 0x10].slice(0, Math.min(4, Math.max(0, junk.length - 4))), Math.min(4, junk.length));
        try {
          d.push(junk);
          for (let n = 0; n < 100 && d.next(); n++);
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
      }
    });
  });
});
