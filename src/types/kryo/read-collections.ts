// Collections, maps and EnumSets as Flink's Kryo reads them: Kryo's CollectionSerializer and MapSerializer (with the
// comparator of sorted ones), Collections' empty and singleton forms, List.of/Set.of/Map.of, Arrays.asList.
import type { JavaType } from "./java-type.ts";
import { KryoUnsupportedClassError } from "./errors.ts";
import type { JdkKind } from "./jdk-classes.ts";
import type { KryoReader } from "./read.ts";
import { note, noteComponent, type SlotNote } from "./values.ts";

const NULL = 0;

/** A collection, map or EnumSet of `kind` (one whose JS shape is a list, a Set or a Map). */
export function readContainer(r: KryoReader, kind: JdkKind, cls: string, at: number, generic: JavaType | undefined): unknown {
  switch (kind) {
    case "enumset":
      return enumSet(r, cls, at);
    case "emptylist":
      return r.noted([], cls);
    case "emptyset":
      return r.noted(new Set(), cls);
    case "emptymap":
      return r.noted(new Map(), cls);
    case "singletonlist":
    case "singletonset": {
      const v = r.readClassAndObject(undefined);
      const n = r.slotNote(v);
      const out = kind === "singletonlist" ? [v] : new Set([v]);
      note(out, cls, n ? [n] : undefined);
      return out;
    }
    case "singletonmap": {
      const k = r.readClassAndObject(undefined);
      const kn = r.slotNote(k);
      const v = r.readClassAndObject(undefined);
      const vn = r.slotNote(v);
      const out = new Map([[k, v]]);
      note(out, cls, kn || vn ? [kn, vn] : undefined);
      return out;
    }
    case "aslist":
      if (!r.gen2) return gen1AsList(r, cls);
      return collection(r, cls, "list", generic, true, false);
    case "priorityqueue":
      if (!r.gen2) return gen1PriorityQueue(r, cls, at);
      return collection(r, cls, "list", generic, true, true, at);
    case "list":
    case "set":
      return collection(r, cls, kind, generic, true, false);
    case "treeset":
      return collection(r, cls, "set", generic, true, true, at);
    case "immutablelist":
    case "immutableset":
      return collection(r, cls, kind === "immutablelist" ? "list" : "set", generic, !r.gen2, false);
    case "map":
      return map(r, cls, generic, true, false, at);
    case "treemap":
      return map(r, cls, generic, true, true, at);
    case "skiplistmap":
      return map(r, cls, generic, true, r.gen2, at);
    case "immutablemap":
      return map(r, cls, generic, !r.gen2, false, at);
  }
}

/** The type argument at `index` of the declared type, if Kryo knows it for this value. */
function typeArg(generic: JavaType | undefined, index: number): JavaType | undefined {
  return generic?.kind === "class" ? generic.args[index] : undefined;
}

/** Kryo's EnumSetSerializer: the enum's class, the size, each constant's ordinal + 1. */
function enumSet(r: KryoReader, cls: string, at: number): Set<unknown> {
  const c = r.readClass();
  if (c === null) throw r.corrupt(at, "an EnumSet without its enum class");
  const d = r.model.descriptions.get(c.cls);
  if (d?.kind !== "enum") {
    throw new KryoUnsupportedClassError(
      c.cls,
      c.at,
      `the enum of an EnumSet${r.where()}: describe its constants, ${r.kryo()}<Object,enum ${c.cls}{CONSTANT,...}>.`,
    );
  }
  const n = r.in.varInt(true);
  r.checkCount(n);
  const out = new Set<unknown>();
  for (let k = 0; k < n; k++) {
    const o = r.in.varInt(true);
    if (o === NULL || o - 1 >= d.constants.length) throw r.corrupt(at, `ordinal ${o - 1} in an EnumSet of ${c.cls}`);
    out.add(d.constants[o - 1]);
  }
  note(out, cls);
  noteComponent(out, c.cls);
  return out;
}

/** Chill's serializer of `Arrays.asList` (Flink 1.x): length, the array's component class, the elements. */
function gen1AsList(r: KryoReader, cls: string): unknown[] {
  const n = r.in.varInt(true);
  const component = r.readClass();
  const out = elements(r, cls, "list", n, undefined, undefined, true) as unknown[];
  if (component) noteComponent(out, component.cls);
  return out;
}

/** Flink 1.x's PriorityQueue serializer: the comparator, the size, the elements with their classes. */
function gen1PriorityQueue(r: KryoReader, cls: string, at: number): unknown[] {
  comparator(r, cls, at);
  return elements(r, cls, "list", r.in.varInt(true), undefined, undefined, true) as unknown[];
}

function comparator(r: KryoReader, cls: string, at: number): void {
  const c = r.readClassAndObject(undefined);
  if (c !== null) {
    throw new KryoUnsupportedClassError(
      `${cls} with a comparator (${r.lastClass})`,
      at,
      "only natural ordering (no comparator) is read; the elements would be the same, but the comparator is code.",
    );
  }
}

