// JSON (in toJsonValue's conventions) → the JS value Kryo writes, for a Kryo type whose class the type expression
// names: the declared class (`kryo<java.time.Duration>`), and for a described user class its fields' Java types.
import { fromHex } from "../../core/hex.ts";
import { setOwn } from "../../core/records.ts";
import { bigDecimalSerializer } from "../big-number-serializers.ts";
import { dateSerializer, sqlTimestampSerializer } from "../date-serializers.ts";
import {
  badJson,
  jsonArray,
  jsonAt,
  jsonBigInt,
  jsonInteger,
  jsonNumber,
  jsonObject,
  jsonParsed,
  jsonPart,
  jsonString,
} from "../json-value.ts";
import { booleanSerializer } from "../primitive-serializers.ts";
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
  zoneOffsetId,
  zoneOffsetSeconds,
} from "../temporal.ts";
import { UnsupportedTypeError } from "../type-errors.ts";
import { type JavaType, type KryoClassDescription, OBJECT, type PrimitiveName, showType } from "./java-type.ts";
import { JDK_CLASSES, type JdkKind, shapeOf } from "./jdk-classes.ts";
import type { KryoModel } from "./model.ts";
import { localeFields, localeText } from "./locale.ts";
import { noteComponent, Optional, type OptionalClass, Pattern, Uuid } from "./values.ts";

const ABSTRACT: ReadonlyMap<string, "list" | "set" | "map" | "any"> = new Map([
  ...["List", "Collection", "Queue", "Deque", "AbstractList", "AbstractCollection", "AbstractSequentialList"]
    .map((n): [string, "list"] => [`java.util.${n}`, "list"]),
  ["java.lang.Iterable", "list"],
  ...["Set", "SortedSet", "NavigableSet", "AbstractSet"].map((n): [string, "set"] => [`java.util.${n}`, "set"]),
  ...["Map", "SortedMap", "NavigableMap", "AbstractMap"].map((n): [string, "map"] => [`java.util.${n}`, "map"]),
  ...["java.lang.Object", "java.io.Serializable", "java.lang.Comparable", "java.lang.Number", "java.lang.CharSequence"]
    .map((n): [string, "any"] => [n, "any"]),
]);

/** The value `json` stands for, of the serializer's declared class. */
export function kryoFromJson(model: KryoModel, json: unknown, serializer: string): unknown {
  if (model.declared === undefined) {
    throw new UnsupportedTypeError(
      `${serializer} cannot read a value from JSON: which Java class it is, the type expression does not say. Name the ` +
        `class: ${model.generation === 1 ? "kryo1" : "kryo"}<java.time.Duration>, <java.lang.String>, <com.acme.Event>{id:long,...}.`,
    );
  }
  return new FromJson(model, serializer).value({ kind: "class", name: model.declared, args: [] }, json);
}


/** The java.time kinds read from their ISO-8601 text: an example for messages, and the parser. */
const ISO_TEXT: Partial<Record<JdkKind, [example: string, parse: (s: string) => unknown]>> = {
  localdate: ["2024-02-29", LocalDate.parse],
  localtime: ["13:45:30", LocalTime.parse],
  localdatetime: ["2024-02-29T13:45", LocalDateTime.parse],
  instant: ["2023-11-14T22:13:20Z", Instant.parse],
  duration: ["PT1M30S", Duration.parse],
  period: ["P1Y2M3D", Period.parse],
  zoneddatetime: ["2024-02-29T13:45+01:00[Europe/Paris]", ZonedDateTime.parse],
  offsetdatetime: ["2024-02-29T13:45+05:30", OffsetDateTime.parse],
  offsettime: ["13:45-08:00", OffsetTime.parse],
  year: ["2024", Year.parse],
  yearmonth: ["2024-02", YearMonth.parse],
  monthday: ["--02-29", MonthDay.parse],
};

class FromJson {
  readonly model: KryoModel;
  readonly name: string;
  constructor(model: KryoModel, name: string) {
    this.model = model;
    this.name = name;
  }

