// The JDK classes Flink's Kryo instance writes with a serializer of its own (not FieldSerializer), the
// class ids Flink registers by default per generation, and the short names a type description may use.
import type { KryoGeneration } from "./io.ts";

/** How a JDK class's bytes look (the serializer Flink's Kryo picks for it). */
export type JdkKind =
  | "int" | "long" | "short" | "byte" | "float" | "double" | "boolean" | "char" | "string"
  | "biginteger" | "bigdecimal" | "date" | "sqldate" | "timestamp" | "uuid" | "uri"
  | "localdate" | "localtime" | "localdatetime" | "instant"
  | "duration" | "period" | "zoneoffset" | "zoneregion" | "offsettime" | "offsetdatetime" | "zoneddatetime"
  | "year" | "yearmonth" | "monthday" | "optional" | "optionalint" | "optionallong" | "optionaldouble" | "enumset"
  | "bitset" | "locale" | "pattern" | "socketaddress" | "timezone" | "currency" | "stringbuilder"
  | "atomiclong" | "atomicint" | "atomicbool"
  | "list" | "set" | "map" | "treeset" | "treemap" | "skiplistmap" | "priorityqueue" | "aslist"
  | "immutablelist" | "immutableset" | "immutablemap"
  | "singletonlist" | "singletonset" | "singletonmap" | "emptylist" | "emptyset" | "emptymap";

/** What a JS value of this kind of class is: a leaf, an array (list), a Set or a Map. */
export type JsShape = "leaf" | "list" | "set" | "map";

const L = "java.lang.", U = "java.util.", C = "java.util.Collections$", I = "java.util.ImmutableCollections$";
const CC = "java.util.concurrent.";

