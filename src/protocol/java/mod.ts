/**
 * Java Object Serialization, as far as Flink's queryable-state failure messages need it:
 * decoding any Throwable a JVM sends, and writing exceptions byte-for-byte as JDK 17 does.
 */
export { JavaSerializationError } from "./errors.ts";
export { ObjectStreamReader, readJavaObject } from "./object-stream-reader.ts";
export {
  classDataOf,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_HANDLES,
  isClassDesc,
  isInstanceOf,
  isJavaArray,
  isJavaObject,
} from "./object-model.ts";
export type {
  JavaArray,
  JavaBlockData,
  JavaClassData,
  JavaClassDesc,
  JavaClassObject,
  JavaContent,
  JavaEnumConstant,
  JavaFieldDesc,
  JavaObject,
  JavaPrimitiveArray,
  JavaValue,
  ObjectStreamReaderOptions,
} from "./object-model.ts";
export { ObjectStreamWriter } from "./object-stream-writer.ts";
export type { JavaClassDescSpec, JavaFieldSpec } from "./object-stream-writer.ts";
export { javaThrowableToString, readJavaThrowable, THROWABLE_CLASS_NAME } from "./throwable.ts";
export type { JavaClassInfo, JavaStackTraceElement, JavaThrowable } from "./throwable.ts";
export { writeJavaThrowable } from "./write-throwable.ts";
export type { JavaThrowableSpec } from "./write-throwable.ts";
export { EMPTY_LIST_CLASS, KNOWN_THROWABLE_CLASSES, knownClassChain, STACK_TRACE_ARRAY_CLASS } from "./known-classes.ts";
export { decodeModifiedUtf8, encodeModifiedUtf8, modifiedUtf8Length } from "./modified-utf8.ts";
