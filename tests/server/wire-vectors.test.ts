// Frames captured on the wire from our server equal the golden vectors byte for byte: every
// wire capture's sentFrame is replayed over a real socket against our server, whose states are
// set up from the captures themselves (what Flink's server held when it answered).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { BadRequestError, defaultTransport, fromHex, KvStateID, KvStateRegistry, RemoteError, toHex } from "../../mod.ts";
import { decodeFailureBody, errorFromJavaThrowable, FrameDecoder, KvStateInternalRequest, kvStateRequestHandler, MessageType, ServerBase } from "../../protocol.ts";

const vectors = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/vectors/flink-golden.json", import.meta.url)), "utf8"));
// deno-lint-ignore no-explicit-any
type Capture = Record<string, any>;
const captures: Capture[] = vectors.wireCaptures;

function parseInner(text: string): { className: string; message: string } {
  const m = /^([\w.$]+): ([\s\S]*)$/.exec(text);
  return m ? { className: m[1], message: m[2] } : { className: text, message: "" };
}

/** Builds the server side of every capture: states for state lookups, hooks for handler-level failures. */
function setUp() {
  const registry = new KvStateRegistry();
  const values = new Map<string, Map<string, Uint8Array | Error>>();
  const hooks = new Map<string, () => never | null>();
  const stateFor = (id: string) => {
    let m = values.get(id);
    if (!m) {
      values.set(id, (m = new Map()));
      registry.register({
        getSerializedValue(keyNs) {
          const v = m!.get(toHex(keyNs));
          if (v instanceof Error) throw v;
          return v ?? null;
        },
      }, { id: KvStateID.fromHex(id) });
    }
    return m;
  };
  for (const c of captures) {
    if (c.messageType === "SERVER_FAILURE") continue;
    const d = new FrameDecoder();
    d.push(fromHex(c.sentFrame));
    const req = KvStateInternalRequest.decode(d.next()!.body);
    const id = req.kvStateId.toString(), key = toHex(req.serializedKeyAndNamespace);
    if (c.messageType === "REQUEST_RESULT") stateFor(id).set(key, fromHex(c.content));
    else if (c.expected.className.endsWith("UnknownKeyOrNamespaceException")) stateFor(id);
    else if (c.expected.className.endsWith("UnknownKvStateIdException")) continue;
    else if (/^Failed request \d+\.\n Caused by: java\.lang\.RuntimeException: Error while processing request with ID \d+\. Caused by: /.test(c.expected.messageStablePrefix ?? "")) {
      const inner = c.expected.messageStablePrefix.split(" Caused by: ").pop();
      stateFor(id).set(key, new RemoteError(parseInner(inner)));
    } else if (/NULL returned for request/.test(c.expected.message ?? "")) hooks.set(id, () => null);
    else if (c.expected.messageStablePrefix?.startsWith("Failed request")) {
      const inner = parseInner(c.expected.messageStablePrefix.split("\n Caused by: ")[1]);
      hooks.set(id, () => { throw errorFromJavaThrowable(inner); });
    } else {
      const error = errorFromJavaThrowable({ className: c.expected.className, message: c.expected.message });
      assert.ok(error instanceof BadRequestError, `${c.scenario}: hook must be a BadRequestException`);
      hooks.set(id, () => { throw error; });
    }
  }
  const states = kvStateRequestHandler(registry);
  return new ServerBase<KvStateInternalRequest>("Queryable State Server", {
    decode: states.decode,
    handle(requestId, request, context) {
      const hook = hooks.get(request.kvStateId.toString());
      return hook ? hook() : states.handle(requestId, request, context);
    },
  });
}

async function exchange(addr: { hostname: string; port: number }, sent: Uint8Array): Promise<Uint8Array> {
  const t = await defaultTransport();
  const conn = await t.connect(addr);
  const chunks: Uint8Array[] = [];
  const d = new FrameDecoder({ maxFrameLength: 1 << 30 });
  const frame = await new Promise<Uint8Array>((resolve, reject) => {
    conn.onData((chunk) => {
      chunks.push(chunk);
      d.push(chunk);
      if (d.next()) {
        const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let at = 0;
        for (const c of chunks) all.set(c, (at += c.length) - c.length);
        resolve(all);
      }
    }, () => reject(new Error("closed before a whole frame arrived")));
    conn.write(sent);
  });
  conn.abort();
  await conn.closed;
  return frame;
}

describe("wire compatibility with Flink's server (wireCaptures)", () => {
  let server: ServerBase<KvStateInternalRequest>;
  after(() => server?.close());

  test("every capture gets Flink's answer", async () => {
    server = setUp();
    const addr = await server.start();
    for (const c of captures) {
      const got = await exchange(addr, fromHex(c.sentFrame));
      const label = `${c.scenario}: ${c.description}`;
      if (c.messageType === "REQUEST_RESULT") {
        assert.equal(toHex(got), c.frame, label);
        continue;
      }
      const exact = c.deterministic ? c.frame : c.emptyStackTraceFrame;
      const d = new FrameDecoder();
      d.push(got);
      const f = d.next()!;
      assert.equal(f.type, c.messageType === "REQUEST_FAILURE" ? MessageType.REQUEST_FAILURE : MessageType.SERVER_FAILURE, label);
      if (c.messageType === "REQUEST_FAILURE") assert.equal(f.requestId, BigInt(c.requestId), label);
      const t = decodeFailureBody(f.body);
      assert.equal(t.className, c.expected.className, label);
      if (!c.expected.messageEmbedsStackTrace) {
        assert.equal(toHex(got), exact, `${label}: byte-exact`);
      } else if (c.scenario !== "truncatedRequest") {
        // Flink's text ends in a Java stack trace; ours ends where that begins.
        const prefix = c.expected.messageStablePrefix;
        assert.ok(t.message!.startsWith(prefix), `${label}: ${JSON.stringify(t.message)} should start with ${JSON.stringify(prefix)}`);
        assert.ok(t.message!.length === prefix.length || t.message![prefix.length] === "\n", label);
      } else {
        // Netty's IndexOutOfBoundsException text is an implementation detail; the kind is what matters.
        assert.match(t.message!, /^Failed incoming message\. Caused by: /, label);
      }
    }
  });
});
