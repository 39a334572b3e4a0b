/** Type names the CLI accepts for keys, values and namespaces, mapped to serializers. */
import { InvalidArgumentError } from "../core/errors.ts";
import { fromHex } from "../core/hex.ts";
import { bytesSerializer } from "../types/bytes-serializer.ts";
import {
  booleanSerializer,
  byteSerializer,
  charSerializer,
  doubleSerializer,
  floatSerializer,
  intSerializer,
  longSerializer,
  shortSerializer,
} from "../types/primitive-serializers.ts";
import { stringSerializer } from "../types/string-serializer.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { Decimal } from "../types/big-number-serializers.ts";
import { avroFilesOf, parseTypeExpression, type TypeExpressionOptions } from "../types/expression.ts";
import { fromJsonValue } from "../types/json-value.ts";
import { loadAvro } from "../avro/load.ts";

export const TYPE_NAMES = ["int", "long", "string", "boolean", "double", "float", "short", "byte", "char", "bytes"] as const;
export type TypeName = typeof TYPE_NAMES[number];

// deno-lint-ignore no-explicit-any
const SERIALIZERS: Record<TypeName, TypeSerializer<any>> = {
  int: intSerializer,
  long: longSerializer,
  string: stringSerializer,
  boolean: booleanSerializer,
  double: doubleSerializer,
  float: floatSerializer,
  short: shortSerializer,
  byte: byteSerializer,
  char: charSerializer,
  bytes: bytesSerializer,
};

/**
 * The serializer for a CLI type: a type expression (`long`, `tuple<string,long>`, `pojo<C>{a:long}` …);
 * a mistake is a TypeExpressionError pointing at its position.
 */
export function serializerForType(name: string, options?: TypeExpressionOptions): TypeSerializer<unknown> {
  if ((TYPE_NAMES as readonly string[]).includes(name)) return SERIALIZERS[name as TypeName];
  return parseTypeExpression(name, options);
}

/**
 * What the type expressions need beyond the parser: for `avro:FILE`, the Avro entry (loaded only then; a
 * missing avsc is AvroNotInstalledError) and each schema file, read once.
 */
export async function typeOptionsFor(expressions: (string | undefined)[]): Promise<TypeExpressionOptions> {
  const files = [...new Set(expressions.flatMap((e) => (e === undefined ? [] : avroFilesOf(e))))];
  if (files.length === 0) return {};
  const { avroSerializer } = await loadAvro();
  const { readFile } = await import("node:fs/promises");
  const serializers = new Map<string, TypeSerializer<unknown>>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new InvalidArgumentError(`Cannot read the Avro schema avro:${file}: ${(e as Error).message}`, { cause: e });
    }
    serializers.set(file, avroSerializer(text));
  }
  return { avro: (file) => serializers.get(file)! };
}

/**
 * Parses command-line text into a value of the named type. The simple names (int, long, string, …, decimal,
 * biginteger) take plain text (`--key ada`, `--key 42`); every other type expression takes its JSON form in the
 * conventions of `--json` output (`fromJsonValue`): `--key '["ada","3"]'` for tuple<string,long>,
 * `--namespace '{"start":0,"end":60000}'` for timewindow. A scalar type's text may be given bare
 * (`--key 2024-02-29` for localdate).
 */
export function parseValue(type: string, text: string, serializer?: TypeSerializer<unknown>): unknown {
  const bad = (why: string) => new InvalidArgumentError(`Cannot read '${text}' as ${type}: ${why}.`);
  switch (type) {
    case "int":
    case "short":
    case "byte": {
      if (!/^-?\d+$/.test(text)) throw bad("expected an integer");
      return Number(text);
    }
    case "long":
      if (!/^-?\d+$/.test(text)) throw bad("expected an integer");
      return BigInt(text);
    case "double":
    case "float": {
      const n = Number(text);
      if (text.trim() === "" || (Number.isNaN(n) && text !== "NaN")) throw bad("expected a number");
      return type === "float" ? Math.fround(n) : n;
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw bad("expected true or false");
      return text === "true";
    case "char":
      if (text.length !== 1) throw bad("expected exactly one character");
      return text;
    case "string":
      return text;
    case "bytes":
      return fromHex(text);
    case "decimal":
      return Decimal.parse(text);
    case "biginteger":
      if (!/^-?\d+$/.test(text)) throw bad("expected an integer");
      return BigInt(text);
  }
  const s = serializer ?? serializerForType(type); // a typo gets the type expression's error
  const t = text.trim();
  let json: unknown = text;
  if (/^[[{"]/.test(t) || t === "null") {
    try {
      json = JSON.parse(t);
    } catch (e) {
      throw bad(`it starts like JSON but is not JSON (${(e as Error).message}); give values of ${type} as JSON, ` +
        'e.g. \'["ada","3"]\' for tuple<string,long>, 64-bit integers and decimals as strings');
    }
  }
  try {
    return fromJsonValue(s, json);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    throw new InvalidArgumentError(
      `Cannot read '${text}' as ${type}: ${e.message} Values of composite types are JSON as --json prints them ` +
        '(tuples and arrays as arrays, POJOs and rows as objects, 64-bit integers and decimals as strings), e.g. ' +
        '\'["ada","3"]\' for tuple<string,long> or \'{"start":"0","end":"60000"}\' for timewindow.',
      { cause: e },
    );
  }
}
