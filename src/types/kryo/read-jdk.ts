// The JDK classes Flink's Kryo reads with serializers of their own: boxed primitives, strings, big numbers, dates,
// UUIDs, Optionals, BitSets, Locales, ...; java.time values (read-time.ts) and containers (read-collections.ts) apart.
import { bigIntFromJavaBytes, Decimal } from "../big-number-serializers.ts";
import type { KryoInput } from "./io.ts";
import type { JavaType, PrimitiveName } from "./java-type.ts";
import { isTimeKind, type JdkKind, shapeOf } from "./jdk-classes.ts";
import { localeText, readJavaLocale } from "./locale.ts";
import type { KryoReader } from "./read.ts";
import { readContainer } from "./read-collections.ts";
import { readTime } from "./read-time.ts";
import { note, noteWords, Optional, type OptionalClass, Pattern, Uuid } from "./values.ts";

const NULL = 0;
const MAX_DATE_MS = 8.64e15;

/** A Java primitive (a field's, an array element's, or a boxed one's value). */
export function readPrimitive(i: KryoInput, p: PrimitiveName): unknown {
  switch (p) {
    case "int":
      return i.varInt(false);
    case "long":
      return i.varLong(false);
    case "short":
      return i.i16();
    case "byte":
      return i.i8();
    case "char":
      return String.fromCharCode(i.u16());
    case "boolean":
      return i.boolean();
    case "float":
      return i.f32();
    case "double":
      return i.f64();
  }
}

/** A value of a JDK class of `kind`, whose bytes start at `at`. */
export function readJdk(r: KryoReader, kind: JdkKind, cls: string, at: number, generic: JavaType | undefined): unknown {
  if (shapeOf(kind) !== "leaf") return readContainer(r, kind, cls, at, generic);
  if (isTimeKind(kind)) return readTime(r, kind, cls, at);
  const i = r.in;
  switch (kind) {
    case "int":
    case "long":
    case "short":
    case "byte":
    case "float":
    case "double":
    case "boolean":
    case "char":
      return readPrimitive(i, kind);
    case "string":
    case "uri":
      return i.string();
    case "biginteger":
      return bigInteger(r, at);
    case "bigdecimal": {
      const unscaled = bigInteger(r, at);
      return unscaled === null ? null : new Decimal(unscaled, i.varInt(false));
    }
    case "date":
    case "sqldate": {
      const ms = i.varLong(true);
      if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) throw r.corrupt(at, `${ms} ms since the epoch (outside a JS Date)`);
      const d = new Date(Number(ms));
      if (cls !== "java.util.Date") note(d, cls);
      return d;
    }
    case "uuid":
      return r.gen2 ? new Uuid(i.i64(), i.i64()) : new Uuid(i.varLong(false), i.varLong(false));
    case "optional": {
      // The value with its class (Kryo 5's OptionalSerializer; Kryo 2.24's FieldSerializer on field `value`).
      const v = r.readClassAndObject(undefined);
      const n = r.slotNote(v);
      const o = new Optional(v);
      if (n) note(o, cls, [n]);
      return o;
    }
    case "optionalint":
    case "optionallong":
    case "optionaldouble": {
      const present = i.boolean();
      let v: unknown = null;
      if (kind === "optionalint") {
        const x = r.gen2 ? (present ? i.i32() : 0) : i.varInt(false);
        if (present) v = x;
      } else if (kind === "optionallong") {
        const x = r.gen2 ? (present ? i.i64() : 0n) : i.varLong(false);
        if (present) v = x;
      } else {
        const x = r.gen2 ? (present ? i.f64() : NaN) : i.f64();
        if (present) v = x;
      }
      return new Optional(v, cls as OptionalClass);
    }
    case "bitset": {
      // The 64-bit words, low bits first: Flink 1.x (Chill's serializer) writes the BitSet's whole word array,
      // Flink 2.x only the words in use.
      const n = i.varInt(true);
      if (n * 8 > i.r.remaining) throw r.corrupt(at, `a BitSet of ${n} word(s) with ${i.r.remaining} byte(s) left`);
      const out = new Set<number>();
      for (let w = 0; w < n; w++) {
        const word = BigInt.asUintN(64, i.i64());
        for (let b = 0; b < 64; b++) if ((word >> BigInt(b)) & 1n) out.add(w * 64 + b);
      }
      note(out, cls);
      if (!r.gen2) noteWords(out, n);
      return out;
    }
    case "locale": {
      if (!r.gen2) return readJavaLocale(i, (what) => r.corrupt(at, what));
      const language = i.string() ?? "", country = i.string() ?? "", variant = i.string() ?? "";
      return localeText({ language, country, variant, script: "", extensions: "" });
    }
    case "pattern": {
      const text = i.string();
      if (text === null) throw r.corrupt(at, "a Pattern without its text");
      return new Pattern(text, r.gen2 ? i.varInt(true) : 0);
    }
    case "socketaddress": {
      const host = i.string();
      if (host === null) throw r.corrupt(at, "an InetSocketAddress without its host");
      const port = i.varInt(true);
      return `${host.includes(":") ? `[${host}]` : host}:${port}`;
    }
    case "timezone":
    case "currency": {
      const id = i.string();
      if (id === null || id === "") throw r.corrupt(at, `a ${cls} without its id`);
      return id;
    }
    case "stringbuilder":
      return i.string() ?? "";
    case "atomiclong":
      return i.varLong(false);
    case "atomicint":
      return i.varInt(false);
    case "atomicbool":
      return i.varInt(false) !== 0;
  }
}

function bigInteger(r: KryoReader, at: number): bigint | null {
  const n = r.in.varInt(true);
  if (n === NULL) return null;
  if (n - 1 > r.in.r.remaining || n === 1) throw r.corrupt(at, `a BigInteger of ${n - 1} byte(s)`);
  return bigIntFromJavaBytes(r.in.r.readBytes(n - 1));
}
