/**
 * How a proxy treats bad input on one connection, to compare Flink's proxy with ours:
 *
 *   npx tsx compat/ts/probe-malformed.ts --proxy HOST:PORT --job HEX
 *
 * Each case opens a connection, writes one bad frame and then one valid request (id 8), and
 * prints one JSON line: what came back (message type, request id, Java class) and whether the
 * connection was closed. Node only (it is a probe of the harness, not library code).
 */
import net from "node:net";
import { ByteWriter, JobID, serializeKeyAndNamespace, stringSerializer, voidNamespaceSerializer, VoidNamespace } from "../../mod.ts";
import { decodeFailureBody, encodeRequestFrame, FrameDecoder, KvStateRequest, MessageType, messageTypeName, PROTOCOL_VERSION } from "../../protocol.ts";
import { arg } from "./types.ts";

const [host, port] = arg("proxy").split(":");
const job = JobID.fromHex(arg("job"));

function frame(version: number, type: number, id: number, body: Uint8Array): Uint8Array {
  const w = new ByteWriter(64);
  w.writeInt32(4 + 4 + 8 + body.length);
  w.writeInt32(version);
  w.writeInt32(type);
  w.writeInt32(0);
  w.writeInt32(id);
  w.writeBytes(body);
  return w.toBytes();
}

const key = serializeKeyAndNamespace("user-0", stringSerializer, VoidNamespace, voidNamespaceSerializer);
const valid = encodeRequestFrame(8n, new KvStateRequest(job, "value", stringSerializer.hashCode!("user-0"), key));
const CASES: Record<string, Uint8Array> = {
  "truncated-body": frame(PROTOCOL_VERSION, MessageType.REQUEST, 7, new Uint8Array([1, 2, 3])),
  "negative-name-length": frame(PROTOCOL_VERSION, MessageType.REQUEST, 7, new Uint8Array([...new Uint8Array(16), 0xff, 0xff, 0xff, 0xff])),
  "wrong-version": frame(0x12345678, MessageType.REQUEST, 7, new Uint8Array(4)),
  "unknown-type": frame(PROTOCOL_VERSION, 9, 7, new Uint8Array(4)),
  "result-type": frame(PROTOCOL_VERSION, MessageType.REQUEST_RESULT, 7, new Uint8Array(4)),
  "negative-frame-length": new Uint8Array([0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4]),
};

function probe(name: string, bad: Uint8Array): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const got: string[] = [];
    const decoder = new FrameDecoder({ maxFrameLength: 1 << 26 });
    const s = net.connect(Number(port), host, () => {
      s.write(bad);
      setTimeout(() => s.write(valid), 200);
    });
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ case: name, answers: got, closed });
    };
    const timer = setTimeout(() => done(false), 3000);
    s.on("data", (d) => {
      decoder.push(d);
      for (let f = decoder.next(); f; f = decoder.next()) {
        let what = messageTypeName(f.type);
        if (f.type !== MessageType.SERVER_FAILURE) what += ` id=${f.requestId}`;
        if (f.type === MessageType.REQUEST_FAILURE || f.type === MessageType.SERVER_FAILURE) {
          try {
            const t = decodeFailureBody(f.body);
            what += ` ${t.className}: ${String(t.message).split("\n")[0].slice(0, 160)}`;
          } catch (e) {
            what += ` (undecodable: ${(e as Error).message})`;
          }
        }
        got.push(what);
      }
    });
    s.on("close", () => done(true));
    s.on("error", () => {});
  });
}

for (const [name, bytes] of Object.entries(CASES)) console.log(JSON.stringify(await probe(name, bytes)));
