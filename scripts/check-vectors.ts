/**
 * Checks a golden-vector file (schema: tests/fixtures/vectors/README.md) against the public API of
 * mod.ts, in both directions wherever a vector allows. Prints one line per failure and ends
 * with `N passed, M failed`. Exit code 1 when anything failed, a category or field is not
 * understood, or a vector could not be checked.
 *
 *   npx tsx scripts/check-vectors.ts FILE      deno run -A scripts/check-vectors.ts FILE
 *   bun scripts/check-vectors.ts FILE
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import * as qs from "./all-exports.ts";
import type { TypeSerializer } from "../mod.ts";
import type { JavaThrowable } from "../protocol.ts";
import { avroSerializer } from "../avro.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
type Typed = { type: string; [k: string]: Json };

// ---------------------------------------------------------------- typed values

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "<" || c === "[") depth++;
    else if (c === ">" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

const SERIALIZERS: Record<string, TypeSerializer<Json>> = {
  IntSerializer: qs.intSerializer,
  LongSerializer: qs.longSerializer,
  StringSerializer: qs.stringSerializer,
  BooleanSerializer: qs.booleanSerializer,
  DoubleSerializer: qs.doubleSerializer,
  FloatSerializer: qs.floatSerializer,
  ShortSerializer: qs.shortSerializer,
  ByteSerializer: qs.byteSerializer,
  CharSerializer: qs.charSerializer,
  BytePrimitiveArraySerializer: qs.bytesSerializer,
  VoidNamespaceSerializer: qs.voidNamespaceSerializer,
};

/** Flink serializer name (as the generator prints it) → our serializer. */
function serializerByName(name: string): TypeSerializer<Json> {
  const s = Object.hasOwn(SERIALIZERS, name) ? SERIALIZERS[name] : undefined;
  if (s) return s;
  const tuple = /^TupleSerializer<.*>\[(.*)\]$/.exec(name);
  if (tuple) return qs.tupleSerializer(...splitTop(tuple[1]).map(serializerByName));
  throw new NotUnderstood(`serializer ${JSON.stringify(name)}`);
}

const TYPE_SERIALIZERS: Record<string, TypeSerializer<Json>> = {
  int: qs.intSerializer,
  long: qs.longSerializer,
  string: qs.stringSerializer,
  boolean: qs.booleanSerializer,
  double: qs.doubleSerializer,
  float: qs.floatSerializer,
  short: qs.shortSerializer,
  byte: qs.byteSerializer,
  char: qs.charSerializer,
  bytes: qs.bytesSerializer,
  void: qs.voidNamespaceSerializer,
};

/** Typed-value type name → our serializer (for Java hashCode). */
function serializerByType(type: string): TypeSerializer<Json> {
  const s = Object.hasOwn(TYPE_SERIALIZERS, type) ? TYPE_SERIALIZERS[type] : undefined;
  if (s) return s;
  const tuple = /^tuple(\d+)<(.*)>$/.exec(type);
  if (tuple) return qs.tupleSerializer(...splitTop(tuple[2]).map(serializerByType));
  throw new NotUnderstood(`value type ${JSON.stringify(type)}`);
}

function tupleFieldTypes(t: Typed): Typed[] {
  const n = Number(/^tuple(\d+)</.exec(t.type)![1]);
  return Array.from({ length: n }, (_, i) => t[`f${i}`]);
}

function bitsToNumber(hex: string, float: boolean): number {
  const b = qs.fromHex(hex);
  const v = new DataView(b.buffer);
  return float ? v.getFloat32(0) : v.getFloat64(0);
}

function numberToBits(n: number, float: boolean): string {
  if (Number.isNaN(n)) return float ? "7fc00000" : "7ff8000000000000";
  const b = new Uint8Array(float ? 4 : 8);
  const v = new DataView(b.buffer);
  if (float) v.setFloat32(0, n);
  else v.setFloat64(0, n);
  return qs.toHex(b);
}

function isNaNBits(hex: string, float: boolean): boolean {
  return Number.isNaN(bitsToNumber(hex, float));
}

/** Typed JSON value → the JS value our API uses. */
function fromTyped(t: Typed): Json {
  // A typed null ({type: "long", value: null}): Java's null of that type.
  if (t.value === null && t.bits === undefined && !/^tuple\d+</.test(t.type)) return null;
  switch (t.type) {
    case "int":
    case "short":
    case "byte":
    case "boolean":
      return t.value;
    case "long":
      return BigInt(t.value);
    case "string":
      return t.value;
    case "double":
      return bitsToNumber(t.bits, false);
    case "float":
      return bitsToNumber(t.bits, true);
    case "char":
      return String.fromCharCode(t.value);
    case "bytes":
      return t.value === null ? null : qs.fromHex(t.value);
    case "void":
      return qs.VoidNamespace;
  }
  if (/^tuple\d+</.test(t.type)) return tupleFieldTypes(t).map(fromTyped);
  throw new NotUnderstood(`value type ${JSON.stringify(t.type)}`);
}