/**
 * Kryo's CollectionSerializer (and its TreeSet/PriorityQueue forms with a comparator `header`).
 * `canBeNull` is false for Kryo 5's serializer of List.of/Set.of (no null flags).
 */
function collection(
  r: KryoReader,
  cls: string,
  shape: "list" | "set",
  generic: JavaType | undefined,
  canBeNull: boolean,
  header: boolean,
  at = 0,
): unknown {
  const elemT = typeArg(generic, 0);
  const known = elemT !== undefined && r.model.isFinal(elemT) ? elemT : undefined;
  if (!r.gen2) {
    if (header) comparator(r, cls, at);
    return elements(r, cls, shape, r.in.varInt(true), known, undefined, true);
  }
  let n: number, nullable = canBeNull, sameType = false;
  if (known) {
    if (canBeNull) [nullable, n] = r.in.varIntFlag();
    else n = r.in.varInt(true);
  } else [sameType, n] = r.in.varIntFlag();
  if (n === 0) throw r.corrupt(r.in.position, "a null collection inside a collection's bytes");
  n--;
  const out: unknown[] | Set<unknown> = shape === "list" ? [] : new Set();
  r.reference(out);
  if (header) comparator(r, cls, at);
  if (n === 0) return r.noted(out, cls);
  let elementClass = known ? r.model.className(known) : undefined;
  if (!known && sameType) {
    const c = r.readClass();
    if (c === null) {
      // Every element is null.
      for (let k = 0; k < n; k++) shape === "list" ? (out as unknown[]).push(null) : (out as Set<unknown>).add(null);
      return r.noted(out, cls);
    }
    elementClass = c.cls;
    if (canBeNull) nullable = r.in.boolean();
  }
  return elements(r, cls, shape, n, elementClass, elemT, nullable, out);
}

function elements(
  r: KryoReader,
  cls: string,
  shape: "list" | "set",
  n: number,
  known: JavaType | string | undefined,
  generic: JavaType | undefined,
  nullable: boolean,
  into?: unknown[] | Set<unknown>,
): unknown[] | Set<unknown> {
  // Every element takes a byte at least (a reference marker, a class id, or its value).
  r.checkCount(n);
  const out = into ?? (shape === "list" ? [] : new Set());
  if (!into) r.reference(out);
  const notes: (SlotNote | undefined)[] = [];
  const elementClass = typeof known === "string" ? known : known && r.model.className(known);
  // Kryo 5 gives the elements the collection's type argument; Kryo 2.24 gives them none.
  const g = r.gen2 ? generic : undefined;
  for (let k = 0; k < n; k++) {
    r.path.push(`[${k}]`);
    const v = r.readSlot(elementClass, nullable, g);
    r.path.pop();
    notes.push(r.slotNote(v));
    if (shape === "list") (out as unknown[]).push(v);
    else (out as Set<unknown>).add(v);
  }
  note(out, cls, notes.some((x) => x) ? notes : undefined);
  return out;
}

/** Kryo's MapSerializer (TreeMap and ConcurrentSkipListMap add a comparator; Map.of's has no null flags). */
function map(r: KryoReader, cls: string, generic: JavaType | undefined, canBeNull: boolean, header: boolean, at: number): Map<unknown, unknown> {
  const keyT = typeArg(generic, 0), valueT = typeArg(generic, 1);
  const keyKnown = keyT !== undefined && r.model.isFinal(keyT) ? r.model.className(keyT) : undefined;
  const valueKnown = valueT !== undefined && r.model.isFinal(valueT) ? r.model.className(valueT) : undefined;
  const out = new Map<unknown, unknown>();
  let n: number;
  if (r.gen2) {
    n = r.in.varInt(true);
    if (n === 0) throw r.corrupt(r.in.position, "a null map inside a map's bytes");
    n--;
    r.checkCount(n);
    r.reference(out);
    if (header) comparator(r, cls, at);
  } else {
    if (header) comparator(r, cls, at);
    n = r.in.varInt(true);
    r.checkCount(n);
    r.reference(out);
  }
  const kg = r.gen2 ? keyT : undefined, vg = r.gen2 ? valueT : undefined;
  const notes: (SlotNote | undefined)[] = [];
  for (let k = 0; k < n; k++) {
    r.path.push(`{key ${k}}`);
    const key = r.readSlot(keyKnown, canBeNull, kg);
    r.path.pop();
    notes.push(r.slotNote(key));
    r.path.push(`{value ${k}}`);
    const value = r.readSlot(valueKnown, canBeNull, vg);
    r.path.pop();
    notes.push(r.slotNote(value));
    out.set(key, value);
  }
  note(out, cls, notes.some((x) => x) ? notes : undefined);
  return out;
}
