import { ByteReader } from "../../core/bytes.ts";
import { InvalidArgumentError, TruncatedInputError } from "../../core/errors.ts";
import { JavaSerializationError } from "./errors.ts";
import { decodeModifiedUtf8 } from "./modified-utf8.ts";
import {
  BASE_WIRE_HANDLE,
  primitiveSize,
  SC,
  STREAM_MAGIC,
  STREAM_VERSION,
  TC,
} from "./stream-constants.ts";
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_HANDLES,
  isClassDesc,
  type JavaFieldDesc,
  type JavaClassDesc,
  type JavaClassData,
  type JavaObject,
  type JavaPrimitiveArray,
  type JavaArray,
  type JavaEnumConstant,
  type JavaClassObject,
  type JavaBlockData,
  type JavaValue,
  type JavaContent,
  type ObjectStreamReaderOptions,
} from "./object-model.ts";

/**
 * A generic reader for the Java Object Serialization Stream Protocol. It needs no Java
 * classes: every object is decoded from its class descriptors alone, which is enough to
 * pull Throwables (and anything they carry) out of a stream written by any JVM.
 *
 * Hostile input ends in JavaSerializationError or TruncatedInputError: nesting is bounded,
 * every length is checked against the bytes left before anything is allocated, back
 * references must name existing handles, and the handle table has a size cap.
 */

const EMPTY_VALUES: ReadonlyMap<string, JavaValue> = new Map();
const EMPTY_CONTENTS: readonly JavaContent[] = Object.freeze([]);
/** Returned by readItem for TC_ENDBLOCKDATA in content position. */
const END_BLOCK: unique symbol = Symbol("TC_ENDBLOCKDATA");

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Item = JavaContent | typeof END_BLOCK;

/** Where an item is read: a field/array value, or custom data where block data may appear. */
const VALUE = 0;
const CONTENT = 1;

