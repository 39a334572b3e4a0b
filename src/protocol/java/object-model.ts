/**
 * The values a Java object stream decodes to: class descriptors, objects with their
 * per-class field data, arrays, enums, class objects and block data, plus small helpers
 * to inspect them.
 */
/** One field of a class descriptor. */
export interface JavaFieldDesc {
  /** Type code: one of `B C D F I J S Z` (primitives), `L` (object) or `[` (array). */
  readonly typeCode: string;
  readonly name: string;
  /** JVM type signature for `L` and `[` fields (e.g. `Ljava/lang/String;`), else null. */
  readonly className: string | null;
}

/** A class descriptor (`TC_CLASSDESC` or `TC_PROXYCLASSDESC`). */
export interface JavaClassDesc {
  readonly kind: "classDesc";
  /** Binary class name; empty for proxy classes (see `proxyInterfaces`). */
  readonly name: string;
  readonly serialVersionUID: bigint;
  /** `SC_*` flags; proxy descriptors report `SC_SERIALIZABLE`. */
  readonly flags: number;
  readonly fields: readonly JavaFieldDesc[];
  /** Contents written by `annotateClass` (almost always empty). */
  readonly annotations: readonly JavaContent[];
  readonly superClass: JavaClassDesc | null;
  /** Interface names of a dynamic proxy class, or null for ordinary classes. */
  readonly proxyInterfaces: readonly string[] | null;
  /** Number of descriptors in the chain starting here (1 when there is no superclass). */
  readonly hierarchyDepth: number;
}

/** The data one class of an object's hierarchy contributed. */
export interface JavaClassData {
  readonly classDesc: JavaClassDesc;
  /** Field values by name, from the descriptor's field list. */
  readonly values: ReadonlyMap<string, JavaValue>;
  /** Extra data written by `writeObject`/`writeExternal`, in stream order. */
  readonly annotations: readonly JavaContent[];
}

/** A serialized object (`TC_OBJECT`). */
export interface JavaObject {
  readonly kind: "object";
  readonly classDesc: JavaClassDesc;
  /** Per-class data, top-most superclass first; classes that wrote nothing are left out. */
  readonly classData: readonly JavaClassData[];
}

/** Element storage of a primitive array, by element type code. */
export type JavaPrimitiveArray =
  | Int8Array // B
  | Uint16Array // C
  | Float64Array // D
  | Float32Array // F
  | Int32Array // I
  | BigInt64Array // J
  | Int16Array // S
  | boolean[]; // Z

/** A serialized array (`TC_ARRAY`). */
export interface JavaArray {
  readonly kind: "array";
  readonly classDesc: JavaClassDesc;
  /** Element type code (second character of the class name). */
  readonly elementType: string;
  readonly elements: readonly JavaValue[] | JavaPrimitiveArray;
}

/** An enum constant (`TC_ENUM`). */
export interface JavaEnumConstant {
  readonly kind: "enum";
  readonly classDesc: JavaClassDesc;
  readonly constantName: string;
}

/** A `java.lang.Class` object (`TC_CLASS`). */
export interface JavaClassObject {
  readonly kind: "class";
  readonly classDesc: JavaClassDesc;
}

/** Raw block data found in custom-written data (`TC_BLOCKDATA` / `TC_BLOCKDATALONG`). */
export interface JavaBlockData {
  readonly kind: "blockData";
  /** A view into the input; not copied. */
  readonly bytes: Uint8Array;
}

/**
 * Any value a field or array element can hold: primitives are numbers (`J` as bigint,
 * `Z` as boolean, `C` as a UTF-16 code unit), strings are JS strings (lone surrogates kept).
 */
export type JavaValue =
  | null
  | string
  | number
  | bigint
  | boolean
  | JavaObject
  | JavaArray
  | JavaEnumConstant
  | JavaClassObject
  | JavaClassDesc;

/** What may appear in custom data: values and block data. */
export type JavaContent = JavaValue | JavaBlockData;

/** Limits that keep hostile streams cheap. */
export interface ObjectStreamReaderOptions {
  /** Maximum nesting of objects, arrays and class descriptors (default 64). */
  readonly maxDepth?: number;
  /** Maximum number of handles (objects, strings, descriptors) in one stream (default 100000). */
  readonly maxHandles?: number;
}

export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_MAX_HANDLES = 100_000;

/** True if the value is a class descriptor. */
export function isClassDesc(value: unknown): value is JavaClassDesc {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "classDesc";
}

/** True if the value is a deserialized object (`TC_OBJECT`). */
export function isJavaObject(value: unknown): value is JavaObject {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "object";
}

/** True if the value is a deserialized array. */
export function isJavaArray(value: unknown): value is JavaArray {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "array";
}

/** True if `desc` or one of its superclasses is named `className`. */
export function isInstanceOf(desc: JavaClassDesc, className: string): boolean {
  for (let d: JavaClassDesc | null = desc; d !== null; d = d.superClass) {
    if (d.name === className) return true;
  }
  return false;
}

/** The data `className` contributed to `obj`, or undefined if it wrote none. */
export function classDataOf(obj: JavaObject, className: string): JavaClassData | undefined {
  for (const data of obj.classData) if (data.classDesc.name === className) return data;
  return undefined;
}
