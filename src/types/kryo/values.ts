// JS values of Kryo-written Java objects: a UUID class, a way to name the Java class of a value when
// writing, and the hidden notes a decoded value keeps so that writing it back gives the same bytes.
import { InvalidArgumentError } from "../../core/errors.ts";

const HEX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Java `java.util.UUID`: 128 bits as two Java longs. `toString()` (and `toJSON()`) is Java's text form.
 *
 * @example
 * ```ts
 * import { Uuid } from "queryable-state";
 *
 * const id = Uuid.parse("123e4567-e89b-12d3-a456-426614174000");
 * console.log(id.mostSignificantBits, String(id)); // 1314564453825188563n 123e4567-e89b-12d3-a456-426614174000
 * ```
 */
export class Uuid {
  /** The high 64 bits, as Java's `getMostSignificantBits()` (a signed long). */
  readonly mostSignificantBits: bigint;
  /** The low 64 bits, as Java's `getLeastSignificantBits()` (a signed long). */
  readonly leastSignificantBits: bigint;
  /**
   * A UUID from its two halves (any bigints; each is kept as a signed 64-bit value).
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) unless both are bigints
   */
  constructor(mostSignificantBits: bigint, leastSignificantBits: bigint) {
    if (typeof mostSignificantBits !== "bigint" || typeof leastSignificantBits !== "bigint") {
      throw new InvalidArgumentError("Uuid needs two bigints (the most and least significant 64 bits).");
    }
    this.mostSignificantBits = BigInt.asIntN(64, mostSignificantBits);
    this.leastSignificantBits = BigInt.asIntN(64, leastSignificantBits);
  }
  /**
   * Parses the text form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits, any case).
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for any other text
   */
  static parse(text: string): Uuid {
    if (typeof text !== "string" || !HEX.test(text)) {
      throw new InvalidArgumentError(`${JSON.stringify(text)} is not a UUID (expected 8-4-4-4-12 hex digits).`);
    }
    const hex = text.replaceAll("-", "");
    return new Uuid(BigInt(`0x${hex.slice(0, 16)}`), BigInt(`0x${hex.slice(16)}`));
  }
  /** Java's `UUID.toString()`: lowercase 8-4-4-4-12 hex digits. */
  toString(): string {
    const h = BigInt.asUintN(64, this.mostSignificantBits).toString(16).padStart(16, "0") +
      BigInt.asUintN(64, this.leastSignificantBits).toString(16).padStart(16, "0");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  /** The same text as {@link toString}, so `JSON.stringify` writes the UUID as Java prints it. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `UUID.hashCode()`. */
  hashCode(): number {
    const x = this.mostSignificantBits ^ this.leastSignificantBits;
    return Number(BigInt.asIntN(32, (x >> 32n) ^ x));
  }
}

/**
 * A value with the Java class Kryo should write for it, where the JS value alone does not say
 * (`Float` or `Short` for a number, `Character` for a string, `java.util.LinkedList` for an array, a
 * user class for a plain object). Reading never returns one: it is only for writing.
 *
 * @example
 * ```ts
 * import { kryoSerializer, KryoTyped, serializeValue } from "queryable-state";
 *
 * const s = kryoSerializer({ flink: 2 });
 * console.log(serializeValue(new KryoTyped("java.lang.Float", 0.5), s)); // Uint8Array(5) [ 4, 0, 0, 0, 63 ]
 * ```
 */
export class KryoTyped {
  /** The Java class name, e.g. `java.lang.Float`, `java.util.TreeMap`, `com.acme.Event`. */
  readonly javaClass: string;
  /** The value, as reading such a class would give it. */
  readonly value: unknown;
  /**
   * A value to write as `javaClass`.
   * @param javaClass the Java class name (`Class.getName()`)
   * @param value the value as reading that class gives it
   */
  constructor(javaClass: string, value: unknown) {
    if (typeof javaClass !== "string" || javaClass === "") throw new InvalidArgumentError("KryoTyped needs a Java class name.");
    this.javaClass = javaClass;
    this.value = value;
  }
}

/** The Java class a decoded array, Map, Set or object came from (hidden: not enumerable). */
export const JAVA_CLASS: unique symbol = Symbol.for("queryable-state.kryo.class") as never;
/** Per slot of a decoded container, the Java class of a primitive-valued slot and whether it was a back-reference. */
export const SLOT_NOTES: unique symbol = Symbol.for("queryable-state.kryo.slots") as never;

/** The component class of the array behind a decoded `Arrays.asList` of Flink 1.x (Chill writes it). */
export const COMPONENT: unique symbol = Symbol.for("queryable-state.kryo.component") as never;

/** Hides the component class on a decoded `Arrays.asList` list (or the enum class of a decoded `EnumSet`). */
export function noteComponent(list: unknown[] | Set<unknown>, cls: string): void {
  Object.defineProperty(list, COMPONENT, { value: cls, configurable: true });
}

/** The hidden component class of a decoded `Arrays.asList` list (or `EnumSet`), if any. */
export function notedComponent(v: unknown): string | undefined {
  return Array.isArray(v) || v instanceof Set ? (v as { [COMPONENT]?: string })[COMPONENT] : undefined;
}

/** The Java classes {@link Optional} stands for. */
export type OptionalClass = "java.util.Optional" | "java.util.OptionalInt" | "java.util.OptionalLong" | "java.util.OptionalDouble";

const OPTIONALS: readonly string[] = ["java.util.Optional", "java.util.OptionalInt", "java.util.OptionalLong", "java.util.OptionalDouble"];

/**
 * Java `java.util.Optional` (and `OptionalInt`, `OptionalLong`, `OptionalDouble`): a value or nothing. JSON (and
 * `toJSON()`) is the value, or null when empty; as an object it stays apart from a null reference (a field may
 * hold null, an empty Optional, or a present one, and Kryo writes each differently).
 *
 * @example
 * ```ts
 * import { Optional } from "queryable-state";
 *
 * console.log(Optional.of("x").value, Optional.empty().isPresent, new Optional(7, "java.util.OptionalInt").javaClass); // x false java.util.OptionalInt
 * ```
 */
export class Optional {
  /** The value, or null when empty. `OptionalInt`/`OptionalDouble` hold a number, `OptionalLong` a bigint. */
  readonly value: unknown;
  /** The Java class: `java.util.Optional` unless one of the primitive forms. */
  readonly javaClass: OptionalClass;
  /**
   * An Optional of `value` (empty when null or undefined).
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for another class, or a value the primitive form cannot hold
   */
  constructor(value: unknown = null, javaClass: OptionalClass = "java.util.Optional") {
    if (!OPTIONALS.includes(javaClass)) throw new InvalidArgumentError(`Optional's class must be one of ${OPTIONALS.join(", ")}.`);
    const v = value === undefined ? null : value;
    if (v !== null) {
      const ok = javaClass === "java.util.OptionalInt"
        ? typeof v === "number" && Number.isInteger(v) && (v | 0) === v
        : javaClass === "java.util.OptionalLong"
        ? typeof v === "bigint" && BigInt.asIntN(64, v) === v
        : javaClass === "java.util.OptionalDouble"
        ? typeof v === "number"
        : true;
      if (!ok) throw new InvalidArgumentError(`${javaClass} cannot hold ${typeof v} ${String(v)}.`);
    }
    this.value = v;
    this.javaClass = javaClass;
  }
  /** A present `java.util.Optional` of `value`. */
  static of(value: unknown): Optional {
    if (value === null || value === undefined) throw new InvalidArgumentError("Optional.of needs a value (Optional.empty() for none).");
    return new Optional(value);
  }
  /** An empty `java.util.Optional`. */
  static empty(): Optional {
    return new Optional(null);
  }
  /** Whether a value is present. */
  get isPresent(): boolean {
    return this.value !== null;
  }
  /** The value, or null when empty (what JSON shows). */
  toJSON(): unknown {
    return this.value;
  }
  /** Java's `toString()`: `Optional[x]`, `Optional.empty`, `OptionalInt[7]`. */
  toString(): string {
    const simple = this.javaClass.slice("java.util.".length);
    return this.value === null ? `${simple}.empty` : `${simple}[${String(this.value)}]`;
  }
}

/** What a slot held: its Java class, and the reference id when the bytes referred back to an earlier object. */
export interface SlotNote {
  readonly cls: string;
  readonly ref?: number;
  /** Kryo 2.24's ZoneRegion: the reference id its id string referred back to (one Java String used twice). */
  readonly inner?: number;
}

/** Slot notes of a list, set or map (by position; a map's key i is 2i, its value 2i+1) or of an object (by field). */
export type SlotNotes = (SlotNote | undefined)[] | Map<string, SlotNote>;

/** Hides `cls` (and slot notes) on a decoded container. */
export function note(target: object, cls: string, slots?: SlotNotes): void {
  Object.defineProperty(target, JAVA_CLASS, { value: cls, configurable: true });
  if (slots) Object.defineProperty(target, SLOT_NOTES, { value: slots, configurable: true });
}

/** The hidden Java class of a decoded container, if any. */
export function notedClass(v: unknown): string | undefined {
  return v !== null && typeof v === "object" ? (v as { [JAVA_CLASS]?: string })[JAVA_CLASS] : undefined;
}

/** The hidden slot notes of a decoded container, if any. */
export function notedSlots(v: unknown): SlotNotes | undefined {
  return v !== null && typeof v === "object" ? (v as { [SLOT_NOTES]?: SlotNotes })[SLOT_NOTES] : undefined;
}

/**
 * Java `java.util.regex.Pattern`: the regular expression's source text (Java's syntax) and its flags (Java's
 * `Pattern.flags()`: 2 = CASE_INSENSITIVE, 32 = DOTALL, …). Flink 1.x keeps only the text (flags read as 0). JSON
 * (and `toString()`) is the text.
 *
 * @example
 * ```ts
 * import { Pattern } from "queryable-state";
 *
 * console.log(String(new Pattern("a+b*", 2)), new Pattern("x").flags); // a+b* 0
 * ```
 */
export class Pattern {
  /** The expression as written in Java (`Pattern.pattern()`). */
  readonly pattern: string;
  /** Java's flags bit mask (`Pattern.flags()`). */
  readonly flags: number;
  /**
   * A pattern from its text and flags.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) unless `pattern` is a string and `flags` a non-negative integer
   */
  constructor(pattern: string, flags = 0) {
    if (typeof pattern !== "string") throw new InvalidArgumentError("Pattern needs its text (a string).");
    if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) throw new InvalidArgumentError("Pattern flags must be a non-negative int.");
    this.pattern = pattern;
    this.flags = flags;
  }
  /** The text, as Java's `Pattern.toString()`. */
  toString(): string {
    return this.pattern;
  }
  /** The text. */
  toJSON(): string {
    return this.pattern;
  }
}

/** How many 64-bit words a decoded Flink 1.x `BitSet` held (its capacity, which its bytes show). */
export const WORDS: unique symbol = Symbol.for("queryable-state.kryo.words") as never;

/** Hides the word count on a decoded BitSet. */
export function noteWords(set: Set<number>, n: number): void {
  Object.defineProperty(set, WORDS, { value: n, configurable: true });
}

/** The hidden word count of a decoded BitSet, if any. */
export function notedWords(v: unknown): number | undefined {
  return v instanceof Set ? (v as { [WORDS]?: number })[WORDS] : undefined;
}
