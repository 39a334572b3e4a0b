/**
 * A generic reader for the Java Object Serialization Stream Protocol. It needs no Java
 * classes: every object is decoded from its class descriptors alone, which is enough to
 * pull Throwables (and anything they carry) out of a stream written by any JVM.
 *
 * Hostile input ends in JavaSerializationError or TruncatedInputError: nesting is bounded,
 * every length is checked against the bytes left before anything is allocated, back
 * references must name existing handles, and the handle table has a size cap.
 *
 * This file reads items (objects, arrays, enums, strings, block data); class descriptors are
 * read by `class-desc-reader.ts`, primitive array elements by `primitive-arrays.ts`, and the
 * stream's handles, depth and limits live in `stream-input.ts`.
 */
import { TruncatedInputError } from "../../core/errors.ts";
import { ClassDescReader } from "./class-desc-reader.ts";
import { JavaSerializationError } from "./errors.ts";
import type {
  JavaArray,
  JavaClassData,
  JavaClassDesc,
  JavaClassObject,
  JavaContent,
  JavaEnumConstant,
  JavaFieldDesc,
  JavaObject,
  JavaValue,
  ObjectStreamReaderOptions,
} from "./object-model.ts";
import { readPrimitiveElements } from "./primitive-arrays.ts";
import { primitiveSize, SC, STREAM_MAGIC, STREAM_VERSION, TC } from "./stream-constants.ts";
import { EMPTY_CONTENTS, EMPTY_VALUES, END_BLOCK, isBlockData, isStackOverflow, type Item, type Mutable, StreamInput } from "./stream-input.ts";

export { isStackOverflow } from "./stream-input.ts";

/** Where an item is read: a field/array value, or custom data where block data may appear. */
const VALUE = 0;
const CONTENT = 1;

/**
 * Reads items from one Java serialization stream. Call {@link readStreamHeader} once,
 * then {@link readObject} for each top-level object. After an error the reader's position
 * and handle table are undefined: discard it.
 */
export class ObjectStreamReader {
  readonly #s: StreamInput;
  readonly #in: StreamInput["in"];
  readonly #descs: ClassDescReader;

  constructor(bytes: Uint8Array, options?: ObjectStreamReaderOptions, start = 0, end = bytes.length) {
    this.#s = new StreamInput(bytes, options, start, end);
    this.#in = this.#s.in;
    this.#descs = new ClassDescReader(this.#s, () => this.#readContents());
  }

  /** Offset of the next unread byte. */
  get position(): number {
    return this.#in.position;
  }
  /** Bytes not read yet. */
  get remaining(): number {
    return this.#in.remaining;
  }
  /** The configured nesting limit (also bounds class hierarchy length). */
  get maxDepth(): number {
    return this.#s.maxDepth;
  }
  /** The configured handle limit. */
  get maxHandles(): number {
    return this.#s.maxHandles;
  }

  /** Checks the `AC ED 00 05` stream header. */
  readStreamHeader(): void {
    const at = this.#in.position;
    const magic = this.#in.readUint16();
    const version = this.#in.readUint16();
    if (magic !== STREAM_MAGIC || version !== STREAM_VERSION) {
      throw new JavaSerializationError(
        `expected stream header aced0005, found ${hex4(magic)}${hex4(version)}`,
        at,
      );
    }
  }

  /**
   * Reads one top-level object, as ObjectInputStream.readObject does: TC_RESET markers before
   * it are honoured, block data is rejected (Java's OptionalDataException).
   */
  readObject(): JavaValue {
    try {
      while (this.#s.peek() === TC.RESET) {
        this.#in.skip(1);
        this.#s.resetHandles();
      }
      const at = this.#in.position;
      const item = this.#readItem(VALUE);
      if (item === END_BLOCK || isBlockData(item)) {
        throw new JavaSerializationError("expected an object, found block data", at);
      }
      return item;
    } catch (e) {
      if (isStackOverflow(e)) {
        throw new JavaSerializationError(
          "nesting too deep for the JavaScript stack; lower maxDepth",
          this.#in.position,
        );
      }
      throw e;
    }
  }

