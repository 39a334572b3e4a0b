import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ByteWriter } from "../../src/core/bytes.ts";
import { InvalidArgumentError, TruncatedInputError } from "../../src/core/errors.ts";
import { fromHex, toHex } from "../../src/core/hex.ts";
import {
  classDataOf,
  isJavaArray,
  isJavaObject,
  JavaSerializationError,
  javaThrowableToString,
  KNOWN_THROWABLE_CLASSES,
  knownClassChain,
  ObjectStreamReader,
  ObjectStreamWriter,
  readJavaObject,
  readJavaThrowable,
  writeJavaThrowable,
} from "../../src/protocol/java/mod.ts";
import type {
  JavaClassDescSpec,
  JavaClassInfo,
  JavaThrowable,
  JavaThrowableSpec,
  JavaValue,
} from "../../src/protocol/java/mod.ts";

// ---------------------------------------------------------------------------------------
// Vectors

interface ExpectedThrowable {
  className: string;
  classChain: { name: string; serialVersionUID: string }[];
  message: string | null;
  stackTraceLength: number;
  toString: string;
  cause: ExpectedThrowable | null;
}
interface FailureVector {
  label: string;
  variant?: string;
  deterministic?: boolean;
  frame: string;
  emptyStackTraceFrame?: string;
  javaSerializationOffset: number;
  expected: ExpectedThrowable;
}

const vectorUrl = new URL("../fixtures/vectors/flink-golden.json", import.meta.url);
const golden = JSON.parse(new TextDecoder().decode(readFileSync(fileURLToPath(vectorUrl))));

const failureVectors: FailureVector[] = [];
for (const category of ["requestFailureFrames", "serverFailureFrames", "wireCaptures"]) {
  (golden[category] as Record<string, unknown>[]).forEach((entry, i) => {
    if (entry.expected === undefined) return; // REQUEST_RESULT captures
    const label = `${category}[${i}] ${entry.scenario ?? entry.constructedAs ?? ""} (${entry.variant ?? "capture"})`;
    failureVectors.push({ ...(entry as unknown as FailureVector), label });
  });
}

function toSpec(e: ExpectedThrowable | null): JavaThrowableSpec | null {
  if (e === null) return null;
  return {
    className: e.className,
    message: e.message,
    classChain: e.classChain.map((c) => ({ name: c.name, serialVersionUID: BigInt(c.serialVersionUID) })),
    cause: toSpec(e.cause),
  };
}

function assertMatchesExpected(actual: JavaThrowable | null, expected: ExpectedThrowable | null, where: string): void {
  if (expected === null) {
    assert.equal(actual, null, `${where}: cause`);
    return;
  }
  assert.ok(actual !== null, `${where}: missing cause`);
  assert.equal(actual.className, expected.className, `${where}: className`);
  assert.deepEqual(
    actual.classChain.map((c) => [c.name, String(c.serialVersionUID)]),
    expected.classChain.map((c) => [c.name, c.serialVersionUID]),
    `${where}: classChain`,
  );
  assert.equal(actual.message, expected.message, `${where}: message`);
  assert.equal(actual.stackTrace.length, expected.stackTraceLength, `${where}: stackTrace.length`);
  assert.equal(javaThrowableToString(actual), expected.toString, `${where}: toString`);
  assert.deepEqual(actual.suppressed, [], `${where}: suppressed`);
  assertMatchesExpected(actual.cause, expected.cause, `${where} cause`);
}

function javaStream(frameHex: string, offset: number): Uint8Array {
  return fromHex(frameHex).subarray(offset);
}

/** Fails unless `fn` returns or throws one of the two errors hostile input may produce. */
function assertOnlyStreamErrors(fn: () => unknown, where: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(
      e instanceof JavaSerializationError || e instanceof TruncatedInputError,
      `${where}: unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    );
  }
}

function assertThrowsKind(fn: () => unknown, kind: typeof JavaSerializationError | typeof TruncatedInputError, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof kind, `expected ${kind.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
    if (pattern) assert.match((e as Error).message, pattern);
    return true;
  });
}

// RuntimeException("boom") with an empty stack trace (reference spec §9.5, JDK 17).
const BOOM_HEX =
  "aced00057372001a6a6176612e6c616e672e52756e74696d65457863657074696f6e9e5f06470a3483e502000078" +
  "7200136a6176612e6c616e672e457863657074696f6ed0fd1f3e1a3b1cc4020000787200136a6176612e6c616e67" +
  "2e5468726f7761626c65d5c635273977b8cb0300044c000563617573657400154c6a6176612f6c616e672f546872" +
  "6f7761626c653b4c000d64657461696c4d6573736167657400124c6a6176612f6c616e672f537472696e673b5b00" +
  "0a737461636b547261636574001e5b4c6a6176612f6c616e672f537461636b5472616365456c656d656e743b4c00" +
  "1473757070726573736564457863657074696f6e737400104c6a6176612f7574696c2f4c6973743b787071007e00" +
  "07740004626f6f6d7572001e5b4c6a6176612e6c616e672e537461636b5472616365456c656d656e743b02462a3c" +
  "3cfd22390200007870000000007372001f6a6176612e7574696c2e436f6c6c656374696f6e7324456d7074794c69" +
  "73747ab817b43ca79ede020000787078";

