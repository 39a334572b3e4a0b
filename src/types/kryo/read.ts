// Reads one object graph as Flink's KryoSerializer writes it (`Kryo.writeClassAndObject`, references
// on), for Kryo 2.24 (Flink 1.x) and Kryo 5 (Flink 2.x).
import type { ByteReader } from "../../core/bytes.ts";
import { SerializationError } from "../../core/errors.ts";
import { bigIntFromJavaBytes, Decimal } from "../big-number-serializers.ts";
import {
  Duration,
  Instant,
  LocalDate,
  LocalDateTime,
  LocalTime,
  MonthDay,
  OffsetDateTime,
  OffsetTime,
  Period,
  Year,
  YearMonth,
  ZonedDateTime,
  zoneOffsetId,
} from "../temporal.ts";
import { KryoUnsupportedClassError } from "./errors.ts";
import { KryoInput } from "./io.ts";
import { arrayTypeOf, type ArrayType, type JavaType, type KryoClassDescription, type PrimitiveName } from "./java-type.ts";
import { FIRST_USER_ID, JDK_CLASSES, type JdkKind } from "./jdk-classes.ts";
import type { KryoModel } from "./model.ts";
import { localeText, readJavaLocale } from "./locale.ts";
import { note, noteComponent, notedClass, noteWords, Optional, type OptionalClass, Pattern, type SlotNote, Uuid } from "./values.ts";

const NULL = 0, NOT_NULL = 1;
const MAX_DATE_MS = 8.64e15;

/** Reads one value (class and object) from `r`. */
export function readKryo(model: KryoModel, r: ByteReader): unknown {
  return new KryoReader(model, r).readClassAndObject(undefined);
}

class KryoReader {
  readonly model: KryoModel;
  readonly in: KryoInput;
  readonly gen2: boolean;
  readonly #names = new Map<number, string>();
  readonly #refs: unknown[] = [];
  readonly #bound: boolean[] = [];
  readonly #pending: number[] = [];
  readonly #path: string[] = [];
  #inner: number | undefined;
  /** The class and reference id of the value read last (for slot notes of leaf values). */
  lastClass = "";
  lastRef: number | undefined;
  /** For a Kryo 2.24 ZoneRegion read last: the reference id its id string referred back to. */
  lastInner: number | undefined;

  constructor(model: KryoModel, r: ByteReader) {
    this.model = model;
    this.in = new KryoInput(r, model.generation);
    this.gen2 = model.generation === 2;
  }

  // ------------------------------------------------------------------ classes and references

  /** Kryo's readClass: null, a registered id, or a class name (written once per graph, then by name id). */
  readClass(): { cls: string; at: number } | null {
    const at = this.in.position;
    const id = this.in.varInt(true);
    if (id === NULL) return null;
    if (id === 1) {
      const nameId = this.in.varInt(true);
      let cls = this.#names.get(nameId);
      if (cls === undefined) {
        const name = this.in.string();
        if (name === null || name === "") throw this.#corrupt(at, "a class name that is empty");
        cls = name;
        this.#names.set(nameId, cls);
      }
      return { cls, at };
    }
    const cls = this.model.idToClass.get(id - 2);
    if (cls === undefined || cls === "void") throw this.#unknownId(id - 2, at);
    return { cls, at };
  }

  /** Kryo's readClassAndObject. `generic` is the declared type Kryo 5 has on its generics stack for the value. */
  readClassAndObject(generic: JavaType | undefined): unknown {
    const c = this.readClass();
    if (c === null) {
      this.lastClass = "";
      this.lastRef = undefined;
      return null;
    }
    return this.#readObject(c.cls, c.at, generic, false);
  }

  /** Kryo's readObjectOrNull for a known class: a reference marker (0 = null), then the object. */
  readObjectOrNull(cls: string, generic: JavaType | undefined): unknown {
    return this.#readObject(cls, this.in.position, generic, true);
  }

  /** Kryo's readObject for a known class: a reference marker when the class uses references, then the object. */
  readObjectOf(cls: string, generic: JavaType | undefined): unknown {
    return this.#readObject(cls, this.in.position, generic, false);
  }