  /** Reads one item: a value, or (in content position) block data / end-of-block. */
  #readItem(where: typeof VALUE | typeof CONTENT): Item {
    const at = this.#in.position;
    const tc = this.#in.readUint8();
    this.#s.enter(at);
    let result: Item;
    switch (tc) {
      case TC.NULL:
        result = null;
        break;
      case TC.REFERENCE:
        result = this.#s.lookup(at) as JavaValue;
        break;
      case TC.CLASSDESC:
        result = this.#descs.readNonProxy(at);
        break;
      case TC.PROXYCLASSDESC:
        result = this.#descs.readProxy(at);
        break;
      case TC.OBJECT:
        result = this.#readOrdinaryObject(at);
        break;
      case TC.STRING:
      case TC.LONGSTRING:
        result = this.#s.readString(tc, at);
        break;
      case TC.ARRAY:
        result = this.#readArray(at);
        break;
      case TC.CLASS: {
        const classDesc = this.#descs.readRequired("class object");
        const obj: JavaClassObject = { kind: "class", classDesc };
        this.#s.assign(obj, at);
        result = obj;
        break;
      }
      case TC.ENUM:
        result = this.#readEnum(at);
        break;
      case TC.BLOCKDATA:
      case TC.BLOCKDATALONG: {
        if (where !== CONTENT) {
          throw new JavaSerializationError("unexpected block data where a value was expected", at);
        }
        const length = tc === TC.BLOCKDATA ? this.#in.readUint8() : this.#in.readInt32();
        if (length < 0) {
          throw new JavaSerializationError(`negative block data length ${length}`, at);
        }
        result = { kind: "blockData", bytes: this.#in.readBytes(length) };
        break;
      }
      case TC.ENDBLOCKDATA:
        if (where !== CONTENT) {
          throw new JavaSerializationError("unexpected TC_ENDBLOCKDATA where a value was expected", at);
        }
        result = END_BLOCK;
        break;
      case TC.RESET:
        // Java allows resets only between top-level objects.
        throw new JavaSerializationError("unexpected TC_RESET inside an object", at);
      case TC.EXCEPTION:
        // The writer aborted; what follows is the writer's own exception, not our object.
        throw new JavaSerializationError("stream holds TC_EXCEPTION (the writer aborted)", at);
      default:
        throw new JavaSerializationError(`unknown type code 0x${tc.toString(16).padStart(2, "0")}`, at);
    }
    this.#s.leave();
    return result;
  }

