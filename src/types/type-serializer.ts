import type { ByteReader, ByteWriter } from "../core/bytes.ts";

/**
 * Writes and reads values of type `T` in the byte format of a Flink `TypeSerializer`.
 * Serializers are stateless and may be shared freely.
 */
export interface TypeSerializer<T> {
  /** Flink's serializer class name, e.g. `"IntSerializer"` (for messages and diagnostics). */
  readonly name: string;
  /** The serialized size in bytes when fixed, otherwise -1. */
  readonly length: number;
  /** Appends `value`'s bytes; throws InvalidArgumentError when `value` has the wrong shape. */
  serialize(value: T, out: ByteWriter): void;
  /** Reads one value; throws TruncatedInputError when the bytes end early. */
  deserialize(input: ByteReader): T;
  /**
   * Java's `hashCode()` of the boxed value, with exact Java semantics. Present only for
   * types whose Java hash is value-based, i.e. that can be used as queryable-state keys.
   */
  hashCode?(value: T): number;
  /**
   * The value that `json` stands for, in the JSON conventions of `toJsonValue` (its inverse; 64-bit integers
   * and decimals also as strings); throws InvalidArgumentError when `json` does not fit. Every serializer of
   * this library has it; call it through `fromJsonValue`, which fails with UNSUPPORTED_TYPE when it is absent.
   */
  fromJson?(json: unknown): T;
}

/** A serializer whose values can be keys: it knows their Java `hashCode()`. */
export interface KeySerializer<T> extends TypeSerializer<T> {
  /** Java's `hashCode()` of the boxed value: it picks the key group, and so the server, a query goes to. */
  hashCode(value: T): number;
}

/** The value type a serializer reads and writes. */
export type SerializedType<S> = S extends TypeSerializer<infer T> ? T : never;
