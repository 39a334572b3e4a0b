import { ByteWriter } from "../../core/bytes.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { encodeModifiedUtf8 } from "./modified-utf8.ts";
import { BASE_WIRE_HANDLE, primitiveSize, STREAM_MAGIC, STREAM_VERSION, TC } from "./stream-constants.ts";

/** A field of a class descriptor to write. */
export interface JavaFieldSpec {
  /** `B C D F I J S Z`, `L` or `[`. */
  readonly typeCode: string;
  readonly name: string;
  /** JVM type signature for `L` / `[` fields, e.g. `Ljava/lang/String;`. */
  readonly signature?: string;
}

/** A class descriptor to write. */
export interface JavaClassDescSpec {
  readonly name: string;
  readonly serialVersionUID: bigint;
  /** `SC_*` flags. */
  readonly flags: number;
  /** Fields in the order Java sorts them: primitives first, then by name. */
  readonly fields: readonly JavaFieldSpec[];
  readonly superClass: JavaClassDescSpec | null;
}

const MIN_LONG = -(1n << 63n);
const MAX_LONG = (1n << 63n) - 1n;

/**
 * Writes the Java Object Serialization Stream Protocol the way JDK 17's ObjectOutputStream
 * does, handle numbering included: handles are assigned in write order, class descriptors
 * are written once per class name and referenced afterwards, and field type strings (which
 * Java interns) are shared by value. Other strings get a fresh handle each time, as distinct
 * Java String objects would.
 */
export class ObjectStreamWriter {
  readonly out: ByteWriter;
  #nextHandle = 0;
  readonly #objects = new Map<object, number>();
  readonly #descs = new Map<string, { readonly handle: number; readonly spec: JavaClassDescSpec }>();
  readonly #typeStrings = new Map<string, number>();

  constructor(out: ByteWriter = new ByteWriter()) {
    this.out = out;
  }

  /** Writes `AC ED 00 05`. */
  writeStreamHeader(): void {
    this.out.writeUint16(STREAM_MAGIC);
    this.out.writeUint16(STREAM_VERSION);
  }

  writeNull(): void {
    this.out.writeUint8(TC.NULL);
  }

  /** Writes a back-reference to an assigned handle (0-based index). */
  writeReference(handle: number): void {
    this.out.writeUint8(TC.REFERENCE);
    this.out.writeInt32(BASE_WIRE_HANDLE + handle);
  }

  /** The handle assigned to `key` by {@link assignHandle}, if any. */
  handleOf(key: object): number | undefined {
    return this.#objects.get(key);
  }

  /** Takes the next handle, remembering it for `key` when given. */
  assignHandle(key?: object): number {
    const handle = this.#nextHandle++;
    if (key !== undefined) this.#objects.set(key, handle);
    return handle;
  }

  /** Writes `s` as a u16 length and modified UTF-8 (DataOutput.writeUTF). */
  writeUtf(s: string, what = "string"): void {
    const bytes = encodeModifiedUtf8(s);
    if (bytes.length > 0xffff) {
      throw new InvalidArgumentError(
        `The ${what} is ${bytes.length} bytes in modified UTF-8; Java allows at most 65535.`,
      );
    }
    this.out.writeUint16(bytes.length);
    this.out.writeBytes(bytes);
  }

  /** Writes a new String object: TC_STRING, or TC_LONGSTRING from 65536 encoded bytes on. */
  writeString(s: string): void {
    const bytes = encodeModifiedUtf8(s);
    if (bytes.length <= 0xffff) {
      this.out.writeUint8(TC.STRING);
      this.out.writeUint16(bytes.length);
    } else {
      this.out.writeUint8(TC.LONGSTRING);
      this.out.writeInt64(BigInt(bytes.length));
    }
    this.out.writeBytes(bytes);
    this.assignHandle();
  }