/** Why `actual` differs from the typed `expected`, or undefined when equal. */
function typedDiff(expected: Typed | null, actual: Json): string | undefined {
  if (expected === null) return actual === null ? undefined : `expected null, got ${show(actual)}`;
  const t = expected;
  const bad = () => `expected ${JSON.stringify(t)}, got ${show(actual)}`;
  switch (t.type) {
    case "double":
    case "float": {
      const float = t.type === "float";
      if (typeof actual !== "number") return bad();
      if (isNaNBits(t.bits, float)) return Number.isNaN(actual) ? undefined : bad();
      return numberToBits(actual, float) === t.bits ? undefined : bad();
    }
    case "bytes":
      if (t.value === null) return actual === null ? undefined : bad();
      return actual instanceof Uint8Array && qs.toHex(actual) === t.value ? undefined : bad();
    case "void":
      return actual === qs.VoidNamespace ? undefined : bad();
  }
  if (/^tuple\d+</.test(t.type)) {
    const fields = tupleFieldTypes(t);
    if (!Array.isArray(actual) || actual.length !== fields.length) return bad();
    for (let i = 0; i < fields.length; i++) if (typedDiff(fields[i], actual[i])) return bad();
    return undefined;
  }
  return Object.is(fromTyped(t), actual) ? undefined : bad();
}