  #readObject(cls: string, at: number, generic: JavaType | undefined, mayBeNull: boolean): unknown {
    this.lastRef = undefined;
    this.lastInner = undefined;
    if (!this.model.usesReferences(cls)) {
      if (mayBeNull && this.in.varInt(true) === NULL) {
        this.lastClass = "";
        return null;
      }
      const v = this.#readData(cls, at, generic);
      this.lastClass = cls;
      this.lastRef = undefined;
      return v;
    }
    const markerAt = this.in.position;
    const marker = this.in.varInt(true);
    if (marker === NULL) {
      if (!mayBeNull) throw this.#corrupt(markerAt, "a null marker where an object must follow");
      this.lastClass = "";
      return null;
    }
    if (marker !== NOT_NULL) {
      const id = marker - 2;
      if (id >= this.#refs.length) throw this.#corrupt(markerAt, `a reference to object ${id}, which was never read`);
      if (!this.#bound[id]) throw this.#corrupt(markerAt, `a reference to object ${id}, which is still being read`);
      this.lastClass = cls;
      this.lastRef = id;
      return this.#refs[id];
    }
    const id = this.#refs.length;
    this.#refs.push(undefined);
    this.#bound.push(false);
    this.#pending.push(id);
    this.#inner = undefined;
    const v = this.#readData(cls, at, generic);
    if (this.#pending[this.#pending.length - 1] === id) this.reference(v);
    // A decoded value Java may share (a LocalTime of a whole hour, a zero Duration, an empty Optional) was a new
    // object here: noting its class tells the writer to write it new again, not as a shared instance.
    if ((v instanceof LocalTime || v instanceof Duration || v instanceof Period || v instanceof Optional) && !notedClass(v)) {
      note(v, cls);
    }
    this.lastClass = cls;
    this.lastRef = undefined;
    this.lastInner = this.#inner;
    this.#inner = undefined;
    return v;
  }

  /** Binds the object being read to its reference id (early, so that references inside it resolve). */
  reference(v: unknown): void {
    const id = this.#pending.pop();
    if (id === undefined) return;
    this.#refs[id] = v;
    this.#bound[id] = true;
  }

  /** A note for a container slot whose value is a JS primitive (its class and whether it was a back-reference). */
  slotNote(v: unknown): SlotNote | undefined {
    // Objects keep their identity (a back-reference gives the same JS object), and their class is noted on them.
    if (v === null || typeof v === "object") return undefined;
    const cls = this.lastClass;
    if (cls === "") return undefined; // a primitive field: its declared type says it all
    const inferred = typeof v === "number"
      ? (Number.isInteger(v) && (v | 0) === v && !Object.is(v, -0) ? "java.lang.Integer" : "java.lang.Double")
      : typeof v === "bigint"
      ? "java.lang.Long"
      : typeof v === "string"
      ? "java.lang.String"
      : "java.lang.Boolean";
    if (cls === inferred && this.lastRef === undefined) return undefined;
    const n: { cls: string; ref?: number; inner?: number } = { cls };
    if (this.lastRef !== undefined) n.ref = this.lastRef;
    if (this.lastInner !== undefined) n.inner = this.lastInner;
    return n;
  }

  // ------------------------------------------------------------------ objects

  #readData(cls: string, at: number, generic: JavaType | undefined): unknown {
    const d = this.model.descriptions.get(cls);
    if (d?.kind === "enum") {
      const o = this.in.varInt(true);
      if (o === NULL) return null;
      if (o - 1 >= d.constants.length) {
        throw this.#corrupt(at, `ordinal ${o - 1} of enum ${cls}, which has ${d.constants.length} constant(s) described`);
      }
      return d.constants[o - 1];
    }
    if (d) return this.#readFields(d);
    const array = arrayTypeOf(cls);
    if (array) return this.#readArray(cls, array, at);
    const kind = JDK_CLASSES.get(cls);
    if (kind === undefined) throw this.#unsupported(cls, at);
    return this.#readJdk(kind, cls, at, generic);
  }

  /** Kryo's FieldSerializer: every field in name order; the object is referenced before its fields are read. */
  #readFields(d: KryoClassDescription): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.reference(obj);
    const notes = new Map<string, SlotNote>();
    const plain = d.record === true && this.gen2;
    for (const f of d.fields) {
      this.#path.push(f.name);
      const v = this.#readField(f.type, plain);
      this.#path.pop();
      Object.defineProperty(obj, f.name, { value: v, enumerable: true, writable: true, configurable: true });
      const n = this.slotNote(v);
      if (n) notes.set(f.name, n);
    }
    note(obj, d.name, notes.size ? notes : undefined);
    return obj;
  }

