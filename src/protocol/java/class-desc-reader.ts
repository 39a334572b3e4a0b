/**
 * Class descriptors of a Java object stream (TC_CLASSDESC, TC_PROXYCLASSDESC, and references to
 * finished ones), internal to {@link ObjectStreamReader}: names, serialVersionUIDs, flags, field
 * lists, annotations and superclasses, with the checks that keep hostile hierarchies bounded.
 */
import { JavaSerializationError } from "./errors.ts";
import { isClassDesc, type JavaClassDesc, type JavaContent, type JavaFieldDesc } from "./object-model.ts";
import { primitiveSize, SC, TC } from "./stream-constants.ts";
import { EMPTY_CONTENTS, type Mutable, type StreamInput } from "./stream-input.ts";

/** Reads class descriptors from `input`; their annotations are read by `readContents` (custom data up to TC_ENDBLOCKDATA). */
export class ClassDescReader {
  readonly #s: StreamInput;
  readonly #readContents: () => readonly JavaContent[];

  constructor(input: StreamInput, readContents: () => readonly JavaContent[]) {
    this.#s = input;
    this.#readContents = readContents;
  }

  /** A class descriptor in descriptor position: new, TC_NULL or a reference to a finished one. */
  read(): JavaClassDesc | null {
    const s = this.#s;
    const at = s.in.position;
    const tc = s.in.readUint8();
    switch (tc) {
      case TC.NULL:
        return null;
      case TC.CLASSDESC:
      case TC.PROXYCLASSDESC: {
        s.enter(at);
        const desc = tc === TC.CLASSDESC ? this.readNonProxy(at) : this.readProxy(at);
        s.leave();
        return desc;
      }
      case TC.REFERENCE: {
        const value = s.lookup(at);
        if (!isClassDesc(value)) {
          throw new JavaSerializationError("back-reference to a non-descriptor where a class descriptor was expected", at);
        }
        // A descriptor still being defined cannot be used: that is how hierarchy cycles are built.
        if (s.pendingDescs.has(value)) {
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

  /** {@link read}, where null is not allowed (the descriptor of `what`). */
  readRequired(what: string): JavaClassDesc {
    const at = this.#s.in.position;
    const desc = this.read();
    if (desc === null) throw new JavaSerializationError(`${what} with a null class descriptor`, at);
    return desc;
  }

  /** The body of TC_CLASSDESC (its type code at `at`, already read). */
  readNonProxy(at: number): JavaClassDesc {
    const s = this.#s;
    const desc = this.#newDesc(at);
    desc.name = s.readUtf("class name");
    desc.serialVersionUID = s.in.readInt64();
    desc.flags = s.in.readUint8();
    if ((desc.flags & SC.SERIALIZABLE) !== 0 && (desc.flags & SC.EXTERNALIZABLE) !== 0) {
      throw new JavaSerializationError(`class ${desc.name} is flagged both serializable and externalizable`, at);
    }
    const count = s.in.readInt16();
    if (count < 0) throw new JavaSerializationError(`negative field count ${count} in class ${desc.name}`, at);
    const fields: JavaFieldDesc[] = [];
    let sawObjectField = false;
    for (let i = 0; i < count; i++) {
      const fieldAt = s.in.position;
      const code = s.in.readUint8();
      const name = s.readUtf("field name");
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
    return this.#finish(desc, at);
  }

  /** The body of TC_PROXYCLASSDESC (its type code at `at`, already read). */
  readProxy(at: number): JavaClassDesc {
    const s = this.#s;
    const desc = this.#newDesc(at);
    desc.flags = SC.SERIALIZABLE;
    const count = s.in.readInt32();
    if (count < 0 || count > 65535) {
      throw new JavaSerializationError(`invalid proxy interface count ${count}`, at);
    }
    const names: string[] = [];
    for (let i = 0; i < count; i++) names.push(s.readUtf("proxy interface name"));
    desc.proxyInterfaces = names;
    return this.#finish(desc, at);
  }

  #readTypeString(): string {
    const s = this.#s;
    const at = s.in.position;
    const tc = s.in.readUint8();
    if (tc === TC.STRING || tc === TC.LONGSTRING) return s.readString(tc, at);
    if (tc === TC.REFERENCE) {
      const value = s.lookup(at);
      if (typeof value === "string") return value;
    }
    throw new JavaSerializationError("expected a field type string", at);
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
    this.#s.assign(desc, at);
    this.#s.pendingDescs.add(desc);
    return desc;
  }

  #finish(desc: Mutable<JavaClassDesc>, at: number): JavaClassDesc {
    desc.annotations = this.#readContents();
    desc.superClass = this.read();
    desc.hierarchyDepth = 1 + (desc.superClass?.hierarchyDepth ?? 0);
    // Bounds the per-object work: hierarchies can otherwise grow one class per reference.
    if (desc.hierarchyDepth > this.#s.maxDepth) {
      throw new JavaSerializationError(`class hierarchy deeper than maxDepth (${this.#s.maxDepth})`, at);
    }
    this.#s.pendingDescs.delete(desc);
    return desc;
  }
}