  /** Reads custom data up to and including TC_ENDBLOCKDATA. */
  #readContents(): readonly JavaContent[] {
    let contents: JavaContent[] | undefined;
    for (;;) {
      const item = this.#readItem(CONTENT);
      if (item === END_BLOCK) return contents ?? EMPTY_CONTENTS;
      (contents ??= []).push(item);
    }
  }

  #readOrdinaryObject(at: number): JavaObject {
    const classDesc = this.#descs.readRequired("object");
    if (classDesc.name.startsWith("[") || (classDesc.flags & SC.ENUM) !== 0) {
      throw new JavaSerializationError(`TC_OBJECT of class ${classDesc.name}, which is an array or enum`, at);
    }
    const classData: JavaClassData[] = [];
    const obj: JavaObject = { kind: "object", classDesc, classData };
    this.#s.assign(obj, at);

    if ((classDesc.flags & SC.EXTERNALIZABLE) !== 0) {
      // Without SC_BLOCK_DATA (protocol 1) only the class itself knows the data's length.
      if ((classDesc.flags & SC.BLOCK_DATA) === 0) {
        throw new JavaSerializationError(
          `externalizable class ${classDesc.name} written with protocol version 1 cannot be read`,
          at,
        );
      }
      classData.push({ classDesc, values: EMPTY_VALUES, annotations: this.#readContents() });
      return obj;
    }

    const hierarchy: JavaClassDesc[] = [];
    for (let d: JavaClassDesc | null = classDesc; d !== null; d = d.superClass) hierarchy.push(d);
    for (let i = hierarchy.length - 1; i >= 0; i--) {
      const desc = hierarchy[i];
      let values = EMPTY_VALUES;
      if (desc.fields.length > 0) {
        const map = new Map<string, JavaValue>();
        for (const field of desc.fields) map.set(field.name, this.#readFieldValue(field));
        values = map;
      }
      // Unknown classes' writeObject data is kept (lists keep their elements there).
      const annotations = (desc.flags & SC.WRITE_METHOD) !== 0 ? this.#readContents() : EMPTY_CONTENTS;
      if (values !== EMPTY_VALUES || annotations !== EMPTY_CONTENTS) {
        classData.push({ classDesc: desc, values, annotations });
      }
    }
    return obj;
  }

  #readFieldValue(field: JavaFieldDesc): JavaValue {
    switch (field.typeCode) {
      case "B":
        return this.#in.readInt8();
      case "C":
        return this.#in.readUint16();
      case "D":
        return this.#in.readFloat64();
      case "F":
        return this.#in.readFloat32();
      case "I":
        return this.#in.readInt32();
      case "J":
        return this.#in.readInt64();
      case "S":
        return this.#in.readInt16();
      case "Z":
        return this.#in.readBoolean();
      default: {
        const at = this.#in.position;
        const item = this.#readItem(VALUE);
        if (item === END_BLOCK || isBlockData(item)) {
          throw new JavaSerializationError(`block data where field ${field.name} was expected`, at);
        }
        return item;
      }
    }
  }

  #readArray(at: number): JavaArray {
    const classDesc = this.#descs.readRequired("array");
    const name = classDesc.name;
    const code = name.length >= 2 && name.charCodeAt(0) === 0x5b ? name.charCodeAt(1) : 0;
    const size = primitiveSize(code);
    if (size === 0 && code !== 0x4c && code !== 0x5b) {
      throw new JavaSerializationError(`array of non-array class ${JSON.stringify(name)}`, at);
    }
    const length = this.#in.readInt32();
    if (length < 0) throw new JavaSerializationError(`negative array length ${length}`, at);
    // Check before allocating: every element takes at least one byte (or its primitive size).
    const minBytes = length * (size || 1);
    if (minBytes > this.#in.remaining) {
      throw new TruncatedInputError(minBytes, this.#in.remaining, `array of ${length} element(s)`);
    }
    const elementType = String.fromCharCode(code);
    if (size === 0) {
      const elements: JavaValue[] = [];
      const array: JavaArray = { kind: "array", classDesc, elementType, elements };
      this.#s.assign(array, at);
      for (let i = 0; i < length; i++) {
        const elementAt = this.#in.position;
        const item = this.#readItem(VALUE);
        if (item === END_BLOCK || isBlockData(item)) {
          throw new JavaSerializationError("block data where an array element was expected", elementAt);
        }
        elements.push(item);
      }
      return array;
    }
    const array: JavaArray = {
      kind: "array",
      classDesc,
      elementType,
      elements: readPrimitiveElements(this.#in, code, length),
    };
    this.#s.assign(array, at);
    return array;
  }

  #readEnum(at: number): JavaEnumConstant {
    const classDesc = this.#descs.readRequired("enum constant");
    const value: Mutable<JavaEnumConstant> = { kind: "enum", classDesc, constantName: "" };
    this.#s.assign(value, at);
    const nameAt = this.#in.position;
    const tc = this.#in.readUint8();
    let name: unknown;
    if (tc === TC.STRING || tc === TC.LONGSTRING) name = this.#s.readString(tc, nameAt);
    else if (tc === TC.REFERENCE) name = this.#s.lookup(nameAt);
    if (typeof name !== "string") {
      throw new JavaSerializationError("enum constant name is not a string", nameAt);
    }
    value.constantName = name;
    return value;
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/**
 * Reads a whole stream holding one object: header, then the object. Bytes after the object
 * are ignored, as Java's ObjectInputStream (and Flink's MessageSerializer) ignore them.
 */
export function readJavaObject(stream: Uint8Array, options?: ObjectStreamReaderOptions): JavaValue {
  const reader = new ObjectStreamReader(stream, options);
  reader.readStreamHeader();
  return reader.readObject();
}
