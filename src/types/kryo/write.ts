// Writes one value as Flink's KryoSerializer does (`Kryo.writeClassAndObject`, references on), for
// Kryo 2.24 (Flink 1.x) and Kryo 5 (Flink 2.x): the mirror of read.ts.
import type { ByteWriter } from "../../core/bytes.ts";
import { describeValue } from "../../core/describe.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { bigIntToJavaBytes, Decimal } from "../big-number-serializers.ts";
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
  zoneOffsetSeconds,
} from "../temporal.ts";
import { isAscii, KryoOutput } from "./io.ts";
import { arrayTypeOf, type ArrayType, type JavaType, type KryoClassDescription, type PrimitiveName } from "./java-type.ts";
import { JDK_CLASSES, type JdkKind, shapeOf } from "./jdk-classes.ts";
import { enumsHolding, type KryoModel } from "./model.ts";
import { localeFields, writeJavaLocale } from "./locale.ts";
import {
  KryoTyped,
  notedClass,
  notedComponent,
  notedSlots,
  notedWords,
  Optional,
  Pattern,
  type SlotNote,
  type SlotNotes,
  Uuid,
} from "./values.ts";

const MIN_LONG = -(1n << 63n), MAX_LONG = (1n << 63n) - 1n;

/** Writes one value (class and object) to `w`. */
export function writeKryo(model: KryoModel, w: ByteWriter, v: unknown): void {
  const declared: JavaType | undefined = model.declared === undefined
    ? undefined
    : { kind: "class", name: model.declared, args: [] };
  new KryoWriter(model, w).writeClassAndObject(v, undefined, undefined, declared);
}

function slotOf(notes: SlotNotes | undefined, key: number | string): SlotNote | undefined {
  if (notes === undefined) return undefined;
  return notes instanceof Map ? notes.get(String(key)) : notes[key as number];
}

class KryoWriter {
  readonly model: KryoModel;
  readonly out: KryoOutput;
  readonly gen2: boolean;
  readonly #nameIds = new Map<string, number>();
  readonly #objectIds = new Map<object, number>();
  readonly #byId: unknown[] = [];
  /** Reference ids of the objects Java shares (cached instances: enum constants, ZoneOffset, LocalTime of whole hours, ...). */
  readonly #shared = new Map<string, number>();
  /** While a Kryo 2.24 ZonedDateTime whose zone is its offset is written: that offset (one object in Java). */
  #zoneIsOffset: number | undefined;
  /** The slot note of the object being written (read by the few serializers that keep inner details in it). */
  #note: SlotNote | undefined;

  constructor(model: KryoModel, w: ByteWriter) {
    this.model = model;
    this.out = new KryoOutput(w, model.generation);
    this.gen2 = model.generation === 2;
  }

  // ------------------------------------------------------------------ classes and references

