import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteWriter, fromHex, InvalidFrameError, JobID, KvStateID, toHex } from "../../mod.ts";
import { encodeRequestFrame, encodeResponseFrame, FrameDecoder, KvStateInternalRequest, KvStateRequest, KvStateResponse, MessageType } from "../../protocol.ts";
import { withSeed } from "../helpers/random.ts";
import { decodeKvStateResponseAt } from "../../src/protocol/messages.ts";

function decode(frame: Uint8Array) {
  const d = new FrameDecoder();
  d.push(frame);
  const f = d.next();
  assert.ok(f);
  return f;
}

describe("message bodies", () => {
  test("KvStateRequest frame matches the spec's bytes", () => {
    const req = new KvStateRequest(new JobID(0x0102030405060708n, 0x090a0b0c0d0e0f10n), "query-name", 42, fromHex("000000000000002a2a00"));
    assert.equal(
      toHex(encodeRequestFrame(5n, req)),
      "0000004079a1b71000000000000000000000000501020304050607" +
        "08090a0b0c0d0e0f100000000a71756572792d6e616d650000002a0000000a000000000000002a2a00",
    );
  });

  test("KvStateRequest round-trips random values", () => {
    withSeed((rng) => {
      for (let i = 0; i < 300; i++) {
        const id = rng.int64();
        const req = new KvStateRequest(new JobID(rng.int64(), rng.int64()), rng.string(30).replace(/[\ud800-\udfff]/g, "x"), rng.int32(), rng.bytes(rng.int(0, 100)));
        const f = decode(encodeRequestFrame(id, req));
        assert.equal(f.type, MessageType.REQUEST);
        assert.equal(f.requestId, id);
        const back = KvStateRequest.decode(f.body);
        assert.ok(back.jobId.equals(req.jobId));
        assert.equal(back.stateName, req.stateName);
        assert.equal(back.keyHashCode, req.keyHashCode);
        assert.deepEqual(back.serializedKeyAndNamespace, req.serializedKeyAndNamespace);
      }
    });
  });

  test("state names with lone surrogates are sent as Java sends them ('?')", () => {
    const req = new KvStateRequest(new JobID(0n, 0n), "a\ud83db", 0, new Uint8Array(0));
    assert.equal(toHex(req.stateNameBytes), "613f62");
  });

  test("KvStateInternalRequest and KvStateResponse round-trip random values", () => {
    withSeed((rng) => {
      for (let i = 0; i < 300; i++) {
        const id = rng.int64();
        const req = new KvStateInternalRequest(new KvStateID(rng.int64(), rng.int64()), rng.bytes(rng.int(0, 100)));
        const back = KvStateInternalRequest.decode(decode(encodeRequestFrame(id, req)).body);
        assert.ok(back.kvStateId.equals(req.kvStateId));
        assert.deepEqual(back.serializedKeyAndNamespace, req.serializedKeyAndNamespace);
        const res = new KvStateResponse(rng.bytes(rng.int(0, 2000)));
        const f = decode(encodeResponseFrame(id, res));
        assert.equal(f.type, MessageType.REQUEST_RESULT);
        assert.deepEqual(KvStateResponse.decode(f.body).content, res.content);
      }
    });
  });

  test("a KvStateResponse read in place from a frame's bytes equals KvStateResponse.decode of its body", () => {
    withSeed((rng) => {
      for (let i = 0; i < 200; i++) {
        const before = rng.bytes(rng.int(0, 8)), after = rng.bytes(rng.int(0, 8));
        const w = new ByteWriter();
        const content = rng.bytes(rng.int(0, 40));
        // Valid bodies, trailing bytes, and lengths that are negative or run past the body.
        const length = [content.length, -1, content.length + 1][rng.int(0, 2)];
        w.writeInt32(length);
        w.writeBytes(content);
        const body = rng.int(0, 4) === 0 ? rng.bytes(rng.int(0, 3)) : w.toBytes();
        const bytes = new Uint8Array([...before, ...body, ...after]);
        const at = () => decodeKvStateResponseAt(bytes, before.length, before.length + body.length);
        let expected: KvStateResponse | Error;
        try {
          expected = KvStateResponse.decode(body);
        } catch (e) {
          expected = e as Error;
        }
        if (expected instanceof Error) assert.throws(at, { message: expected.message });
        else assert.deepEqual([...at().content], [...expected.content]);
      }
    });
  });

  test("negative and truncated lengths give InvalidFrameError with Flink's text", () => {
    const w = new ByteWriter();
    new KvStateID(1n, 2n).writeTo(w);
    w.writeInt32(-1);
    assert.throws(() => KvStateInternalRequest.decode(w.toBytes()), {
      message: "Negative length for key and namespace. This indicates a serialization error.",
    });
    const w2 = new ByteWriter();
    new JobID(1n, 2n).writeTo(w2);
    w2.writeInt32(-5);
    assert.throws(() => KvStateRequest.decode(w2.toBytes()), { message: "Negative length for state name. This indicates a serialization error." });
    assert.throws(() => KvStateResponse.decode(fromHex("ffffffff")), { message: "Negative length for state content. This indicates a serialization error." });
    for (const body of ["", "00", "0000000a0102"]) {
      assert.throws(() => KvStateResponse.decode(fromHex(body)), (e: unknown) => e instanceof InvalidFrameError && e.code === "INVALID_FRAME");
    }
    withSeed((rng) => {
      const full = new ByteWriter();
      new KvStateRequest(new JobID(1n, 2n), "name", 7, rng.bytes(20)).writeTo(full);
      const b = full.toBytes();
      for (let cut = 0; cut < b.length; cut++) {
        assert.throws(() => KvStateRequest.decode(b.subarray(0, cut)), InvalidFrameError);
      }
    });
  });
});
