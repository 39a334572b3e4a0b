import { QueryableStateError } from "../core/errors.ts";

/** A Flink type this library cannot read, or a serializer that cannot do what was asked; the message names what to use instead. */
export class UnsupportedTypeError extends QueryableStateError {
  /** An error with code `UNSUPPORTED_TYPE`; `message` names the type and what to use instead. */
  constructor(message: string) {
    super("UNSUPPORTED_TYPE", message);
  }
}

/**
 * The bytes hold an instance of a subclass of the POJO class that the type does not list (Flink writes the
 * subclass's class name, or its registration tag, before the subclass's own bytes). The message names the
 * class (or tag) found and how to describe it: an alternative `| com.acme.Circle{radius:double}` in a type
 * expression, an entry of `pojoSerializer`'s `subclasses` option in code.
 */
export class PojoSubclassError extends QueryableStateError {
  /** The subclass named in the bytes, or `registered subclass tag <n>` for a registered one. */
  readonly subclass: string;
  /** The registration tag found, for a registered subclass (else undefined). */
  readonly tag: number | undefined;
  /**
   * Made by {@link pojoSerializer} when reading a subclass the type does not list.
   * @param pojoClass the POJO class the serializer describes
   * @param subclass the subclass named in the bytes, or `registered subclass tag <n>` for a registered one
   * @param tag the registration tag, for a registered subclass
   */
  constructor(pojoClass: string, subclass: string, tag?: number) {
    const short = pojoClass.slice(pojoClass.lastIndexOf(".") + 1);
    super(
      "POJO_SUBCLASS",
      tag === undefined
        ? `The bytes hold a ${subclass}, a subclass of ${pojoClass}: Flink writes its class name, then the subclass's own ` +
          `serializer. Describe it as an alternative of the type: pojo<${pojoClass}>{...} | ${subclass}{field:type,...} ` +
          `(its own fields; ${short}'s are included), or, when Flink does not treat ${subclass} as a POJO, ` +
          `| kryo<${subclass}>{...} (Flink 2.x) or | kryo1<${subclass}>{...} (Flink 1.x); in code, pojoSerializer's ` +
          "subclasses option."
        : `The bytes hold registered subclass tag ${tag} of ${pojoClass}: the subclass registered with Flink ` +
          `(registerPojoType, or pipeline.serialization-config with type: pojo) as number ${tag + 1} among ${short}'s ` +
          `subclasses. Add it with its tag: pojo<${pojoClass}>{...} | com.acme.Sub#${tag}{field:type,...} (its own ` +
          "fields); in code, pojoSerializer's subclasses option with tag.",
    );
    this.subclass = subclass;
    this.tag = tag;
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