  value(t: JavaType, json: unknown): unknown {
    if (t.kind === "primitive") return this.#primitive(t.name, json);
    if (t.kind === "array") return this.#array(t, json);
    const d = this.model.descriptions.get(t.name);
    if (json === null && !JDK_CLASSES.get(t.name)?.startsWith("optional")) return null;
    if (d?.kind === "enum") {
      const s = jsonString(this.name, json, `a constant of ${d.name} (${d.constants.join(", ")})`);
      if (!d.constants.includes(s)) throw badJson(this.name, `a constant of ${d.name} (${d.constants.join(", ")})`, json);
      return s;
    }
    if (d) return this.#object(d, json);
    const kind = JDK_CLASSES.get(t.name);
    if (kind !== undefined) return this.#jdk(kind, t, json);
    switch (ABSTRACT.get(t.name)) {
      case "list":
        return this.#list(t, json);
      case "set":
        return new Set(this.#list(t, json));
      case "map":
        return this.#map(t, json);
      case "any":
        return this.#any(json);
    }
    if (t.name === "java.time.ZoneId") return this.#zone(json);
    if (t.name === "java.util.EnumSet") return this.#enumSet(t, json);
    throw new UnsupportedTypeError(
      `${this.name} cannot read ${showType(t)} from JSON: it is neither a JDK class Kryo has a serializer for nor a ` +
        `described class; describe it in the type expression (${t.name}{field:type,...} or enum ${t.name}{A,B}).`,
    );
  }

  #primitive(p: PrimitiveName, json: unknown): unknown {
    switch (p) {
      case "int":
        return jsonInteger(this.name, json, -0x80000000, 0x7fffffff);
      case "short":
        return jsonInteger(this.name, json, -0x8000, 0x7fff);
      case "byte":
        return jsonInteger(this.name, json, -0x80, 0x7f);
      case "long":
        return jsonBigInt(this.name, json, true);
      case "float":
        return Math.fround(jsonNumber(this.name, json));
      case "double":
        return jsonNumber(this.name, json);
      case "boolean":
        return booleanSerializer.fromJson!(json);
      case "char": {
        const s = jsonString(this.name, json, "one character");
        if (s.length !== 1) throw badJson(this.name, "one character", json);
        return s;
      }
    }
  }