describe("Flink golden failure vectors", () => {
  test("the vector file has failure vectors of every kind", () => {
    assert.ok(failureVectors.length >= 50, `only ${failureVectors.length} failure vectors`);
    assert.ok(failureVectors.some((v) => v.variant === "natural"));
    assert.ok(failureVectors.some((v) => v.variant === "emptyStackTrace"));
    assert.ok(failureVectors.some((v) => v.expected.cause !== null));
  });

  test("reading every frame gives the expected exception", () => {
    for (const v of failureVectors) {
      const t = readJavaThrowable(javaStream(v.frame, v.javaSerializationOffset));
      assertMatchesExpected(t, v.expected, v.label);
      if (v.emptyStackTraceFrame !== undefined) {
        const empty = readJavaThrowable(javaStream(v.emptyStackTraceFrame, v.javaSerializationOffset));
        assert.equal(empty.stackTrace.length, 0, v.label);
        assert.equal(empty.className, v.expected.className, v.label);
        assert.equal(empty.message, v.expected.message, v.label);
      }
    }
  });

  test("natural stack traces decode to real frames (JDK 17 StackTraceElement layout)", () => {
    for (const v of failureVectors.filter((x) => x.expected.stackTraceLength > 0)) {
      const t = readJavaThrowable(javaStream(v.frame, v.javaSerializationOffset));
      for (const frame of t.stackTrace) {
        assert.equal(typeof frame.declaringClass, "string", v.label);
        assert.ok(frame.declaringClass!.length > 0, v.label);
        assert.equal(typeof frame.methodName, "string", v.label);
        assert.ok(Number.isInteger(frame.lineNumber), v.label);
      }
    }
  });

  test("writing {className, message, cause, classChain} gives Flink's exact bytes", () => {
    for (const v of failureVectors) {
      const target = v.emptyStackTraceFrame ?? v.frame;
      if (v.emptyStackTraceFrame === undefined) assert.equal(v.deterministic, true, v.label);
      const expected = toHex(javaStream(target, v.javaSerializationOffset));
      const written = writeJavaThrowable(toSpec(v.expected)!);
      assert.equal(toHex(written), expected, v.label);
    }
  });

  test("known classes need no classChain and give the same bytes", () => {
    for (const v of failureVectors) {
      const strip = (e: ExpectedThrowable | null): JavaThrowableSpec | null =>
        e === null ? null : { className: e.className, message: e.message, cause: strip(e.cause) };
      const expected = toHex(javaStream(v.emptyStackTraceFrame ?? v.frame, v.javaSerializationOffset));
      assert.equal(toHex(writeJavaThrowable(strip(v.expected)!)), expected, v.label);
    }
  });

  test("a decoded JavaThrowable can be written back directly", () => {
    for (const v of failureVectors) {
      const t = readJavaThrowable(javaStream(v.frame, v.javaSerializationOffset));
      const expected = toHex(javaStream(v.emptyStackTraceFrame ?? v.frame, v.javaSerializationOffset));
      assert.equal(toHex(writeJavaThrowable(t)), expected, v.label);
    }
  });

  test("reference spec §9.5: RuntimeException(\"boom\")", () => {
    assert.equal(toHex(writeJavaThrowable({ className: "java.lang.RuntimeException", message: "boom" })), BOOM_HEX);
    const t = readJavaThrowable(fromHex(BOOM_HEX));
    assert.equal(javaThrowableToString(t), "java.lang.RuntimeException: boom");
    assert.equal(t.cause, null);
  });
});

// ---------------------------------------------------------------------------------------
// Writer API