/** Class name → kind, for every JDK class the reader decodes. */
export const JDK_CLASSES: ReadonlyMap<string, JdkKind> = new Map<string, JdkKind>([
  [`${L}Integer`, "int"], [`${L}Long`, "long"], [`${L}Short`, "short"], [`${L}Byte`, "byte"],
  [`${L}Float`, "float"], [`${L}Double`, "double"], [`${L}Boolean`, "boolean"], [`${L}Character`, "char"],
  [`${L}String`, "string"],
  ["java.math.BigInteger", "biginteger"], ["java.math.BigDecimal", "bigdecimal"],
  [`${U}Date`, "date"], ["java.sql.Date", "sqldate"], ["java.sql.Time", "sqldate"], ["java.sql.Timestamp", "timestamp"],
  [`${U}UUID`, "uuid"], ["java.net.URI", "uri"],
  ["java.time.LocalDate", "localdate"], ["java.time.LocalTime", "localtime"],
  ["java.time.LocalDateTime", "localdatetime"], ["java.time.Instant", "instant"],
  ["java.time.Duration", "duration"], ["java.time.Period", "period"], ["java.time.ZoneOffset", "zoneoffset"],
  ["java.time.ZoneRegion", "zoneregion"], ["java.time.OffsetTime", "offsettime"], ["java.time.OffsetDateTime", "offsetdatetime"],
  ["java.time.ZonedDateTime", "zoneddatetime"], ["java.time.Year", "year"], ["java.time.YearMonth", "yearmonth"],
  ["java.time.MonthDay", "monthday"], [`${U}Optional`, "optional"], [`${U}OptionalInt`, "optionalint"],
  [`${U}OptionalLong`, "optionallong"], [`${U}OptionalDouble`, "optionaldouble"],
  [`${U}RegularEnumSet`, "enumset"], [`${U}JumboEnumSet`, "enumset"], [`${U}EnumSet`, "enumset"],
  [`${U}BitSet`, "bitset"], [`${U}Locale`, "locale"], ["java.util.regex.Pattern", "pattern"],
  ["java.net.InetSocketAddress", "socketaddress"], ["sun.util.calendar.ZoneInfo", "timezone"],
  [`${U}SimpleTimeZone`, "timezone"], [`${U}Currency`, "currency"], [`${L}StringBuilder`, "stringbuilder"],
  [`${L}StringBuffer`, "stringbuilder"], [`${U}concurrent.atomic.AtomicLong`, "atomiclong"],
  [`${U}concurrent.atomic.AtomicInteger`, "atomicint"], [`${U}concurrent.atomic.AtomicBoolean`, "atomicbool"],
  // Lists and other ordered collections (CollectionSerializer), read as arrays.
  ...[
    "ArrayList", "LinkedList", "Vector", "Stack", "ArrayDeque", "concurrent.CopyOnWriteArrayList",
    "concurrent.ConcurrentLinkedQueue", "concurrent.ConcurrentLinkedDeque",
    "concurrent.LinkedBlockingQueue", "concurrent.LinkedBlockingDeque",
    "concurrent.ArrayBlockingQueue",
    "Collections$UnmodifiableCollection", "Collections$UnmodifiableList", "Collections$UnmodifiableRandomAccessList",
    "Collections$SynchronizedCollection", "Collections$SynchronizedList", "Collections$SynchronizedRandomAccessList",
    "Collections$CheckedCollection", "Collections$CheckedList", "Collections$CheckedRandomAccessList",
  ].map((n): [string, JdkKind] => [U + n, "list"]),
  // Sets (CollectionSerializer), read as Sets.
  ...[
    "HashSet", "LinkedHashSet", "concurrent.CopyOnWriteArraySet", "concurrent.ConcurrentSkipListSet",
    "Collections$UnmodifiableSet", "Collections$UnmodifiableSortedSet", "Collections$UnmodifiableNavigableSet",
    "Collections$SynchronizedSet", "Collections$SynchronizedSortedSet", "Collections$SynchronizedNavigableSet",
    "Collections$CheckedSet", "Collections$CheckedSortedSet", "Collections$CheckedNavigableSet",
  ].map((n): [string, JdkKind] => [U + n, "set"]),
  // Maps (MapSerializer), read as Maps.
  ...[
    "HashMap", "LinkedHashMap", "Hashtable", "EnumMap", "IdentityHashMap", "WeakHashMap", "concurrent.ConcurrentHashMap",
    "Collections$UnmodifiableMap", "Collections$UnmodifiableSortedMap", "Collections$UnmodifiableNavigableMap",
    "Collections$SynchronizedMap", "Collections$SynchronizedSortedMap", "Collections$SynchronizedNavigableMap",
    "Collections$CheckedMap", "Collections$CheckedSortedMap", "Collections$CheckedNavigableMap",
  ].map((n): [string, JdkKind] => [U + n, "map"]),
  [`${U}TreeSet`, "treeset"], [`${U}TreeMap`, "treemap"], [`${CC}ConcurrentSkipListMap`, "skiplistmap"],
  [`${U}PriorityQueue`, "priorityqueue"], [`${U}Arrays$ArrayList`, "aslist"],
  [`${I}ListN`, "immutablelist"], [`${I}List12`, "immutablelist"], [`${I}SubList`, "immutablelist"],
  [`${I}SetN`, "immutableset"], [`${I}Set12`, "immutableset"], [`${I}MapN`, "immutablemap"], [`${I}Map1`, "immutablemap"],
  [`${C}SingletonList`, "singletonlist"], [`${C}SingletonSet`, "singletonset"], [`${C}SingletonMap`, "singletonmap"],
  [`${C}EmptyList`, "emptylist"], [`${C}EmptySet`, "emptyset"], [`${C}EmptyMap`, "emptymap"],
]);

/** The JS shape of a kind. */
export function shapeOf(kind: JdkKind): JsShape {
  switch (kind) {
    case "list": case "aslist": case "immutablelist": case "singletonlist": case "emptylist": case "priorityqueue":
      return "list";
    case "set": case "treeset": case "immutableset": case "singletonset": case "emptyset": case "enumset":
      return "set";
    case "map": case "treemap": case "skiplistmap": case "immutablemap": case "singletonmap": case "emptymap":
      return "map";
    default:
      return "leaf";
  }
}

