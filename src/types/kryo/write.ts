// Writes one value as Flink's KryoSerializer does (`Kryo.writeClassAndObject`, references on), for
// Kryo 2.24 (Flink 1.x) and Kryo 5 (Flink 2.x): the mirror of read.ts. The writer core (classes, references,
// user classes and their fields, arrays); which class a JS value is in write-classes.ts, the JDK classes in
// write-jdk.ts, write-time.ts and write-collections.ts.
import type { ByteWriter } from "../../core/bytes.ts";
import { describeValue } from "../../core/describe.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { Duration, LocalTime, Period, zoneOffsetSeconds } from "../temporal.ts";
import { isAscii, KryoOutput } from "./io.ts";
import { arrayTypeOf, type ArrayType, type JavaType, type KryoClassDescription, type PrimitiveName } from "./java-type.ts";
import { JDK_CLASSES } from "./jdk-classes.ts";
import type { KryoModel } from "./model.ts";
import { KryoTyped, notedClass, notedSlots, Optional, type SlotNote, type SlotNotes } from "./values.ts";
import { classOf } from "./write-classes.ts";
import { writeJdk } from "./write-jdk.ts";

const MIN_LONG = -(1n << 63n), MAX_LONG = (1n << 63n) - 1n;

/** Writes one value (class and object) to `w`. */
export function writeKryo(model: KryoModel, w: ByteWriter, v: unknown): void {
  const declared: JavaType | undefined = model.declared === undefined
    ? undefined
    : { kind: "class", name: model.declared, args: [] };
  new KryoWriter(model, w).writeClassAndObject(v, undefined, undefined, declared);
}

/** The note of slot `key` (an index, or a field name) of a container's notes. */
export function slotOf(notes: SlotNotes | undefined, key: number | string): SlotNote | undefined {
  if (notes === undefined) return undefined;
  return notes instanceof Map ? notes.get(String(key)) : notes[key as number];
}

/** One write of a Kryo object graph: the class names and objects written so far. */
export class KryoWriter {
  readonly model: KryoModel;
  readonly out: KryoOutput;
  readonly gen2: boolean;
  readonly #nameIds = new Map<string, number>();
  readonly #objectIds = new Map<object, number>();
  readonly #byId: unknown[] = [];
  /** Reference ids of the objects Java shares (cached instances: enum constants, ZoneOffset, LocalTime of whole hours, ...). */
  readonly shared = new Map<string, number>();
  /** While a Kryo 2.24 ZonedDateTime whose zone is its offset is written: that offset (one object in Java). */
  zoneIsOffset: number | undefined;
  /** The slot note of the object being written (read by the few serializers that keep inner details in it). */
  note: SlotNote | undefined;

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
    const [cls, value] = classOf(this, v, choice, note);
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

  /**
   * One element, key or value: with its class when no final class is `known` for it (`choice` helps pick the class),
   * else with a reference marker when it may be null (`nullable`), or without one.
   */
  writeSlot(
    v: unknown,
    known: string | undefined,
    nullable: boolean,
    generic: JavaType | undefined,
    note: SlotNote | undefined,
    choice = generic,
  ): void {
    if (known === undefined) this.writeClassAndObject(v, generic, note, choice);
    else if (nullable) this.writeObjectOrNull(known, v, generic, note);
    else this.writeObjectOf(known, v, generic, note);
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
      const id = this.shared.get(key);
      if (id !== undefined) return this.out.varInt(id + 2, true);
      this.shared.set(key, this.#byId.length);
    }
    if (typeof v === "object") this.#objectIds.set(v, this.#byId.length);
    this.#byId.push(v);
    this.out.varInt(1, true);
    this.note = note;
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
        return s !== undefined && (s % 900 === 0 || s === this.zoneIsOffset) ? `offset ${s}` : undefined;
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

  // ------------------------------------------------------------------ objects

  /** The error for a value that is not what class `cls` takes here. */
  bad(cls: string, expected: string, v: unknown): InvalidArgumentError {
    return new InvalidArgumentError(`Kryo cannot write ${describeValue(v)} as ${cls}: expected ${expected}.`);
  }

  #data(cls: string, v: unknown, generic: JavaType | undefined): void {
    const d = this.model.descriptions.get(cls);
    if (d?.kind === "enum") {
      const o = typeof v === "string" ? d.constants.indexOf(v) : -1;
      if (o < 0) throw this.bad(cls, `one of ${d.constants.join(", ")}`, v);
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
    writeJdk(this, kind, cls, v, generic);
  }

  #fields(d: KryoClassDescription, v: unknown): void {
    if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Map || v instanceof Set) {
      throw this.bad(d.name, "an object with its fields", v);
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
      return this.primitive(t.name, v instanceof KryoTyped ? v.value : v, `field ${name} of ${owner}`);
    }
    const generic = plain ? undefined : t;
    if (this.model.isFinal(t)) return this.writeObjectOrNull(this.model.className(t), v, generic, note);
    this.writeClassAndObject(v, generic, note, t);
  }

  /** A Java primitive (a field's, an array element's, or a boxed one's value), range-checked. */
  primitive(p: PrimitiveName, v: unknown, what: string): void {
    const o = this.out;
    const int = (min: number, max: number) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw this.bad(what, `a ${p} in [${min}, ${max}]`, v);
      return v;
    };
    switch (p) {
      case "int":
        return o.varInt(int(-0x80000000, 0x7fffffff), false);
      case "long":
        return o.varLong(this.long(v, what), false);
      case "short":
        return o.i16(int(-0x8000, 0x7fff));
      case "byte":
        return o.u8(int(-0x80, 0x7f));
      case "char":
        if (typeof v !== "string" || v.length !== 1) throw this.bad(what, "a one-character string", v);
        return o.i16(v.charCodeAt(0));
      case "boolean":
        if (typeof v !== "boolean") throw this.bad(what, "a boolean", v);
        return o.boolean(v);
      case "float":
      case "double":
        if (typeof v !== "number") throw this.bad(what, "a number", v);
        return p === "float" ? o.f32(v) : o.f64(v);
    }
  }

  /** `v` as a Java long (a safe integer number or a bigint in range). */
  long(v: unknown, what: string): bigint {
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v !== "bigint" || v < MIN_LONG || v > MAX_LONG) throw this.bad(what, "a bigint in [-2^63, 2^63-1]", v);
    return v;
  }

  #array(cls: string, t: ArrayType, v: unknown): void {
    const o = this.out;
    const e = t.element;
    if (e.kind === "primitive") {
      if (e.name === "char") {
        if (typeof v !== "string") throw this.bad(cls, "a string (a char[])", v);
        o.varInt(v.length + 1, true);
        for (let i = 0; i < v.length; i++) o.i16(v.charCodeAt(i));
        return;
      }
      if (e.name === "byte") {
        if (!(v instanceof Uint8Array)) throw this.bad(cls, "a Uint8Array", v);
        o.varInt(v.length + 1, true);
        return o.w.writeBytes(v);
      }
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw this.bad(cls, "an array", v);
      const items = Array.from(v as ArrayLike<unknown>);
      o.varInt(items.length + 1, true);
      for (const x of items) this.primitive(e.name, x, `an element of ${cls}`);
      return;
    }
    if (!Array.isArray(v)) throw this.bad(cls, "an array", v);
    o.varInt(v.length + 1, true);
    const notes = notedSlots(v);
    const known = this.model.isFinal(e);
    const elementClass = this.model.className(e);
    v.forEach((x, i) => this.writeSlot(x, known ? elementClass : undefined, true, undefined, slotOf(notes, i), e));
  }
}
