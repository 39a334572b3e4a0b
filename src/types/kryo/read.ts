// Reads one object graph as Flink's KryoSerializer writes it (`Kryo.writeClassAndObject`, references
// on), for Kryo 2.24 (Flink 1.x) and Kryo 5 (Flink 2.x): the reader core (classes, references, user classes
// and their fields, arrays); the JDK classes in read-jdk.ts, read-time.ts and read-collections.ts.
import type { ByteReader } from "../../core/bytes.ts";
import { SerializationError } from "../../core/errors.ts";
import { Duration, LocalTime, Period } from "../temporal.ts";
import { KryoUnsupportedClassError } from "./errors.ts";
import { KryoInput } from "./io.ts";
import { arrayTypeOf, type ArrayType, type JavaType, type KryoClassDescription } from "./java-type.ts";
import { FIRST_USER_ID, JDK_CLASSES } from "./jdk-classes.ts";
import type { KryoModel } from "./model.ts";
import { readJdk, readPrimitive } from "./read-jdk.ts";
import { note, notedClass, Optional, type SlotNote } from "./values.ts";

const NULL = 0, NOT_NULL = 1;

/** Reads one value (class and object) from `r`. */
export function readKryo(model: KryoModel, r: ByteReader): unknown {
  return new KryoReader(model, r).readClassAndObject(undefined);
}

/** One read of a Kryo object graph: the class names and objects read so far, the path for messages. */
export class KryoReader {
  readonly model: KryoModel;
  readonly in: KryoInput;
  readonly gen2: boolean;
  readonly #names = new Map<number, string>();
  readonly #refs: unknown[] = [];
  readonly #bound: boolean[] = [];
  readonly #pending: number[] = [];
  /** The field and element names down to the value being read (for messages). */
  readonly path: string[] = [];
  /** The inner reference id of the object being read (a Kryo 2.24 ZoneRegion's id string), for its slot note. */
  inner: number | undefined;
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
        if (name === null || name === "") throw this.corrupt(at, "a class name that is empty");
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

  /**
   * One element, key or value: with its class when no final class is `known` for it, else with a reference marker
   * when it may be null (`nullable`), or without one.
   */
  readSlot(known: string | undefined, nullable: boolean, generic: JavaType | undefined): unknown {
    if (known === undefined) return this.readClassAndObject(generic);
    return nullable ? this.readObjectOrNull(known, generic) : this.readObjectOf(known, generic);
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
      if (!mayBeNull) throw this.corrupt(markerAt, "a null marker where an object must follow");
      this.lastClass = "";
      return null;
    }
    if (marker !== NOT_NULL) {
      const id = marker - 2;
      if (id >= this.#refs.length) throw this.corrupt(markerAt, `a reference to object ${id}, which was never read`);
      if (!this.#bound[id]) throw this.corrupt(markerAt, `a reference to object ${id}, which is still being read`);
      this.lastClass = cls;
      this.lastRef = id;
      return this.#refs[id];
    }
    const id = this.#refs.length;
    this.#refs.push(undefined);
    this.#bound.push(false);
    this.#pending.push(id);
    this.inner = undefined;
    const v = this.#readData(cls, at, generic);
    if (this.#pending[this.#pending.length - 1] === id) this.reference(v);
    // A decoded value Java may share (a LocalTime of a whole hour, a zero Duration, an empty Optional) was a new
    // object here: noting its class tells the writer to write it new again, not as a shared instance.
    if ((v instanceof LocalTime || v instanceof Duration || v instanceof Period || v instanceof Optional) && !notedClass(v)) {
      note(v, cls);
    }
    this.lastClass = cls;
    this.lastRef = undefined;
    this.lastInner = this.inner;
    this.inner = undefined;
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
        throw this.corrupt(at, `ordinal ${o - 1} of enum ${cls}, which has ${d.constants.length} constant(s) described`);
      }
      return d.constants[o - 1];
    }
    if (d) return this.#readFields(d);
    const array = arrayTypeOf(cls);
    if (array) return this.#readArray(cls, array, at);
    const kind = JDK_CLASSES.get(cls);
    if (kind === undefined) throw this.#unsupported(cls, at);
    return readJdk(this, kind, cls, at, generic);
  }

