/**
 * Errors that point at the cause: when bytes do not decode, composite serializers (POJOs, rows,
 * tuples, collections, arrays, nullable wrappers) record on the error which field or element failed
 * (`Stats.tags[3]`), at which byte it starts, and what Flink most likely wrote there. The error keeps
 * its class and code; its message gains `[at PATH, byte N]` and the hint.
 */
import { QueryableStateError, TruncatedInputError } from "../core/errors.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/** Where a value failed to decode: what {@link decodeLocation} returns. */
export interface DecodeLocation {
  /** The failing part, from the outermost value in: `Stats.tags[3]`, `value[2].f1`, `list state[4]`. */
  readonly path: string;
  /** The byte (into the bytes being read) where the failing part starts. */
  readonly offset: number;
  /** What Flink most likely wrote there and the type expression to read it with, when there is a likely answer. */
  readonly hint?: string;
}

interface Location {
  base: string;
  segments: string[];
  root: string | undefined;
  offset: number;
  hint: string | undefined;
  /** A hint from the field's declared type (strong) beats a guess from the error alone (weak). */
  strong: boolean;
}

const LOCATIONS = new WeakMap<object, Location>();

/**
 * Where `e` (an error a serializer threw while reading) says the bytes failed to decode, or undefined when it
 * carries no location (a scalar failed at the top, or `e` did not come from decoding).
 *
 * @example
 * ```ts
 * import { decodeLocation, deserializeValue, fromHex, parseTypeExpression } from "queryable-state";
 *
 * const stats = parseTypeExpression("pojo<com.acme.Stats>{count:long,tags:list<string>}");
 * try {
 *   deserializeValue(fromHex("0200000000000000000300" + "01010101"), stats);
 * } catch (e) {
 *   console.log(decodeLocation(e)?.path); // Stats.tags
 * }
 * ```
 */
export function decodeLocation(e: unknown): DecodeLocation | undefined {
  const loc = e !== null && typeof e === "object" ? LOCATIONS.get(e) : undefined;
  if (loc === undefined) return undefined;
  return { path: pathOf(loc), offset: loc.offset, ...(loc.hint === undefined ? {} : { hint: loc.hint }) };
}

function pathOf(loc: Location): string {
  return (loc.root ?? "value") + loc.segments.join("");
}

function render(e: QueryableStateError, loc: Location): void {
  e.message = `${loc.base} [at ${pathOf(loc)}, byte ${loc.offset}]${loc.hint ? ` ${loc.hint}` : ""}`;
}

/**
 * Records on `e` that reading part `segment` (`.name`, `[3]`) of a value, which started at byte `offset`,
 * failed; `root` names the value (a POJO's simple class name; undefined for "value"), and `hint` (from the
 * part's declared type) says what Flink likely wrote there. Returns `e` (rethrow it). Errors that are not
 * this library's (programming errors) pass through untouched.
 */
export function failedAt(e: unknown, segment: string, offset: number, root?: string, hint?: string): unknown {
  if (!(e instanceof QueryableStateError)) return e;
  let loc = LOCATIONS.get(e);
  if (loc === undefined) {
    loc = { base: e.message, segments: [], root: undefined, offset, hint: weakHint(e), strong: false };
    LOCATIONS.set(e, loc);
  }
  loc.segments.unshift(segment);
  loc.root = root;
  // An error with a code of its own (POJO_SUBCLASS, …) says what happened: no guess is added to it.
  if (hint !== undefined && !loc.strong && isMismatchSymptom(e)) {
    loc.hint = hint;
    loc.strong = true;
  }
  render(e, loc);
  return e;
}

/**
 * Gives `to` the location `from` carries (when a caller wraps a decode error in another), and adds a weak
 * hint to a top-level failure that has none. Returns `to`.
 */
export function carryLocation<E extends QueryableStateError>(from: unknown, to: E): E {
  const loc = from !== null && typeof from === "object" ? LOCATIONS.get(from) : undefined;
  if (loc !== undefined) LOCATIONS.set(to, loc);
  return to;
}

const IMPLAUSIBLE = new WeakSet<object>();

/**
 * Marks `e` as a value no Java serializer of this type writes (a date far outside any calendar a job uses):
 * the bytes came from another serializer, and the error gets a hint saying which. Returns `e`.
 */
export function implausible<E extends QueryableStateError>(e: E): E {
  IMPLAUSIBLE.add(e);
  return e;
}

/**
 * At the top of a read (a state's value, list or map): gives an error that no composite located the hint
 * its kind deserves (an absurd length, an impossible date). Returns `e` (rethrow it).
 */
export function finishDecode(e: unknown): unknown {
  if (!(e instanceof QueryableStateError) || LOCATIONS.has(e)) return e;
  const hint = weakHint(e);
  if (hint === undefined) return e;
  const loc: Location = { base: e.message, segments: [], root: undefined, offset: 0, hint, strong: false };
  LOCATIONS.set(e, loc);
  render(e, loc);
  return e;
}