describe("writeJavaThrowable", () => {
  test("appends to a given ByteWriter and returns a view of the stream", () => {
    const out = new ByteWriter(8);
    out.writeInt32(0x01020304);
    const view = writeJavaThrowable({ className: "java.lang.RuntimeException", message: "boom" }, out);
    assert.equal(toHex(view), BOOM_HEX);
    assert.equal(toHex(out.view()), "01020304" + BOOM_HEX);
  });

  test("unknown class without classChain is an InvalidArgumentError naming the class", () => {
    assert.throws(
      () => writeJavaThrowable({ className: "com.example.Nope", message: null }),
      (e: unknown) => e instanceof InvalidArgumentError && /com\.example\.Nope/.test(e.message) && /classChain/.test(e.message),
    );
    // ...also when it is only a cause, and nothing is written then.
    const out = new ByteWriter();
    assert.throws(
      () =>
        writeJavaThrowable({
          className: "java.lang.RuntimeException",
          message: "x",
          cause: { className: "com.example.Nope", message: null },
        }, out),
      InvalidArgumentError,
    );
    assert.equal(out.length, 0);
  });

  test("invalid class chains are rejected", () => {
    const T = knownClassChain("java.lang.Throwable")!;
    const bad: (readonly JavaClassInfo[])[] = [
      [],
      [{ name: "com.example.A", serialVersionUID: 1n }],
      [{ name: "com.example.B", serialVersionUID: 1n }, ...T],
      [{ name: "com.example.A", serialVersionUID: 1n }, ...T, { name: "x.Y", serialVersionUID: 1n }],
      [{ name: "com.example.A", serialVersionUID: 1n << 64n }, ...T],
    ];
    for (const classChain of bad) {
      assert.throws(() => writeJavaThrowable({ className: "com.example.A", message: null, classChain }), InvalidArgumentError);
    }
  });

  test("known classes table has full chains ending at Throwable", () => {
    for (const name of [
      "java.lang.Throwable",
      "java.lang.Exception",
      "java.lang.RuntimeException",
      "java.lang.IllegalArgumentException",
      "java.lang.IllegalStateException",
      "java.io.IOException",
      "org.apache.flink.queryablestate.network.BadRequestException",
      "org.apache.flink.queryablestate.exceptions.UnknownKeyOrNamespaceException",
      "org.apache.flink.queryablestate.exceptions.UnknownKvStateIdException",
      "org.apache.flink.queryablestate.exceptions.UnknownKvStateKeyGroupLocationException",
      "org.apache.flink.queryablestate.exceptions.UnknownLocationException",
      "org.apache.flink.queryablestate.exceptions.UnknownJobManagerException",
      "org.apache.flink.util.FlinkException",
      "org.apache.flink.runtime.query.UnknownKvStateLocation",
    ]) {
      const chain = KNOWN_THROWABLE_CLASSES.get(name);
      assert.ok(chain, name);
      assert.equal(chain[0].name, name);
      assert.equal(chain[chain.length - 1].name, "java.lang.Throwable");
      const t = readJavaThrowable(writeJavaThrowable({ className: name, message: name }));
      assert.deepEqual(t.classChain, chain);
    }
    assert.equal(knownClassChain("org.apache.flink.runtime.query.UnknownKvStateLocation")![0].serialVersionUID, 1n);
  });

  test("strings of 65535 bytes use TC_STRING, longer ones TC_LONGSTRING", () => {
    const headerEnd = BOOM_HEX.indexOf("71007e0007") / 2 + 5; // the message's type code
    const at = (bytes: Uint8Array) => bytes[headerEnd];
    const s65535 = "x".repeat(65535);
    const w1 = writeJavaThrowable({ className: "java.lang.RuntimeException", message: s65535 });
    assert.equal(at(w1), 0x74);
    assert.equal(readJavaThrowable(w1).message, s65535);
    const s65536 = "\u00e9".repeat(32768); // 2 bytes each
    const w2 = writeJavaThrowable({ className: "java.lang.RuntimeException", message: s65536 });
    assert.equal(at(w2), 0x7c);
    assert.equal(toHex(w2.subarray(headerEnd + 1, headerEnd + 9)), "0000000000010000");
    assert.equal(readJavaThrowable(w2).message, s65536);
  });

  test("a cyclic cause is written as a back-reference and read without looping", () => {
    const a: { className: string; message: string; cause: unknown } = { className: "java.lang.RuntimeException", message: "a", cause: null };
    const b = { className: "java.lang.IllegalStateException", message: "b", cause: a };
    a.cause = b;
    const bytes = writeJavaThrowable(a as JavaThrowableSpec);
    const t = readJavaThrowable(bytes);
    assert.equal(t.message, "a");
    assert.equal(t.cause?.message, "b");
    assert.equal(t.cause?.cause, null);
  });
});

// ---------------------------------------------------------------------------------------
// Random round trips

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["a", "Z", "0", " ", ":", ".", "$", "\u0000", "\u00e9", "\u07ff", "\u0800", "\u20ac", "\uffff", "\ud83d\ude00", "\ud800", "\udfff", "\n\tat "];

function randomString(r: () => number, max: number): string {
  let s = "";
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

function randomLong(r: () => number): bigint {
  return BigInt.asIntN(64, (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)));
}

const KNOWN_NAMES = [...KNOWN_THROWABLE_CLASSES.keys()];

function randomSpec(r: () => number, depth: number, id: { n: number }): JavaThrowableSpec {
  const message = r() < 0.2 ? null : randomString(r, 12);
  const cause = depth > 0 && r() < 0.7 ? randomSpec(r, depth - 1, id) : null;
  if (r() < 0.5) {
    return { className: KNOWN_NAMES[Math.floor(r() * KNOWN_NAMES.length)], message, cause };
  }
  const base = knownClassChain(KNOWN_NAMES[Math.floor(r() * KNOWN_NAMES.length)])!;
  const className = `com.example.${randomString(r, 4)}E${id.n++}`;
  const classChain = [{ name: className, serialVersionUID: randomLong(r) }, ...base];
  return { className, message, cause, classChain };
}

function assertSameAsSpec(t: JavaThrowable | null, s: JavaThrowableSpec | null | undefined): void {
  if (s == null) {
    assert.equal(t, null);
    return;
  }
  assert.ok(t);
  assert.equal(t.className, s.className);
  assert.equal(t.message, s.message);
  assert.deepEqual(t.classChain, s.classChain ?? knownClassChain(s.className));
  assert.deepEqual(t.stackTrace, []);
  assert.deepEqual(t.suppressed, []);
  assertSameAsSpec(t.cause, s.cause);
}

describe("round trips", () => {
  test("random class names, messages and cause chains", () => {
    const r = rng(12345);
    const id = { n: 0 };
    for (let i = 0; i < 300; i++) {
      const spec = randomSpec(r, 5, id);
      const bytes = writeJavaThrowable(spec);
      const t = readJavaThrowable(bytes);
      assertSameAsSpec(t, spec);
      assert.equal(toHex(writeJavaThrowable(t)), toHex(bytes));
    }
  });

  test("U+0000, lone surrogates, non-BMP characters and a > 65535-byte message", () => {
    const messages = [
      "",
      "\u0000",
      "a\u0000b",
      "\ud800",
      "\udc00x\ud800",
      "\ud83d\ude00 \u{10ffff}",
      "\u20ac".repeat(30000), // 90000 bytes: TC_LONGSTRING
      "x".repeat(100000),
    ];
    for (const message of messages) {
      const cause = { className: "java.io.IOException", message };
      const t = readJavaThrowable(writeJavaThrowable({ className: "java.lang.RuntimeException", message, cause }));
      assert.equal(t.message, message);
      assert.equal(t.cause?.message, message);
    }
  });

  test("U+0000 is written as C0 80 and surrogates as 3 bytes each", () => {
    const bytes = writeJavaThrowable({ className: "java.lang.RuntimeException", message: "\u0000\ud83d\ude00" });
    assert.ok(toHex(bytes).includes("740008c080eda0bdedb880"));
  });

  test("a 20-deep cause chain reads with the default limits", () => {
    let spec: JavaThrowableSpec | null = null;
    for (let i = 0; i < 20; i++) spec = { className: "java.lang.RuntimeException", message: `level ${i}`, cause: spec };
    let t: JavaThrowable | null = readJavaThrowable(writeJavaThrowable(spec!));
    for (let i = 19; i >= 0; i--) {
      assert.equal(t?.message, `level ${i}`);
      t = t!.cause;
    }
    assert.equal(t, null);
  });
});

