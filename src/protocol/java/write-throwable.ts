import { ByteWriter } from "../../core/bytes.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { EMPTY_LIST_CLASS, knownClassChain, STACK_TRACE_ARRAY_CLASS } from "./known-classes.ts";
import { ObjectStreamWriter } from "./object-stream-writer.ts";
import type { JavaClassDescSpec } from "./object-stream-writer.ts";
import { SC } from "./stream-constants.ts";
import { THROWABLE_CLASS_NAME } from "./throwable.ts";
import type { JavaClassInfo } from "./throwable.ts";

/** An exception to write; a decoded {@link JavaThrowable} fits this shape. */
export interface JavaThrowableSpec {
  /** The fully qualified class name, e.g. `java.lang.IllegalStateException`. */
  readonly className: string;
  /** The `detailMessage`, or null for none. */
  readonly message: string | null;
  /** Null or absent: no cause (written as Java does for `new X(msg)`: a reference to itself). */
  readonly cause?: JavaThrowableSpec | null;
  /**
   * Serializable classes with serialVersionUIDs, most specific first, ending with
   * java.lang.Throwable. Optional for the classes in `KNOWN_THROWABLE_CLASSES`.
   */
  readonly classChain?: readonly JavaClassInfo[];
}

// java.lang.Throwable's serializable fields, in the order ObjectStreamClass sorts them.
const THROWABLE_FIELDS = Object.freeze([
  { typeCode: "L", name: "cause", signature: "Ljava/lang/Throwable;" },
  { typeCode: "L", name: "detailMessage", signature: "Ljava/lang/String;" },
  { typeCode: "[", name: "stackTrace", signature: "[Ljava/lang/StackTraceElement;" },
  { typeCode: "L", name: "suppressedExceptions", signature: "Ljava/util/List;" },
]);

const STACK_TRACE_ARRAY_DESC: JavaClassDescSpec = Object.freeze({
  ...STACK_TRACE_ARRAY_CLASS,
  flags: SC.SERIALIZABLE,
  fields: [],
  superClass: null,
});

const EMPTY_LIST_DESC: JavaClassDescSpec = Object.freeze({
  ...EMPTY_LIST_CLASS,
  flags: SC.SERIALIZABLE,
  fields: [],
  superClass: null,
});

const MIN_LONG = -(1n << 63n);
const MAX_LONG = (1n << 63n) - 1n;

/** Builds the descriptor chain for one exception, validating its class chain. */
function describeClass(t: JavaThrowableSpec): JavaClassDescSpec {
  if (typeof t.className !== "string" || t.className.length === 0) {
    throw new InvalidArgumentError("An exception's className must be a non-empty string.");
  }
  const chain = t.classChain ?? knownClassChain(t.className);
  if (chain === undefined) {
    throw new InvalidArgumentError(
      `Unknown exception class ${t.className}: pass classChain (its serializable classes with their ` +
        "serialVersionUIDs, most specific first, ending with java.lang.Throwable).",
    );
  }
  if (chain.length === 0 || chain[0].name !== t.className) {
    throw new InvalidArgumentError(`The classChain of ${t.className} must start with ${t.className}.`);
  }
  const names = new Set<string>();
  for (const [i, c] of chain.entries()) {
    if (typeof c.name !== "string" || c.name.length === 0 || names.has(c.name)) {
      throw new InvalidArgumentError(`The classChain of ${t.className} has an empty or repeated class name.`);
    }
    names.add(c.name);
    if (typeof c.serialVersionUID !== "bigint" || c.serialVersionUID < MIN_LONG || c.serialVersionUID > MAX_LONG) {
      throw new InvalidArgumentError(`The serialVersionUID of ${c.name} must be a bigint in Java's long range.`);
    }
    if ((c.name === THROWABLE_CLASS_NAME) !== (i === chain.length - 1)) {
      throw new InvalidArgumentError(`The classChain of ${t.className} must end with ${THROWABLE_CLASS_NAME}.`);
    }
  }
  let desc: JavaClassDescSpec | null = null;
  for (let i = chain.length - 1; i >= 0; i--) {
    const isThrowable = i === chain.length - 1;
    desc = {
      name: chain[i].name,
      serialVersionUID: chain[i].serialVersionUID,
      // Throwable has a writeObject method and the four fields; Flink's subclasses add none.
      flags: isThrowable ? SC.SERIALIZABLE | SC.WRITE_METHOD : SC.SERIALIZABLE,
      fields: isThrowable ? THROWABLE_FIELDS : [],
      superClass: desc,
    };
  }
  return desc as JavaClassDescSpec;
}

/**
 * Serializes an exception (and its causes) exactly as JDK 17's ObjectOutputStream does
 * when every stack trace is empty: each Throwable gets its own empty StackTraceElement[],
 * and all share the `Collections.emptyList()` suppressed-exceptions sentinel. Java peers
 * (Flink's client) read the result with a plain ObjectInputStream.
 *
 * When `out` is given the stream is appended to it and the result is a view of the appended
 * bytes (valid until `out` is written again); otherwise a new array is returned.
 *
 * @throws InvalidArgumentError for an unknown class without `classChain`, or an invalid one.
 */
export function writeJavaThrowable(t: JavaThrowableSpec, out?: ByteWriter): Uint8Array {
  // Resolve every descriptor first, so invalid input leaves `out` untouched.
  const throwables: JavaThrowableSpec[] = [];
  const descs: JavaClassDescSpec[] = [];
  const seen = new Set<JavaThrowableSpec>();
  for (let c: JavaThrowableSpec | null | undefined = t; c != null && !seen.has(c); c = c.cause) {
    if (c.message != null && typeof c.message !== "string") {
      throw new InvalidArgumentError(`The message of ${c.className} must be a string or null.`);
    }
    seen.add(c);
    throwables.push(c);
    descs.push(describeClass(c));
  }

  const target = out ?? new ByteWriter();
  const start = target.length;
  const w = new ObjectStreamWriter(target);
  w.writeStreamHeader();
  // Java writes the cause field first and nests the cause there, so the stream is every
  // object's head (class descriptor, handle, cause) going down the chain, then every
  // object's tail (message, stack trace, suppressed list) coming back up. Written as two
  // loops rather than recursion so long chains cannot exhaust the stack.
  let emptyList: number | undefined;
  for (let i = 0; i < throwables.length; i++) {
    const self = throwables[i];
    w.beginObject(descs[i], self);
    const cause = self.cause;
    if (cause == null) w.writeReference(w.handleOf(self) as number);
    else {
      // A cause seen before (a cycle) is a back-reference, as Java's identity table makes it.
      const handle = w.handleOf(cause);
      if (handle !== undefined) w.writeReference(handle);
    }
  }
  for (let i = throwables.length - 1; i >= 0; i--) {
    const message = throwables[i].message;
    if (message == null) w.writeNull();
    else w.writeString(message);
    w.beginArray(STACK_TRACE_ARRAY_DESC, 0);
    if (emptyList === undefined) emptyList = w.beginObject(EMPTY_LIST_DESC);
    else w.writeReference(emptyList);
    w.writeEndBlockData(); // end of Throwable.writeObject's data
  }
  return out === undefined ? target.toBytes() : target.view().subarray(start);
}
