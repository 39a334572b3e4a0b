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

/** Parses command-line text into a value of the named type. */
export function parseValue(type: string, text: string): unknown {
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
  serializerForType(type); // a typo gets the type expression's error
  throw new InvalidArgumentError(
    `Cannot read '${text}' as ${type} from the command line: --key and --namespace take ${TYPE_NAMES.join(", ")}, ` +
      "decimal or biginteger; query other key types through the library.",
  );
}
