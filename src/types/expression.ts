/**
 * Type expressions: a compact syntax naming a Flink serializer, for people and command lines.
 *
 *   long  string  tuple<string,long>  tuple<>  list<long>  map<string,double>  either<string,long>
 *   row<id:long,name:string>  row<long,string>  pojo<com.acme.Stats>{count:long,name:string}
 *   enum<RED,GREEN>  long[]  string[]  tuple<int,long>[]  array<long> (Java Long[])
 *   nullable<long>  nullable<long,padded>  decimal  biginteger  instant  localdate …
 *   set<string>  nullablelist<T>  nullablemap<K,V>  nullableset<T> (Flink 2.x's POJO collection fields)
 *   timewindow  globalwindow  void (namespaces)
 *   pojo<com.acme.Shape>{name:string} | com.acme.Circle{radius:double} | com.acme.Square#0{side:double}
 *   kryo  kryo<java.time.LocalDateTime>  kryo1<com.acme.Event>{id:long,tags:List<String>}  (Flink's KryoSerializer)
 *   kryo<com.acme.Event, registered com.acme.Tag>  (classes the job registered with Kryo, in order)
 *
 * `parseTypeExpression(text)` returns the serializer; a mistake throws {@link TypeExpressionError}
 * with the position and what is valid there.
 */
import { QueryableStateError } from "../core/errors.ts";
import {
  booleanArraySerializer, charArraySerializer, doubleArraySerializer, floatArraySerializer, genericArraySerializer,
  intArraySerializer, longArraySerializer, shortArraySerializer, stringArraySerializer,
} from "./array-serializers.ts";
import { bigDecimalSerializer, bigIntegerSerializer } from "./big-number-serializers.ts";
import { bytesSerializer } from "./bytes-serializer.ts";
import { listSerializer, mapSerializer, setSerializer } from "./collection-serializers.ts";
import {
  dateSerializer, instantSerializer, localDateSerializer, localDateTimeSerializer, localTimeSerializer,
  sqlDateSerializer, sqlTimeSerializer, sqlTimestampSerializer,
} from "./date-serializers.ts";
import { eitherSerializer } from "./either-serializer.ts";
import { enumSerializer } from "./enum-serializer.ts";
import { nullableSerializer } from "./nullable-serializer.ts";
import { type PojoSubclass, pojoSerializer } from "./pojo-serializer.ts";
import { globalWindowSerializer } from "./global-window.ts";
import { setOwn } from "../core/records.ts";
import {
  booleanSerializer, byteSerializer, charSerializer, doubleSerializer, floatSerializer, intSerializer, longSerializer,
  shortSerializer,
} from "./primitive-serializers.ts";
import { type RowField, rowSerializer } from "./row-serializer.ts";
import { stringSerializer } from "./string-serializer.ts";
import { timeWindowSerializer } from "./time-window.ts";
import { tupleSerializer } from "./tuple-serializer.ts";
import { UnsupportedTypeError } from "./type-errors.ts";
import type { TypeSerializer } from "./type-serializer.ts";
import { voidNamespaceSerializer } from "./void-namespace.ts";
import { parseKryoArguments } from "./kryo/parse.ts";
import { kryoSerializerOf } from "./kryo/serializer.ts";

// deno-lint-ignore no-explicit-any
type S = TypeSerializer<any>;

/** A type expression that does not parse: `position` (0-based) and what `expected` there. */
export class TypeExpressionError extends QueryableStateError {
  /** The whole expression that was parsed. */
  readonly expression: string;
  /** Where the problem is, as a 0-based index into `expression` (the message points a caret at it). */
  readonly position: number;
  /** What would be valid at `position` (type names, `<`, `,`, …); empty when nothing would. */
  readonly expected: readonly string[];
  /**
   * An error with code `TYPE_EXPRESSION`; the message shows the expression with a caret under `position`.
   * @param problem what is wrong, e.g. "Unknown type 'lnog'"
   */
  constructor(expression: string, position: number, problem: string, expected: readonly string[]) {
    super(
      "TYPE_EXPRESSION",
      `${problem} at position ${position} of the type expression ${JSON.stringify(expression)}` +
        (expected.length ? `; expected ${expected.length > 1 ? "one of " : ""}${expected.join(", ")}` : "") +
        `.\n  ${expression}\n  ${" ".repeat(position)}^`,
    );
    this.expression = expression;
    this.position = position;
    this.expected = expected;
  }
}