// ---------------------------------------------------------------------------------------
// Generic decoding of things the JDK writes besides Flink's exceptions

const THROWABLE_FIELDS = [
  { typeCode: "L", name: "cause", signature: "Ljava/lang/Throwable;" },
  { typeCode: "L", name: "detailMessage", signature: "Ljava/lang/String;" },
  { typeCode: "[", name: "stackTrace", signature: "[Ljava/lang/StackTraceElement;" },
  { typeCode: "L", name: "suppressedExceptions", signature: "Ljava/util/List;" },
];

function chainDesc(chain: readonly JavaClassInfo[], extra?: Partial<JavaClassDescSpec>): JavaClassDescSpec {
  let desc: JavaClassDescSpec | null = null;
  for (let i = chain.length - 1; i >= 0; i--) {
    const isThrowable = chain[i].name === "java.lang.Throwable";
    desc = {
      ...chain[i],
      flags: isThrowable ? 0x03 : 0x02,
      fields: isThrowable ? THROWABLE_FIELDS : [],
      superClass: desc,
      ...(i === 0 ? extra : {}),
    };
  }
  return desc!;
}

const JDK8_STE: JavaClassDescSpec = {
  name: "java.lang.StackTraceElement",
  serialVersionUID: 6992337162326171013n,
  flags: 0x02,
  fields: [
    { typeCode: "I", name: "lineNumber" },
    { typeCode: "L", name: "declaringClass", signature: "Ljava/lang/String;" },
    { typeCode: "L", name: "fileName", signature: "Ljava/lang/String;" },
    { typeCode: "L", name: "methodName", signature: "Ljava/lang/String;" },
  ],
  superClass: null,
};
const STE_ARRAY: JavaClassDescSpec = { name: "[Ljava.lang.StackTraceElement;", serialVersionUID: 163864874655228473n, flags: 0x02, fields: [], superClass: null };
const UNMOD_COLLECTION: JavaClassDescSpec = {
  name: "java.util.Collections$UnmodifiableCollection",
  serialVersionUID: 1820017752578914078n,
  flags: 0x02,
  fields: [{ typeCode: "L", name: "c", signature: "Ljava/util/Collection;" }],
  superClass: null,
};
const UNMOD_LIST: JavaClassDescSpec = {
  name: "java.util.Collections$UnmodifiableList",
  serialVersionUID: -283967356065247728n,
  flags: 0x02,
  fields: [{ typeCode: "L", name: "list", signature: "Ljava/util/List;" }],
  superClass: UNMOD_COLLECTION,
};
const UNMOD_RA_LIST: JavaClassDescSpec = {
  name: "java.util.Collections$UnmodifiableRandomAccessList",
  serialVersionUID: -2542308836966382001n,
  flags: 0x02,
  fields: [],
  superClass: UNMOD_LIST,
};
const ARRAY_LIST: JavaClassDescSpec = {
  name: "java.util.ArrayList",
  serialVersionUID: 8683452581122892189n,
  flags: 0x03,
  fields: [{ typeCode: "I", name: "size" }],
  superClass: null,
};

/** Writes a JDK 8-style Throwable with a 4-field StackTraceElement and a wrapped ArrayList of suppressed exceptions. */
function writeJdk8Style(w: ObjectStreamWriter, key: object, className: string, message: string, suppressed: (() => void)[]): void {
  const out = w.out;
  w.beginObject(chainDesc(knownClassChain(className)!), key);
  w.writeReference(w.handleOf(key)!); // cause = this
  w.writeString(message);
  w.beginArray(STE_ARRAY, 2);
  for (const [line, method] of [[42, "run"], [-2, "nativeMethod"]] as const) {
    w.beginObject(JDK8_STE);
    out.writeInt32(line);
    w.writeString("com.example.Worker");
    if (line > 0) w.writeString("Worker.java");
    else w.writeNull();
    w.writeString(method);
  }
  // suppressedExceptions = Collections.unmodifiableList(new ArrayList<>(...))
  const list = {};
  w.beginObject(UNMOD_RA_LIST);
  w.beginObject(ARRAY_LIST, list); // UnmodifiableCollection.c
  out.writeInt32(suppressed.length);
  out.writeUint8(0x77); // block data: ArrayList's capacity int
  out.writeUint8(4);
  out.writeInt32(suppressed.length);
  for (const write of suppressed) write();
  w.writeEndBlockData();
  w.writeReference(w.handleOf(list)!); // UnmodifiableList.list
  w.writeEndBlockData(); // end of Throwable.writeObject
}

