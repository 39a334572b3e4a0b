import { QueryableStateError } from "../../core/errors.ts";

/**
 * Kryo bytes name a class this reader cannot decode: a user class or enum nobody described, a JDK class
 * with a serializer of its own that is not covered, or a registered class id whose class is unknown.
 * `javaClass` names it (or `class id N`), `offset` is where in the bytes it was named, and the message says
 * how to describe it (e.g. `kryo<com.acme.Event>{field:type,...}`).
 */
export class KryoUnsupportedClassError extends QueryableStateError {
  /** The Java class the bytes name, or `class id <n>` for a registered id that maps to no known class. */
  readonly javaClass: string;
  /** The byte offset (into the bytes being read) where the class was named. */
  readonly offset: number;
  /**
   * An error with code `KRYO_UNSUPPORTED_CLASS`.
   * @param javaClass the class the bytes name (or `class id <n>`)
   * @param offset where in the bytes it was named
   * @param advice what to do, e.g. how to describe the class
   */
  constructor(javaClass: string, offset: number, advice: string) {
    super("KRYO_UNSUPPORTED_CLASS", `Kryo bytes at offset ${offset} hold ${javaClass}, which this reader cannot decode: ${advice}`);
    this.javaClass = javaClass;
    this.offset = offset;
  }
}