const SIMPLE: Record<string, S> = {
  int: intSerializer, long: longSerializer, string: stringSerializer, boolean: booleanSerializer,
  double: doubleSerializer, float: floatSerializer, short: shortSerializer, byte: byteSerializer,
  char: charSerializer, bytes: bytesSerializer, void: voidNamespaceSerializer, timewindow: timeWindowSerializer,
  biginteger: bigIntegerSerializer, decimal: bigDecimalSerializer, date: dateSerializer,
  sqldate: sqlDateSerializer, sqltime: sqlTimeSerializer, timestamp: sqlTimestampSerializer,
  localdate: localDateSerializer, localtime: localTimeSerializer, localdatetime: localDateTimeSerializer,
  instant: instantSerializer, globalwindow: globalWindowSerializer,
};
const ALIASES: Record<string, string> = { integer: "int", bigint: "biginteger", bigdecimal: "decimal" };
const GENERIC = ["tuple", "list", "map", "either", "array", "nullable", "row", "pojo", "enum", "set", "nullablelist", "nullablemap", "nullableset"];
const KRYO_NAMES = ["kryo", "kryo1"];
const PRIMITIVE_ARRAYS: Record<string, S> = {
  boolean: booleanArraySerializer, byte: bytesSerializer, short: shortArraySerializer, int: intArraySerializer,
  long: longArraySerializer, float: floatArraySerializer, double: doubleArraySerializer, char: charArraySerializer,
  string: stringArraySerializer,
};
const KRYO = ["generic", "object"];

/** Every name a type expression can start with. */
export const TYPE_EXPRESSION_NAMES: readonly string[] = [...Object.keys(SIMPLE), ...GENERIC, ...KRYO_NAMES];

/** Options of {@link parseTypeExpression}. */
export interface TypeExpressionOptions {
  /**
   * The serializer of `avro:FILE` (a generic record of the Avro schema in FILE, flink-avro's AvroSerializer).
   * The parser stays free of Avro: the `qstate` CLI passes `avroSerializer` of `queryable-state/avro` for the
   * files it has read; without this option `avro:` fails with UNSUPPORTED_TYPE.
   */
  // deno-lint-ignore no-explicit-any
  avro?: (file: string) => TypeSerializer<any>;
}

/**
 * Parses a type expression into a serializer.
 *
 * @example
 * ```ts
 * import { deserializeValue, parseTypeExpression, serializeValue } from "queryable-state";
 *
 * const s = parseTypeExpression("map<string,tuple<long,double>>"); // Map<String, Tuple2<Long, Double>>
 * const bytes = serializeValue(new Map([["ada", [1n, 0.5]]]), s);
 * console.log(deserializeValue(bytes, s)); // Map(1) { "ada" => [ 1n, 0.5 ] }
 * ```
 */
// deno-lint-ignore no-explicit-any
export function parseTypeExpression(text: string, options: TypeExpressionOptions = {}): TypeSerializer<any> {
  return new Parser(text, options).parseAll();
}

/** The files named by `avro:FILE` in a type expression (a FILE ends at `,`, `<`, `>`, `[` or a space). */
export function avroFilesOf(text: string): string[] {
  return [...text.matchAll(AVRO_FILE)].map((m) => m[1]);
}

const AVRO_FILE = /(?<![\w$.])avro\s*:\s*([^,<>\[\]\s]+)/gi;