/** Whether a kind is a java.time class (or java.sql.Timestamp, an instant): read-time.ts and write-time.ts. */
export function isTimeKind(kind: JdkKind): boolean {
  switch (kind) {
    case "timestamp": case "localdate": case "localtime": case "localdatetime": case "instant": case "duration":
    case "period": case "zoneoffset": case "zoneregion": case "offsettime": case "offsetdatetime": case "zoneddatetime":
    case "year": case "yearmonth": case "monthday":
      return true;
    default:
      return false;
  }
}

/** Primitive wrappers: Kryo tracks no references for them (and writes no reference marker). */
export const WRAPPERS: ReadonlySet<string> = new Set(
  ["Integer", "Long", "Short", "Byte", "Float", "Double", "Boolean", "Character"].map((n) => L + n),
);

/** JDK classes that are final (a field or type argument declaring one carries no class id). */
const FINAL_JDK: ReadonlySet<string> = new Set([
  ...WRAPPERS, `${L}String`, `${L}Class`, `${U}UUID`, "java.net.URI", "java.time.LocalDate", "java.time.LocalTime",
  "java.time.LocalDateTime", "java.time.Instant", "java.time.Duration", "java.time.Period", "java.time.ZonedDateTime",
  "java.time.OffsetDateTime", "java.time.OffsetTime", "java.time.ZoneOffset", "java.time.Year", "java.time.YearMonth",
  "java.time.MonthDay", "java.time.ZoneRegion", `${U}Optional`, `${U}OptionalInt`, `${U}OptionalLong`,
  `${U}OptionalDouble`, `${U}RegularEnumSet`, `${U}JumboEnumSet`, `${U}Locale`, "java.util.regex.Pattern", `${U}Currency`,
  `${L}StringBuilder`, `${L}StringBuffer`, `${I}ListN`, `${I}List12`, `${I}SetN`, `${I}Set12`, `${I}MapN`, `${I}Map1`,
]);

/** True for the JDK classes in {@link FINAL_JDK}. */
export function isFinalJdk(name: string): boolean {
  return FINAL_JDK.has(name);
}

/**
 * The classes Flink registers with fixed ids (Kryo's own ids 0-8, Kryo 2.24's `void` at 9, and the block
 * 73-84 Flink keeps compatible with Twitter Chill's registrar); the job's declared class follows at 85.
 */
export function defaultRegistrations(generation: KryoGeneration): Map<number, string> {
  const m = new Map<number, string>([
    [0, `${L}Integer`], [1, `${L}String`], [2, `${L}Float`], [3, `${L}Boolean`], [4, `${L}Byte`],
    [5, `${L}Character`], [6, `${L}Short`], [7, `${L}Long`], [8, `${L}Double`],
    [73, `${U}Arrays$ArrayList`], [74, `${U}BitSet`], [75, `${U}PriorityQueue`], [76, "java.util.regex.Pattern"],
    [77, "java.sql.Date"], [78, "java.sql.Time"], [79, "java.sql.Timestamp"], [80, "java.net.URI"],
    [81, "java.net.InetSocketAddress"], [82, `${U}UUID`], [83, `${U}Locale`], [84, "java.text.SimpleDateFormat"],
  ]);
  if (generation === 1) m.set(9, "void");
  return m;
}

/** The first id Flink gives the declared class and the job's registered classes. */
export const FIRST_USER_ID = 85;
/** Registered after the job's own classes (flink-avro's, or a placeholder when flink-avro is absent). */
export const AVRO_ARRAY = "org.apache.avro.generic.GenericData$Array";

