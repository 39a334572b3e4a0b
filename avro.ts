/**
 * queryable-state/avro: Flink's Avro types (flink-avro's `AvroSerializer` for generic records of a schema).
 * An entry of its own because it needs the `avsc` package, an optional peer dependency: install it with
 * `npm install avsc`. The main entry and `queryable-state/protocol` never load it.
 *
 * @example
 * ```ts
 * import { avroSerializer } from "queryable-state/avro";
 * const user = avroSerializer({ type: "record", name: "User", fields: [{ name: "id", type: "long" }] });
 * ```
 * @module
 */

export {
  type AvroSchema,
  type AvroSerializer,
  avroSerializer,
  type AvroSerializerOptions,
} from "./src/avro/serializer.ts";
export { AvroDecodeError, AvroNotInstalledError, AvroSchemaError } from "./src/avro/errors.ts";
