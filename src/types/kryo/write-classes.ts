// Which Java class to write for a JS value: noted when it was read, the slot's declared type, or inferred from the
// value; and whether a value is one of a class as reading gives it.
import { describeValue } from "../../core/describe.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { Decimal } from "../big-number-serializers.ts";
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
import { arrayTypeOf, type JavaType, type PrimitiveName } from "./java-type.ts";
import { JDK_CLASSES, shapeOf } from "./jdk-classes.ts";
import { localeFields } from "./locale.ts";
import { enumsHolding } from "./model.ts";
import { KryoTyped, notedClass, notedComponent, Optional, Pattern, type SlotNote, Uuid } from "./values.ts";
import type { KryoWriter } from "./write.ts";

const MIN_LONG = -(1n << 63n), MAX_LONG = (1n << 63n) - 1n;

/** The Java class to write for `v` (and `v` unwrapped from KryoTyped); `[null, null]` for null. */
export function classOf(w: KryoWriter, v: unknown, declared: JavaType | undefined, note: SlotNote | undefined): [string | null, unknown] {
  if (v instanceof KryoTyped) return [v.javaClass, v.value];
  if (v === null || v === undefined) return [null, null];
  if (note && fits(w, v, note.cls)) return [note.cls, v];
  const hidden = notedClass(v);
  if (hidden !== undefined && fits(w, v, hidden)) return [hidden, v];
  if (declared?.kind === "class") {
    const d = fromDeclared(w, v, declared.name);
    if (d) return [d, v];
  } else if (declared?.kind === "array" && fits(w, v, w.model.className(declared))) {
    return [w.model.className(declared), v];
  }
  return [infer(v), v];
}

function fromDeclared(w: KryoWriter, v: unknown, name: string): string | undefined {
  if (fits(w, v, name)) return name;
  if (name === "java.time.ZoneId" && typeof v === "string") {
    return zoneOffsetSeconds(v) === undefined ? "java.time.ZoneRegion" : "java.time.ZoneOffset";
  }
  if (name === "java.util.EnumSet" && v instanceof Set) return enumSetClass(enumOf(w, v, undefined));
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

function infer(v: unknown): string {
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
export function fits(w: KryoWriter, v: unknown, cls: string): boolean {
  const d = w.model.descriptions.get(cls);
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

/** The enum of an EnumSet: noted when read, the declared type argument, or the one described enum holding every element. */
export function enumOf(w: KryoWriter, set: Set<unknown>, generic: JavaType | undefined): { name: string; constants: readonly string[] } {
  const named = notedComponent(set) ?? (generic?.kind === "class" && generic.args[0]?.kind === "class" ? generic.args[0].name : undefined);
  if (named !== undefined) {
    const d = w.model.descriptions.get(named);
    if (d?.kind === "enum") return d;
    throw new InvalidArgumentError(`Kryo cannot write an EnumSet of ${named}: describe the enum (enum ${named}{CONSTANT,...}).`);
  }
  const fit = set.size > 0 ? enumsHolding(w.model, [...set]) : [];
  if (fit.length === 1) return fit[0];
  throw new InvalidArgumentError(
    `Kryo cannot tell the enum of the EnumSet ${describeValue(set)}: ${fit.length ? "more than one described enum fits" : "no described enum holds every element"}; ` +
      "give the field's type (EnumSet<com.acme.Color>) or describe the enum.",
  );
}

/** RegularEnumSet, or JumboEnumSet for an enum of more than 64 constants. */
export function enumSetClass(e: { constants: readonly string[] }): string {
  return e.constants.length > 64 ? "java.util.JumboEnumSet" : "java.util.RegularEnumSet";
}