describe("generic stream decoding", () => {
  test("JDK 8 layout: 4-field StackTraceElement, suppressed list wrapped in UnmodifiableRandomAccessList", () => {
    const w = new ObjectStreamWriter();
    w.writeStreamHeader();
    writeJdk8Style(w, {}, "java.lang.RuntimeException", "outer", [
      () => writeJdk8Style(w, {}, "java.lang.IllegalStateException", "suppressed 1", []),
      () => writeJdk8Style(w, {}, "java.io.IOException", "suppressed 2", []),
    ]);
    const t = readJavaThrowable(w.out.toBytes());
    assert.equal(t.message, "outer");
    assert.deepEqual(t.stackTrace, [
      { declaringClass: "com.example.Worker", methodName: "run", fileName: "Worker.java", lineNumber: 42 },
      { declaringClass: "com.example.Worker", methodName: "nativeMethod", fileName: null, lineNumber: -2 },
    ]);
    assert.deepEqual(t.suppressed.map((s) => javaThrowableToString(s)), [
      "java.lang.IllegalStateException: suppressed 1",
      "java.io.IOException: suppressed 2",
    ]);
    assert.equal(t.suppressed[0].stackTrace.length, 2);
  });

  test("unknown Throwable subclass with extra fields, custom writeObject data and every value kind", () => {
    const base = knownClassChain("java.lang.RuntimeException")!;
    const objArray: JavaClassDescSpec = { name: "[Ljava.lang.Object;", serialVersionUID: -8012369246846506644n, flags: 0x02, fields: [], superClass: null };
    const desc = chainDesc([{ name: "com.example.WeirdException", serialVersionUID: 77n }, ...base], {
      flags: 0x03,
      fields: [
        { typeCode: "B", name: "b" },
        { typeCode: "C", name: "c" },
        { typeCode: "D", name: "d" },
        { typeCode: "F", name: "f" },
        { typeCode: "I", name: "i" },
        { typeCode: "J", name: "j" },
        { typeCode: "S", name: "s" },
        { typeCode: "Z", name: "z" },
        { typeCode: "L", name: "detailMessage", signature: "Ljava/lang/String;" }, // shadows Throwable's
        { typeCode: "[", name: "things", signature: "[Ljava/lang/Object;" },
      ],
    });
    const w = new ObjectStreamWriter();
    const out = w.out;
    const self = {};
    w.writeStreamHeader();
    w.beginObject(desc, self);
    // Throwable's data first (top-most class first).
    w.writeReference(w.handleOf(self)!);
    w.writeString("the real message");
    w.beginArray(STE_ARRAY, 0);
    w.writeNull(); // suppressedExceptions null (old JDKs)
    w.writeEndBlockData();
    // WeirdException's fields: primitives, then objects.
    out.writeInt8(-5);
    out.writeUint16(0xd800);
    out.writeFloat64(1.5);
    out.writeFloat32(-2.5);
    out.writeInt32(-7);
    out.writeInt64(-(2n ** 62n));
    out.writeInt16(-300);
    out.writeBoolean(true);
    w.writeString("shadow");
    w.beginArray(objArray, 14);
    const prim = (code: string, n: number, write: (k: number) => void) => {
      w.beginArray({ name: `[${code}`, serialVersionUID: 1n, flags: 0x02, fields: [], superClass: null }, n);
      for (let k = 0; k < n; k++) write(k);
    };
    prim("B", 3, (k) => out.writeInt8(k - 1));
    prim("C", 2, (k) => out.writeUint16(0xdc00 + k));
    prim("D", 2, (k) => out.writeFloat64(k / 4));
    prim("F", 1, () => out.writeFloat32(0.5));
    prim("I", 2, (k) => out.writeInt32(-k));
    prim("J", 1, () => out.writeInt64(-1n));
    prim("S", 2, (k) => out.writeInt16(k - 2));
    prim("Z", 3, (k) => out.writeBoolean(k === 1));
    // enum constant: TC_ENUM classDesc(SC_ENUM) name
    out.writeUint8(0x7e);
    w.writeClassDesc({
      name: "com.example.Color",
      serialVersionUID: 0n,
      flags: 0x12,
      fields: [],
      superClass: { name: "java.lang.Enum", serialVersionUID: 0n, flags: 0x12, fields: [], superClass: null },
    });
    w.assignHandle();
    w.writeString("RED");
    // TC_CLASS of String
    out.writeUint8(0x76);
    w.writeClassDesc({ name: "java.lang.String", serialVersionUID: -6849794470754667710n, flags: 0x02, fields: [], superClass: null });
    w.assignHandle();
    // Externalizable object with block data (protocol 2)
    w.beginObject({ name: "com.example.Ext", serialVersionUID: 5n, flags: 0x0c, fields: [], superClass: null });
    out.writeBytes(fromHex("7703010203"));
    w.writeString("inside");
    out.writeBytes(fromHex("7a00000002aabb"));
    w.writeEndBlockData();
    // A proxy object: TC_OBJECT TC_PROXYCLASSDESC ... with java.lang.reflect.Proxy's field h
    out.writeUint8(0x73);
    out.writeUint8(0x7d);
    w.assignHandle();
    out.writeInt32(1);
    w.writeUtf("java.lang.Runnable");
    w.writeEndBlockData();
    w.writeClassDesc({
      name: "java.lang.reflect.Proxy",
      serialVersionUID: -2222568056686623797n,
      flags: 0x02,
      fields: [{ typeCode: "L", name: "h", signature: "Ljava/lang/reflect/InvocationHandler;" }],
      superClass: null,
    });
    w.assignHandle();
    w.writeNull();
    // A long string and a back-reference to it
    out.writeUint8(0x7c);
    out.writeInt64(3n);
    out.writeBytes(fromHex("c08041"));
    w.writeReference(w.assignHandle());
    // custom writeObject data of WeirdException: block data and an object
    out.writeBytes(fromHex("770400000001"));
    w.writeString("extra");
    w.writeEndBlockData();
    const bytes = w.out.toBytes();

    const t = readJavaThrowable(bytes);
    assert.equal(t.className, "com.example.WeirdException");
    assert.equal(t.message, "the real message");
    assert.deepEqual(t.classChain.map((c) => c.name), [
      "com.example.WeirdException",
      "java.lang.RuntimeException",
      "java.lang.Exception",
      "java.lang.Throwable",
    ]);
    assert.equal(t.cause, null);

    const obj = readJavaObject(bytes);
    assert.ok(isJavaObject(obj));
    const data = classDataOf(obj, "com.example.WeirdException")!;
    assert.deepEqual([...data.values.entries()].slice(0, 9), [
      ["b", -5],
      ["c", 0xd800],
      ["d", 1.5],
      ["f", -2.5],
      ["i", -7],
      ["j", -(2n ** 62n)],
      ["s", -300],
      ["z", true],
      ["detailMessage", "shadow"],
    ]);
    assert.equal(data.annotations.length, 2);
    assert.equal(data.annotations[1], "extra");
    const things = data.values.get("things");
    assert.ok(isJavaArray(things));
    const el = things.elements as readonly JavaValue[];
    assert.equal(el.length, 14);
    const elems = (k: number) => (el[k] as { elements: unknown }).elements;
    assert.deepEqual(elems(0), new Int8Array([-1, 0, 1]));
    assert.deepEqual(elems(1), new Uint16Array([0xdc00, 0xdc01]));
    assert.deepEqual(elems(2), new Float64Array([0, 0.25]));
    assert.deepEqual(elems(3), new Float32Array([0.5]));
    assert.deepEqual(elems(4), new Int32Array([0, -1]));
    assert.deepEqual(elems(5), new BigInt64Array([-1n]));
    assert.deepEqual(elems(6), new Int16Array([-2, -1]));
    assert.deepEqual(elems(7), [false, true, false]);
    assert.equal((el[8] as { constantName: string }).constantName, "RED");
    assert.equal((el[9] as { kind: string }).kind, "class");
    assert.equal((el[10] as { kind: string }).kind, "object");
    assert.deepEqual((el[11] as { classDesc: { proxyInterfaces: readonly string[] | null } }).classDesc.proxyInterfaces, ["java.lang.Runnable"]);
    assert.equal(el[12], "\u0000A");
    assert.equal(el[13], "\u0000A");
  });

  test("the 'stack trace not writable' sentinel reads as an empty stack trace", () => {
    const w = new ObjectStreamWriter();
    const self = {};
    w.writeStreamHeader();
    w.beginObject(chainDesc(knownClassChain("java.lang.RuntimeException")!), self);
    w.writeReference(w.handleOf(self)!);
    w.writeNull();
    w.beginArray(STE_ARRAY, 1);
    w.beginObject(JDK8_STE);
    w.out.writeInt32(-2147483648);
    w.writeString("");
    w.writeNull();
    w.writeString("");
    w.writeNull();
    w.writeEndBlockData();
    const t = readJavaThrowable(w.out.toBytes());
    assert.deepEqual(t.stackTrace, []);
    assert.equal(t.message, null);
  });

  test("trailing bytes after the object are ignored, as Java does", () => {
    const bytes = new Uint8Array([...fromHex(BOOM_HEX), 0x79, 0xff, 0x00]);
    assert.equal(readJavaThrowable(bytes).message, "boom");
  });

  test("TC_RESET before the top-level object is honoured", () => {
    const bytes = fromHex("aced0005" + "79" + BOOM_HEX.slice(8));
    assert.equal(readJavaThrowable(bytes).message, "boom");
  });
});