  #array(t: Extract<JavaType, { kind: "array" }>, json: unknown): unknown {
    if (json === null) return null;
    const e = t.element;
    if (e.kind === "primitive" && e.name === "byte") {
      return jsonParsed(this.name, json, "a byte[] as hex", (s) => fromHex(s));
    }
    if (e.kind === "primitive" && e.name === "char") return jsonString(this.name, json, "a char[] as a string");
    const items = jsonArray(this.name, json).map((x, i) => jsonPart(`[${i}]`, () => this.value(e, x)));
    if (e.kind === "primitive") {
      switch (e.name) {
        case "int":
          return Int32Array.from(items as number[]);
        case "long":
          return BigInt64Array.from(items as bigint[]);
        case "short":
          return Int16Array.from(items as number[]);
        case "float":
          return Float32Array.from(items as number[]);
        case "double":
          return Float64Array.from(items as number[]);
      }
    }
    return items;
  }

  #object(d: KryoClassDescription, json: unknown): Record<string, unknown> {
    const o = jsonObject(this.name, json, `an object with the fields of ${d.name}`);
    const known = new Set(d.fields.map((f) => f.name));
    const extra = Object.keys(o).find((k) => !known.has(k));
    if (extra !== undefined) {
      throw jsonAt(`.${extra}`, badJson(this.name, `one of the fields of ${d.name} (${[...known].join(", ")})`, o[extra]));
    }
    const out: Record<string, unknown> = {};
    for (const f of d.fields) {
      const has = Object.hasOwn(o, f.name);
      if (!has && f.type.kind === "primitive") {
        throw jsonAt(`.${f.name}`, badJson(this.name, `a ${f.type.name} (field ${f.name} of ${d.name} cannot be null)`, undefined));
      }
      setOwn(out, f.name, jsonPart(`.${f.name}`, () => this.value(f.type, has ? o[f.name] : null)));
    }
    return out;
  }

  #list(t: JavaType, json: unknown): unknown[] {
    const e = t.kind === "class" ? t.args[0] ?? OBJECT : OBJECT;
    return jsonArray(this.name, json).map((x, i) => jsonPart(`[${i}]`, () => this.value(e, x)));
  }

  /** A map from an object (string keys) or an array of [key, value] pairs (toJsonValue's two forms). */
  #map(t: JavaType, json: unknown): Map<unknown, unknown> {
    const kt = t.kind === "class" ? t.args[0] ?? OBJECT : OBJECT, vt = t.kind === "class" ? t.args[1] ?? OBJECT : OBJECT;
    const out = new Map<unknown, unknown>();
    if (Array.isArray(json)) {
      json.forEach((pair, i) =>
        jsonPart(`[${i}]`, () => {
          if (!Array.isArray(pair) || pair.length !== 2) throw badJson(this.name, "a [key, value] pair", pair);
          out.set(jsonPart("[0]", () => this.value(kt, pair[0])), jsonPart("[1]", () => this.value(vt, pair[1])));
        })
      );
      return out;
    }
    const o = jsonObject(this.name, json, "an object (string keys) or an array of [key, value] pairs");
    for (const [k, x] of Object.entries(o)) out.set(jsonPart(`.${k}`, () => this.value(kt, k)), jsonPart(`.${k}`, () => this.value(vt, x)));
    return out;
  }

  /** JSON for a slot that holds any class: strings, booleans, ints (doubles when fractional), lists and string-keyed maps. */
  #any(json: unknown): unknown {
    if (json === null || typeof json === "string" || typeof json === "boolean") return json;
    if (typeof json === "number") return json;
    if (Array.isArray(json)) return json.map((x, i) => jsonPart(`[${i}]`, () => this.#any(x)));
    const o = jsonObject(this.name, json, "a JSON value");
    return new Map(Object.entries(o).map(([k, x]) => [k, jsonPart(`.${k}`, () => this.#any(x))]));
  }

  #zone(json: unknown): string {
    const s = jsonString(this.name, json, "a zone id such as Europe/Paris or +01:00").trim();
    const offset = zoneOffsetSeconds(s);
    if (offset !== undefined) return zoneOffsetId(offset);
    if (!/^[A-Za-z][A-Za-z0-9~/._+-]+$/.test(s)) throw badJson(this.name, "a zone id such as Europe/Paris or +01:00", json);
    return s;
  }

  #enumSet(t: JavaType, json: unknown): Set<unknown> {
    const e = t.kind === "class" ? t.args[0] : undefined;
    const items = this.#list(t, json);
    const out = new Set(items);
    if (e?.kind === "class" && this.model.descriptions.get(e.name)?.kind === "enum") noteComponent(out, e.name);
    return out;
  }

  #text<T>(json: unknown, example: string, parse: (s: string) => T): T {
    return jsonParsed(this.name, json, `ISO-8601 text such as ${example}`, parse);
  }

  #jdk(kind: JdkKind, t: Extract<JavaType, { kind: "class" }>, json: unknown): unknown {
    switch (kind) {
      case "int":
      case "short":
      case "byte":
      case "long":
      case "float":
      case "double":
      case "boolean":
      case "char":
        return this.#primitive(kind, json);
      case "string":
      case "uri":
        return jsonString(this.name, json);
      case "biginteger":
        return jsonBigInt(this.name, json, false);
      case "bigdecimal":
        return bigDecimalSerializer.fromJson!(json);
      case "date":
      case "sqldate":
        return dateSerializer.fromJson!(json);
      case "timestamp":
        return sqlTimestampSerializer.fromJson!(json);
      case "uuid":
        return jsonParsed(this.name, json, "a UUID (8-4-4-4-12 hex digits)", Uuid.parse);
      case "year":
        if (typeof json === "number") return new Year(jsonInteger(this.name, json, -999999999, 999999999));
        return this.#text(json, ...ISO_TEXT.year!);
      case "localdate":
      case "localtime":
      case "localdatetime":
      case "instant":
      case "duration":
      case "period":
      case "zoneddatetime":
      case "offsetdatetime":
      case "offsettime":
      case "yearmonth":
      case "monthday":
        return this.#text(json, ...ISO_TEXT[kind]!);
      case "zoneoffset": {
        const s = zoneOffsetSeconds(jsonString(this.name, json, "a zone offset such as +01:00").trim());
        if (s === undefined) throw badJson(this.name, "a zone offset such as Z, +01:00 or -05:30", json);
        return zoneOffsetId(s);
      }
      case "zoneregion":
        return this.#zone(json);
      case "optional":
        return new Optional(json === null ? null : this.value(t.args[0] ?? OBJECT, json));
      case "optionalint":
      case "optionallong":
      case "optionaldouble": {
        const p: PrimitiveName = kind === "optionalint" ? "int" : kind === "optionallong" ? "long" : "double";
        return new Optional(json === null ? null : this.#primitive(p, json), t.name as OptionalClass);
      }
      case "enumset":
        return this.#enumSet(t, json);
      case "bitset":
        return new Set(jsonArray(this.name, json, "an array of the set bits' indexes").map((x, i) =>
          jsonPart(`[${i}]`, () => jsonInteger(this.name, x, 0, 0x7fffffff))
        ));
      case "locale":
        return jsonParsed(this.name, json, "a Locale as Java prints it (en_US, de, sr_RS_#Latn)", (text) => localeText(localeFields(text)));
      case "pattern":
        return new Pattern(jsonString(this.name, json, "a regular expression (Java's syntax)"));
      case "socketaddress": {
        const s = jsonString(this.name, json, "host:port");
        if (!/^(?:\[[^\]]*\]|[^:]*):\d{1,5}$/.test(s) || Number(s.slice(s.lastIndexOf(":") + 1)) > 65535) {
          throw badJson(this.name, "host:port (an IPv6 host in brackets)", json);
        }
        return s;
      }
      case "timezone":
      case "currency":
      case "stringbuilder":
        return jsonString(this.name, json);
      case "atomiclong":
        return this.#primitive("long", json);
      case "atomicint":
        return this.#primitive("int", json);
      case "atomicbool":
        return this.#primitive("boolean", json);
    }
    switch (shapeOf(kind)) {
      case "list":
        return this.#list(t, json);
      case "set":
        return new Set(this.#list(t, json));
      case "map":
        return this.#map(t, json);
    }
    throw new UnsupportedTypeError(`${this.name} cannot read ${t.name} from JSON.`);
  }
}
