import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BadRequestError, EtcdUnavailableError, JobID, KvStateID, QueryableStateError, RemoteError, UnknownJobManagerError, UnknownKeyGroupLocationError, UnknownKeyOrNamespaceError, UnknownKvStateIdError, UnknownLocationError } from "../../mod.ts";
import { requestFailureThrowable } from "../../src/net/failures.ts";
import { decodeFailureBody, decodeFailureError, encodeRequestFailureFrame, encodeServerFailureFrame, errorFromJavaThrowable, FrameDecoder, javaThrowableOf, MessageType } from "../../protocol.ts";

function body(frame: Uint8Array) {
  const d = new FrameDecoder();
  d.push(frame);
  return d.next()!;
}

describe("remote errors", () => {
  test("each Flink exception maps to its class and code, and survives a round trip on the wire", () => {
    const cases: [RemoteError, string, string][] = [
      [UnknownKeyOrNamespaceError.forServer("Queryable State Server"), "UNKNOWN_KEY_OR_NAMESPACE", "Queryable State Server : No state for the specified key/namespace."],
      [UnknownKvStateIdError.forId("Queryable State Server", new KvStateID(1n, 2n)), "UNKNOWN_KV_STATE_ID", "Queryable State Server : No registered state with ID 00000000000000010000000000000002."],
      [UnknownKeyGroupLocationError.forServer("Queryable State Proxy Server"), "UNKNOWN_KEY_GROUP_LOCATION", "Queryable State Proxy Server : Unknown key-group location."],
      [UnknownLocationError.forState("query-name", new JobID(1n, 2n)), "UNKNOWN_LOCATION", "Could not retrieve location of state=query-name of job=00000000000000010000000000000002. Potential reasons are: i) the state is not ready, or ii) the job does not exist."],
      [UnknownJobManagerError.create(), "UNKNOWN_JOB_MANAGER", "Unknown JobManager. Either the JobManager has not registered yet or has lost leadership."],
      [BadRequestError.create("Queryable State Server", "NULL returned for request with ID 5."), "BAD_REQUEST", "Queryable State Server : NULL returned for request with ID 5."],
    ];
    for (const [error, code, message] of cases) {
      assert.equal(error.code, code);
      assert.equal(error.remoteMessage, message);
      assert.ok(error instanceof QueryableStateError);
      const f = body(encodeRequestFailureFrame(11n, javaThrowableOf(error)));
      assert.equal(f.type, MessageType.REQUEST_FAILURE);
      assert.equal(f.requestId, 11n);
      const back = decodeFailureError(f.body);
      assert.equal(back.constructor, error.constructor);
      assert.equal(back.code, code);
      assert.equal(back.remoteMessage, message);
      assert.equal(back.javaClassName, error.javaClassName);
    }
    assert.ok(UnknownKeyOrNamespaceError.forServer("s") instanceof BadRequestError, "keeps Flink's hierarchy");
  });

  test("unknown Java classes become RemoteError keeping class, message and cause", () => {
    const f = body(encodeServerFailureFrame({
      className: "java.lang.RuntimeException",
      message: "outer",
      cause: { className: "java.lang.IllegalStateException", message: "inner" },
    }));
    assert.equal(f.type, MessageType.SERVER_FAILURE);
    const e = decodeFailureError(f.body);
    assert.equal(e.code, "REMOTE");
    assert.equal(e.remoteClassName, "java.lang.RuntimeException");
    assert.equal(e.message, "java.lang.RuntimeException: outer");
    assert.ok(e.cause instanceof RemoteError);
    assert.equal((e.cause as RemoteError).remoteClassName, "java.lang.IllegalStateException");
    const t = decodeFailureBody(f.body);
    assert.equal(t.cause?.message, "inner");
  });

  test("an unknown subclass of a known Flink exception keeps its meaning", () => {
    const e = errorFromJavaThrowable({
      className: "com.example.MyMissingKey",
      message: "gone",
      classChain: [
        { name: "com.example.MyMissingKey", serialVersionUID: 7n },
        { name: UnknownKeyOrNamespaceError.javaClassName, serialVersionUID: 1n },
        { name: "org.apache.flink.queryablestate.network.BadRequestException", serialVersionUID: 3458743952407632903n },
        { name: "java.lang.Exception", serialVersionUID: -3387516993124229948n },
        { name: "java.lang.Throwable", serialVersionUID: -3042686055658047285n },
      ],
    });
    assert.equal(e.code, "UNKNOWN_KEY_OR_NAMESPACE");
    assert.equal(e.remoteClassName, "com.example.MyMissingKey");
    const f = body(encodeRequestFailureFrame(1n, e.toJavaThrowable()));
    assert.equal(decodeFailureBody(f.body).classChain[0].serialVersionUID, 7n, "re-sent with its own chain");
  });

  test("local errors are sent as RuntimeException with their text", () => {
    const t = javaThrowableOf(new TypeError("bad"));
    assert.deepEqual(t, { className: "java.lang.RuntimeException", message: "TypeError: bad" });
    assert.equal(javaThrowableOf("x").message, "x");
  });

  test("a stack trace embedded in the remote text (as Flink's proxy sends it) is left out of message, kept in remoteMessage", () => {
    const text = "Failed request 3.\n Caused by: org.apache.flink.runtime.query.UnknownKvStateLocation: No KvStateLocation found for KvState instance with name 'x'.\n" +
      "\tat org.apache.flink.runtime.scheduler.KvStateHandler.requestKvStateLocation(KvStateHandler.java:64)\n\t... 12 more\n";
    const e = errorFromJavaThrowable({ className: "java.lang.RuntimeException", message: text });
    assert.equal(e.code, "UNKNOWN_STATE_NAME");
    assert.equal(e.remoteMessage, text);
    assert.ok(!e.message.includes("\tat "), e.message);
    assert.ok(!e.message.includes("more"), e.message);
    // The message names what was recognised, once, and the hint once; remoteMessage keeps the wrapper.
    assert.equal(e.message, "org.apache.flink.runtime.query.UnknownKvStateLocation: No KvStateLocation found for KvState instance with name 'x'. (check the queryable state name the job registered)");
  });

  test("a proxy's unreachable-server failure reads as one cause and one hint (each message once)", () => {
    const text = "Failed request 0.\n Caused by: java.net.ConnectException: Cannot connect to 127.0.0.1:4: connection refused.\n" +
      "Caused by: TransportError: Cannot connect to 127.0.0.1:4: connection refused.\nCaused by: Error: connect ECONNREFUSED 127.0.0.1:4";
    const e = errorFromJavaThrowable({ className: "java.lang.RuntimeException", message: text });
    assert.equal(e.code, "SERVER_UNREACHABLE");
    assert.equal(e.remoteMessage, text);
    assert.equal(
      e.message,
      "java.net.ConnectException: Cannot connect to 127.0.0.1:4: connection refused.; caused by: Error: connect ECONNREFUSED 127.0.0.1:4 " +
        "(the task manager holding this key may be down or restarting: retry once it is back)",
    );
    assert.equal(e.message.match(/retry once it is back/g)?.length, 1);
    // An unrecognised failure keeps its whole text.
    const other = errorFromJavaThrowable({ className: "java.lang.RuntimeException", message: "Failed request 1.\n Caused by: java.lang.IllegalStateException: boom" });
    assert.equal(other.code, "REMOTE");
    assert.equal(other.message, "java.lang.RuntimeException: Failed request 1.\n Caused by: java.lang.IllegalStateException: boom");
  });

  test("a proxy's etcd outage reaches the client as EtcdUnavailableError, and Flink's client sees a RuntimeException", () => {
    const local = new EtcdUnavailableError("/v3/kv/range", new Error("no member answered"));
    assert.equal(local.code, "ETCD_UNAVAILABLE");
    // What the proxy sends: Flink's "Failed request" RuntimeException, naming our class in its text.
    const sent = requestFailureThrowable(7n, local);
    assert.equal(sent.className, "java.lang.RuntimeException");
    assert.match(sent.message!, /^Failed request 7\.\n Caused by: dev\.qstate\.EtcdUnavailableException: etcd \/v3\/kv\/range failed: no member answered/);
    const back = decodeFailureError(body(encodeRequestFailureFrame(7n, sent)).body);
    assert.ok(back instanceof EtcdUnavailableError);
    assert.equal(back.code, "ETCD_UNAVAILABLE");
    assert.match(back.message, /^dev\.qstate\.EtcdUnavailableException: etcd \/v3\/kv\/range failed: no member answered.* \(check that etcd's members run/);
  });
});