function checkLimit(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${value}.`);
  }
  return value;
}

/** True if the error is the JS engine's stack overflow (RangeError). */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/**
 * Reads items from one Java serialization stream. Call {@link readStreamHeader} once,
 * then {@link readObject} for each top-level object. After an error the reader's position
 * and handle table are undefined: discard it.
 */
export class ObjectStreamReader {
  readonly #in: ByteReader;
  readonly #maxDepth: number;
  readonly #maxHandles: number;
  #handles: unknown[] = [];
  /** Descriptors whose handle exists but whose definition is still being read. */
  readonly #pendingDescs = new Set<JavaClassDesc>();
  #depth = 0;

  constructor(bytes: Uint8Array, options?: ObjectStreamReaderOptions, start = 0, end = bytes.length) {
    this.#in = new ByteReader(bytes, start, end);
    this.#maxDepth = checkLimit(options?.maxDepth, DEFAULT_MAX_DEPTH, "maxDepth", 1);
    this.#maxHandles = checkLimit(options?.maxHandles, DEFAULT_MAX_HANDLES, "maxHandles", 0);
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
    return this.#maxDepth;
  }
  /** The configured handle limit. */
  get maxHandles(): number {
    return this.#maxHandles;
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
      while (this.#peek() === TC.RESET) {
        this.#in.skip(1);
        this.#handles = [];
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

  #peek(): number {
    const at = this.#in.position;
    if (this.#in.remaining === 0) throw new TruncatedInputError(1, 0, "type code");
    return this.#in.bytes[at];
  }

  #enter(at: number): void {
    if (++this.#depth > this.#maxDepth) {
      throw new JavaSerializationError(`nesting deeper than maxDepth (${this.#maxDepth})`, at);
    }
  }

  #assign(value: unknown, at: number): void {
    if (this.#handles.length >= this.#maxHandles) {
      throw new JavaSerializationError(
        `more than maxHandles (${this.#maxHandles}) objects in one stream`,
        at,
      );
    }
    this.#handles.push(value);
  }

  #lookup(at: number): unknown {
    const handle = this.#in.readInt32();
    const index = handle - BASE_WIRE_HANDLE;
    if (index < 0 || index >= this.#handles.length) {
      throw new JavaSerializationError(
        `back-reference to handle 0x${(handle >>> 0).toString(16)}, which does not exist ` +
          `(${this.#handles.length} handle(s) assigned)`,
        at,
      );
    }
    return this.#handles[index];
  }

  /** Reads one item: a value, or (in content position) block data / end-of-block. */
  #readItem(where: typeof VALUE | typeof CONTENT): Item {
    const at = this.#in.position;
    const tc = this.#in.readUint8();
    this.#enter(at);
    let result: Item;
    switch (tc) {
      case TC.NULL:
        result = null;
        break;
      case TC.REFERENCE:
        result = this.#lookup(at) as JavaValue;
        break;
      case TC.CLASSDESC:
        result = this.#readNonProxyDesc(at);
        break;
      case TC.PROXYCLASSDESC:
        result = this.#readProxyDesc(at);
        break;
      case TC.OBJECT:
        result = this.#readOrdinaryObject(at);
        break;
      case TC.STRING:
      case TC.LONGSTRING:
        result = this.#readString(tc, at);
        break;
      case TC.ARRAY:
        result = this.#readArray(at);
        break;
      case TC.CLASS: {
        const classDesc = this.#readRequiredClassDesc("class object");
        const obj: JavaClassObject = { kind: "class", classDesc };
        this.#assign(obj, at);
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
    this.#depth--;
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

  #readUtf(what: string): string {
    const length = this.#in.readUint16();
    return this.#decodeUtf(length, what);
  }

  #decodeUtf(length: number, what: string): string {
    const start = this.#in.position;
    this.#in.skip(length);
    return decodeModifiedUtf8(this.#in.bytes, start, length, (rel, reason) => {
      throw new JavaSerializationError(`invalid modified UTF-8 in ${what}: ${reason}`, start + rel);
    });
  }

  #readString(tc: number, at: number): string {
    let length: number;
    if (tc === TC.STRING) {
      length = this.#in.readUint16();
    } else {
      const long = this.#in.readInt64();
      if (long < 0n) throw new JavaSerializationError(`negative long string length ${long}`, at);
      if (long > BigInt(this.#in.remaining)) {
        throw new TruncatedInputError(Number(long), this.#in.remaining, "long string");
      }
      length = Number(long);
    }
    const s = this.#decodeUtf(length, "string");
    this.#assign(s, at);
    return s;
  }

  /** A class descriptor in descriptor position: new, TC_NULL or a reference to a finished one. */
  #readClassDesc(): JavaClassDesc | null {
    const at = this.#in.position;
    const tc = this.#in.readUint8();
    switch (tc) {
      case TC.NULL:
        return null;
      case TC.CLASSDESC:
      case TC.PROXYCLASSDESC: {
        this.#enter(at);
        const desc = tc === TC.CLASSDESC ? this.#readNonProxyDesc(at) : this.#readProxyDesc(at);
        this.#depth--;
        return desc;
      }
      case TC.REFERENCE: {
        const value = this.#lookup(at);
        if (!isClassDesc(value)) {
          throw new JavaSerializationError("back-reference to a non-descriptor where a class descriptor was expected", at);
        }
        // A descriptor still being defined cannot be used: that is how hierarchy cycles are built.
        if (this.#pendingDescs.has(value)) {
          throw new JavaSerializationError("class descriptor refers to itself before it is complete", at);
        }
        return value;
      }
      default:
        throw new JavaSerializationError(
          `expected a class descriptor, found type code 0x${tc.toString(16).padStart(2, "0")}`,
          at,
        );
    }
  }

  #readRequiredClassDesc(what: string): JavaClassDesc {
    const at = this.#in.position;
    const desc = this.#readClassDesc();
    if (desc === null) throw new JavaSerializationError(`${what} with a null class descriptor`, at);
    return desc;
  }

  #finishDesc(desc: Mutable<JavaClassDesc>, at: number): JavaClassDesc {
    desc.annotations = this.#readContents();
    desc.superClass = this.#readClassDesc();
    desc.hierarchyDepth = 1 + (desc.superClass?.hierarchyDepth ?? 0);
    // Bounds the per-object work: hierarchies can otherwise grow one class per reference.
    if (desc.hierarchyDepth > this.#maxDepth) {
      throw new JavaSerializationError(`class hierarchy deeper than maxDepth (${this.#maxDepth})`, at);
    }
    this.#pendingDescs.delete(desc);
    return desc;
  }

  #newDesc(at: number): Mutable<JavaClassDesc> {
    const desc: Mutable<JavaClassDesc> = {
      kind: "classDesc",
      name: "",
      serialVersionUID: 0n,
      flags: 0,
      fields: [],
      annotations: EMPTY_CONTENTS,
      superClass: null,
      proxyInterfaces: null,
      hierarchyDepth: 1,
    };
    // Java assigns the handle before reading the descriptor body.
    this.#assign(desc, at);
    this.#pendingDescs.add(desc);
    return desc;
  }

  #readNonProxyDesc(at: number): JavaClassDesc {
    const desc = this.#newDesc(at);
    desc.name = this.#readUtf("class name");
    desc.serialVersionUID = this.#in.readInt64();
    desc.flags = this.#in.readUint8();
    if ((desc.flags & SC.SERIALIZABLE) !== 0 && (desc.flags & SC.EXTERNALIZABLE) !== 0) {
      throw new JavaSerializationError(`class ${desc.name} is flagged both serializable and externalizable`, at);
    }
    const count = this.#in.readInt16();
    if (count < 0) throw new JavaSerializationError(`negative field count ${count} in class ${desc.name}`, at);
    const fields: JavaFieldDesc[] = [];
    let sawObjectField = false;
    for (let i = 0; i < count; i++) {
      const fieldAt = this.#in.position;
      const code = this.#in.readUint8();
      const name = this.#readUtf("field name");
      let className: string | null = null;
      if (code === 0x4c /* L */ || code === 0x5b /* [ */) {
        className = this.#readTypeString();
        sawObjectField = true;
      } else if (primitiveSize(code) === 0) {
        throw new JavaSerializationError(
          `invalid type code 0x${code.toString(16)} for field ${name} of class ${desc.name}`,
          fieldAt,
        );
      } else if (sawObjectField) {
        // Values are read primitives-first, so Java rejects this order too.
        throw new JavaSerializationError(`illegal field order in class ${desc.name}`, fieldAt);
      }
      fields.push({ typeCode: String.fromCharCode(code), name, className });
    }
    desc.fields = fields;
    return this.#finishDesc(desc, at);
  }

  #readTypeString(): string {
    const at = this.#in.position;
    const tc = this.#in.readUint8();
    if (tc === TC.STRING || tc === TC.LONGSTRING) return this.#readString(tc, at);
    if (tc === TC.REFERENCE) {
      const value = this.#lookup(at);
      if (typeof value === "string") return value;
    }
    throw new JavaSerializationError("expected a field type string", at);
  }

  #readProxyDesc(at: number): JavaClassDesc {
    const desc = this.#newDesc(at);
    desc.flags = SC.SERIALIZABLE;
    const count = this.#in.readInt32();
    if (count < 0 || count > 65535) {
      throw new JavaSerializationError(`invalid proxy interface count ${count}`, at);
    }
    const names: string[] = [];
    for (let i = 0; i < count; i++) names.push(this.#readUtf("proxy interface name"));
    desc.proxyInterfaces = names;
    return this.#finishDesc(desc, at);
  }

  #readOrdinaryObject(at: number): JavaObject {
    const classDesc = this.#readRequiredClassDesc("object");
    if (classDesc.name.startsWith("[") || (classDesc.flags & SC.ENUM) !== 0) {
      throw new JavaSerializationError(`TC_OBJECT of class ${classDesc.name}, which is an array or enum`, at);
    }
    const classData: JavaClassData[] = [];
    const obj: JavaObject = { kind: "object", classDesc, classData };
    this.#assign(obj, at);

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
    const classDesc = this.#readRequiredClassDesc("array");
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
      this.#assign(array, at);
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
      elements: this.#readPrimitiveElements(code, length),
    };
    this.#assign(array, at);
    return array;
  }

  #readPrimitiveElements(code: number, length: number): JavaPrimitiveArray {
    const r = this.#in;
    switch (code) {
      case 0x42: { // B
        const a = new Int8Array(length);
        a.set(r.readBytes(length)); // converts 0..255 to -128..127
        return a;
      }
      case 0x43: {
        const a = new Uint16Array(length);
        for (let i = 0; i < length; i++) a[i] = r.readUint16();
        return a;
      }
      case 0x44: {
        const a = new Float64Array(length);
        for (let i = 0; i < length; i++) a[i] = r.readFloat64();
        return a;
      }
      case 0x46: {
        const a = new Float32Array(length);
        for (let i = 0; i < length; i++) a[i] = r.readFloat32();
        return a;
      }
      case 0x49: {
        const a = new Int32Array(length);
        for (let i = 0; i < length; i++) a[i] = r.readInt32();
        return a;
      }
      case 0x4a: {
        const a = new BigInt64Array(length);
        for (let i = 0; i < length; i++) a[i] = r.readInt64();
        return a;
      }
      case 0x53: {
        const a = new Int16Array(length);
        for (let i = 0; i < length; i++) a[i] = r.readInt16();
        return a;
      }
      default: { // Z
        const a: boolean[] = [];
        for (let i = 0; i < length; i++) a.push(r.readBoolean());
        return a;
      }
    }
  }

  #readEnum(at: number): JavaEnumConstant {
    const classDesc = this.#readRequiredClassDesc("enum constant");
    const value: Mutable<JavaEnumConstant> = { kind: "enum", classDesc, constantName: "" };
    this.#assign(value, at);
    const nameAt = this.#in.position;
    const tc = this.#in.readUint8();
    let name: unknown;
    if (tc === TC.STRING || tc === TC.LONGSTRING) name = this.#readString(tc, nameAt);
    else if (tc === TC.REFERENCE) name = this.#lookup(nameAt);
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

function isBlockData(item: Item): item is JavaBlockData {
  return typeof item === "object" && item !== null && (item as { kind: string }).kind === "blockData";
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
