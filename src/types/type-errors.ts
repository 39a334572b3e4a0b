import { QueryableStateError } from "../core/errors.ts";

/** A Flink type this library cannot read (Kryo-serialized generic types); the message names what to use instead. */
export class UnsupportedTypeError extends QueryableStateError {
  /** An error with code `UNSUPPORTED_TYPE`; `message` names the type and what to use instead. */
  constructor(message: string) {
    super("UNSUPPORTED_TYPE", message);
  }
}

/** The bytes hold a subclass of the POJO class (Flink's subclass tag): the message names the class. */
export class PojoSubclassError extends QueryableStateError {
  /** The subclass named in the bytes, or `tag <n>` for a registered subclass. */
  readonly subclass: string;
  /**
   * Made by {@link pojoSerializer} when reading a subclass's bytes.
   * @param pojoClass the POJO class the serializer describes
   * @param subclass the subclass named in the bytes, or `tag <n>` for a registered one
   */
  constructor(pojoClass: string, subclass: string) {
    super(
      "POJO_SUBCLASS",
      `The bytes hold a subclass of ${pojoClass} (${subclass}), which Flink writes with that subclass's own ` +
        "serializer (often Kryo): describe the subclass's fields as its own pojo<...> type, or keep only " +
        `${pojoClass} instances in the state.`,
    );
    this.subclass = subclass;
  }
}

/** A POJO used as a key without a hash function: Java's `hashCode()` is user code. */
export class MissingKeyHashError extends QueryableStateError {
  /** Made by {@link pojoSerializer} when a POJO without `hashCode` is used as a key; `pojoClass` is its Java class. */
  constructor(pojoClass: string) {
    super(
      "MISSING_KEY_HASH",
      `${pojoClass} is used as a key, but its Java hashCode() is user code: pass ` +
        "pojoSerializer(className, fields, { hashCode: (v) => ... }) computing what the Java class's hashCode() returns.",
    );
  }
}
