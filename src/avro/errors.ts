/**
 * Errors of the Avro entry (`queryable-state/avro`). They live apart from the codec so that the main
 * entry and the CLI can name them without loading the Avro library.
 */
import { QueryableStateError } from "./core.ts";

/** An Avro schema that does not parse or is not valid (the Avro library's reason is in `message` and `cause`). */
export class AvroSchemaError extends QueryableStateError {
  /** `message` says what is wrong with the schema; `options.cause` is the Avro library's error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super("AVRO_SCHEMA", message, options);
  }
}

/**
 * Bytes that are not a datum of the schema in Flink's Avro encoding: a union branch, enum symbol or
 * length out of range, or more items than the bytes could hold. (Bytes that end early are
 * `TruncatedInputError`.) `path` names the field, e.g. `$.items[2].kind`.
 */
export class AvroDecodeError extends QueryableStateError {
  /** Where in the datum decoding failed, as a JSON-path-like string (`$` is the datum itself). */
  readonly path: string;
  /** `problem` says what was found at `path` (e.g. "union branch 7 of 2"). */
  constructor(path: string, problem: string) {
    super(
      "AVRO_DECODE",
      `${problem} at ${path}: the bytes are not a datum of this Avro schema as Flink's AvroSerializer writes it. ` +
        "Check that the schema is the one the job's state was written with.",
    );
    this.path = path;
  }
}

/** The optional Avro library (`avsc`) is not installed next to this one. */
export class AvroNotInstalledError extends QueryableStateError {
  /** `options.cause` is the module loader's error for the missing package. */
  constructor(options?: { cause?: unknown }) {
    super(
      "AVRO_NOT_INSTALLED",
      "Avro support needs the avsc package, an optional peer dependency of queryable-state: run `npm install avsc` " +
        '(Deno: add "avsc": "npm:avsc@^5.7.9" to your import map, or install it into node_modules).',
      options,
    );
  }
}
