// Collections, maps and EnumSets as Flink's Kryo writes them (the mirror of read-collections.ts).
import type { JavaType } from "./java-type.ts";
import type { JdkKind } from "./jdk-classes.ts";
import { enumsHolding } from "./model.ts";
import { KryoTyped, notedComponent, notedSlots } from "./values.ts";
import { classOf, enumOf } from "./write-classes.ts";
import { type KryoWriter, slotOf } from "./write.ts";

/** A collection, map or EnumSet of `kind` (one whose JS shape is a list, a Set or a Map). */
export function writeContainer(w: KryoWriter, kind: JdkKind, cls: string, v: unknown, generic: JavaType | undefined): void {
  const o = w.out;
  switch (kind) {
    case "enumset": {
      const set = v as Set<unknown>;
      const e = enumOf(w, set, generic);
      w.writeClass(e.name);
      o.varInt(set.size, true);
      for (const x of set) {
        const i = typeof x === "string" ? e.constants.indexOf(x) : -1;
        if (i < 0) throw w.bad(cls, `constants of ${e.name} (${e.constants.join(", ")})`, x);
        o.varInt(i + 1, true);
      }
      return;
    }
    case "emptylist":
    case "emptyset":
    case "emptymap":
      if (sizeOf(v) !== 0) throw w.bad(cls, "an empty collection", v);
      return;
    case "singletonlist":
    case "singletonset": {
      const [x] = itemsOf(v);
      if (sizeOf(v) !== 1) throw w.bad(cls, "one element", v);
      return w.writeClassAndObject(x, undefined, slotOf(notedSlots(v), 0));
    }
    case "singletonmap": {
      const m = v as Map<unknown, unknown>;
      if (m.size !== 1) throw w.bad(cls, "one entry", v);
      const [[k, x]] = m;
      const notes = notedSlots(v);
      w.writeClassAndObject(k, undefined, slotOf(notes, 0));
      return w.writeClassAndObject(x, undefined, slotOf(notes, 1));
    }
    case "aslist":
      if (!w.gen2) return gen1AsList(w, v as unknown[]);
      return writeCollection(w, v, generic, true, false);
    case "priorityqueue":
      if (!w.gen2) {
        o.varInt(0, true);
        return gen1Elements(w, v, undefined);
      }
      return writeCollection(w, v, generic, true, true);
    case "list":
    case "set":
      return w.gen2 ? writeCollection(w, v, generic, true, false) : gen1Elements(w, v, generic);
    case "treeset":
      if (w.gen2) return writeCollection(w, v, generic, true, true);
      o.varInt(0, true);
      return gen1Elements(w, v, generic);
    case "immutablelist":
    case "immutableset":
      return w.gen2 ? writeCollection(w, v, generic, false, false) : gen1Elements(w, v, generic);
    case "map":
      return writeMap(w, v as Map<unknown, unknown>, generic, true, false, cls === "java.util.EnumMap");
    case "treemap":
      return writeMap(w, v as Map<unknown, unknown>, generic, true, true);
    case "skiplistmap":
      return writeMap(w, v as Map<unknown, unknown>, generic, true, w.gen2);
    case "immutablemap":
      return writeMap(w, v as Map<unknown, unknown>, generic, !w.gen2, false);
  }
}

/** The type argument at `index` of the declared type, if Kryo knows it for this value. */
function typeArg(generic: JavaType | undefined, index: number): JavaType | undefined {
  return generic?.kind === "class" ? generic.args[index] : undefined;
}

function sizeOf(v: unknown): number {
  return Array.isArray(v) ? v.length : (v as Set<unknown> | Map<unknown, unknown>).size;
}

function itemsOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [...(v as Set<unknown>)];
}

function gen1AsList(w: KryoWriter, v: unknown[]): void {
  w.out.varInt(v.length, true);
  const component = notedComponent(v) ??
    (v.length > 0 && v.every((x) => typeof x === "string") ? "java.lang.String" : "java.lang.Object");
  w.writeClass(component);
  const notes = notedSlots(v);
  v.forEach((x, i) => w.writeClassAndObject(x, undefined, slotOf(notes, i)));
}