  writeClass(cls: string | null): void {
    if (cls === null) return this.out.varInt(0, true);
    // Kryo gives an unregistered EnumSet class the registration of EnumSet, when that is registered.
    const id = this.model.classToId.get(cls) ??
      (JDK_CLASSES.get(cls) === "enumset" ? this.model.classToId.get("java.util.EnumSet") : undefined);
    if (id !== undefined) return this.out.varInt(id + 2, true);
    this.out.varInt(1, true);
    const nameId = this.#nameIds.get(cls);
    if (nameId !== undefined) return this.out.varInt(nameId, true);
    this.#nameIds.set(cls, this.#nameIds.size);
    this.out.varInt(this.#nameIds.size - 1, true);
    if (this.gen2 && isAscii(cls)) this.out.ascii(cls);
    else this.out.string(cls);
  }

  /** Kryo's writeClassAndObject; `choice` is the declared type that helps pick the class of a JS value. */
  writeClassAndObject(v: unknown, generic: JavaType | undefined, note: SlotNote | undefined, choice = generic): void {
    const [cls, value] = this.classOf(v, choice, note);
    if (cls === null) return this.writeClass(null);
    this.writeClass(cls);
    this.#body(cls, value, generic, note, false);
  }

  /** Kryo's writeObjectOrNull for a known class: a reference marker (0 = null), then the object. */
  writeObjectOrNull(cls: string, v: unknown, generic: JavaType | undefined, note: SlotNote | undefined): void {
    this.#body(cls, v instanceof KryoTyped ? v.value : v, generic, note, true);
  }

  /** Kryo's writeObject for a known class. */
  writeObjectOf(cls: string, v: unknown, generic: JavaType | undefined, note: SlotNote | undefined): void {
    this.#body(cls, v instanceof KryoTyped ? v.value : v, generic, note, false);
  }

  #body(cls: string, v: unknown, generic: JavaType | undefined, note: SlotNote | undefined, mayBeNull: boolean): void {
    if (v === null || v === undefined) {
      if (!mayBeNull) throw new InvalidArgumentError(`Kryo cannot write a null ${cls} here: the slot holds no null marker.`);
      return this.out.varInt(0, true);
    }
    if (!this.model.usesReferences(cls)) {
      if (mayBeNull) this.out.varInt(1, true);
      return this.#data(cls, v, generic);
    }
    if (typeof v === "object") {
      const id = this.#objectIds.get(v);
      if (id !== undefined) return this.out.varInt(id + 2, true);
    } else if (note?.ref !== undefined && note.cls === cls && Object.is(this.#byId[note.ref], v)) {
      return this.out.varInt(note.ref + 2, true);
    }
    const key = this.#sharedKey(cls, v, note);
    if (key !== undefined) {
      const id = this.#shared.get(key);
      if (id !== undefined) return this.out.varInt(id + 2, true);
      this.#shared.set(key, this.#byId.length);
    }
    if (typeof v === "object") this.#objectIds.set(v, this.#byId.length);
    this.#byId.push(v);
    this.out.varInt(1, true);
    this.#note = note;
    this.#data(cls, v, generic);
  }

  /**
   * A key for values Java keeps as one shared instance (so a second use in a graph is a back-reference): enum
   * constants, ZoneOffsets of whole quarter hours, LocalTimes of whole hours, zero Durations and Periods, empty Optionals.
   */
  #sharedKey(cls: string, v: unknown, note: SlotNote | undefined): string | undefined {
    // A decoded value says how it was written: a back-reference (its note's ref, honoured above) or a new object.
    if (note !== undefined || (typeof v === "object" && v !== null && notedClass(v) !== undefined)) return undefined;
    if (this.model.descriptions.get(cls)?.kind === "enum") return `${cls}.${String(v)}`;
    const kind = JDK_CLASSES.get(cls);
    switch (kind) {
      case "zoneoffset": {
        const s = typeof v === "string" ? zoneOffsetSeconds(v) : undefined;
        return s !== undefined && (s % 900 === 0 || s === this.#zoneIsOffset) ? `offset ${s}` : undefined;
      }
      case "localtime":
        return v instanceof LocalTime && v.minute === 0 && v.second === 0 && v.nano === 0 ? `time ${v.hour}` : undefined;
      case "duration":
        return v instanceof Duration && v.seconds === 0n && v.nano === 0 ? "duration 0" : undefined;
      case "currency":
        return `currency ${String(v)}`;
      case "period":
        return v instanceof Period && v.years === 0 && v.months === 0 && v.days === 0 ? "period 0" : undefined;
      case "optional":
      case "optionalint":
      case "optionallong":
      case "optionaldouble":
        return v instanceof Optional && v.value === null ? `${cls} empty` : undefined;
    }
    return undefined;
  }

  // ------------------------------------------------------------------ which class a JS value is

  /** The Java class to write for `v` (and `v` unwrapped from KryoTyped); `[null, null]` for null. */
  classOf(v: unknown, declared: JavaType | undefined, note: SlotNote | undefined): [string | null, unknown] {
    if (v instanceof KryoTyped) return [v.javaClass, v.value];
    if (v === null || v === undefined) return [null, null];
    if (note && this.fits(v, note.cls)) return [note.cls, v];
    const hidden = notedClass(v);
    if (hidden !== undefined && this.fits(v, hidden)) return [hidden, v];
    if (declared?.kind === "class") {
      const d = this.#fromDeclared(v, declared.name);
      if (d) return [d, v];
    } else if (declared?.kind === "array" && this.fits(v, this.model.className(declared))) {
      return [this.model.className(declared), v];
    }
    return [this.#infer(v), v];
  }

  #fromDeclared(v: unknown, name: string): string | undefined {
    if (this.fits(v, name)) return name;
    if (name === "java.time.ZoneId" && typeof v === "string") {
      return zoneOffsetSeconds(v) === undefined ? "java.time.ZoneRegion" : "java.time.ZoneOffset";
    }
    if (name === "java.util.EnumSet" && v instanceof Set) return this.#enumSetClass(this.#enumOf(v, undefined));
    const shape = Array.isArray(v) ? "list" : v instanceof Set ? "set" : v instanceof Map ? "map" : undefined;
    if (shape === undefined) return undefined;
    const simple = name.startsWith("java.util.") ? name.slice(10) : name.startsWith("java.lang.") ? name.slice(10) : "";
    const defaults: Record<string, Record<string, string>> = {
      list: { List: "ArrayList", Collection: "ArrayList", Iterable: "ArrayList", Queue: "LinkedList", Deque: "ArrayDeque" },
      set: { Set: "HashSet", Collection: "HashSet", Iterable: "HashSet", SortedSet: "TreeSet", NavigableSet: "TreeSet" },
      map: { Map: "HashMap", SortedMap: "TreeMap", NavigableMap: "TreeMap" },
    };
    const d = defaults[shape][simple];
    return d === undefined ? undefined : `java.util.${d}`;
  }

  #infer(v: unknown): string {
    switch (typeof v) {
      case "number":
        return Number.isInteger(v) && (v | 0) === v && !Object.is(v, -0) ? "java.lang.Integer" : "java.lang.Double";
      case "bigint":
        return v >= MIN_LONG && v <= MAX_LONG ? "java.lang.Long" : "java.math.BigInteger";
      case "string":
        return "java.lang.String";
      case "boolean":
        return "java.lang.Boolean";
    }
    if (v instanceof Decimal) return "java.math.BigDecimal";
    if (v instanceof Date) return "java.util.Date";
    if (v instanceof Instant) return "java.time.Instant";
    if (v instanceof LocalDateTime) return "java.time.LocalDateTime";
    if (v instanceof LocalDate) return "java.time.LocalDate";
    if (v instanceof LocalTime) return "java.time.LocalTime";
    if (v instanceof Uuid) return "java.util.UUID";
    if (v instanceof Duration) return "java.time.Duration";
    if (v instanceof Period) return "java.time.Period";
    if (v instanceof ZonedDateTime) return "java.time.ZonedDateTime";
    if (v instanceof OffsetDateTime) return "java.time.OffsetDateTime";
    if (v instanceof OffsetTime) return "java.time.OffsetTime";
    if (v instanceof Year) return "java.time.Year";
    if (v instanceof YearMonth) return "java.time.YearMonth";
    if (v instanceof MonthDay) return "java.time.MonthDay";
    if (v instanceof Optional) return v.javaClass;
    if (v instanceof Pattern) return "java.util.regex.Pattern";
    if (v instanceof Uint8Array) return "[B";
    if (v instanceof Int32Array) return "[I";
    if (v instanceof BigInt64Array) return "[J";
    if (v instanceof Int16Array) return "[S";
    if (v instanceof Float32Array) return "[F";
    if (v instanceof Float64Array) return "[D";
    if (Array.isArray(v)) return "java.util.ArrayList";
    if (v instanceof Set) return "java.util.HashSet";
    if (v instanceof Map) return "java.util.HashMap";
    throw new InvalidArgumentError(
      `Kryo cannot tell the Java class of ${describeValue(v)}: wrap it as new KryoTyped("com.acme.Event", value) ` +
        "(a class described in the serializer), or give the slot a declared type.",
    );
  }