  /** Kryo's FieldSerializer: every field in name order; the object is referenced before its fields are read. */
  #readFields(d: KryoClassDescription): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.reference(obj);
    const notes = new Map<string, SlotNote>();
    const plain = d.record === true && this.gen2;
    for (const f of d.fields) {
      this.path.push(f.name);
      const v = this.#readField(f.type, plain);
      this.path.pop();
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
      return readPrimitive(this.in, t.name);
    }
    const generic = plain ? undefined : t;
    if (this.model.isFinal(t)) return this.readObjectOrNull(this.model.className(t), generic);
    const c = this.readClass();
    if (c === null) return null;
    return this.#readObject(c.cls, c.at, generic, false);
  }

  #readArray(cls: string, t: ArrayType, at: number): unknown {
    const i = this.in;
    const n = i.varInt(true);
    if (n === NULL) return null;
    const len = n - 1;
    if (len > i.r.remaining) throw this.corrupt(at, `an array of ${len} element(s) with ${i.r.remaining} byte(s) left`);
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
      this.path.push(`[${k}]`);
      out[k] = this.readSlot(known ? elementClass : undefined, true, undefined);
      this.path.pop();
      notes[k] = this.slotNote(out[k]);
    }
    note(out, cls, notes.some((x) => x) ? notes : undefined);
    return out;
  }

  /** `v` with its class noted (for writing it back as that class). */
  noted<T extends object>(v: T, cls: string): T {
    note(v, cls);
    return v;
  }

  /** `make()`, its range errors reported as corrupt bytes at `at`. */
  checked<T>(make: () => T, at: number, what: string): T {
    try {
      return make();
    } catch (e) {
      throw this.corrupt(at, `a ${what} out of range (${(e as Error).message})`);
    }
  }

  /** Checks a collection's count against the bytes left (each element takes one at least). */
  checkCount(n: number): void {
    if (n < 0 || n > this.in.r.remaining) {
      throw new SerializationError(
        `Kryo collection of ${n} element(s) with ${this.in.r.remaining} byte(s) left at byte ${this.in.position}: ` +
          "the bytes are not Kryo's, or not of this Flink generation (kryo1 = Flink 1.x, kryo = Flink 2.x).",
      );
    }
  }

  // ------------------------------------------------------------------ errors

  /** Where in the value the reader is, for messages (empty at the top). */
  where(): string {
    return this.path.length ? ` (at ${this.path.join(".").replaceAll(".[", "[").replaceAll(".{", " {")})` : "";
  }

  /** The error for bytes at `at` that hold `what`, which Flink's KryoSerializer does not write. */
  corrupt(at: number, what: string): SerializationError {
    return new SerializationError(
      `Kryo bytes at offset ${at}${this.where()} hold ${what}: they are not what Flink's KryoSerializer writes for this ` +
        `description, or not of this Flink generation (kryo1 = Flink 1.x, kryo = Flink 2.x).`,
    );
  }

  #unknownId(id: number, at: number): KryoUnsupportedClassError {
    const where = this.where();
    if (id === FIRST_USER_ID && this.model.declared === undefined) {
      return new KryoUnsupportedClassError(
        `class id ${id}`,
        at,
        `id ${id} is the class Flink's KryoSerializer registers first: the declared type of this state or POJO field ` +
          `(GenericTypeInfo's class)${where}. Name it: ${this.kryo()}<java.time.LocalDateTime>, ${this.kryo()}<com.acme.Event>{...}.`,
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
    const where = this.where();
    const k = this.kryo();
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

  /** The type expression's name of this generation, for messages. */
  kryo(): string {
    return this.gen2 ? "kryo" : "kryo1";
  }
}