/** Short names a description may use for JDK classes (matched ignoring case), besides full names. */
export const SHORT_NAMES: ReadonlyMap<string, string> = new Map(
  [
    ...["Integer", "Long", "Short", "Byte", "Float", "Double", "Boolean", "Character", "String", "Object", "Number",
      "CharSequence", "Comparable", "Iterable", "Enum"].map((n) => [n, L + n]),
    ["BigInteger", "java.math.BigInteger"], ["BigDecimal", "java.math.BigDecimal"], ["Serializable", "java.io.Serializable"],
    ["Timestamp", "java.sql.Timestamp"], ["URI", "java.net.URI"],
    ...["LocalDate", "LocalTime", "LocalDateTime", "Instant", "Duration", "Period", "ZonedDateTime", "OffsetDateTime",
      "OffsetTime", "ZoneId", "ZoneOffset", "Year", "YearMonth", "MonthDay"].map((n) => [n, `java.time.${n}`]),
    ...["Date", "UUID", "List", "ArrayList", "LinkedList", "Collection", "Set", "HashSet", "LinkedHashSet", "TreeSet",
      "SortedSet", "NavigableSet", "Map", "HashMap", "LinkedHashMap", "TreeMap", "SortedMap", "NavigableMap", "Queue",
      "Deque", "ArrayDeque", "PriorityQueue", "Vector", "Hashtable", "Optional", "OptionalInt", "OptionalLong",
      "OptionalDouble", "EnumSet", "EnumMap", "BitSet", "Locale", "Currency", "TimeZone"].map((n) => [n, U + n]),
    ["Pattern", "java.util.regex.Pattern"], ["InetSocketAddress", "java.net.InetSocketAddress"],
    ["DayOfWeek", "java.time.DayOfWeek"], ["Month", "java.time.Month"], ["ChronoUnit", "java.time.temporal.ChronoUnit"],
    ["TimeUnit", "java.util.concurrent.TimeUnit"], ["RoundingMode", "java.math.RoundingMode"],
    ["StringBuilder", `${L}StringBuilder`], ["StringBuffer", `${L}StringBuffer`],
  ].map(([k, v]) => [k.toLowerCase(), v]),
);

/** Our type-expression spellings of JDK classes (`integer`, `localdatetime`, `string`, `decimal`, ...) are covered by SHORT_NAMES; these add the rest. */
export const EXTRA_ALIASES: ReadonlyMap<string, string> = new Map([
  ["decimal", "java.math.BigDecimal"], ["bigint", "java.math.BigInteger"], ["uuid", `${U}UUID`],
]);

/**
 * JDK enums a job may keep inside Kryo values, with their constants in declaration order (Kryo writes the ordinal):
 * they read without a description (one in the type expression takes precedence).
 */
export const JDK_ENUMS: ReadonlyMap<string, readonly string[]> = new Map([
  ["java.time.DayOfWeek", ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]],
  ["java.time.Month", [
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER",
  ]],
  ["java.time.temporal.ChronoUnit", [
    "NANOS", "MICROS", "MILLIS", "SECONDS", "MINUTES", "HOURS", "HALF_DAYS", "DAYS", "WEEKS", "MONTHS", "YEARS",
    "DECADES", "CENTURIES", "MILLENNIA", "ERAS", "FOREVER",
  ]],
  ["java.util.concurrent.TimeUnit", ["NANOSECONDS", "MICROSECONDS", "MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS"]],
  ["java.math.RoundingMode", ["UP", "DOWN", "CEILING", "FLOOR", "HALF_UP", "HALF_DOWN", "HALF_EVEN", "UNNECESSARY"]],
]);

/**
 * JDK classes without a Kryo serializer of their own, which Kryo writes with its FieldSerializer in both versions:
 * their fields (Java types), so they read without a description (read as plain objects, one property per field).
 */
export const JDK_FIELD_CLASSES: ReadonlyMap<string, { readonly final: boolean; readonly fields: Readonly<Record<string, string>> }> =
  new Map([
    ["java.util.AbstractMap$SimpleEntry", { final: false, fields: { key: "Object", value: "Object" } }],
    ["java.util.AbstractMap$SimpleImmutableEntry", { final: false, fields: { key: "Object", value: "Object" } }],
    ["java.util.KeyValueHolder", { final: true, fields: { key: "Object", value: "Object" } }],
  ]);