  /** Whether `v` is a JS value of the class `cls` as reading gives it. */
  fits(v: unknown, cls: string): boolean {
    const d = this.model.descriptions.get(cls);
    if (d?.kind === "enum") return typeof v === "string" && d.constants.includes(v);
    if (d) return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);
    const array = arrayTypeOf(cls);
    if (array) {
      const e = array.element;
      if (e.kind !== "primitive") return Array.isArray(v);
      return ({
        byte: v instanceof Uint8Array, int: v instanceof Int32Array, long: v instanceof BigInt64Array,
        short: v instanceof Int16Array, float: v instanceof Float32Array, double: v instanceof Float64Array,
        char: typeof v === "string", boolean: Array.isArray(v),
      } as Record<PrimitiveName, boolean>)[e.name];
    }
    const kind = JDK_CLASSES.get(cls);
    if (kind === undefined) return false;
    switch (kind) {
      case "int":
      case "short":
      case "byte":
        return typeof v === "number" && Number.isInteger(v);
      case "float":
      case "double":
        return typeof v === "number";
      case "long":
      case "biginteger":
        return typeof v === "bigint";
      case "boolean":
        return typeof v === "boolean";
      case "char":
        return typeof v === "string" && v.length === 1;
      case "string":
      case "uri":
        return typeof v === "string";
      case "bigdecimal":
        return v instanceof Decimal;
      case "date":
      case "sqldate":
        return v instanceof Date;
      case "timestamp":
      case "instant":
        return v instanceof Instant;
      case "uuid":
        return v instanceof Uuid;
      case "localdate":
        return v instanceof LocalDate;
      case "localtime":
        return v instanceof LocalTime;
      case "localdatetime":
        return v instanceof LocalDateTime;
      case "duration":
        return v instanceof Duration;
      case "period":
        return v instanceof Period;
      case "zoneoffset":
        return typeof v === "string" && zoneOffsetSeconds(v) !== undefined;
      case "zoneregion":
        return typeof v === "string" && v !== "";
      case "offsettime":
        return v instanceof OffsetTime;
      case "offsetdatetime":
        return v instanceof OffsetDateTime;
      case "zoneddatetime":
        return v instanceof ZonedDateTime;
      case "year":
        return v instanceof Year;
      case "yearmonth":
        return v instanceof YearMonth;
      case "monthday":
        return v instanceof MonthDay;
      case "optional":
      case "optionalint":
      case "optionallong":
      case "optionaldouble":
        return v instanceof Optional && v.javaClass === cls;
      case "bitset":
        return v instanceof Set && [...v].every((x) => Number.isInteger(x) && (x as number) >= 0);
      case "locale":
        try {
          return typeof v === "string" && localeFields(v) !== undefined;
        } catch {
          return false;
        }
      case "pattern":
        return v instanceof Pattern;
      case "socketaddress":
        return typeof v === "string" && /^(?:\[[^\]]*\]|[^:]*):\d{1,5}$/.test(v);
      case "timezone":
      case "currency":
      case "stringbuilder":
        return typeof v === "string";
      case "atomiclong":
        return typeof v === "bigint";
      case "atomicint":
        return typeof v === "number" && Number.isInteger(v);
      case "atomicbool":
        return typeof v === "boolean";
    }
    const shape = shapeOf(kind);
    return shape === "list" ? Array.isArray(v) : shape === "set" ? v instanceof Set : v instanceof Map;
  }

  // ------------------------------------------------------------------ objects

  #bad(cls: string, expected: string, v: unknown): InvalidArgumentError {
    return new InvalidArgumentError(`Kryo cannot write ${describeValue(v)} as ${cls}: expected ${expected}.`);
  }

  #data(cls: string, v: unknown, generic: JavaType | undefined): void {
    const d = this.model.descriptions.get(cls);
    if (d?.kind === "enum") {
      const o = typeof v === "string" ? d.constants.indexOf(v) : -1;
      if (o < 0) throw this.#bad(cls, `one of ${d.constants.join(", ")}`, v);
      return this.out.varInt(o + 1, true);
    }
    if (d) return this.#fields(d, v);
    const array = arrayTypeOf(cls);
    if (array) return this.#array(cls, array, v);
    const kind = JDK_CLASSES.get(cls);
    if (kind === undefined) {
      throw new InvalidArgumentError(
        `Kryo cannot write ${cls}: describe it (its fields, or its constants for an enum) in the serializer's classes.`,
      );
    }
    this.#jdk(kind, cls, v, generic);
  }

  #fields(d: KryoClassDescription, v: unknown): void {
    if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Map || v instanceof Set) {
      throw this.#bad(d.name, "an object with its fields", v);
    }
    const obj = v as Record<string, unknown>;
    const notes = notedSlots(v);
    const plain = d.record === true && this.gen2;
    for (const f of d.fields) {
      const x = Object.hasOwn(obj, f.name) ? obj[f.name] : undefined;
      this.#field(d.name, f.name, f.type, x, slotOf(notes, f.name), plain);
    }
  }

  /** A field; `plain`: without the field's type arguments (Kryo 5's RecordSerializer gives none). */
  #field(owner: string, name: string, t: JavaType, v: unknown, note: SlotNote | undefined, plain = false): void {
    if (t.kind === "primitive") {
      if (v === null || v === undefined) throw new InvalidArgumentError(`Field ${name} of ${owner} is a Java ${t.name}: it cannot be null.`);
      return this.#primitive(t.name, v instanceof KryoTyped ? v.value : v, `field ${name} of ${owner}`);
    }
    const generic = plain ? undefined : t;
    if (this.model.isFinal(t)) return this.writeObjectOrNull(this.model.className(t), v, generic, note);
    this.writeClassAndObject(v, generic, note, t);
  }

  #primitive(p: PrimitiveName, v: unknown, what: string): void {
    const o = this.out;
    const int = (min: number, max: number) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw this.#bad(what, `a ${p} in [${min}, ${max}]`, v);
      return v;
    };
    switch (p) {
      case "int":
        return o.varInt(int(-0x80000000, 0x7fffffff), false);
      case "long":
        return o.varLong(this.#long(v, what), false);
      case "short":
        return o.i16(int(-0x8000, 0x7fff));
      case "byte":
        return o.u8(int(-0x80, 0x7f));
      case "char":
        if (typeof v !== "string" || v.length !== 1) throw this.#bad(what, "a one-character string", v);
        return o.i16(v.charCodeAt(0));
      case "boolean":
        if (typeof v !== "boolean") throw this.#bad(what, "a boolean", v);
        return o.boolean(v);
      case "float":
      case "double":
        if (typeof v !== "number") throw this.#bad(what, "a number", v);
        return p === "float" ? o.f32(v) : o.f64(v);
    }
  }

  #long(v: unknown, what: string): bigint {
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v !== "bigint" || v < MIN_LONG || v > MAX_LONG) throw this.#bad(what, "a bigint in [-2^63, 2^63-1]", v);
    return v;
  }

  #array(cls: string, t: ArrayType, v: unknown): void {
    const o = this.out;
    const e = t.element;
    if (e.kind === "primitive") {
      if (e.name === "char") {
        if (typeof v !== "string") throw this.#bad(cls, "a string (a char[])", v);
        o.varInt(v.length + 1, true);
        for (let i = 0; i < v.length; i++) o.i16(v.charCodeAt(i));
        return;
      }
      if (e.name === "byte") {
        if (!(v instanceof Uint8Array)) throw this.#bad(cls, "a Uint8Array", v);
        o.varInt(v.length + 1, true);
        return o.w.writeBytes(v);
      }
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw this.#bad(cls, "an array", v);
      const items = Array.from(v as ArrayLike<unknown>);
      o.varInt(items.length + 1, true);
      for (const x of items) this.#primitive(e.name, x, `an element of ${cls}`);
      return;
    }
    if (!Array.isArray(v)) throw this.#bad(cls, "an array", v);
    o.varInt(v.length + 1, true);
    const notes = notedSlots(v);
    const known = this.model.isFinal(e);
    const elementClass = this.model.className(e);
    v.forEach((x, i) => {
      if (known) this.writeObjectOrNull(elementClass, x, undefined, slotOf(notes, i));
      else this.writeClassAndObject(x, undefined, slotOf(notes, i), e);
    });
  }

  #jdk(kind: JdkKind, cls: string, v: unknown, generic: JavaType | undefined): void {
    const o = this.out;
    if (!this.fits(v, cls) && !(kind === "timestamp" && v instanceof Date)) {
      throw this.#bad(cls, "a value of that class as reading gives it", v);
    }
    switch (kind) {
      case "int":
      case "short":
      case "byte":
      case "float":
      case "double":
      case "boolean":
        return this.#primitive(kind, v, cls);
      case "char":
        return this.#primitive("char", v, cls);
      case "long":
        return o.varLong(this.#long(v, cls), false);
      case "string":
      case "uri":
        return o.string(v as string);
      case "biginteger":
        return this.#bigInteger(v as bigint);
      case "bigdecimal": {
        const d = v as Decimal;
        this.#bigInteger(d.unscaled);
        return o.varInt(d.scale, false);
      }
      case "date":
      case "sqldate":
        return o.varLong(BigInt((v as Date).getTime()), true);
      case "timestamp": {
        const i = v instanceof Date ? Instant.ofEpochMilli(BigInt(v.getTime())) : v as Instant;
        o.varLong(this.gen2 ? i.epochSecond * 1000n : i.toEpochMilli(), true);
        return o.varInt(i.nano, true);
      }
      case "uuid": {
        const u = v as Uuid;
        if (this.gen2) {
          o.i64(u.mostSignificantBits);
          return o.i64(u.leastSignificantBits);
        }
        o.varLong(u.mostSignificantBits, false);
        return o.varLong(u.leastSignificantBits, false);
      }
      case "localdate":
        return this.#localDate(v as LocalDate);
      case "localtime":
        return this.#localTime(v as LocalTime);
      case "localdatetime": {
        const dt = v as LocalDateTime;
        if (this.gen2) {
          this.#localDate(dt.date);
          return this.#localTime(dt.time);
        }
        this.writeObjectOrNull("java.time.LocalDate", dt.date, undefined, undefined);
        return this.writeObjectOrNull("java.time.LocalTime", dt.time, undefined, undefined);
      }
      case "instant": {
        const i = v as Instant;
        if (this.gen2) {
          o.varLong(i.epochSecond, true);
          return o.varInt(i.nano, true);
        }
        o.varInt(i.nano, false);
        return o.varLong(i.epochSecond, false);
      }
      case "duration": {
        const d = v as Duration;
        if (this.gen2) {
          o.i64(d.seconds);
          return o.varInt(d.nano, true);
        }
        o.varInt(d.nano, false);
        return o.varLong(d.seconds, false);
      }
      case "period": {
        const p = v as Period;
        const parts = this.gen2 ? [p.years, p.months, p.days] : [p.days, p.months, p.years];
        for (const x of parts) o.varInt(x, this.gen2);
        return;
      }
      case "zoneoffset":
        return this.#zoneOffset(zoneOffsetSeconds(v as string)!);
      case "zoneregion": {
        if (this.gen2) return o.string(v as string);
        const inner = this.#note?.cls === cls ? this.#note.inner : undefined;
        return this.writeObjectOrNull("java.lang.String", v, undefined, inner === undefined ? undefined : { cls: "java.lang.String", ref: inner });
      }
      case "offsettime": {
        const t = v as OffsetTime;
        if (this.gen2) {
          this.#localTime(t.time);
          return this.#zoneOffset(zoneOffsetSeconds(t.offset)!);
        }
        this.writeObjectOrNull("java.time.ZoneOffset", t.offset, undefined, slotOf(notedSlots(t), "offset"));
        return this.writeObjectOrNull("java.time.LocalTime", t.time, undefined, undefined);
      }
      case "offsetdatetime": {
        const t = v as OffsetDateTime;
        this.#dateTime(t.dateTime);
        if (this.gen2) return this.#zoneOffset(zoneOffsetSeconds(t.offset)!);
        return this.writeObjectOrNull("java.time.ZoneOffset", t.offset, undefined, slotOf(notedSlots(t), "offset"));
      }
      case "zoneddatetime": {
        const z = v as ZonedDateTime;
        this.#dateTime(z.dateTime);
        if (this.gen2) return o.string(z.zone);
        // Kryo 2.24's FieldSerializer: dateTime, offset, zone (with its class); a zone that is the offset is that object.
        const outer = this.#zoneIsOffset;
        const seconds = zoneOffsetSeconds(z.offset)!;
        const same = z.zone === z.offset && seconds % 900 !== 0;
        if (same) this.#zoneIsOffset = seconds;
        try {
          this.writeObjectOrNull("java.time.ZoneOffset", z.offset, undefined, slotOf(notedSlots(z), "offset"));
          const zoneNote = slotOf(notedSlots(z), "zone");
          return this.writeClassAndObject(z.zone, undefined, zoneNote, { kind: "class", name: "java.time.ZoneId", args: [] });
        } finally {
          if (same) this.#shared.delete(`offset ${seconds}`);
          this.#zoneIsOffset = outer;
        }
      }
      case "year":
        return o.varInt((v as Year).value, this.gen2);
      case "yearmonth": {
        const ym = v as YearMonth;
        if (this.gen2) {
          o.varInt(ym.year, true);
          return o.u8(ym.month);
        }
        o.varInt(ym.month, false);
        return o.varInt(ym.year, false);
      }
      case "monthday": {
        const md = v as MonthDay;
        if (this.gen2) {
          o.u8(md.month);
          return o.u8(md.day);
        }
        o.varInt(md.day, false);
        return o.varInt(md.month, false);
      }
      case "optional": {
        const opt = v as Optional;
        return this.writeClassAndObject(opt.value, undefined, slotOf(notedSlots(opt), 0));
      }
      case "optionalint":
      case "optionallong":
      case "optionaldouble": {
        const opt = v as Optional;
        const present = opt.value !== null;
        o.boolean(present);
        if (kind === "optionalint") {
          if (this.gen2) return present ? o.i32(opt.value as number) : undefined;
          return o.varInt(present ? opt.value as number : 0, false);
        }
        if (kind === "optionallong") {
          if (this.gen2) return present ? o.i64(opt.value as bigint) : undefined;
          return o.varLong(present ? opt.value as bigint : 0n, false);
        }
        if (this.gen2) return present ? o.f64(opt.value as number) : undefined;
        return o.f64(present ? opt.value as number : NaN);
      }
      case "enumset": {
        const set = v as Set<unknown>;
        const e = this.#enumOf(set, generic);
        this.writeClass(e.name);
        o.varInt(set.size, true);
        for (const x of set) {
          const i = typeof x === "string" ? e.constants.indexOf(x) : -1;
          if (i < 0) throw this.#bad(cls, `constants of ${e.name} (${e.constants.join(", ")})`, x);
          o.varInt(i + 1, true);
        }
        return;
      }
      case "bitset": {
        const bits = [...(v as Set<number>)];
        const used = bits.length ? Math.floor(Math.max(...bits) / 64) + 1 : 0;
        // Flink 1.x writes the BitSet's word array (at least one word: its capacity); 2.x the words in use.
        const n = this.gen2 ? used : Math.max(used, notedWords(v) ?? 1);
        const words = new Array<bigint>(n).fill(0n);
        for (const b of bits) words[Math.floor(b / 64)] |= 1n << BigInt(b % 64);
        o.varInt(n, true);
        for (const w of words) o.i64(w);
        return;
      }
      case "locale": {
        if (!this.gen2) return writeJavaLocale(o, v as string);
        const f = localeFields(v as string);
        o.ascii(f.language);
        o.ascii(f.country);
        return o.string(f.variant);
      }
      case "pattern": {
        const p = v as Pattern;
        o.string(p.pattern);
        if (this.gen2) o.varInt(p.flags, true);
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
        return this.gen2 ? o.string(v as string) : o.utf8(v as string);
      case "atomiclong":
        return o.varLong(v as bigint, false);
      case "atomicint":
        return o.varInt(v as number, false);
      case "atomicbool":
        return o.varInt(v ? 1 : 0, false);
      case "emptylist":
      case "emptyset":
      case "emptymap":
        if (this.#size(v) !== 0) throw this.#bad(cls, "an empty collection", v);
        return;
      case "singletonlist":
      case "singletonset": {
        const [x] = this.#items(v);
        if (this.#size(v) !== 1) throw this.#bad(cls, "one element", v);
        return this.writeClassAndObject(x, undefined, slotOf(notedSlots(v), 0));
      }
      case "singletonmap": {
        const m = v as Map<unknown, unknown>;
        if (m.size !== 1) throw this.#bad(cls, "one entry", v);
        const [[k, x]] = m;
        const notes = notedSlots(v);
        this.writeClassAndObject(k, undefined, slotOf(notes, 0));
        return this.writeClassAndObject(x, undefined, slotOf(notes, 1));
      }
      case "aslist":
        if (!this.gen2) return this.#gen1AsList(v as unknown[]);
        return this.#collection(v, generic, true, false);
      case "priorityqueue":
        if (!this.gen2) {
          o.varInt(0, true);
          return this.#gen1Elements(v, undefined);
        }
        return this.#collection(v, generic, true, true);
      case "list":
      case "set":
        return this.gen2 ? this.#collection(v, generic, true, false) : this.#gen1Elements(v, generic);
      case "treeset":
        if (this.gen2) return this.#collection(v, generic, true, true);
        o.varInt(0, true);
        return this.#gen1Elements(v, generic);
      case "immutablelist":
      case "immutableset":
        return this.gen2 ? this.#collection(v, generic, false, false) : this.#gen1Elements(v, generic);
      case "map":
        return this.#map(v as Map<unknown, unknown>, generic, true, false, cls === "java.util.EnumMap");
      case "treemap":
        return this.#map(v as Map<unknown, unknown>, generic, true, true);
      case "skiplistmap":
        return this.#map(v as Map<unknown, unknown>, generic, true, this.gen2);
      case "immutablemap":
        return this.#map(v as Map<unknown, unknown>, generic, !this.gen2, false);
    }
  }

  /** Kryo 5's ZoneOffset (a byte of quarter hours, or 127 and the seconds); Kryo 2.24's FieldSerializer: totalSeconds. */
  #zoneOffset(seconds: number): void {
    if (!this.gen2) return this.out.varInt(seconds, false);
    if (seconds % 900 === 0) return this.out.u8(seconds / 900);
    this.out.u8(127);
    this.out.i32(seconds);
  }

  /** The date-time of an OffsetDateTime/ZonedDateTime: inline in Kryo 5, a LocalDateTime field in Kryo 2.24. */
  #dateTime(dt: LocalDateTime): void {
    if (!this.gen2) return this.writeObjectOrNull("java.time.LocalDateTime", dt, undefined, undefined);
    this.#localDate(dt.date);
    this.#localTime(dt.time);
  }

  /** The enum of an EnumSet: noted when read, the declared type argument, or the one described enum holding every element. */
  #enumOf(set: Set<unknown>, generic: JavaType | undefined): { name: string; constants: readonly string[] } {
    const named = notedComponent(set) ?? (generic?.kind === "class" && generic.args[0]?.kind === "class" ? generic.args[0].name : undefined);
    if (named !== undefined) {
      const d = this.model.descriptions.get(named);
      if (d?.kind === "enum") return d;
      throw new InvalidArgumentError(`Kryo cannot write an EnumSet of ${named}: describe the enum (enum ${named}{CONSTANT,...}).`);
    }
    const fit = set.size > 0 ? enumsHolding(this.model, [...set]) : [];
    if (fit.length === 1) return fit[0];
    throw new InvalidArgumentError(
      `Kryo cannot tell the enum of the EnumSet ${describeValue(set)}: ${fit.length ? "more than one described enum fits" : "no described enum holds every element"}; ` +
        "give the field's type (EnumSet<com.acme.Color>) or describe the enum.",
    );
  }

  /** RegularEnumSet, or JumboEnumSet for an enum of more than 64 constants. */
  #enumSetClass(e: { constants: readonly string[] }): string {
    return e.constants.length > 64 ? "java.util.JumboEnumSet" : "java.util.RegularEnumSet";
  }

  #size(v: unknown): number {
    return Array.isArray(v) ? v.length : (v as Set<unknown> | Map<unknown, unknown>).size;
  }

  #items(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [...(v as Set<unknown>)];
  }

  #bigInteger(v: bigint): void {
    const b = bigIntToJavaBytes(v);
    this.out.varInt(b.length + 1, true);
    this.out.w.writeBytes(b);
  }

  #localDate(d: LocalDate): void {
    const o = this.out;
    if (this.gen2) {
      o.varInt(d.year, true);
      o.u8(d.month);
      return o.u8(d.day);
    }
    o.i16(d.day);
    o.i16(d.month);
    o.varInt(d.year, false);
  }

  #localTime(t: LocalTime): void {
    const o = this.out;
    if (!this.gen2) {
      o.u8(t.hour);
      o.u8(t.minute);
      o.varInt(t.nano, false);
      return o.u8(t.second);
    }
    if (t.nano === 0 && t.second === 0 && t.minute === 0) return o.u8(~t.hour);
    o.u8(t.hour);
    if (t.nano === 0 && t.second === 0) return o.u8(~t.minute);
    o.u8(t.minute);
    if (t.nano === 0) return o.u8(~t.second);
    o.u8(t.second);
    o.varInt(t.nano, true);
  }

  #gen1AsList(v: unknown[]): void {
    this.out.varInt(v.length, true);
    const component = notedComponent(v) ??
      (v.length > 0 && v.every((x) => typeof x === "string") ? "java.lang.String" : "java.lang.Object");
    this.writeClass(component);
    const notes = notedSlots(v);
    v.forEach((x, i) => this.writeClassAndObject(x, undefined, slotOf(notes, i)));
  }

  #arg(generic: JavaType | undefined, index: number): JavaType | undefined {
    return generic?.kind === "class" ? generic.args[index] : undefined;
  }

  /** Kryo 2.24's CollectionSerializer: the size, then the elements (with their classes unless a final type argument names it). */
  #gen1Elements(v: unknown, generic: JavaType | undefined): void {
    const items = this.#items(v);
    const elemT = this.#arg(generic, 0);
    const known = elemT !== undefined && this.model.isFinal(elemT) ? this.model.className(elemT) : undefined;
    this.out.varInt(items.length, true);
    const notes = notedSlots(v);
    items.forEach((x, i) => {
      if (known) this.writeObjectOrNull(known, x, undefined, slotOf(notes, i));
      else this.writeClassAndObject(x, undefined, slotOf(notes, i), elemT);
    });
  }

  /** Kryo 5's CollectionSerializer (see read.ts for the layout). */
  #collection(v: unknown, generic: JavaType | undefined, canBeNull: boolean, header: boolean): void {
    const o = this.out;
    const items = this.#items(v);
    const n = items.length;
    if (n === 0) {
      o.u8(1);
      if (header) o.varInt(0, true);
      return;
    }
    const notes = notedSlots(v);
    const elemT = this.#arg(generic, 0);
    const known = elemT !== undefined && this.model.isFinal(elemT) ? elemT : undefined;
    const hasNull = items.some((x) => x === null || x === undefined || (x instanceof KryoTyped && x.value == null));
    if (known) {
      const cls = this.model.className(known);
      if (canBeNull) o.varIntFlag(hasNull, n + 1);
      else o.varInt(n + 1, true);
      if (header) o.varInt(0, true);
      items.forEach((x, i) => {
        if (canBeNull && hasNull) this.writeObjectOrNull(cls, x, elemT, slotOf(notes, i));
        else this.writeObjectOf(cls, x, elemT, slotOf(notes, i));
      });
      return;
    }
    const classes = items.map((x, i) => this.classOf(x, elemT, slotOf(notes, i)));
    let same: string | null = null, differ = false;
    for (const [c] of classes) {
      if (c === null) continue;
      if (same === null) same = c;
      else if (c !== same) differ = true;
    }
    o.varIntFlag(!differ, n + 1);
    if (header) o.varInt(0, true);
    if (differ) {
      items.forEach((x, i) => this.writeClassAndObject(x, elemT, slotOf(notes, i)));
      return;
    }
    if (same === null) return o.u8(0);
    this.writeClass(same);
    if (canBeNull) o.boolean(hasNull);
    classes.forEach(([, x], i) => {
      if (canBeNull && hasNull) this.writeObjectOrNull(same, x, elemT, slotOf(notes, i));
      else this.writeObjectOf(same, x, elemT, slotOf(notes, i));
    });
  }

  /** Kryo's MapSerializer: Kryo 2.24 writes the comparator before the size, Kryo 5 after it (`header`). */
  #map(m: Map<unknown, unknown>, generic: JavaType | undefined, canBeNull: boolean, header: boolean, enumKeys = false): void {
    const o = this.out;
    const keyT = this.#arg(generic, 0), valueT = this.#arg(generic, 1);
    const keyKnown = keyT !== undefined && this.model.isFinal(keyT) ? this.model.className(keyT) : undefined;
    const valueKnown = valueT !== undefined && this.model.isFinal(valueT) ? this.model.className(valueT) : undefined;
    if (this.gen2) {
      if (m.size === 0) {
        o.u8(1);
        if (header) o.varInt(0, true);
        return;
      }
      o.varInt(m.size + 1, true);
      if (header) o.varInt(0, true);
    } else {
      if (header) o.varInt(0, true);
      o.varInt(m.size, true);
    }
    const kg = this.gen2 ? keyT : undefined, vg = this.gen2 ? valueT : undefined;
    const notes = notedSlots(m);
    // An EnumMap's keys are constants of one enum: without a type argument, the described enum holding every key.
    let keyChoice = keyT;
    if (keyChoice === undefined && enumKeys && m.size > 0) {
      const fit = enumsHolding(this.model, [...m.keys()]);
      if (fit.length === 1) keyChoice = { kind: "class", name: fit[0].name, args: [] };
    }
    let i = 0;
    const write = (x: unknown, known: string | undefined, g: JavaType | undefined, t: JavaType | undefined, n: SlotNote | undefined) => {
      if (known === undefined) this.writeClassAndObject(x, g, n, t);
      else if (canBeNull) this.writeObjectOrNull(known, x, g, n);
      else this.writeObjectOf(known, x, g, n);
    };
    for (const [k, x] of m) {
      write(k, keyKnown, kg, keyChoice, slotOf(notes, 2 * i));
      write(x, valueKnown, vg, valueT, slotOf(notes, 2 * i + 1));
      i++;
    }
  }
}
