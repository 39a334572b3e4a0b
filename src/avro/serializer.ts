/**
 * Flink's AvroSerializer for generic records (`GenericRecordAvroTypeInfo`), as a {@link TypeSerializer}.
 *
 * Flink does not write standard Avro binary: its AvroSerializer drives Avro's GenericDatumWriter with an
 * encoder of its own (flink-avro's DataOutputEncoder) over Flink's DataOutputView. The datum's structure is
 * Avro's, the primitives are Java DataOutput's:
 *
 * | Avro | Flink's bytes |
 * | --- | --- |
 * | null | nothing |
 * | boolean | 1 byte (reading: non-zero is true) |
 * | int, long, float, double | 4 / 8 / 4 / 8 bytes big-endian (Avro itself: zig-zag varints, little-endian floats) |
 * | string, bytes | int32 length, then the bytes (strings UTF-8) |
 * | fixed | its bytes |
 * | enum, union branch | int32 index |
 * | array, map | blocks: an unsigned 7-bit varint count (not zig-zag), the items (map: string key, value), …, then 0 |
 *
 * No header, schema fingerprint or length prefix: a value's bytes are the datum alone. The schema is parsed and
 * checked by the `avsc` library; the bytes are ours.
 */
import avsc from "avsc";
import type { ByteReader, ByteWriter, TypeSerializer } from "./core.ts";
import { Compiler } from "./compiler.ts";
import type { AvscType } from "./encoding.ts";
import { AvroSchemaError } from "./errors.ts";
import { logicalTypeClasses } from "./logical.ts";

/** An Avro schema: its JSON text, or the parsed JSON (an object, an array for a union, or a primitive's name). */
export type AvroSchema = string | Record<string, unknown> | unknown[];

/** Options of {@link avroSerializer}. */
export interface AvroSerializerOptions {
  /**
   * Read logical types as values (default true): `decimal` as {@link Decimal}, `date` as {@link LocalDate},
   * `time-millis`/`time-micros` as {@link LocalTime}, `timestamp-*` as {@link Instant}, `local-timestamp-*` as
   * {@link LocalDateTime}. `false` keeps the underlying value (bytes, int, long), as Flink's GenericData does.
   */
  logicalTypes?: boolean;
}

/** The serializer of an Avro schema: its values are the decoded generic records (see the README's Avro section). */
export interface AvroSerializer<T = unknown> extends TypeSerializer<T> {
  /** The schema as the Avro library parsed it (canonical JSON of the writer's schema). */
  readonly schema: string;
}

let logicalClasses: ReturnType<typeof logicalTypeClasses> | undefined;

/**
 * The serializer Flink's `AvroSerializer` is for generic records of `schema` (a state made with
 * `new GenericRecordAvroTypeInfo(schema)`). Throws {@link AvroSchemaError} when the schema is not valid Avro.
 *
 * @example
 * ```ts
 * import { type JobID, type QueryableStateClient, stringSerializer, valueState } from "queryable-state";
 * import { avroSerializer } from "queryable-state/avro";
 *
 * const user = avroSerializer<{ id: bigint }>({ type: "record", name: "User", fields: [{ name: "id", type: "long" }] });
 * async function userOf(client: QueryableStateClient, jobId: JobID, name: string) {
 *   const state = await client.getKvState(jobId, "users", name, stringSerializer, valueState("users", user));
 *   return state.value(); // e.g. { id: 42n }; a key without a value throws UnknownKeyOrNamespaceError
 * }
 * ```
 */
export function avroSerializer<T = unknown>(schema: AvroSchema, options: AvroSerializerOptions = {}): AvroSerializer<T> {
  let parsed: unknown = schema;
  if (typeof schema === "string") {
    const t = schema.trim();
    if (t.startsWith("{") || t.startsWith("[") || t.startsWith('"')) {
      try {
        parsed = JSON.parse(t);
      } catch (e) {
        throw new AvroSchemaError(`The Avro schema is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
    }
  }
  let type: AvscType;
  try {
    type = avsc.Type.forSchema(parsed as avsc.Schema, { logicalTypes: logicalClasses ??= logicalTypeClasses() });
  } catch (e) {
    throw new AvroSchemaError(`Not a valid Avro schema: ${(e as Error).message}`, { cause: e });
  }
  const codec = new Compiler(options.logicalTypes !== false).codec(type);
  const canonical = JSON.stringify(type.schema());
  return {
    name: "AvroSerializer",
    length: -1,
    schema: canonical,
    serialize(value: T, out: ByteWriter): void {
      codec.write(value, out, "$");
    },
    deserialize(input: ByteReader): T {
      return codec.read(input, "$") as T;
    },
  };
}
