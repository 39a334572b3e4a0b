// What reader and writer share about one KryoSerializer: the generation, the class ids Flink registered
// (defaults, the declared class, the job's registrations), and the classes the user described.
import { InvalidArgumentError } from "../../core/errors.ts";
import type { KryoGeneration } from "./io.ts";
import { type JavaType, javaClassName, type KryoDescription, type KryoEnumDescription } from "./java-type.ts";
import { AVRO_ARRAY, defaultRegistrations, FIRST_USER_ID, isFinalJdk, JDK_ENUMS, JDK_FIELD_CLASSES, WRAPPERS } from "./jdk-classes.ts";

/** The configuration of one Flink KryoSerializer, as far as its bytes depend on it. */
export class KryoModel {
  readonly generation: KryoGeneration;
  /** The declared class (GenericTypeInfo's), if known. */
  readonly declared: string | undefined;
  readonly descriptions: ReadonlyMap<string, KryoDescription>;
  readonly idToClass: ReadonlyMap<number, string>;
  readonly classToId: ReadonlyMap<string, number>;
  /** The JDK enums described by default (not by the user): a value's enum is guessed among them only last. */
  readonly builtInEnums: ReadonlySet<string>;

  constructor(
    generation: KryoGeneration,
    declared: string | undefined,
    registered: readonly string[],
    descriptions: readonly KryoDescription[],
  ) {
    if (generation !== 1 && generation !== 2) {
      throw new InvalidArgumentError(`flink must be 1 (Flink 1.x, Kryo 2.24) or 2 (Flink 2.x, Kryo 5), got ${generation}.`);
    }
    this.generation = generation;
    this.declared = declared;
    const ids = defaultRegistrations(generation);
    const byClass = new Map([...ids].map(([id, c]) => [c, id]));
    // Flink registers the declared class, then the job's classes, then Avro's array class, each at the
    // next id unless Kryo already has that class (a registration of a known class takes no id). Without
    // the declared class, which id is which is unknown.
    let next = FIRST_USER_ID;
    for (const c of declared === undefined ? [] : [declared, ...registered, AVRO_ARRAY]) {
      if (byClass.has(c)) continue;
      ids.set(next, c);
      byClass.set(c, next++);
    }
    this.idToClass = ids;
    this.classToId = byClass;
    const m = new Map<string, KryoDescription>();
    for (const d of descriptions) {
      const prev = m.get(d.name);
      if (prev && JSON.stringify(prev) !== JSON.stringify(d)) {
        throw new InvalidArgumentError(`${d.name} is described twice, differently.`);
      }
      m.set(d.name, d);
    }
    for (const [name, c] of JDK_FIELD_CLASSES) {
      if (m.has(name)) continue;
      m.set(name, {
        kind: "class", name, final: c.final,
        fields: Object.entries(c.fields).map(([f, t]) => ({ name: f, type: { kind: "class" as const, name: `java.lang.${t}`, args: [] } }))
          .sort((a, b) => (a.name < b.name ? -1 : 1)),
      });
    }
    const builtIn = new Set<string>();
    for (const [name, constants] of JDK_ENUMS) {
      if (m.has(name)) continue;
      m.set(name, { kind: "enum", name, constants });
      builtIn.add(name);
    }
    this.descriptions = m;
    this.builtInEnums = builtIn;
  }

  /** Whether Kryo tracks references for objects of `cls` (not for wrappers; Kryo 5 not for enums either). */
  usesReferences(cls: string): boolean {
    if (WRAPPERS.has(cls)) return false;
    return !(this.generation === 2 && this.descriptions.get(cls)?.kind === "enum");
  }

  /** Kryo's `isFinal` of a declared type: a final class, an enum, or an array of final or primitive elements. */
  isFinal(t: JavaType): boolean {
    switch (t.kind) {
      case "primitive":
        return true;
      case "array":
        return this.isFinal(t.element);
      case "class": {
        const d = this.descriptions.get(t.name);
        if (d) return d.kind === "enum" || d.final;
        return isFinalJdk(t.name);
      }
    }
  }

  /** The class name a final declared type stands for. */
  className(t: JavaType): string {
    return javaClassName(t);
  }
}

/** The described enums that hold every one of `values`: the user's first, the JDK's built-in ones only when none of those does. */
export function enumsHolding(model: KryoModel, values: readonly unknown[]): KryoEnumDescription[] {
  const all = [...model.descriptions.values()].filter((d): d is KryoEnumDescription =>
    d.kind === "enum" && values.every((x) => typeof x === "string" && d.constants.includes(x))
  );
  const own = all.filter((d) => !model.builtInEnums.has(d.name));
  return own.length ? own : all;
}