  /** A field's value; `plain`: without the field's type arguments (Kryo 5's RecordSerializer gives none). */
  #readField(t: JavaType, plain = false): unknown {
    this.lastRef = undefined;
    if (t.kind === "primitive") {
      this.lastClass = "";
      return this.#readPrimitive(t.name);
    }
    const generic = plain ? undefined : t;
    if (this.model.isFinal(t)) return this.readObjectOrNull(this.model.className(t), generic);
    const c = this.readClass();
    if (c === null) return null;
    return this.#readObject(c.cls, c.at, generic, false);
  }

  #readPrimitive(p: PrimitiveName): unknown {
    const i = this.in;
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

  #readArray(cls: string, t: ArrayType, at: number): unknown {
    const i = this.in;
    const n = i.varInt(true);
    if (n === NULL) return null;
    const len = n - 1;
    if (len > i.r.remaining) throw this.#corrupt(at, `an array of ${len} element(s) with ${i.r.remaining} byte(s) left`);
    const e = t.element;
    if (e.kind === "primitive") {
      switch (e.name) {
        case "byte":
          return i.r.readBytes(len).slice();
        case "int":
          return Int32Array.from({ length: len }, () => i.varInt(false));
        case "long":
          return BigInt64Array.from({ length: len }, () => i.varLong(false));
        case "short":
          return Int16Array.from({ length: len }, () => i.i16());
        case "float":
          return Float32Array.from({ length: len }, () => i.f32());
        case "double":
          return Float64Array.from({ length: len }, () => i.f64());
        case "char": {
          let s = "";
          for (let k = 0; k < len; k++) s += String.fromCharCode(i.u16());
          return s;
        }
        case "boolean": {
          const out = Array.from({ length: len }, () => i.boolean());
          note(out, cls);
          return out;
        }
      }
    }
    const out = new Array<unknown>(len);
    this.reference(out);
    const notes: (SlotNote | undefined)[] = [];
    const elementClass = this.model.className(e);
    const known = this.model.isFinal(e);
    for (let k = 0; k < len; k++) {
      this.#path.push(`[${k}]`);
      out[k] = known ? this.readObjectOrNull(elementClass, undefined) : this.readClassAndObject(undefined);
      this.#path.pop();
      notes[k] = this.slotNote(out[k]);
    }
    note(out, cls, notes.some((x) => x) ? notes : undefined);
    return out;
  }

  #readJdk(kind: JdkKind, cls: string, at: number, generic: JavaType | undefined): unknown {
    const i = this.in;
    switch (kind) {
      case "int":
        return i.varInt(false);
      case "long":
        return i.varLong(false);
      case "short":
        return i.i16();
      case "byte":
        return i.i8();
      case "float":
        return i.f32();
      case "double":
        return i.f64();
      case "boolean":
        return i.boolean();
      case "char":
        return String.fromCharCode(i.u16());
      case "string":
      case "uri":
        return i.string();
      case "biginteger":
        return this.#bigInteger(at);
      case "bigdecimal": {
        const unscaled = this.#bigInteger(at);
        return unscaled === null ? null : new Decimal(unscaled, i.varInt(false));
      }
      case "date":
      case "sqldate": {
        const ms = i.varLong(true);
        if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) throw this.#corrupt(at, `${ms} ms since the epoch (outside a JS Date)`);
        const d = new Date(Number(ms));
        if (cls !== "java.util.Date") note(d, cls);
        return d;
      }
      case "timestamp": {
        const ms = i.varLong(true);
        const nanos = i.varInt(true);
        if (nanos < 0 || nanos > 999_999_999) throw this.#corrupt(at, `a Timestamp with ${nanos} nanoseconds`);
        return this.#noted(new Instant(Instant.ofEpochMilli(ms).epochSecond, nanos), cls);
      }
      case "uuid":
        return this.gen2 ? new Uuid(i.i64(), i.i64()) : new Uuid(i.varLong(false), i.varLong(false));
      case "localdate":
        return this.#localDate(at);
      case "localtime":
        return this.#localTime(at);
      case "localdatetime":
        if (this.gen2) return new LocalDateTime(this.#localDate(at), this.#localTime(at));
        return this.#gen1LocalDateTime(at);
      case "instant": {
        if (this.gen2) {
          const s = i.varLong(true);
          return this.#instant(s, i.varInt(true), at);
        }
        const nanos = i.varInt(false);
        return this.#instant(i.varLong(false), nanos, at);
      }
      case "duration": {
        if (this.gen2) {
          const seconds = i.i64();
          return this.#checked(() => new Duration(seconds, i.varInt(true)), at, "Duration");
        }
        const nano = i.varInt(false);
        const seconds = i.varLong(false);
        return this.#checked(() => new Duration(seconds, nano), at, "Duration");
      }
      case "period": {
        // Kryo 5: years, months, days; Kryo 2.24's FieldSerializer: days, months, years (sorted by name).
        const a = i.varInt(this.gen2), b = i.varInt(this.gen2), c = i.varInt(this.gen2);
        return this.#checked(() => (this.gen2 ? new Period(a, b, c) : new Period(c, b, a)), at, "Period");
      }
      case "zoneoffset": {
        if (this.gen2) return this.#zoneOffset(at);
        const seconds = i.varInt(false);
        return this.#checked(() => zoneOffsetId(seconds), at, "ZoneOffset");
      }
      case "zoneregion": {
        const id = this.gen2 ? i.string() : this.readObjectOrNull("java.lang.String", undefined);
        if (typeof id !== "string" || id === "") throw this.#corrupt(at, "a zone id that is empty");
        const inner = this.gen2 ? undefined : this.lastRef;
        this.#inner = inner;
        return id;
      }
      case "offsettime": {
        if (this.gen2) {
          const time = this.#localTime(at);
          return this.#checked(() => new OffsetTime(time, this.#zoneOffset(at)), at, "OffsetTime");
        }
        const offset = this.#gen1Offset(at);
        const offsetNote = this.slotNote(offset);
        const time = this.readObjectOrNull("java.time.LocalTime", undefined);
        if (!(time instanceof LocalTime)) throw this.#corrupt(at, "an OffsetTime without its time");
        return this.#withOffsetNote(new OffsetTime(time, offset), cls, offsetNote);
      }
      case "offsetdatetime": {
        const dateTime = this.#dateTime(at);
        if (this.gen2) return new OffsetDateTime(dateTime, this.#zoneOffset(at));
        const offset = this.#gen1Offset(at);
        return this.#withOffsetNote(new OffsetDateTime(dateTime, offset), cls, this.slotNote(offset));
      }
      case "zoneddatetime": {
        const dateTime = this.#dateTime(at);
        if (this.gen2) {
          const zone = i.string();
          if (zone === null || zone === "") throw this.#corrupt(at, "a ZonedDateTime without its zone");
          return this.#checked(() => new ZonedDateTime(dateTime, zone), at, "ZonedDateTime");
        }
        const offset = this.#gen1Offset(at);
        const offsetNote = this.slotNote(offset);
        const zone = this.readClassAndObject(undefined);
        if (typeof zone !== "string" || !["java.time.ZoneOffset", "java.time.ZoneRegion"].includes(this.lastClass)) {
          throw this.#corrupt(at, "a ZonedDateTime without its zone");
        }
        const zn = this.slotNote(zone);
        const z = this.#checked(() => new ZonedDateTime(dateTime, zone, offset), at, "ZonedDateTime");
        // How the offset and zone were written (new, or back-references to earlier objects) is kept for writing back.
        const notes = new Map<string, SlotNote>();
        if (offsetNote) notes.set("offset", offsetNote);
        if (zn) notes.set("zone", zn);
        note(z, cls, notes);
        return z;
      }
      case "year":
        return this.#checked(() => new Year(i.varInt(this.gen2)), at, "Year");
      case "yearmonth": {
        if (this.gen2) {
          const y = i.varInt(true);
          const m = i.i8();
          return this.#checked(() => new YearMonth(y, m), at, "YearMonth");
        }
        const m = i.varInt(false);
        const y = i.varInt(false);
        return this.#checked(() => new YearMonth(y, m), at, "YearMonth");
      }
      case "monthday": {
        const a = this.gen2 ? i.i8() : i.varInt(false), b = this.gen2 ? i.i8() : i.varInt(false);
        return this.#checked(() => (this.gen2 ? new MonthDay(a, b) : new MonthDay(b, a)), at, "MonthDay");
      }
      case "optional": {
        // The value with its class (Kryo 5's OptionalSerializer; Kryo 2.24's FieldSerializer on field `value`).
        const v = this.readClassAndObject(undefined);
        const n = this.slotNote(v);
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
          const x = this.gen2 ? (present ? i.i32() : 0) : i.varInt(false);
          if (present) v = x;
        } else if (kind === "optionallong") {
          const x = this.gen2 ? (present ? i.i64() : 0n) : i.varLong(false);
          if (present) v = x;
        } else {
          const x = this.gen2 ? (present ? i.f64() : NaN) : i.f64();
          if (present) v = x;
        }
        return new Optional(v, cls as OptionalClass);
      }
      case "enumset":
        return this.#enumSet(cls, at);
      case "bitset": {
        // The 64-bit words, low bits first: Flink 1.x (Chill's serializer) writes the BitSet's whole word array,
        // Flink 2.x only the words in use.
        const n = i.varInt(true);
        if (n * 8 > i.r.remaining) throw this.#corrupt(at, `a BitSet of ${n} word(s) with ${i.r.remaining} byte(s) left`);
        const out = new Set<number>();
        for (let w = 0; w < n; w++) {
          const word = BigInt.asUintN(64, i.i64());
          for (let b = 0; b < 64; b++) if ((word >> BigInt(b)) & 1n) out.add(w * 64 + b);
        }
        note(out, cls);
        if (!this.gen2) noteWords(out, n);
        return out;
      }
      case "locale": {
        if (!this.gen2) return readJavaLocale(i, (what) => this.#corrupt(at, what));
        const language = i.string() ?? "", country = i.string() ?? "", variant = i.string() ?? "";
        return localeText({ language, country, variant, script: "", extensions: "" });
      }
      case "pattern": {
        const text = i.string();
        if (text === null) throw this.#corrupt(at, "a Pattern without its text");
        return new Pattern(text, this.gen2 ? i.varInt(true) : 0);
      }
      case "socketaddress": {
        const host = i.string();
        if (host === null) throw this.#corrupt(at, "an InetSocketAddress without its host");
        const port = i.varInt(true);
        return `${host.includes(":") ? `[${host}]` : host}:${port}`;
      }
      case "timezone":
      case "currency": {
        const id = i.string();
        if (id === null || id === "") throw this.#corrupt(at, `a ${cls} without its id`);
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
      case "emptylist":
        return this.#noted([], cls);
      case "emptyset":
        return this.#noted(new Set(), cls);
      case "emptymap":
        return this.#noted(new Map(), cls);
      case "singletonlist":
      case "singletonset": {
        const v = this.readClassAndObject(undefined);
        const n = this.slotNote(v);
        const out = kind === "singletonlist" ? [v] : new Set([v]);
        note(out, cls, n ? [n] : undefined);
        return out;
      }
      case "singletonmap": {
        const k = this.readClassAndObject(undefined);
        const kn = this.slotNote(k);
        const v = this.readClassAndObject(undefined);
        const vn = this.slotNote(v);
        const out = new Map([[k, v]]);
        note(out, cls, kn || vn ? [kn, vn] : undefined);
        return out;
      }
      case "aslist":
        if (!this.gen2) return this.#gen1AsList(cls);
        return this.#collection(cls, "list", generic, true, false);
      case "priorityqueue":
        if (!this.gen2) return this.#gen1PriorityQueue(cls, at);
        return this.#collection(cls, "list", generic, true, true, at);
      case "list":
      case "set":
        return this.#collection(cls, kind, generic, true, false);
      case "treeset":
        return this.#collection(cls, "set", generic, true, true, at);
      case "immutablelist":
      case "immutableset":
        return this.#collection(cls, kind === "immutablelist" ? "list" : "set", generic, !this.gen2, false);
      case "map":
        return this.#map(cls, generic, true, false, at);
      case "treemap":
        return this.#map(cls, generic, true, true, at);
      case "skiplistmap":
        return this.#map(cls, generic, true, this.gen2, at);
      case "immutablemap":
        return this.#map(cls, generic, !this.gen2, false, at);
    }
  }

  #noted<T extends object>(v: T, cls: string): T {
    note(v, cls);
    return v;
  }

  #bigInteger(at: number): bigint | null {
    const n = this.in.varInt(true);
    if (n === NULL) return null;
    if (n - 1 > this.in.r.remaining || n === 1) throw this.#corrupt(at, `a BigInteger of ${n - 1} byte(s)`);
    return bigIntFromJavaBytes(this.in.r.readBytes(n - 1));
  }

  #localDate(at: number): LocalDate {
    const i = this.in;
    let y: number, m: number, d: number;
    if (this.gen2) {
      y = i.varInt(true);
      m = i.i8();
      d = i.i8();
    } else {
      d = i.i16();
      m = i.i16();
      y = i.varInt(false);
    }
    return this.#checked(() => new LocalDate(y, m, d), at, "LocalDate");
  }

  #localTime(at: number): LocalTime {
    const i = this.in;
    let h: number, m = 0, s = 0, n = 0;
    if (this.gen2) {
      // Kryo 5 ends at the first part stored complemented (negative): the rest are zero.
      h = i.i8();
      if (h < 0) h = ~h;
      else {
        m = i.i8();
        if (m < 0) m = ~m;
        else {
          s = i.i8();
          if (s < 0) s = ~s;
          else n = i.varInt(true);
        }
      }
    } else {
      h = i.i8();
      m = i.i8();
      n = i.varInt(false);
      s = i.i8();
    }
    return this.#checked(() => new LocalTime(h, m, s, n), at, "LocalTime");
  }

  /** Kryo 2.24 writes LocalDateTime with its FieldSerializer: fields `date` and `time`, each a final class. */
  #gen1LocalDateTime(at: number): LocalDateTime {
    const date = this.readObjectOrNull("java.time.LocalDate", undefined);
    const time = this.readObjectOrNull("java.time.LocalTime", undefined);
    if (!(date instanceof LocalDate) || !(time instanceof LocalTime)) throw this.#corrupt(at, "a LocalDateTime without date or time");
    return new LocalDateTime(date, time);
  }

  /** Keeps how a Kryo 2.24 java.time value's offset was written (new or a back-reference), for writing it back. */
  #withOffsetNote<T extends object>(v: T, cls: string, offsetNote: SlotNote | undefined): T {
    note(v, cls, offsetNote ? new Map([["offset", offsetNote]]) : new Map());
    return v;
  }

  /** Kryo 5's ZoneOffset: a byte of 15-minute units, or 127 and the seconds as a fixed int. */
  #zoneOffset(at: number): string {
    const b = this.in.i8();
    const seconds = b === 127 ? this.in.i32() : b * 900;
    return this.#checked(() => zoneOffsetId(seconds), at, "ZoneOffset");
  }

  /** A ZoneOffset field of a java.time class as Kryo 2.24's FieldSerializer writes it (a final class: no class id). */
  #gen1Offset(at: number): string {
    const o = this.readObjectOrNull("java.time.ZoneOffset", undefined);
    if (typeof o !== "string") throw this.#corrupt(at, "a java.time value without its offset");
    return o;
  }

  /** The date-time of an OffsetDateTime/ZonedDateTime: inline in Kryo 5, a LocalDateTime field in Kryo 2.24. */
  #dateTime(at: number): LocalDateTime {
    if (this.gen2) return new LocalDateTime(this.#localDate(at), this.#localTime(at));
    const dt = this.readObjectOrNull("java.time.LocalDateTime", undefined);
    if (!(dt instanceof LocalDateTime)) throw this.#corrupt(at, "a java.time value without its date-time");
    return dt;
  }

  /** Kryo's EnumSetSerializer: the enum's class, the size, each constant's ordinal + 1. */
  #enumSet(cls: string, at: number): Set<unknown> {
    const c = this.readClass();
    if (c === null) throw this.#corrupt(at, "an EnumSet without its enum class");
    const d = this.model.descriptions.get(c.cls);
    if (d?.kind !== "enum") {
      throw new KryoUnsupportedClassError(
        c.cls,
        c.at,
        `the enum of an EnumSet${this.#where()}: describe its constants, ${this.#kryo()}<Object,enum ${c.cls}{CONSTANT,...}>.`,
      );
    }
    const n = this.in.varInt(true);
    this.#checkCount(n);
    const out = new Set<unknown>();
    for (let k = 0; k < n; k++) {
      const o = this.in.varInt(true);
      if (o === NULL || o - 1 >= d.constants.length) throw this.#corrupt(at, `ordinal ${o - 1} in an EnumSet of ${c.cls}`);
      out.add(d.constants[o - 1]);
    }
    note(out, cls);
    noteComponent(out, c.cls);
    return out;
  }

  #instant(seconds: bigint, nanos: number, at: number): Instant {
    return this.#checked(() => new Instant(seconds, nanos), at, "Instant");
  }

  #checked<T>(make: () => T, at: number, what: string): T {
    try {
      return make();
    } catch (e) {
      throw this.#corrupt(at, `a ${what} out of range (${(e as Error).message})`);
    }
  }

  /** Chill's serializer of `Arrays.asList` (Flink 1.x): length, the array's component class, the elements. */
  #gen1AsList(cls: string): unknown[] {
    const n = this.in.varInt(true);
    const component = this.readClass();
    const out = this.#elements(cls, "list", n, undefined, undefined, true) as unknown[];
    if (component) noteComponent(out, component.cls);
    return out;
  }

  /** Flink 1.x's PriorityQueue serializer: the comparator, the size, the elements with their classes. */
  #gen1PriorityQueue(cls: string, at: number): unknown[] {
    this.#comparator(cls, at);
    return this.#elements(cls, "list", this.in.varInt(true), undefined, undefined, true) as unknown[];
  }

  #comparator(cls: string, at: number): void {
    const c = this.readClassAndObject(undefined);
    if (c !== null) {
      throw new KryoUnsupportedClassError(
        `${cls} with a comparator (${this.lastClass})`,
        at,
        "only natural ordering (no comparator) is read; the elements would be the same, but the comparator is code.",
      );
    }
  }

  #checkCount(n: number): void {
    if (n < 0 || n > this.in.r.remaining) {
      throw new SerializationError(
        `Kryo collection of ${n} element(s) with ${this.in.r.remaining} byte(s) left at byte ${this.in.position}: ` +
          "the bytes are not Kryo's, or not of this Flink generation (kryo1 = Flink 1.x, kryo = Flink 2.x).",
      );
    }
  }

  /** The type argument at `index` of the declared type, if Kryo knows it for this value. */
  #arg(generic: JavaType | undefined, index: number): JavaType | undefined {
    return generic?.kind === "class" ? generic.args[index] : undefined;
  }

  /**
   * Kryo's CollectionSerializer (and its TreeSet/PriorityQueue forms with a comparator `header`).
   * `canBeNull` is false for Kryo 5's serializer of List.of/Set.of (no null flags).
   */
  #collection(
    cls: string,
    shape: "list" | "set",
    generic: JavaType | undefined,
    canBeNull: boolean,
    header: boolean,
    at = 0,
  ): unknown {
    const elemT = this.#arg(generic, 0);
    const known = elemT !== undefined && this.model.isFinal(elemT) ? elemT : undefined;
    if (!this.gen2) {
      if (header) this.#comparator(cls, at);
      return this.#elements(cls, shape, this.in.varInt(true), known, undefined, true);
    }
    let n: number, nullable = canBeNull, sameType = false;
    if (known) {
      if (canBeNull) [nullable, n] = this.in.varIntFlag();
      else n = this.in.varInt(true);
    } else [sameType, n] = this.in.varIntFlag();
    if (n === 0) throw this.#corrupt(this.in.position, "a null collection inside a collection's bytes");
    n--;
    const out: unknown[] | Set<unknown> = shape === "list" ? [] : new Set();
    this.reference(out);
    if (header) this.#comparator(cls, at);
    if (n === 0) return this.#noted(out, cls);
    let elementClass = known ? this.model.className(known) : undefined;
    if (!known && sameType) {
      const c = this.readClass();
      if (c === null) {
        // Every element is null.
        for (let k = 0; k < n; k++) shape === "list" ? (out as unknown[]).push(null) : (out as Set<unknown>).add(null);
        return this.#noted(out, cls);
      }
      elementClass = c.cls;
      if (canBeNull) nullable = this.in.boolean();
    }
    return this.#elements(cls, shape, n, elementClass, elemT, nullable, out);
  }

  #elements(
    cls: string,
    shape: "list" | "set",
    n: number,
    known: JavaType | string | undefined,
    generic: JavaType | undefined,
    nullable: boolean,
    into?: unknown[] | Set<unknown>,
  ): unknown[] | Set<unknown> {
    // Every element takes a byte at least (a reference marker, a class id, or its value).
    this.#checkCount(n);
    const out = into ?? (shape === "list" ? [] : new Set());
    if (!into) this.reference(out);
    const notes: (SlotNote | undefined)[] = [];
    const elementClass = typeof known === "string" ? known : known && this.model.className(known);
    // Kryo 5 gives the elements the collection's type argument; Kryo 2.24 gives them none.
    const g = this.gen2 ? generic : undefined;
    for (let k = 0; k < n; k++) {
      this.#path.push(`[${k}]`);
      const v = elementClass === undefined
        ? this.readClassAndObject(g)
        : nullable
        ? this.readObjectOrNull(elementClass, g)
        : this.readObjectOf(elementClass, g);
      this.#path.pop();
      notes.push(this.slotNote(v));
      if (shape === "list") (out as unknown[]).push(v);
      else (out as Set<unknown>).add(v);
    }
    note(out, cls, notes.some((x) => x) ? notes : undefined);
    return out;
  }

  /** Kryo's MapSerializer (TreeMap and ConcurrentSkipListMap add a comparator; Map.of's has no null flags). */
  #map(cls: string, generic: JavaType | undefined, canBeNull: boolean, header: boolean, at: number): Map<unknown, unknown> {
    const keyT = this.#arg(generic, 0), valueT = this.#arg(generic, 1);
    const keyKnown = keyT !== undefined && this.model.isFinal(keyT) ? this.model.className(keyT) : undefined;
    const valueKnown = valueT !== undefined && this.model.isFinal(valueT) ? this.model.className(valueT) : undefined;
    const out = new Map<unknown, unknown>();
    let n: number;
    if (this.gen2) {
      n = this.in.varInt(true);
      if (n === 0) throw this.#corrupt(this.in.position, "a null map inside a map's bytes");
      n--;
      this.#checkCount(n);
      this.reference(out);
      if (header) this.#comparator(cls, at);
    } else {
      if (header) this.#comparator(cls, at);
      n = this.in.varInt(true);
      this.#checkCount(n);
      this.reference(out);
    }
    const kg = this.gen2 ? keyT : undefined, vg = this.gen2 ? valueT : undefined;
    const notes: (SlotNote | undefined)[] = [];
    const read = (known: string | undefined, g: JavaType | undefined) =>
      known === undefined ? this.readClassAndObject(g) : canBeNull ? this.readObjectOrNull(known, g) : this.readObjectOf(known, g);
    for (let k = 0; k < n; k++) {
      this.#path.push(`{key ${k}}`);
      const key = read(keyKnown, kg);
      this.#path.pop();
      notes.push(this.slotNote(key));
      this.#path.push(`{value ${k}}`);
      const value = read(valueKnown, vg);
      this.#path.pop();
      notes.push(this.slotNote(value));
      out.set(key, value);
    }
    note(out, cls, notes.some((x) => x) ? notes : undefined);
    return out;
  }

  // ------------------------------------------------------------------ errors

  #where(): string {
    return this.#path.length ? ` (at ${this.#path.join(".").replaceAll(".[", "[").replaceAll(".{", " {")})` : "";
  }

  #corrupt(at: number, what: string): SerializationError {
    return new SerializationError(
      `Kryo bytes at offset ${at}${this.#where()} hold ${what}: they are not what Flink's KryoSerializer writes for this ` +
        `description, or not of this Flink generation (kryo1 = Flink 1.x, kryo = Flink 2.x).`,
    );
  }

  #unknownId(id: number, at: number): KryoUnsupportedClassError {
    const where = this.#where();
    if (id === FIRST_USER_ID && this.model.declared === undefined) {
      return new KryoUnsupportedClassError(
        `class id ${id}`,
        at,
        `id ${id} is the class Flink's KryoSerializer registers first: the declared type of this state or POJO field ` +
          `(GenericTypeInfo's class)${where}. Name it: ${this.#kryo()}<java.time.LocalDateTime>, ${this.#kryo()}<com.acme.Event>{...}.`,
      );
    }
    return new KryoUnsupportedClassError(
      `class id ${id}`,
      at,
      `Flink registers no class with id ${id} by default${where}: the job registers classes of its own ` +
        "(registerKryoType, pipeline.registered-kryo-types); pass them, in registration order, as kryoSerializer's " +
        "`registered` option.",
    );
  }

  #unsupported(cls: string, at: number): KryoUnsupportedClassError {
    const where = this.#where();
    const k = this.#kryo();
    if (/^(java|javax|jdk|sun|scala)\./.test(cls)) {
      return new KryoUnsupportedClassError(
        cls,
        at,
        `Flink's Kryo writes it with a serializer this reader does not cover${where}. Keep such values out of ` +
          `Kryo-typed state, or, if Kryo writes it with its FieldSerializer, describe its fields: ${k}<Object,${cls}{field:type,...}>.`,
      );
    }
    return new KryoUnsupportedClassError(
      cls,
      at,
      `a class Kryo writes with its FieldSerializer${where}: describe its non-transient fields with their Java types, ` +
        `${k}<${cls}>{field:type,...} (add final before a final class's name; an enum is enum ${cls}{CONSTANT,...}), ` +
        `or, when it sits inside another value, add the description to the <...>: ${k}<Object,${cls}{field:type,...}>.`,
    );
  }

  #kryo(): string {
    return this.gen2 ? "kryo" : "kryo1";
  }
}