/** Kryo 2.24's CollectionSerializer: the size, then the elements (with their classes unless a final type argument names it). */
function gen1Elements(w: KryoWriter, v: unknown, generic: JavaType | undefined): void {
  const items = itemsOf(v);
  const elemT = typeArg(generic, 0);
  const known = elemT !== undefined && w.model.isFinal(elemT) ? w.model.className(elemT) : undefined;
  w.out.varInt(items.length, true);
  const notes = notedSlots(v);
  items.forEach((x, i) => w.writeSlot(x, known, true, undefined, slotOf(notes, i), elemT));
}

/** Kryo 5's CollectionSerializer (see read.ts for the layout). */
function writeCollection(w: KryoWriter, v: unknown, generic: JavaType | undefined, canBeNull: boolean, header: boolean): void {
  const o = w.out;
  const items = itemsOf(v);
  const n = items.length;
  if (n === 0) {
    o.u8(1);
    if (header) o.varInt(0, true);
    return;
  }
  const notes = notedSlots(v);
  const elemT = typeArg(generic, 0);
  const known = elemT !== undefined && w.model.isFinal(elemT) ? elemT : undefined;
  const hasNull = items.some((x) => x === null || x === undefined || (x instanceof KryoTyped && x.value == null));
  if (known) {
    const cls = w.model.className(known);
    if (canBeNull) o.varIntFlag(hasNull, n + 1);
    else o.varInt(n + 1, true);
    if (header) o.varInt(0, true);
    items.forEach((x, i) => w.writeSlot(x, cls, canBeNull && hasNull, elemT, slotOf(notes, i)));
    return;
  }
  const classes = items.map((x, i) => classOf(w, x, elemT, slotOf(notes, i)));
  let same: string | null = null, differ = false;
  for (const [c] of classes) {
    if (c === null) continue;
    if (same === null) same = c;
    else if (c !== same) differ = true;
  }
  o.varIntFlag(!differ, n + 1);
  if (header) o.varInt(0, true);
  if (differ) {
    items.forEach((x, i) => w.writeClassAndObject(x, elemT, slotOf(notes, i)));
    return;
  }
  if (same === null) return o.u8(0);
  w.writeClass(same);
  if (canBeNull) o.boolean(hasNull);
  classes.forEach(([, x], i) => w.writeSlot(x, same, canBeNull && hasNull, elemT, slotOf(notes, i)));
}

/** Kryo's MapSerializer: Kryo 2.24 writes the comparator before the size, Kryo 5 after it (`header`). */
function writeMap(w: KryoWriter, m: Map<unknown, unknown>, generic: JavaType | undefined, canBeNull: boolean, header: boolean, enumKeys = false): void {
  const o = w.out;
  const keyT = typeArg(generic, 0), valueT = typeArg(generic, 1);
  const keyKnown = keyT !== undefined && w.model.isFinal(keyT) ? w.model.className(keyT) : undefined;
  const valueKnown = valueT !== undefined && w.model.isFinal(valueT) ? w.model.className(valueT) : undefined;
  if (w.gen2) {
    o.varInt(m.size + 1, true);
    if (header) o.varInt(0, true);
  } else {
    if (header) o.varInt(0, true);
    o.varInt(m.size, true);
  }
  const kg = w.gen2 ? keyT : undefined, vg = w.gen2 ? valueT : undefined;
  const notes = notedSlots(m);
  // An EnumMap's keys are constants of one enum: without a type argument, the described enum holding every key.
  let keyChoice = keyT;
  if (keyChoice === undefined && enumKeys && m.size > 0) {
    const fit = enumsHolding(w.model, [...m.keys()]);
    if (fit.length === 1) keyChoice = { kind: "class", name: fit[0].name, args: [] };
  }
  let i = 0;
  for (const [k, x] of m) {
    w.writeSlot(k, keyKnown, canBeNull, kg, slotOf(notes, 2 * i), keyChoice);
    w.writeSlot(x, valueKnown, canBeNull, vg, slotOf(notes, 2 * i + 1), valueT);
    i++;
  }
}
