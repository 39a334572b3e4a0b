import { JavaSerializationError } from "./errors.ts";
import { classDataOf, isInstanceOf, isJavaArray, isJavaObject } from "./object-model.ts";
import type { JavaArray, JavaClassDesc, JavaObject, JavaValue, ObjectStreamReaderOptions } from "./object-model.ts";
import { isStackOverflow, ObjectStreamReader } from "./object-stream-reader.ts";

/** A serializable class as named in a class descriptor. */
export interface JavaClassInfo {
  /** The fully qualified class name, e.g. `java.lang.RuntimeException`. */
  readonly name: string;
  /** The class's serialVersionUID, as the JVM that wrote it computed or declared it. */
  readonly serialVersionUID: bigint;
}

/** One frame of a Java stack trace (`java.lang.StackTraceElement`). */
export interface JavaStackTraceElement {
  /** The fully qualified class of the method, e.g. `org.apache.flink.queryablestate.network.AbstractServerHandler`. */
  readonly declaringClass: string | null;
  /** The method's name. */
  readonly methodName: string | null;
  /** The source file, null when unknown. */
  readonly fileName: string | null;
  /** The source line; negative when unknown (-2 for a native method), as in Java. */
  readonly lineNumber: number;
}

/** A Java exception decoded from a serialization stream. */
export interface JavaThrowable {
  /** Most specific class. */
  readonly className: string;
  /** Serializable classes, most specific first, down to java.lang.Throwable inclusive. */
  readonly classChain: readonly JavaClassInfo[];
  /** `detailMessage`. */
  readonly message: string | null;
  /** Null when the cause field is null or refers to the object itself (or closes a cycle). */
  readonly cause: JavaThrowable | null;
  /** The stack trace as sent, innermost frame first (empty for failures this library writes). */
  readonly stackTrace: readonly JavaStackTraceElement[];
  /** Exceptions added with `addSuppressed` (empty when none). */
  readonly suppressed: readonly JavaThrowable[];
}

export const THROWABLE_CLASS_NAME = "java.lang.Throwable";
const STACK_TRACE_ELEMENT_CLASS_NAME = "java.lang.StackTraceElement";
const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Decodes a Java serialization stream (starting with `aced0005`) holding one Throwable, as
 * carried by Flink's REQUEST_FAILURE / SERVER_FAILURE messages. Bytes after the object are
 * ignored, as Java's ObjectInputStream ignores them.
 *
 * @throws JavaSerializationError if the stream is malformed, exceeds a limit, or its object
 *   is not a Throwable; TruncatedInputError if it ends early.
 */
export function readJavaThrowable(stream: Uint8Array, options?: ObjectStreamReaderOptions): JavaThrowable {
  const reader = new ObjectStreamReader(stream, options);
  reader.readStreamHeader();
  const at = reader.position;
  const top = reader.readObject();
  if (!isJavaObject(top) || !isInstanceOf(top.classDesc, THROWABLE_CLASS_NAME)) {
    throw new JavaSerializationError(`the stream holds ${describe(top)}, not a java.lang.Throwable`, at);
  }
  try {
    return new ThrowableConverter(reader.maxDepth, reader.maxHandles).convert(top, 0);
  } catch (e) {
    if (isStackOverflow(e)) throw new JavaSerializationError("exception graph too deep; lower maxDepth");
    throw e;
  }
}

/** Java's `Throwable.toString()`: the class name, then `": " + message` if there is one. */
export function javaThrowableToString(t: { readonly className: string; readonly message: string | null }): string {
  return t.message === null ? t.className : `${t.className}: ${t.message}`;
}

function describe(value: JavaValue): string {
  if (value === null) return "null";
  if (typeof value !== "object") return `a ${typeof value}`;
  if (value.kind === "classDesc") return `a class descriptor of ${value.name}`;
  return `a ${value.kind} of class ${value.classDesc.name}`;
}

function classChainOf(desc: JavaClassDesc): readonly JavaClassInfo[] {
  const chain: JavaClassInfo[] = [];
  for (let d: JavaClassDesc | null = desc; d !== null; d = d.superClass) {
    chain.push(Object.freeze({ name: d.name, serialVersionUID: d.serialVersionUID }));
    if (d.name === THROWABLE_CLASS_NAME) break;
  }
  return Object.freeze(chain);
}