const SYMPTOMS = new Set(["TRUNCATED_INPUT", "SERIALIZATION", "INVALID_ARGUMENT"]);

/**
 * Whether `e` only says that bytes did not fit (codes TRUNCATED_INPUT, SERIALIZATION, INVALID_ARGUMENT), so a
 * caller may wrap it in its own SerializationError; an error with a code of its own (POJO_SUBCLASS,
 * UNSUPPORTED_TYPE, …) is what users catch and must reach them as it is.
 */
export function isMismatchSymptom(e: unknown): boolean {
  return e instanceof QueryableStateError && SYMPTOMS.has(e.code);
}

/** A hint from the error alone: an absurd length or an impossible value means another serializer wrote these bytes. */
function weakHint(e: QueryableStateError): string | undefined {
  if (IMPLAUSIBLE.has(e)) return `Another serializer wrote these bytes. ${TOP_LEVEL_HINT}`;
  if (e instanceof TruncatedInputError && e.needed > 1024 && e.needed > 4 * e.available) {
    return `A length of ${e.needed} where ${e.available} byte(s) remain is not a length this type wrote: another ` +
      "serializer wrote these bytes. " + TOP_LEVEL_HINT;
  }
  return undefined;
}

/**
 * Why bytes may be left over after a value read completely, from the serializer's name, or undefined: Flink
 * 2.x's nullable collections put a null flag before the size, which a plain collection reads as a smaller size.
 */
export function leftoverHint(serializerName: string): string | undefined {
  if (/(?<!NullableSerializer<)\b(List|Map|Set)Serializer</.test(serializerName)) {
    return "A List, Map or Set that Flink 2.x wrote as NullableList/NullableMap/NullableSet (a POJO's field, or a " +
      "state declared with TypeInformation.of(...)) has a null flag before its size, which reads as a shorter " +
      "collection here: try nullablelist<T>, nullablemap<K,V>, nullableset<T>. On Flink 1.x such a field is Kryo: kryo1.";
  }
  if (/^PojoSerializer</.test(serializerName)) return `A field may be one Flink wrote otherwise. ${TOP_LEVEL_HINT}`;
  return undefined;
}

/** What Flink chooses where a type expression and the job's type disagree most often (README type table). */
export const TOP_LEVEL_HINT =
  "Check what Flink chose for the state's type: a List/Map/Set from TypeInformation.of(...) or a POJO field is " +
  "Kryo on Flink 1.x (read it as kryo1) and NullableList/NullableMap/NullableSet on Flink 2.x (nullablelist<T>, " +
  "nullablemap<K,V>, nullableset<T>); a class that is not a POJO (LocalDateTime, UUID, ... inside a POJO) is Kryo " +
  "(kryo on 2.x, kryo1 on 1.x).";

/**
 * What Flink most likely wrote for POJO field `field` whose declared serializer is `s` when reading it failed,
 * or undefined when nothing is likely. The names are this library's serializer names.
 */
export function pojoFieldHint(field: string, s: TypeSerializer<unknown>): string | undefined {
  const n = s.name;
  const f = `Field '${field}' of a POJO`;
  if (/^(List|Map|Set)Serializer</.test(n)) {
    const kind = n.slice(0, 3) === "Lis" ? "List" : n.slice(0, 3) === "Map" ? "Map" : "Set";
    const nullable = kind === "List" ? "nullablelist<T>" : kind === "Map" ? "nullablemap<K,V>" : "nullableset<T>";
    return `${f} is a ${kind}: Flink 1.x serializes a POJO's List, Map and Set fields with Kryo (GenericType), so ` +
      `read it as kryo1; Flink 2.x writes ${kind}<...> fields as Nullable${kind}, so read it as ${nullable} (the same ` +
      "type arguments; a nested type argument such as List<List<T>> is Kryo on 2.x too: kryo).";
  }
  if (/^NullableSerializer<(List|Map|Set)Serializer</.test(n)) {
    return `${f} is read as a Flink 2.x nullable collection: on Flink 1.x a POJO's List, Map and Set fields are Kryo ` +
      "(GenericType), so read it as kryo1; on 2.x a collection field whose type arguments are not plain classes " +
      "(List<List<T>>, Map<K, List<V>>) or whose declared type is a concrete class (ArrayList, HashMap) is Kryo: kryo.";
  }
  if (/^Local(Date|Time|DateTime)Serializer$/.test(n)) {
    return `${f} is a java.time.${n.slice(0, -"Serializer".length)}: Flink serializes java.time fields of a POJO ` +
      "(other than Instant) with Kryo (GenericType) on 1.x and 2.x: read it as kryo1 on Flink 1.x, kryo on 2.x.";
  }
  if (/^PojoSerializer</.test(n)) {
    return `${f} is read as a POJO: if its class is not a POJO to Flink (no public no-argument constructor, a ` +
      "non-public field without getter and setter, an interface) Flink uses Kryo there: kryo on 2.x, kryo1 on 1.x.";
  }
  return undefined;
}