class Parser {
  readonly text: string;
  readonly options: TypeExpressionOptions;
  pos = 0;
  constructor(text: string, options: TypeExpressionOptions) {
    this.text = text;
    this.options = options;
  }
  fail(problem: string, expected: readonly string[], at = this.pos): never {
    throw new TypeExpressionError(this.text, at, problem, expected);
  }
  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
  peek(): string {
    this.ws();
    return this.text[this.pos] ?? "";
  }
  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }
  expect(c: string, alternatives: string[] = []): void {
    if (!this.eat(c)) this.fail(this.pos >= this.text.length ? "Unexpected end" : `Unexpected ${JSON.stringify(this.text[this.pos])}`, [`'${c}'`, ...alternatives]);
  }
  ident(what: string[]): string {
    this.ws();
    const m = /^[A-Za-z_$][\w$.]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail(this.pos >= this.text.length ? "Unexpected end" : `Unexpected ${JSON.stringify(this.text[this.pos])}`, what);
    this.pos += m[0].length;
    return m[0];
  }
  parseAll(): S {
    const s = this.type();
    this.ws();
    if (this.pos < this.text.length) this.fail(`Unexpected ${JSON.stringify(this.text[this.pos])}`, ["the end", "'[]'"]);
    return s;
  }
  type(): S {
    const start = (this.ws(), this.pos);
    const raw = this.ident(["a type name (" + TYPE_EXPRESSION_NAMES.join(", ") + ")"]);
    const name = Object.hasOwn(ALIASES, raw.toLowerCase()) ? ALIASES[raw.toLowerCase()] : raw.toLowerCase();
    let s: S;
    let simpleName: string | undefined;
    if (name === "avro" && this.peek() === ":") {
      this.pos++;
      this.ws();
      const file = /^[^,<>[\]\s]+/.exec(this.text.slice(this.pos))?.[0];
      if (!file) this.fail(this.pos >= this.text.length ? "Unexpected end" : `Unexpected ${JSON.stringify(this.text[this.pos])}`, ["an Avro schema file (.avsc)"]);
      this.pos += file.length;
      if (!this.options.avro) {
        throw new UnsupportedTypeError(
          `avro:${file} (position ${start}): Avro types need the queryable-state/avro entry and its avsc package; ` +
            "the qstate CLI reads avro:FILE itself, and code uses avroSerializer(schema) from queryable-state/avro.",
        );
      }
      s = this.options.avro(file);
    } else if (name === "kryo" || name === "kryo1") {
      // Flink's KryoSerializer: kryo = Flink 2.x (Kryo 5), kryo1 = Flink 1.x (Kryo 2.24); see src/types/kryo/.
      const { declared, registered, descriptions } = parseKryoArguments(this);
      s = kryoSerializerOf(name === "kryo1" ? 1 : 2, declared, registered, descriptions);
    } else if (KRYO.includes(name)) {
      throw new UnsupportedTypeError(
        `${JSON.stringify(raw)} (position ${start}): Flink's generic types are Kryo-serialized: write kryo (Flink 2.x) ` +
          "or kryo1 (Flink 1.x), e.g. kryo<java.time.LocalDateTime> or kryo1<com.acme.Event>{id:long,name:String}.",
      );
    } else if (Object.hasOwn(SIMPLE, name)) {
      s = SIMPLE[name];
      simpleName = name;
    } else if (GENERIC.includes(name)) {
      s = this.generic(name);
    } else {
      this.fail(`Unknown type ${JSON.stringify(raw)}`, TYPE_EXPRESSION_NAMES, start);
    }
    while (this.peek() === "[") {
      this.pos++;
      this.expect("]");
      if (simpleName !== undefined && Object.hasOwn(PRIMITIVE_ARRAYS, simpleName)) s = PRIMITIVE_ARRAYS[simpleName];
      else s = genericArraySerializer(s);
      simpleName = undefined;
    }
    return s;
  }
  typeList(close: string, min: number, max: number, what: string): S[] {
    const out: S[] = [];
    if (this.eat(close)) {
      if (min > 0) this.fail(`${what} needs at least ${min} type(s)`, ["a type"], this.pos - 1);
      return out;
    }
    do out.push(this.type()); while (this.eat(","));
    if (out.length > max || out.length < min) this.fail(`${what} takes ${min === max ? min : `${min} to ${max}`} type(s), got ${out.length}`, [], this.pos);
    this.expect(close, ["','"]);
    return out;
  }
  /** `{name:type,...}`: a POJO's fields (names are data: `__proto__`, `constructor` are fields like others). */
  pojoFields(): Record<string, S> {
    this.expect("{");
    const fields: Record<string, S> = {};
    if (!this.eat("}")) {
      do {
        const at = (this.ws(), this.pos);
        const f = this.ident(["a field name"]);
        if (Object.hasOwn(fields, f)) this.fail(`Field ${JSON.stringify(f)} is listed twice`, [], at);
        this.expect(":");
        setOwn(fields, f, this.type());
      } while (this.eat(","));
      this.expect("}", ["','"]);
    }
    return fields;
  }
  /** After `|`: `com.acme.Circle{radius:double}`, `Circle#0{...}` (a registered subclass's tag), or `kryo<Cls>...`. */
  pojoSubclass(before: readonly PojoSubclass[]): PojoSubclass {
    const at = (this.ws(), this.pos);
    const kryo = /^kryo1?\s*<\s*([A-Za-z_$][\w$.]*)/i.exec(this.text.slice(this.pos));
    let sub: PojoSubclass;
    if (kryo) {
      sub = { className: kryo[1], serializer: this.type() };
    } else {
      const className = this.ident(["a subclass's Java class name (com.acme.Circle{field:type,...})"]);
      let tag: number | undefined;
      if (this.eat("#")) {
        const m = /^\d{1,3}/.exec(this.text.slice(this.pos));
        if (!m || Number(m[0]) > 127) this.fail("A registered subclass's tag is 0 to 127", ["a tag (0 = the first subclass registered)"]);
        this.pos += m[0].length;
        tag = Number(m[0]);
      }
      sub = { className, fields: this.pojoFields(), ...(tag === undefined ? {} : { tag }) };
    }
    if (before.some((b) => b.className === sub.className)) this.fail(`Subclass ${sub.className} is listed twice`, [], at);
    if (sub.tag !== undefined && before.some((b) => b.tag === sub.tag)) this.fail(`Tag ${sub.tag} is given twice`, [], at);
    return sub;
  }
  generic(name: string): S {
    this.expect("<");
    switch (name) {
      case "tuple":
        return tupleSerializer(...this.typeList(">", 0, 25, "tuple"));
      case "list":
        return listSerializer(this.typeList(">", 1, 1, "list")[0]);
      case "set":
        return setSerializer(this.typeList(">", 1, 1, "set")[0]);
      // Flink 2.x's NullableListTypeInfo, NullableMapTypeInfo, NullableSetTypeInfo (a POJO's List/Map/Set field).
      case "nullablelist":
        return nullableSerializer(listSerializer(nullableSerializer(this.typeList(">", 1, 1, "nullablelist")[0])));
      case "nullablemap": {
        const [k, v] = this.typeList(">", 2, 2, "nullablemap");
        return nullableSerializer(mapSerializer(nullableSerializer(k), v));
      }
      case "nullableset":
        return nullableSerializer(setSerializer(this.typeList(">", 1, 1, "nullableset")[0]));
      case "array":
        return genericArraySerializer(this.typeList(">", 1, 1, "array")[0]);
      case "map": {
        const [k, v] = this.typeList(">", 2, 2, "map");
        return mapSerializer(k, v);
      }
      case "either": {
        const [l, r] = this.typeList(">", 2, 2, "either");
        return eitherSerializer(l, r);
      }
      case "nullable": {
        const inner = this.type();
        let padded = false;
        if (this.eat(",")) {
          const at = this.pos;
          if (this.ident(["padded"]) !== "padded") this.fail("Unknown nullable option", ["padded"], at);
          padded = true;
        }
        this.expect(">", ["',padded'"]);
        return nullableSerializer(inner, padded);
      }
      case "row": {
        const fields: RowField[] = [];
        if (!this.eat(">")) {
          do {
            this.ws();
            const save = this.pos;
            const m = /^([A-Za-z_$][\w$]*)\s*:/.exec(this.text.slice(this.pos));
            if (m) {
              this.pos += m[0].length;
              fields.push({ name: m[1], type: this.type() });
            } else {
              this.pos = save;
              fields.push({ type: this.type() });
            }
          } while (this.eat(","));
          this.expect(">", ["','"]);
        }
        const named = fields.filter((f) => f.name !== undefined).length;
        if (named !== 0 && named !== fields.length) this.fail("A row names all its fields or none", [], this.pos - 1);
        return rowSerializer(fields);
      }
      case "enum": {
        const constants: string[] = [];
        do constants.push(this.ident(["an enum constant name"])); while (this.eat(","));
        this.expect(">", ["','"]);
        return enumSerializer("enum", constants);
      }
      case "pojo": {
        const cls = this.ident(["the POJO's Java class name"]);
        this.expect(">");
        const fields = this.pojoFields();
        const subclasses: PojoSubclass[] = [];
        while (this.eat("|")) subclasses.push(this.pojoSubclass(subclasses));
        return pojoSerializer(cls, fields, { subclasses });
      }
    }
    return this.fail(`Unknown type ${name}`, TYPE_EXPRESSION_NAMES);
  }
}