/** A field of `className`'s data in `obj`; null when absent (Java's default for a missing field). */
function fieldOf(obj: JavaObject, className: string, field: string): JavaValue {
  return classDataOf(obj, className)?.values.get(field) ?? null;
}

function stringField(obj: JavaObject, className: string, field: string): string | null {
  const value = fieldOf(obj, className, field);
  if (value !== null && typeof value !== "string") {
    throw new JavaSerializationError(`${className}.${field} holds ${describe(value)}, not a String`);
  }
  return value;
}

function isThrowable(value: JavaValue): value is JavaObject {
  return isJavaObject(value) && isInstanceOf(value.classDesc, THROWABLE_CLASS_NAME);
}

/**
 * Turns decoded objects into JavaThrowable values. Shared objects are converted once
 * (memoised), cause chains are walked iteratively, and cycles are cut (the closing cause
 * becomes null, suppressed entries that close a cycle are dropped), so no graph loops.
 */
class ThrowableConverter {
  readonly #maxDepth: number;
  /**
   * Output entries (throwables, stack frames, suppressed entries) still allowed. Shared
   * lists could otherwise make the output quadratic in the input.
   */
  #budget: number;
  readonly #done = new Map<JavaObject, JavaThrowable>();
  readonly #inProgress = new Set<JavaObject>();
  readonly #stacks = new Map<JavaArray, readonly JavaStackTraceElement[]>();

  constructor(maxDepth: number, maxEntries: number) {
    this.#maxDepth = maxDepth;
    this.#budget = maxEntries;
  }

  #spend(n: number): void {
    this.#budget -= n;
    if (this.#budget < 0) {
      throw new JavaSerializationError("exception graph expands to more entries than maxHandles");
    }
  }

  convert(obj: JavaObject, depth: number): JavaThrowable {
    const done = this.#done.get(obj);
    if (done) return done;
    if (depth > this.#maxDepth) {
      throw new JavaSerializationError(`suppressed exceptions nested deeper than maxDepth (${this.#maxDepth})`);
    }
    // Collect the cause chain first: iteration, not recursion, so long chains are safe.
    const chain: JavaObject[] = [obj];
    const onChain = new Set<JavaObject>(chain);
    let tail: JavaThrowable | null = null;
    for (let current = obj;;) {
      const cause = fieldOf(current, THROWABLE_CLASS_NAME, "cause");
      if (cause === null || cause === current) break;
      if (!isThrowable(cause)) {
        throw new JavaSerializationError(`the cause of ${current.classDesc.name} is ${describe(cause)}, not a Throwable`);
      }
      const converted = this.#done.get(cause);
      if (converted) {
        tail = converted;
        break;
      }
      if (onChain.has(cause) || this.#inProgress.has(cause)) break; // a cycle
      chain.push(cause);
      onChain.add(cause);
      current = cause;
    }
    for (const o of chain) this.#inProgress.add(o);
    for (let i = chain.length - 1; i >= 0; i--) {
      const o = chain[i];
      this.#spend(1);
      const t: JavaThrowable = Object.freeze({
        className: o.classDesc.name,
        classChain: classChainOf(o.classDesc),
        message: stringField(o, THROWABLE_CLASS_NAME, "detailMessage"),
        cause: tail,
        stackTrace: this.#stackTrace(o),
        suppressed: this.#suppressed(o, depth),
      });
      this.#done.set(o, t);
      this.#inProgress.delete(o);
      tail = t;
    }
    return tail as JavaThrowable;
  }

  #stackTrace(obj: JavaObject): readonly JavaStackTraceElement[] {
    const value = fieldOf(obj, THROWABLE_CLASS_NAME, "stackTrace");
    // A null array comes from streams of old JDKs; Java reads it as an empty trace.
    if (value === null) return EMPTY;
    if (!isJavaArray(value) || !Array.isArray(value.elements)) {
      throw new JavaSerializationError(`Throwable.stackTrace holds ${describe(value)}, not a StackTraceElement[]`);
    }
    const known = this.#stacks.get(value);
    if (known) return known;
    this.#spend(value.elements.length);
    const elements: JavaStackTraceElement[] = [];
    for (const e of value.elements as readonly JavaValue[]) elements.push(stackTraceElement(e));
    // Java's "stack trace not writable" sentinel: one element ("", "", null, MIN_VALUE).
    const sentinel = elements.length === 1 && elements[0].declaringClass === "" &&
      elements[0].methodName === "" && elements[0].fileName === null &&
      elements[0].lineNumber === -2147483648;
    const result = sentinel ? EMPTY : Object.freeze(elements);
    this.#stacks.set(value, result);
    return result;
  }

  #suppressed(obj: JavaObject, depth: number): readonly JavaThrowable[] {
    const list = fieldOf(obj, THROWABLE_CLASS_NAME, "suppressedExceptions");
    const elements = listElements(list, 0);
    // Charge every element looked at, not only those kept: one shared list of junk must
    // not be rescanned for free by every exception that references it.
    this.#spend(elements.length);
    const result: JavaThrowable[] = [];
    for (const e of elements) {
      if (!isThrowable(e) || e === obj || this.#inProgress.has(e)) continue;
      result.push(this.convert(e, depth + 1));
    }
    return result.length === 0 ? EMPTY : Object.freeze(result);
  }
}

