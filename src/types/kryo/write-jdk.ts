// The JDK classes Flink's Kryo writes with serializers of their own: boxed primitives, strings, big numbers, dates,
// UUIDs, Optionals, BitSets, Locales, ...; java.time values (write-time.ts) and containers (write-collections.ts)
// apart. The mirror of read-jdk.ts.
import { bigIntToJavaBytes, type Decimal } from "../big-number-serializers.ts";
import type { JavaType } from "./java-type.ts";
import { isTimeKind, type JdkKind, shapeOf } from "./jdk-classes.ts";
import { localeFields, writeJavaLocale } from "./locale.ts";
import { notedSlots, notedWords, type Optional, type Pattern, type Uuid } from "./values.ts";
import { fits } from "./write-classes.ts";
import { writeContainer } from "./write-collections.ts";
import { writeTime } from "./write-time.ts";
import { type KryoWriter, slotOf } from "./write.ts";

/** A value of a JDK class of `kind` (checked to be one of that class as reading gives it). */
export function writeJdk(w: KryoWriter, kind: JdkKind, cls: string, v: unknown, generic: JavaType | undefined): void {
  if (!fits(w, v, cls) && !(kind === "timestamp" && v instanceof Date)) {
    throw w.bad(cls, "a value of that class as reading gives it", v);
  }
  if (shapeOf(kind) !== "leaf") return writeContainer(w, kind, cls, v, generic);
  if (isTimeKind(kind)) return writeTime(w, kind, cls, v);
  const o = w.out;
  switch (kind) {
    case "int":
    case "short":
    case "byte":
    case "float":
    case "double":
    case "boolean":
      return w.primitive(kind, v, cls);
    case "char":
      return w.primitive("char", v, cls);
    case "long":
      return o.varLong(w.long(v, cls), false);
    case "string":
    case "uri":
      return o.string(v as string);
    case "biginteger":
      return writeBigInteger(w, v as bigint);
    case "bigdecimal": {
      const d = v as Decimal;
      writeBigInteger(w, d.unscaled);
      return o.varInt(d.scale, false);
    }
    case "date":
    case "sqldate":
      return o.varLong(BigInt((v as Date).getTime()), true);
    case "uuid": {
      const u = v as Uuid;
      if (w.gen2) {
        o.i64(u.mostSignificantBits);
        return o.i64(u.leastSignificantBits);
      }
      o.varLong(u.mostSignificantBits, false);
      return o.varLong(u.leastSignificantBits, false);
    }
    case "optional": {
      const opt = v as Optional;
      return w.writeClassAndObject(opt.value, undefined, slotOf(notedSlots(opt), 0));
    }
    case "optionalint":
    case "optionallong":
    case "optionaldouble": {
      const opt = v as Optional;
      const present = opt.value !== null;
      o.boolean(present);
      if (kind === "optionalint") {
        if (w.gen2) return present ? o.i32(opt.value as number) : undefined;
        return o.varInt(present ? opt.value as number : 0, false);
      }
      if (kind === "optionallong") {
        if (w.gen2) return present ? o.i64(opt.value as bigint) : undefined;
        return o.varLong(present ? opt.value as bigint : 0n, false);
      }
      if (w.gen2) return present ? o.f64(opt.value as number) : undefined;
      return o.f64(present ? opt.value as number : NaN);
    }
    case "bitset": {
      const bits = [...(v as Set<number>)];
      const used = bits.length ? Math.floor(Math.max(...bits) / 64) + 1 : 0;
      // Flink 1.x writes the BitSet's word array (at least one word: its capacity); 2.x the words in use.
      const n = w.gen2 ? used : Math.max(used, notedWords(v) ?? 1);
      const words = new Array<bigint>(n).fill(0n);
      for (const b of bits) words[Math.floor(b / 64)] |= 1n << BigInt(b % 64);
      o.varInt(n, true);
      for (const w of words) o.i64(w);
      return;
    }
    case "locale": {
      if (!w.gen2) return writeJavaLocale(o, v as string);
      const f = localeFields(v as string);
      o.ascii(f.language);
      o.ascii(f.country);
      return o.string(f.variant);
    }
    case "pattern": {
      const p = v as Pattern;
      o.string(p.pattern);
      if (w.gen2) o.varInt(p.flags, true);
      return;
    }
    case "socketaddress": {
      const text = v as string;
      const at = text.lastIndexOf(":");
      const host = text.slice(0, at);
      o.string(host.startsWith("[") ? host.slice(1, -1) : host);
      return o.varInt(Number(text.slice(at + 1)), true);
    }
    case "timezone":
    case "currency":
      return o.string(v as string);
    case "stringbuilder":
      return w.gen2 ? o.string(v as string) : o.utf8(v as string);
    case "atomiclong":
      return o.varLong(v as bigint, false);
    case "atomicint":
      return o.varInt(v as number, false);
    case "atomicbool":
      return o.varInt(v ? 1 : 0, false);
  }
}

function writeBigInteger(w: KryoWriter, v: bigint): void {
  const b = bigIntToJavaBytes(v);
  w.out.varInt(b.length + 1, true);
  w.out.w.writeBytes(b);
}