  /** Writes a field type signature, referencing an earlier identical one. */
  #writeTypeString(s: string): void {
    const handle = this.#typeStrings.get(s);
    if (handle !== undefined) {
      this.writeReference(handle);
      return;
    }
    this.writeString(s);
    this.#typeStrings.set(s, this.#nextHandle - 1);
  }

  /**
   * Writes a class descriptor and its superclasses (TC_NULL for null), referencing any
   * already written. Iterative, so long hierarchies cannot exhaust the stack.
   */
  writeClassDesc(spec: JavaClassDescSpec | null): void {
    for (let d = spec; ; d = d.superClass) {
      if (d === null) {
        this.writeNull();
        return;
      }
      const known = this.#descs.get(d.name);
      if (known !== undefined) {
        if (known.spec !== d && !sameDesc(known.spec, d)) {
          throw new InvalidArgumentError(
            `Class ${d.name} is described twice with different serialVersionUIDs, flags, fields or superclasses.`,
          );
        }
        this.writeReference(known.handle);
        return;
      }
      this.#writeNewDesc(d);
    }
  }

  #writeNewDesc(d: JavaClassDescSpec): void {
    if (d.serialVersionUID < MIN_LONG || d.serialVersionUID > MAX_LONG) {
      throw new InvalidArgumentError(`serialVersionUID ${d.serialVersionUID} of ${d.name} is not a Java long.`);
    }
    if (d.fields.length > 0x7fff) {
      throw new InvalidArgumentError(`Class ${d.name} has ${d.fields.length} fields; at most 32767 fit.`);
    }
    this.out.writeUint8(TC.CLASSDESC);
    this.#descs.set(d.name, { handle: this.assignHandle(), spec: d });
    this.writeUtf(d.name, `class name ${JSON.stringify(d.name.slice(0, 80))}`);
    this.out.writeInt64(d.serialVersionUID);
    this.out.writeUint8(d.flags);
    this.out.writeInt16(d.fields.length);
    for (const f of d.fields) {
      const code = f.typeCode.length === 1 ? f.typeCode.charCodeAt(0) : 0;
      const isObject = code === 0x4c || code === 0x5b;
      if (!isObject && primitiveSize(code) === 0) {
        throw new InvalidArgumentError(`Field ${f.name} of ${d.name} has invalid type code ${JSON.stringify(f.typeCode)}.`);
      }
      this.out.writeUint8(code);
      this.writeUtf(f.name, "field name");
      if (isObject) {
        if (f.signature === undefined) {
          throw new InvalidArgumentError(`Field ${f.name} of ${d.name} needs a type signature.`);
        }
        this.#writeTypeString(f.signature);
      }
    }
    // No class annotations (annotateClass writes nothing by default).
    this.out.writeUint8(TC.ENDBLOCKDATA);
  }

  /** Starts an object: TC_OBJECT, its class descriptor, then assigns its handle. */
  beginObject(spec: JavaClassDescSpec, key?: object): number {
    this.out.writeUint8(TC.OBJECT);
    this.writeClassDesc(spec);
    return this.assignHandle(key);
  }

  /** Starts an array: TC_ARRAY, its class descriptor, its handle, then the length. */
  beginArray(spec: JavaClassDescSpec, length: number, key?: object): number {
    this.out.writeUint8(TC.ARRAY);
    this.writeClassDesc(spec);
    const handle = this.assignHandle(key);
    this.out.writeInt32(length);
    return handle;
  }

  /** Ends custom data written by a class's writeObject. */
  writeEndBlockData(): void {
    this.out.writeUint8(TC.ENDBLOCKDATA);
  }
}

function sameDesc(a: JavaClassDescSpec, b: JavaClassDescSpec): boolean {
  if (a.serialVersionUID !== b.serialVersionUID || a.flags !== b.flags) return false;
  if ((a.superClass?.name ?? null) !== (b.superClass?.name ?? null)) return false;
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => {
    const g = b.fields[i];
    return f.typeCode === g.typeCode && f.name === g.name && f.signature === g.signature;
  });
}