function stackTraceElement(value: JavaValue): JavaStackTraceElement {
  if (!isJavaObject(value) || value.classDesc.name !== STACK_TRACE_ELEMENT_CLASS_NAME) {
    throw new JavaSerializationError(`a stack trace holds ${describe(value)}, not a StackTraceElement`);
  }
  // Field lists differ by JDK (8 has 4 fields, 9+ has 8): look fields up by name.
  const line = fieldOf(value, STACK_TRACE_ELEMENT_CLASS_NAME, "lineNumber");
  if (line !== null && typeof line !== "number") {
    throw new JavaSerializationError("StackTraceElement.lineNumber is not an int");
  }
  return Object.freeze({
    declaringClass: stringField(value, STACK_TRACE_ELEMENT_CLASS_NAME, "declaringClass"),
    methodName: stringField(value, STACK_TRACE_ELEMENT_CLASS_NAME, "methodName"),
    fileName: stringField(value, STACK_TRACE_ELEMENT_CLASS_NAME, "fileName"),
    lineNumber: line ?? 0,
  });
}

/** How many wrapper lists (unmodifiable/synchronized views) are unwrapped at most. */
const MAX_LIST_WRAPPERS = 8;

/**
 * The elements of a serialized java.util.List, for the lists JDKs use for
 * `suppressedExceptions`: Collections$EmptyList (JDK 9+ sentinel), unmodifiable wrappers of
 * an ArrayList (JDK 7/8 sentinel), ArrayList itself once exceptions were added, and a few
 * more. Lists written by `writeObject` keep their elements in the custom data, which is the
 * fallback for list classes not named here.
 */
function listElements(list: JavaValue, wrappers: number): readonly JavaValue[] {
  if (list === null) return EMPTY;
  if (isJavaArray(list)) return Array.isArray(list.elements) ? list.elements as readonly JavaValue[] : EMPTY;
  if (!isJavaObject(list)) return EMPTY;
  const desc = list.classDesc;
  if (desc.name === "java.util.Collections$EmptyList") return EMPTY;
  for (const wrapper of ["java.util.Collections$UnmodifiableCollection", "java.util.Collections$SynchronizedCollection"]) {
    if (isInstanceOf(desc, wrapper) && wrappers < MAX_LIST_WRAPPERS) {
      return listElements(fieldOf(list, wrapper, "c"), wrappers + 1);
    }
  }
  if (desc.name === "java.util.Collections$SingletonList") {
    return [fieldOf(list, desc.name, "element")];
  }
  if (desc.name === "java.util.Arrays$ArrayList" && wrappers < MAX_LIST_WRAPPERS) {
    return listElements(fieldOf(list, desc.name, "a"), wrappers + 1);
  }
  if (isInstanceOf(desc, "java.util.Vector")) {
    const data = fieldOf(list, "java.util.Vector", "elementData");
    const count = fieldOf(list, "java.util.Vector", "elementCount");
    if (!isJavaArray(data) || !Array.isArray(data.elements)) return EMPTY;
    const elements = data.elements as readonly JavaValue[];
    return typeof count === "number" ? elements.slice(0, Math.max(0, count)) : elements;
  }
  const elements: JavaValue[] = [];
  for (const data of list.classData) {
    for (const item of data.annotations) {
      if (typeof item === "object" && item !== null && item.kind === "blockData") continue;
      elements.push(item as JavaValue);
    }
  }
  return elements;
}