// ---------------------------------------------------------------------------------------
// Hostile input

function stream(...parts: (string | Uint8Array)[]): Uint8Array {
  const w = new ByteWriter();
  w.writeBytes(fromHex("aced0005"));
  for (const p of parts) w.writeBytes(typeof p === "string" ? fromHex(p) : p);
  return w.toBytes();
}
function utf(s: string): string {
  return s.length.toString(16).padStart(4, "0") + toHex(new TextEncoder().encode(s));
}
function repeat(hex: string, n: number): Uint8Array {
  const unit = fromHex(hex);
  const out = new Uint8Array(unit.length * n);
  for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
  return out;
}
const OBJ_ARRAY_DESC = "72" + utf("[Ljava.lang.Object;") + "90ce589f1073296c" + "02" + "0000" + "78" + "70";
const HOLDER_DESC = "72" + utf("x.Holder") + "0000000000000001" + "02" + "0001" + "4c" + utf("x") + "74" + utf("Ljava/lang/Object;") + "78" + "70";

describe("hostile streams", () => {
  const natural = failureVectors.find((v) => v.variant === "natural" && v.expected.cause !== null)!;
  const naturalStream = javaStream(natural.frame, natural.javaSerializationOffset);

  test("truncated at every byte offset of a real frame: TruncatedInputError", () => {
    for (let n = 0; n < naturalStream.length; n++) {
      assertThrowsKind(() => readJavaThrowable(naturalStream.subarray(0, n)), TruncatedInputError);
    }
    // Every prefix of a stream carrying a long string too.
    const long = writeJavaThrowable({ className: "java.lang.RuntimeException", message: "y".repeat(70000) });
    for (const n of [0, 3, 100, 370, 380, 381, 385, 388, 1000, 70000, long.length - 1]) {
      assertThrowsKind(() => readJavaThrowable(long.subarray(0, n)), TruncatedInputError);
    }
  });

  test("bad header", () => {
    assertThrowsKind(() => readJavaThrowable(fromHex("aced0004" + BOOM_HEX.slice(8))), JavaSerializationError, /header/);
    assertThrowsKind(() => readJavaThrowable(fromHex("deadbeef")), JavaSerializationError, /header/);
  });

  test("10,000 nested objects, arrays and superclass descriptors are rejected by the depth limit", () => {
    const objects = stream("73", HOLDER_DESC, repeat("7371007e0000", 10000), "70");
    assertThrowsKind(() => readJavaThrowable(objects), JavaSerializationError, /maxDepth/);
    const arrays = stream("75", OBJ_ARRAY_DESC, "00000001", repeat("7571007e000000000001", 10000), "70");
    assertThrowsKind(() => readJavaThrowable(arrays), JavaSerializationError, /maxDepth/);
    const supers = new ByteWriter();
    supers.writeUint8(0x73);
    for (let i = 0; i < 10000; i++) supers.writeBytes(fromHex("72" + utf(`C${i}`) + "0000000000000001" + "02" + "0000" + "78"));
    assertThrowsKind(() => readJavaThrowable(stream(supers.toBytes())), JavaSerializationError, /maxDepth/);
  });

  test("a nesting limit the JS stack cannot take still ends in JavaSerializationError", () => {
    const arrays = stream("75", OBJ_ARRAY_DESC, "00000001", repeat("7571007e000000000001", 200000), "70");
    const limits = { maxDepth: 10_000_000, maxHandles: 10_000_000 };
    assertThrowsKind(() => readJavaThrowable(arrays, limits), JavaSerializationError, /stack/);
  });

  test("class hierarchies grown one reference at a time are bounded", () => {
    const w = new ByteWriter();
    w.writeBytes(fromHex("75" + OBJ_ARRAY_DESC + "000003e8"));
    w.writeBytes(fromHex("72" + utf("H0") + "0000000000000001" + "02" + "0000" + "78" + "70")); // handle 2
    for (let i = 1; i < 1000; i++) {
      w.writeBytes(fromHex("72" + utf(`H${i}`) + "0000000000000001" + "02" + "0000" + "78" + "71" + (0x7e0000 + 1 + i).toString(16).padStart(8, "0")));
    }
    assertThrowsKind(() => readJavaObject(stream(w.toBytes())), JavaSerializationError, /hierarchy/);
  });

  test("huge and negative lengths", () => {
    const cases: [Uint8Array, typeof JavaSerializationError | typeof TruncatedInputError][] = [
      [stream("75", OBJ_ARRAY_DESC, "7fffffff"), TruncatedInputError],
      [stream("75", "72" + utf("[J") + "782004b512b17593" + "02" + "0000" + "78" + "70", "7fffffff", "00"), TruncatedInputError],
      [stream("75", "72" + utf("[D") + "3ea68c14ab635a1e" + "02" + "0000" + "78" + "70", "20000000"), TruncatedInputError],
      [stream("75", OBJ_ARRAY_DESC, "ffffffff"), JavaSerializationError],
      [stream("75", OBJ_ARRAY_DESC, "80000000"), JavaSerializationError],
      [stream("7c", "7fffffffffffffff", "41"), TruncatedInputError],
      [stream("7c", "ffffffffffffffff"), JavaSerializationError],
      [stream("74", "ffff", "41"), TruncatedInputError],
      [stream("73", "72" + utf("x.A") + "0000000000000001" + "03" + "0000" + "78" + "70", "7affffffff"), JavaSerializationError],
      [stream("73", "72" + utf("x.A") + "0000000000000001" + "03" + "0000" + "78" + "70", "7a7fffffff"), TruncatedInputError],
      [stream("73", "72" + utf("x.A") + "0000000000000001" + "02" + "ffff"), JavaSerializationError],
      [stream("73", "7d", "ffffffff"), JavaSerializationError],
      [stream("73", "7d", "7fffffff"), JavaSerializationError],
    ];
    for (const [bytes, kind] of cases) {
      assertThrowsKind(() => readJavaObject(bytes), kind);
      assertThrowsKind(() => readJavaThrowable(bytes), kind);
    }
  });

  test("back-references to handles that do not exist", () => {
    for (const h of ["007e0000", "007e0005", "00000000", "7fffffff", "ffffffff", "007dffff"]) {
      assertThrowsKind(() => readJavaThrowable(stream("71", h)), JavaSerializationError, /handle/);
    }
    // Handle 1 exists only after the type string is read.
    assertThrowsKind(() => readJavaObject(stream("73", "72" + utf("x.A") + "0000000000000001" + "02" + "0001" + "4c" + utf("f") + "71007e0001")), JavaSerializationError, /handle/);
    // A descriptor cannot be its own superclass.
    assertThrowsKind(() => readJavaObject(stream("73", "72" + utf("x.A") + "0000000000000001" + "02" + "0000" + "78" + "71007e0000")), JavaSerializationError, /itself/);
    // TC_RESET between top-level objects forgets handles.
    const reader = new ObjectStreamReader(stream("74" + utf("s"), "74" + utf("t"), "71007e0000", "79", "71007e0000"));
    reader.readStreamHeader();
    assert.equal(reader.readObject(), "s");
    assert.equal(reader.readObject(), "t");
    assert.equal(reader.readObject(), "s");
    assertThrowsKind(() => reader.readObject(), JavaSerializationError, /handle/);
  });

  test("unknown type codes, TC_EXCEPTION, misplaced TC_RESET / block data / end markers", () => {
    for (const body of [
      "00", "6f", "7f", "ff", "7b", "78", "7700", "7a00000000",
      "73" + HOLDER_DESC + "79",
      "73" + HOLDER_DESC + "78",
      "73" + HOLDER_DESC + "770100",
      "73" + HOLDER_DESC + "7b",
      "75" + OBJ_ARRAY_DESC + "00000001" + "78",
      "75" + "72" + utf("x.NotArray") + "0000000000000001" + "02" + "0000" + "78" + "70" + "00000000",
      "73" + "72" + utf("x.A") + "0000000000000001" + "06" + "0000" + "78" + "70",
      "73" + "72" + utf("x.A") + "0000000000000001" + "02" + "0001" + "58" + utf("f") + "78" + "70",
      "73" + "72" + utf("x.A") + "0000000000000001" + "02" + "0002" + "4c" + utf("f") + "74" + utf("Lx;") + "49" + utf("i") + "78" + "70",
      "73" + "72" + utf("x.A") + "0000000000000001" + "04" + "0000" + "78" + "70",
      "73" + "70",
      "74" + "0002c041",
      "74" + "0001ff",
    ]) {
      assertThrowsKind(() => readJavaObject(stream(body)), JavaSerializationError);
    }
  });

  test("a stream whose object is not a Throwable", () => {
    for (const body of ["70", "74" + utf("hello"), "75" + OBJ_ARRAY_DESC + "00000000", "73" + HOLDER_DESC + "70"]) {
      assertThrowsKind(() => readJavaThrowable(stream(body)), JavaSerializationError, /not a java\.lang\.Throwable/);
    }
  });

  test("maxHandles bounds the handle table; options are validated", () => {
    const strings = stream("75", OBJ_ARRAY_DESC, "00000100", repeat("740000", 256));
    assert.ok(isJavaArray(readJavaObject(strings)));
    assertThrowsKind(() => readJavaObject(strings, { maxHandles: 100 }), JavaSerializationError, /maxHandles/);
    assert.throws(() => readJavaThrowable(fromHex(BOOM_HEX), { maxDepth: 0 }), InvalidArgumentError);
    assert.throws(() => readJavaThrowable(fromHex(BOOM_HEX), { maxHandles: -1 }), InvalidArgumentError);
    assertThrowsKind(() => readJavaThrowable(fromHex(BOOM_HEX), { maxDepth: 3 }), JavaSerializationError, /maxDepth/);
  });

  test("random garbage only ever returns or throws stream errors", () => {
    const r = rng(99);
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(r() * 64);
      const bytes = new Uint8Array(4 + n);
      bytes.set(i % 2 === 0 ? [0xac, 0xed, 0x00, 0x05] : [Math.floor(r() * 256), 0xed, 0, 5]);
      for (let k = 4; k < bytes.length; k++) {
        // Bias towards type codes so the parser gets past the first byte.
        bytes[k] = r() < 0.5 ? 0x70 + Math.floor(r() * 16) : Math.floor(r() * 256);
      }
      assertOnlyStreamErrors(() => readJavaThrowable(bytes), `garbage ${toHex(bytes)}`);
      assertOnlyStreamErrors(() => readJavaObject(bytes), `garbage ${toHex(bytes)}`);
    }
  });

  test("random byte flips of real frames only ever return or throw stream errors", () => {
    const r = rng(7);
    const sources = failureVectors.filter((_, i) => i % 5 === 0).map((v) => javaStream(v.frame, v.javaSerializationOffset));
    for (let i = 0; i < 2500; i++) {
      const source = sources[i % sources.length];
      const bytes = source.slice(0, r() < 0.2 ? Math.floor(r() * source.length) : source.length);
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips && bytes.length > 0; k++) {
        const at = Math.floor(r() * bytes.length);
        bytes[at] = r() < 0.5 ? bytes[at] ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
      }
      assertOnlyStreamErrors(() => {
        const t = readJavaThrowable(bytes);
        javaThrowableToString(t);
      }, `flipped ${toHex(bytes)}`);
    }
  });

  test("shared suppressed lists cannot blow up the output", () => {
    // 200 throwables share one suppressed list holding 300 references to one throwable.
    const w = new ObjectStreamWriter();
    const out = w.out;
    const runtime = chainDesc(knownClassChain("java.lang.RuntimeException")!);
    /** Writes a RuntimeException's head; the caller writes its suppressedExceptions. */
    const head = (key: object) => {
      w.beginObject(runtime, key);
      w.writeReference(w.handleOf(key)!);
      w.writeNull();
      w.writeNull();
    };
    const beginList = (key: object, size: number) => {
      w.beginObject(ARRAY_LIST, key);
      out.writeInt32(size);
      out.writeBytes(fromHex("7704"));
      out.writeInt32(size);
    };
    w.writeStreamHeader();
    head({});
    beginList({}, 200);
    const shared = {};
    for (let i = 0; i < 200; i++) {
      head({});
      if (i === 0) {
        beginList(shared, 300);
        const inner = {};
        head(inner);
        w.writeNull();
        w.writeEndBlockData();
        for (let k = 1; k < 300; k++) w.writeReference(w.handleOf(inner)!);
        w.writeEndBlockData();
      } else {
        w.writeReference(w.handleOf(shared)!);
      }
      w.writeEndBlockData();
    }
    w.writeEndBlockData(); // the outer list
    w.writeEndBlockData(); // the top-level exception
    const bytes = out.toBytes();
    const t = readJavaThrowable(bytes);
    assert.equal(t.suppressed.length, 200);
    assert.equal(t.suppressed[199].suppressed.length, 300);
    assert.equal(t.suppressed[0].suppressed[0], t.suppressed[199].suppressed[299]);
    assertThrowsKind(() => readJavaThrowable(bytes, { maxHandles: 5000 }), JavaSerializationError, /maxHandles/);
  });
});
