// Java declared types and class descriptions: what a user tells us about the classes Kryo's
// FieldSerializer writes (field names and their declared Java types).

/** The eight Java primitive types (a field of one is written without a null marker). */
export type PrimitiveName = "boolean" | "byte" | "short" | "char" | "int" | "long" | "float" | "double";

/** A Java declared type: a primitive, a class (with type arguments), or an array. */
export type JavaType =
  | { readonly kind: "primitive"; readonly name: PrimitiveName }
  | { readonly kind: "class"; readonly name: string; readonly args: readonly JavaType[] }
  | { readonly kind: "array"; readonly element: JavaType };

/** An array type. */
export type ArrayType = Extract<JavaType, { kind: "array" }>;

/** One field of a user class: its name and declared type. */
export interface KryoField {
  readonly name: string;
  readonly type: JavaType;
}

/** A user class Kryo's FieldSerializer writes: its fields (every non-static, non-transient one). */
export interface KryoClassDescription {
  readonly kind: "class";
  readonly name: string;
  /** A final class (or record): a field declaring it carries no class id. */
  readonly final: boolean;
  /**
   * A Java record: Kryo 5 writes it with its RecordSerializer (components sorted by name, like fields, but without
   * their type arguments: a `List<String>` component writes each element's class). Kryo 2.24: a final class.
   */
  readonly record?: boolean;
  /** The fields, in the order Kryo writes them: sorted by name. */
  readonly fields: readonly KryoField[];
}

/** A Java enum: its constants in declaration order (Kryo writes the ordinal). */
export interface KryoEnumDescription {
  readonly kind: "enum";
  readonly name: string;
  readonly constants: readonly string[];
}

/** A description of a class the bytes may hold. */
export type KryoDescription = KryoClassDescription | KryoEnumDescription;

export const PRIMITIVES: readonly PrimitiveName[] = ["boolean", "byte", "short", "char", "int", "long", "float", "double"];

const ARRAY_CODES: Record<PrimitiveName, string> = {
  boolean: "Z", byte: "B", short: "S", char: "C", int: "I", long: "J", float: "F", double: "D",
};

/** The Java class name (`Class.getName()`) of a declared type: `java.util.List`, `[I`, `[Ljava.lang.String;`. */
export function javaClassName(t: JavaType): string {
  switch (t.kind) {
    case "primitive":
      return t.name;
    case "class":
      return t.name;
    case "array": {
      const e = t.element;
      if (e.kind === "primitive") return `[${ARRAY_CODES[e.name]}`;
      if (e.kind === "array") return `[${javaClassName(e)}`;
      return `[L${e.name};`;
    }
  }
}

/** The declared type of an array class name (`[I`, `[[Ljava.lang.Long;`), or undefined for other names. */
export function arrayTypeOf(name: string): ArrayType | undefined {
  if (!name.startsWith("[")) return undefined;
  const rest = name.slice(1);
  let element: JavaType | undefined;
  if (rest.startsWith("[")) element = arrayTypeOf(rest);
  else if (rest.startsWith("L") && rest.endsWith(";") && rest.length > 2) {
    element = { kind: "class", name: rest.slice(1, -1), args: [] };
  } else {
    const p = (Object.keys(ARRAY_CODES) as PrimitiveName[]).find((k) => ARRAY_CODES[k] === rest);
    if (p) element = { kind: "primitive", name: p };
  }
  return element && { kind: "array", element };
}

/** A short rendering of a declared type, Java style: `List<String>`, `int[]`. */
export function showType(t: JavaType): string {
  switch (t.kind) {
    case "primitive":
      return t.name;
    case "class":
      return t.args.length ? `${t.name}<${t.args.map(showType).join(",")}>` : t.name;
    case "array":
      return `${showType(t.element)}[]`;
  }
}

/** `java.lang.Object`, the declared type of slots that hold anything. */
export const OBJECT: JavaType = { kind: "class", name: "java.lang.Object", args: [] };