function show(v: Json): string {
  if (v instanceof Uint8Array) return `bytes(${qs.toHex(v)})`;
  if (typeof v === "bigint") return `${v}n`;
  if (v === qs.VoidNamespace) return "VoidNamespace";
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (v instanceof Map) return `Map{${[...v].map(([k, x]) => `${show(k)}=>${show(x)}`).join(", ")}}`;
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

// ---------------------------------------------------------------- checking helpers

class NotUnderstood extends Error {}

class Check {
  readonly failures: string[] = [];
  readonly notes: string[] = [];
  eq(what: string, actual: Json, expected: Json): void {
    if (actual !== expected) this.failures.push(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
  hex(what: string, actual: Uint8Array | null, expected: string | null): void {
    const a = actual === null ? null : qs.toHex(actual);
    if (a !== expected) this.failures.push(`${what}: expected ${clip(expected)}, got ${clip(a)}`);
  }
  typed(what: string, actual: Json, expected: Typed | null): void {
    const d = typedDiff(expected, actual);
    if (d) this.failures.push(`${what}: ${d}`);
  }
  fail(what: string): void {
    this.failures.push(what);
  }
  /** Runs `fn`, which must throw an error matching the Java `{class, message, cause?}`. */
  throws(what: string, fn: () => unknown, expected: Json): void {
    try {
      const got = fn();
      this.failures.push(`${what}: expected ${expected.class}, but it returned ${show(got)}`);
    } catch (e) {
      const d = errorDiff(e, expected, this);
      if (d) this.failures.push(`${what}: ${d}`);
    }
  }
  /** Runs `fn`, which must throw a library error with `code` whose message includes `includes`. */
  code(what: string, fn: () => unknown, code: string, includes?: string): void {
    try {
      const got = fn();
      this.failures.push(`${what}: expected ${code}, but it returned ${show(got)}`);
    } catch (e) {
      if (!(e instanceof qs.QueryableStateError) || e.code !== code) {
        this.failures.push(`${what}: expected ${code}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      } else if (includes !== undefined && !e.message.includes(includes)) {
        this.failures.push(`${what}: the ${code} message does not name ${includes}: ${e.message}`);
      }
    }
  }
  /** Runs `fn`; an unexpected throw is a failure. */
  run<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (e instanceof NotUnderstood) throw e;
      this.failures.push(`${what}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      return undefined;
    }
  }
}

function clip(s: string | null): string {
  if (s === null) return "null";
  return s.length > 80 ? `${s.slice(0, 80)}…(${s.length / 2} bytes)` : s;
}

function hexOrNull(hex: string | null): Uint8Array | null {
  return hex === null ? null : qs.fromHex(hex);
}

/**
 * Where Java fails by accident (a negative byte[] length read from the input makes the JVM
 * throw NegativeArraySizeException, unwrapped), we deliberately report a SerializationError
 * naming the negative length: accepted, with a note.
 */
function deliberateDifference(e: unknown, expected: Json, c?: Check): boolean {
  if (expected.class !== "java.lang.NegativeArraySizeException") return false;
  for (let x: unknown = e; x instanceof qs.QueryableStateError; x = (x as Error).cause) {
    if (x instanceof qs.SerializationError && /negative/i.test(x.message)) {
      c?.notes.push(`Java throws ${expected.class} (${expected.message}); we report SerializationError: ${x.message}`);
      return true;
    }
  }
  return false;
}

function errorDiff(e: unknown, expected: Json, c?: Check): string | undefined {
  if (deliberateDifference(e, expected, c)) return undefined;
  if (!(e instanceof qs.QueryableStateError)) {
    return `expected ${expected.class}, got non-library error ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
  if (e.javaClassName !== expected.class) {
    return `expected ${expected.class}, got ${e.constructor.name} (${e.javaClassName}): ${e.message}`;
  }
  if (expected.message !== null && expected.message !== undefined && e.message !== expected.message) {
    return `expected message ${JSON.stringify(expected.message)}, got ${JSON.stringify(e.message)}`;
  }
  if (expected.cause) return errorDiff(e.cause, expected.cause);
  return undefined;
}

function typedKeys(entry: Json, allowed: string[], c: Check): void {
  for (const k of Object.keys(entry)) {
    if (!allowed.includes(k)) throw new NotUnderstood(`field ${JSON.stringify(k)}`);
  }
  void c;
}

function decodeOneFrame(bytes: Uint8Array): qs.Frame {
  const d = new qs.FrameDecoder({ maxFrameLength: 0x7fffffff });
  d.push(bytes);
  const f = d.next();
  if (!f) throw new Error("incomplete frame");
  if (d.bufferedBytes !== 0) throw new Error(`${d.bufferedBytes} byte(s) after the frame`);
  return f;
}

// ---------------------------------------------------------------- failures

function throwableDiff(t: JavaThrowable | null, exp: Json, path: string): string[] {
  if (exp === null) return t === null ? [] : [`${path}: expected no cause, got ${t.className}`];
  if (t === null) return [`${path}: expected ${exp.className}, got none`];
  const out: string[] = [];
  const known = ["className", "classChain", "message", "messageEmbedsStackTrace", "messageStablePrefix", "stackTraceLength", "toString", "cause"];
  for (const k of Object.keys(exp)) if (!known.includes(k)) throw new NotUnderstood(`expected.${k}`);
  if (t.className !== exp.className) out.push(`${path}.className: expected ${exp.className}, got ${t.className}`);
  const chain = t.classChain.map((c) => `${c.name}#${c.serialVersionUID}`).join(" > ");
  const expChain = exp.classChain.map((c: Json) => `${c.name}#${c.serialVersionUID}`).join(" > ");
  if (chain !== expChain) out.push(`${path}.classChain: expected ${expChain}, got ${chain}`);
  if (t.message !== exp.message) out.push(`${path}.message: expected ${JSON.stringify(exp.message)}, got ${JSON.stringify(t.message)}`);
  if (exp.messageStablePrefix !== undefined && !(t.message ?? "").startsWith(exp.messageStablePrefix)) {
    out.push(`${path}.message does not start with messageStablePrefix`);
  }
  if (exp.messageEmbedsStackTrace === true && !(t.message ?? "").includes("\tat ")) {
    out.push(`${path}.message should embed a stack trace`);
  }
  if (t.stackTrace.length !== exp.stackTraceLength) {
    out.push(`${path}.stackTrace.length: expected ${exp.stackTraceLength}, got ${t.stackTrace.length}`);
  }
  const str = qs.javaThrowableToString(t);
  if (str !== exp.toString) out.push(`${path}.toString: expected ${JSON.stringify(exp.toString)}, got ${JSON.stringify(str)}`);
  return out.concat(throwableDiff(t.cause, exp.cause ?? null, `${path}.cause`));
}

function initFromExpected(exp: Json, withChain: boolean): qs.JavaThrowableInit {
  return {
    className: exp.className,
    message: exp.message,
    cause: exp.cause ? initFromExpected(exp.cause, withChain) : null,
    classChain: withChain
      ? exp.classChain.map((c: Json) => ({ name: c.name, serialVersionUID: BigInt(c.serialVersionUID) }))
      : undefined,
  };
}

const FAILURE_FIELDS = [
  "description", "constructedAs", "variant", "requestId", "messageType", "javaSerializationOffset", "frame",
  "frameLength", "expected", "reserializationIdentical", "emptyStackTraceFrame", "deterministic",
  "variableRanges", "stableRanges",
];

function checkFailure(e: Json, c: Check): void {
  const frame = qs.fromHex(e.frame);
  c.eq("frameLength", frame.length, e.frameLength ?? frame.length);
  const wantType = e.messageType === "REQUEST_FAILURE" ? qs.MessageType.REQUEST_FAILURE : qs.MessageType.SERVER_FAILURE;
  if (e.messageType !== "REQUEST_FAILURE" && e.messageType !== "SERVER_FAILURE") throw new NotUnderstood(`messageType ${e.messageType}`);
  // Decode direction: frame → type, id, Throwable.
  const f = c.run("decode frame", () => decodeOneFrame(frame));
  if (f) {
    c.eq("decoded type", f.type, wantType);
    if (e.requestId !== undefined) c.eq("decoded requestId", f.requestId, BigInt(e.requestId));
    c.eq("javaSerializationOffset", f.body.byteOffset - frame.byteOffset, e.javaSerializationOffset);
    const t = c.run("read Java Throwable", () => qs.decodeFailureBody(f.body));
    if (t) for (const d of throwableDiff(t, e.expected, "throwable")) c.fail(d);
    const err = c.run("map to error class", () => qs.decodeFailureError(f.body));
    if (err && err.javaClassName !== e.expected.className) c.fail(`mapped error keeps class: got ${err.javaClassName}`);
  }
  // Encode direction: our writer must give Flink's bytes for the same exception with empty stack traces.
  const target = e.deterministic === true ? e.frame : e.emptyStackTraceFrame;
  if (target === undefined) {
    c.fail("no byte-exact target frame (neither deterministic nor emptyStackTraceFrame)");
    return;
  }
  const encode = (init: qs.JavaThrowableInit) =>
    wantType === qs.MessageType.REQUEST_FAILURE
      ? qs.encodeRequestFailureFrame(BigInt(e.requestId), init)
      : qs.encodeServerFailureFrame(init);
  c.hex("encode (with classChain)", c.run("encode", () => encode(initFromExpected(e.expected, true))) ?? null, target);
  // Without a chain our table of known classes must give the same bytes; unknown classes may refuse.
  try {
    c.hex("encode (known classes)", encode(initFromExpected(e.expected, false)), target);
  } catch (err) {
    if (!(err instanceof qs.InvalidArgumentError)) c.fail(`encode (known classes) threw ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------- categories

type Handler = { fields: string[]; check(e: Json, c: Check): void };

const handlers: Record<string, Handler> = {
  javaHashCode: {
    fields: ["key", "hashCode"],
    check(e, c) {
      c.eq("hashCode", c.run("hashCode", () => serializerByType(e.key.type).hashCode!(fromTyped(e.key))), e.hashCode);
    },
  },
  murmurHash: {
    fields: ["input", "output"],
    check(e, c) {
      c.eq("murmurHash", qs.murmurHash(e.input), e.output);
    },
  },
  assignToKeyGroup: {
    fields: ["key", "hashCode", "murmurHash", "maxParallelism", "keyGroup"],
    check(e, c) {
      const hash = c.run("hashCode", () => serializerByType(e.key.type).hashCode!(fromTyped(e.key)));
      c.eq("hashCode", hash, e.hashCode);
      c.eq("murmurHash", qs.murmurHash(e.hashCode), e.murmurHash);
      c.eq("keyGroup", qs.computeKeyGroupForKeyHash(e.hashCode, e.maxParallelism), e.keyGroup);
    },
  },
  keyGroupRangeForOperatorIndex: {
    fields: ["maxParallelism", "parallelism", "operatorIndex", "startKeyGroup", "endKeyGroup", "error", "note"],
    check(e, c) {
      const run = () => qs.computeKeyGroupRangeForOperatorIndex(e.maxParallelism, e.parallelism, e.operatorIndex);
      if (e.error) return c.throws("range", run, e.error);
      const r = c.run("range", run);
      if (r) {
        c.eq("startKeyGroup", r.startKeyGroup, e.startKeyGroup);
        c.eq("endKeyGroup", r.endKeyGroup, e.endKeyGroup);
      }
    },
  },
  operatorIndexForKeyGroup: {
    fields: ["maxParallelism", "parallelism", "keyGroupId", "operatorIndex"],
    check(e, c) {
      c.eq("operatorIndex", qs.computeOperatorIndexForKeyGroup(e.maxParallelism, e.parallelism, e.keyGroupId), e.operatorIndex);
    },
  },
  defaultMaxParallelism: {
    fields: ["parallelism", "maxParallelism", "error"],
    check(e, c) {
      const run = () => qs.computeDefaultMaxParallelism(e.parallelism);
      if (e.error) return c.throws("defaultMaxParallelism", run, e.error);
      c.eq("maxParallelism", c.run("defaultMaxParallelism", run), e.maxParallelism);
    },
  },
  serializers: {
    fields: ["serializer", "input", "bytes", "deserialized", "error"],
    check(e, c) {
      const s = serializerByName(e.serializer);
      const value = fromTyped(e.input);
      const write = () => {
        const w = new qs.ByteWriter();
        s.serialize(value, w);
        return w.toBytes();
      };
      if (e.error) return c.throws("serialize", write, e.error);
      c.hex("serialize", c.run("serialize", write) ?? null, e.bytes);
      const r = new qs.ByteReader(qs.fromHex(e.bytes));
      c.typed("deserialize", c.run("deserialize", () => s.deserialize(r)), e.deserialized);
      c.eq("bytes left after deserialize", r.remaining, 0);
    },
  },
  keyAndNamespace: {
    fields: ["keySerializer", "key", "namespaceSerializer", "namespace", "keyHashCode", "keyHashCodeNote", "bytes", "deserializedKey", "deserializedNamespace"],
    check(e, c) {
      const ks = serializerByName(e.keySerializer);
      const ns = serializerByName(e.namespaceSerializer);
      const key = fromTyped(e.key);
      c.hex("serializeKeyAndNamespace", c.run("serialize", () => qs.serializeKeyAndNamespace(key, ks, fromTyped(e.namespace), ns)) ?? null, e.bytes);
      const d = c.run("deserialize", () => qs.deserializeKeyAndNamespace(qs.fromHex(e.bytes), ks, ns));
      if (d) {
        c.typed("deserializedKey", d.key, e.deserializedKey);
        c.typed("deserializedNamespace", d.namespace, e.deserializedNamespace);
      }
      checkKeyHash(e.key, key, ks, e.keyHashCode, c);
    },
  },
  deserializeKeyAndNamespaceErrors: {
    fields: ["keySerializer", "namespaceSerializer", "bytes", "description", "error"],
    check(e, c) {
      c.throws("deserializeKeyAndNamespace", () =>
        qs.deserializeKeyAndNamespace(qs.fromHex(e.bytes), serializerByName(e.keySerializer), serializerByName(e.namespaceSerializer)), e.error);
    },
  },
  serializeValue: {
    fields: ["serializer", "input", "bytes", "deserialized"],
    check(e, c) {
      const s = serializerByName(e.serializer);
      c.hex("serializeValue", c.run("serializeValue", () => qs.serializeValue(fromTyped(e.input), s)) ?? null, e.bytes);
      const bytes = e.bytes === null ? null : qs.fromHex(e.bytes);
      c.typed("deserializeValue", c.run("deserializeValue", () => qs.deserializeValue(bytes, s)), e.deserialized);
    },
  },
  deserializeValueErrors: {
    fields: ["serializer", "bytes", "error"],
    check(e, c) {
      c.throws("deserializeValue", () => qs.deserializeValue(hexOrNull(e.bytes), serializerByName(e.serializer)), e.error);
    },
  },
  listState: {
    fields: ["elementSerializer", "elements", "bytes", "deserialized"],
    check(e, c) {
      const s = serializerByName(e.elementSerializer);
      c.hex("serializeList", c.run("serializeList", () => qs.serializeList(e.elements.map(fromTyped), s)) ?? null, e.bytes);
      checkList(c.run("deserializeList", () => qs.deserializeList(qs.fromHex(e.bytes), s)), e.deserialized, c);
    },
  },
  deserializeListQuirks: {
    fields: ["elementSerializer", "bytes", "description", "deserialized", "error"],
    check(e, c) {
      const run = () => qs.deserializeList(hexOrNull(e.bytes), serializerByName(e.elementSerializer));
      if (e.error) return c.throws("deserializeList", run, e.error);
      checkList(c.run("deserializeList", run), e.deserialized, c);
    },
  },
  mapState: {
    fields: ["keySerializer", "valueSerializer", "entries", "bytes", "deserialized"],
    check(e, c) {
      const ks = serializerByName(e.keySerializer);
      const vs = serializerByName(e.valueSerializer);
      const entries = e.entries.map(([k, v]: [Typed, Typed | null]) => [fromTyped(k), v === null ? null : fromTyped(v)]);
      c.hex("serializeMap", c.run("serializeMap", () => qs.serializeMap(entries, ks, vs)) ?? null, e.bytes);
      const m = c.run("deserializeMap", () => qs.deserializeMap(qs.fromHex(e.bytes), ks, vs));
      if (!m) return;
      // Flink decodes into a HashMap: compare as a set of entries, not by order.
      const expected = e.deserialized as [Typed, Typed | null][];
      const zeros = expected.filter(([k]) => k.type === "double" && (k.bits === "0000000000000000" || k.bits === "8000000000000000"));
      const merged = zeros.length === 2;
      if (merged) {
        // The documented limit of deserializeMap: one JS Map key for 0 and -0.
        c.notes.push("Java keeps Double keys 0.0 and -0.0 apart; a JS Map holds them as one key (documented)");
        if (!m.has(0)) c.fail("deserializeMap: no key 0 for Java's 0.0 / -0.0");
      }
      c.eq("map size", m.size, expected.length - (merged ? 1 : 0));
      for (const [k, v] of expected) {
        if (merged && zeros.some(([z]) => z === k)) continue;
        const hit = [...m].find(([mk]) => typedDiff(k, mk) === undefined);
        if (!hit) c.fail(`deserializeMap: missing key ${JSON.stringify(k)}`);
        else c.typed(`deserializeMap value of ${JSON.stringify(k)}`, hit[1], v);
      }
    },
  },
  requestFrames: {
    fields: ["requestId", "jobId", "stateName", "stateNameUtf8", "decodedStateName", "stateNameRoundTrips", "key", "keySerializer", "namespaceSerializer", "keyHashCode", "serializedKeyAndNamespace", "payload", "frame"],
    check(e, c) {
      const jobId = checkId(qs.JobID, e.jobId, c);
      const ks = serializerByName(e.keySerializer);
      const ns = serializerByName(e.namespaceSerializer);
      const key = fromTyped(e.key);
      const keyNs = c.run("serializeKeyAndNamespace", () => qs.serializeKeyAndNamespace(key, ks, qs.VoidNamespace, ns));
      c.hex("serializedKeyAndNamespace", keyNs ?? null, e.serializedKeyAndNamespace);
      checkKeyHash(e.key, key, ks, e.keyHashCode, c);
      const req = new qs.KvStateRequest(jobId, e.stateName, e.keyHashCode, qs.fromHex(e.serializedKeyAndNamespace));
      c.hex("stateNameUtf8", req.stateNameBytes, e.stateNameUtf8);
      checkFrame(c, e, qs.MessageType.REQUEST, req, (body) => {
        const d = qs.KvStateRequest.decode(body);
        c.eq("decoded jobId", d.jobId.toString(), e.jobId.hex);
        c.eq("decoded stateName", d.stateName, e.decodedStateName);
        c.eq("stateNameRoundTrips", d.stateName === e.stateName, e.stateNameRoundTrips);
        c.eq("decoded keyHashCode", d.keyHashCode, e.keyHashCode);
        c.hex("decoded key and namespace", d.serializedKeyAndNamespace, e.serializedKeyAndNamespace);
      });
    },
  },
  internalRequestFrames: {
    fields: ["requestId", "kvStateId", "serializedKeyAndNamespace", "payload", "frame"],
    check(e, c) {
      const id = checkId(qs.KvStateID, e.kvStateId, c);
      const req = new qs.KvStateInternalRequest(id, qs.fromHex(e.serializedKeyAndNamespace));
      checkFrame(c, e, qs.MessageType.REQUEST, req, (body) => {
        const d = qs.KvStateInternalRequest.decode(body);
        c.eq("decoded kvStateId", d.kvStateId.toString(), e.kvStateId.hex);
        c.hex("decoded key and namespace", d.serializedKeyAndNamespace, e.serializedKeyAndNamespace);
      });
    },
  },
  responseFrames: {
    fields: ["requestId", "content", "payload", "frame"],
    check(e, c) {
      const res = new qs.KvStateResponse(qs.fromHex(e.content));
      checkFrame(c, e, qs.MessageType.REQUEST_RESULT, res, (body) => {
        c.hex("decoded content", qs.KvStateResponse.decode(body).content, e.content);
      });
    },
  },
  requestFailureFrames: { fields: FAILURE_FIELDS, check: checkFailure },
  serverFailureFrames: { fields: FAILURE_FIELDS, check: checkFailure },
  wireCaptures: {
    fields: ["scenario", "description", "sentFrame", "content", ...FAILURE_FIELDS],
    check(e, c) {
      // What was sent: Flink answered it (REQUEST_RESULT/FAILURE) ⇒ a valid internal request;
      // Flink refused it with SERVER_FAILURE ⇒ our decoder must refuse it too.
      let sent: qs.KvStateInternalRequest | qs.Frame | undefined;
      let sentError: unknown;
      try {
        const f = decodeOneFrame(qs.fromHex(e.sentFrame));
        sent = f;
        if (f.type === qs.MessageType.REQUEST) sent = qs.KvStateInternalRequest.decode(f.body);
      } catch (err) {
        sentError = err;
      }
      if (e.messageType === "SERVER_FAILURE") {
        if (sent instanceof qs.KvStateInternalRequest) c.fail("sentFrame decodes as a valid request, but Flink refused it");
        else if (sentError !== undefined && !(sentError instanceof qs.QueryableStateError)) {
          c.fail(`sentFrame refused with a non-library error: ${(sentError as Error).message}`);
        }
        return checkFailure(e, c);
      }
      if (!(sent instanceof qs.KvStateInternalRequest)) {
        c.fail(`sentFrame should decode as a request: ${(sentError as Error)?.message ?? "not a REQUEST"}`);
      }
      if (e.messageType === "REQUEST_FAILURE") return checkFailure(e, c);
      if (e.messageType !== "REQUEST_RESULT") throw new NotUnderstood(`messageType ${e.messageType}`);
      const res = new qs.KvStateResponse(qs.fromHex(e.content));
      checkFrame(c, { ...e, payload: undefined }, qs.MessageType.REQUEST_RESULT, res, (body) => {
        c.hex("decoded content", qs.KvStateResponse.decode(body).content, e.content);
      });
    },
  },
  types: {
    fields: ["expression", "serializer", "bytes", "json", "hashCode", "keyable", "bytesLeft", "errorCode", "errorIncludes"],
    check(e, c) {
      if (e.errorCode === "UNSUPPORTED_TYPE") {
        return c.code("parse", () => qs.parseTypeExpression(e.expression), e.errorCode, e.errorIncludes);
      }
      const s = c.run("parse", () => qs.parseTypeExpression(e.expression));
      if (!s) return;
      const bytes = qs.fromHex(e.bytes);
      if (e.errorCode) return c.code("deserialize", () => s.deserialize(new qs.ByteReader(bytes)), e.errorCode, e.errorIncludes);
      const r = new qs.ByteReader(bytes);
      const v = c.run("deserialize", () => s.deserialize(r));
      c.eq("bytes left after deserialize", r.remaining, e.bytesLeft ?? 0);
      const json = qs.toJsonValue(v);
      if (!jsonEqual(json, e.json)) c.fail(`json: expected ${JSON.stringify(e.json)}, got ${JSON.stringify(json)}`);
      const w = new qs.ByteWriter();
      c.run("serialize", () => s.serialize(v, w));
      c.hex("serialize", w.toBytes(), e.bytes);
      if (s.length >= 0) c.eq("fixed length", s.length, bytes.length);
      if (e.keyable === false && s.hashCode !== undefined) c.fail(`${s.name} offers a hashCode, but Java's is per-JVM`);
      if (e.hashCode !== undefined) {
        if (s.hashCode === undefined) c.fail(`${s.name} has no hashCode, expected ${e.hashCode}`);
        else c.eq("hashCode", c.run("hashCode", () => s.hashCode!(v)), e.hashCode);
      }
    },
  },
  // flink-avro's AvroSerializer (generic records): our queryable-state/avro entry, both directions.
  avro: {
    fields: ["description", "serializer", "schema", "bytes", "json", "errorCode", "javaError"],
    check(e, c) {
      const s = c.run("schema", () => avroSerializer(e.schema));
      if (!s) return;
      const bytes = qs.fromHex(e.bytes);
      if (e.errorCode) return c.code("deserialize", () => s.deserialize(new qs.ByteReader(bytes)), e.errorCode);
      const r = new qs.ByteReader(bytes);
      const v = c.run("deserialize", () => s.deserialize(r));
      c.eq("bytes left after deserialize", r.remaining, 0);
      const json = qs.toJsonValue(v);
      if (!jsonEqual(json, e.json)) c.fail(`json: expected ${JSON.stringify(e.json)}, got ${JSON.stringify(json)}`);
      const w = new qs.ByteWriter();
      c.run("serialize", () => s.serialize(v, w));
      c.hex("serialize", w.toBytes(), e.bytes);
      if (s.hashCode !== undefined) c.fail("an Avro serializer offers a hashCode, but keys are refused");
    },
  },
  // Flink's KryoSerializer (generic types), Flink 1.x and 2.x: read, the JSON, write back byte for byte, key hashes.
  kryo: {
    fields: ["description", "expression", "serializer", "bytes", "json", "javaClass", "hashCode", "bytesLeft",
      "flinkReadError", "errorCode", "errorIncludes", "jsonWritten", "flinkReadsBackAs", "typeInfo"],
    check(e, c) {
      const s = c.run("parse", () => qs.parseTypeExpression(e.expression));
      if (!s) return;
      const bytes = qs.fromHex(e.bytes);
      if (e.errorCode) return c.code("deserialize", () => s.deserialize(new qs.ByteReader(bytes)), e.errorCode, e.errorIncludes);
      const r = new qs.ByteReader(bytes);
      const v = c.run("deserialize", () => s.deserialize(r));
      c.eq("bytes left after deserialize", r.remaining, 0);
      const json = qs.toJsonValue(v);
      if (!jsonEqual(json, e.json)) c.fail(`json: expected ${JSON.stringify(e.json)}, got ${JSON.stringify(json)}`);
      // A top-level leaf (a number, a string) cannot carry its Java class: the entry names it.
      const typed = e.javaClass !== undefined && (v === null || typeof v !== "object") ? new qs.KryoTyped(e.javaClass, v) : v;
      const w = new qs.ByteWriter();
      c.run("serialize", () => s.serialize(typed, w));
      c.hex("serialize", w.toBytes(), e.bytes);
      if (e.hashCode !== undefined) c.eq("hashCode", c.run("hashCode", () => s.hashCode!(typed)), e.hashCode);
      if (e.flinkReadError !== undefined) c.notes.push(`Flink cannot read its own bytes back: ${e.flinkReadError}`);
      if (e.jsonWritten !== undefined) c.notes.push(`the bytes keep less than was written: ${JSON.stringify(e.jsonWritten)}`);
      if (e.flinkReadsBackAs !== undefined) c.notes.push(`Flink reads it back as an equal value that prints ${e.flinkReadsBackAs}`);
    },
  },
};

/** JSON values equal: arrays in order, objects whatever their key order, numbers by value. */
function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
}

let strictTupleHashes = false;

function checkKeyHash(typed: Typed, key: Json, ks: TypeSerializer<Json>, expected: number | null, c: Check): void {
  if (expected === null) {
    // Java gives such keys (byte[]) an identity hash: they must not be usable as keys.
    if (ks.hashCode !== undefined) c.fail(`${ks.name} offers a hashCode, but Java's is identity-based`);
    return;
  }
  if (ks.hashCode === undefined) return c.fail(`${ks.name} has no hashCode, expected ${expected}`);
  const ours = ks.hashCode(key);
  if (ours === expected) return;
  if (/^tuple\d+</.test(typed.type) && !strictTupleHashes) {
    // The generator serialized tuples with Flink's TupleSerializer but without Flink's Tuple
    // classes, so its Tuple2.hashCode() was Object's identity hash. Flink's TupleN.hashCode()
    // is value-based (31 * f0.hashCode() + f1.hashCode()), which is what routing uses.
    c.notes.push(`tuple key hashCode ${expected} is an identity hash in the generator; Flink's Tuple.hashCode() gives ${ours}`);
    return;
  }
  c.eq("keyHashCode", ours, expected);
}

function checkList(actual: Json[] | null | undefined, expected: Typed[], c: Check): void {
  if (!actual) return;
  c.eq("list length", actual.length, expected.length);
  expected.forEach((t, i) => c.typed(`list[${i}]`, actual[i], t));
}

function checkId<T extends qs.AbstractId>(
  cls: { new (l: bigint, u: bigint): T; fromHex(h: string): T },
  j: Json,
  c: Check,
): T {
  const id = new cls(BigInt(j.lowerPart), BigInt(j.upperPart));
  c.eq("id hex", id.toString(), j.hex);
  const parsed = c.run("id fromHex", () => cls.fromHex(j.hex));
  if (parsed) {
    c.eq("id lowerPart", parsed.lowerPart, BigInt(j.lowerPart));
    c.eq("id upperPart", parsed.upperPart, BigInt(j.upperPart));
  }
  return id;
}

function checkFrame(c: Check, e: Json, type: qs.MessageType, body: qs.MessageBody, checkBody: (b: Uint8Array) => void): void {
  const id = BigInt(e.requestId);
  if (e.payload !== undefined) {
    const w = new qs.ByteWriter();
    body.writeTo(w);
    c.hex("payload", w.view(), e.payload);
  }
  const encoded = type === qs.MessageType.REQUEST ? qs.encodeRequestFrame(id, body) : qs.encodeResponseFrame(id, body);
  c.hex("frame", encoded, e.frame);
  const f = c.run("decode frame", () => decodeOneFrame(qs.fromHex(e.frame)));
  if (!f) return;
  c.eq("decoded type", f.type, type);
  c.eq("decoded requestId", f.requestId, id);
  if (e.payload !== undefined) c.hex("decoded payload", f.body, e.payload);
  c.run("decode body", () => checkBody(f.body));
}

// ---------------------------------------------------------------- main

function main(): number {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: check-vectors FILE...");
    return 2;
  }
  let passed = 0, failed = 0;
  for (const file of files) {
    const [p, f] = checkFile(file);
    if (files.length > 1) console.log(`${file}: ${p} passed, ${f} failed`);
    passed += p;
    failed += f;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

function checkFile(file: string): [number, number] {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  // Files made by compat/flink (they name their Flink version) carry real Tuple hashes.
  strictTupleHashes = typeof doc.meta?.flinkVersion === "string";
  let passed = 0, failed = 0;
  if (doc.schemaVersion !== 1) {
    console.log(`FAIL schemaVersion ${doc.schemaVersion} is not understood (expected 1)`);
    failed++;
  }
  for (const [category, entries] of Object.entries(doc)) {
    if (category === "schemaVersion" || category === "meta") continue;
    const h = handlers[category];
    if (!h || !Array.isArray(entries)) {
      console.log(`FAIL category ${JSON.stringify(category)} is not understood`);
      failed++;
      continue;
    }
    entries.forEach((e: Json, i: number) => {
      const c = new Check();
      const where = `${category}[${i}]${e.description ? ` (${e.description})` : e.scenario ? ` (${e.scenario})` : ""}`;
      try {
        typedKeys(e, h.fields, c);
        h.check(e, c);
      } catch (err) {
        if (err instanceof NotUnderstood) c.fail(`not understood: ${err.message}`);
        else c.fail(`checker error: ${(err as Error).stack ?? err}`);
      }
      for (const n of c.notes) console.log(`note ${where}: ${n}`);
      if (c.failures.length === 0) passed++;
      else {
        failed++;
        for (const f of c.failures) console.log(`FAIL ${where}: ${f}`);
      }
    });
  }
  return [passed, failed];
}

process.exitCode = main();
