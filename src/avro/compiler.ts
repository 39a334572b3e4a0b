/** Avro types (as avsc parsed them) → codecs of Flink's encoding of their datums. */
import avsc from "avsc";
import { AvroDecodeError, AvroSchemaError } from "./errors.ts";
import {
  type AvscType, checkCount, type Codec, decodeUtf8, readCount, readLength, toBigInt, toInt, writeCount, writeString, wrong,
} from "./encoding.ts";
import { logicalCodec, type LogicalInfo } from "./logical.ts";

let STRING_TYPE: AvscType | undefined;

/** Compiles a parsed Avro type into a {@link Codec} (named types once, so recursive schemas work). */
export class Compiler {
  readonly #logical: boolean;
  readonly #done = new Map<AvscType, Codec>();
  constructor(logical: boolean) {
    this.#logical = logical;
  }

  codec(t: AvscType): Codec {
    const known = this.#done.get(t);
    if (known) return known;
    // Named types can recur (a linked list): register a forwarding codec first.
    const slot: Codec = { min: 0, read: () => undefined, write: () => undefined };
    this.#done.set(t, slot);
    const c = this.#make(t);
    slot.read = c.read;
    slot.write = c.write;
    slot.min = c.min;
    return slot;
  }

  #make(t: AvscType): Codec {
    const name = t.typeName;
    if (name.startsWith("logical:")) {
      const info = (t as unknown as { qsLogical: LogicalInfo }).qsLogical;
      const under = this.codec(info.underlying);
      return this.#logical ? logicalCodec(info, under) : under;
    }
    switch (name) {
      case "null":
        return {
          min: 0,
          read: () => null,
          write: (v, _w, p) => {
            if (v !== null && v !== undefined) throw wrong(p, "null", v);
          },
        };
      case "boolean":
        return {
          min: 1,
          read: (r) => r.readBoolean(),
          write: (v, w, p) => {
            if (typeof v !== "boolean") throw wrong(p, "a boolean", v);
            w.writeUint8(v ? 1 : 0);
          },
        };
      case "int":
        return { min: 4, read: (r) => r.readInt32(), write: (v, w, p) => w.writeInt32(toInt(v, p)) };
      case "long":
        return { min: 8, read: (r) => r.readInt64(), write: (v, w, p) => w.writeInt64(toBigInt(v, p)) };
      case "float":
        return {
          min: 4,
          read: (r) => r.readFloat32(),
          write: (v, w, p) => {
            if (typeof v !== "number") throw wrong(p, "a number (float)", v);
            w.writeFloat32(v);
          },
        };
      case "double":
        return {
          min: 8,
          read: (r) => r.readFloat64(),
          write: (v, w, p) => {
            if (typeof v !== "number") throw wrong(p, "a number (double)", v);
            w.writeFloat64(v);
          },
        };
      case "string":
        return {
          min: 4,
          read: (r, p) => decodeUtf8(r.readBytes(readLength(r, p))),
          write: (v, w, p) => {
            if (typeof v !== "string") throw wrong(p, "a string", v);
            writeString(w, v);
          },
        };
      case "bytes":
        return {
          min: 4,
          read: (r, p) => r.readBytes(readLength(r, p)).slice(),
          write: (v, w, p) => {
            if (!(v instanceof Uint8Array)) throw wrong(p, "bytes (a Uint8Array)", v);
            w.writeInt32(v.length);
            w.writeBytes(v);
          },
        };
      case "fixed": {
        const size = (t as avsc.types.FixedType).size;
        return {
          min: size,
          read: (r) => r.readBytes(size).slice(),
          write: (v, w, p) => {
            if (!(v instanceof Uint8Array) || v.length !== size) throw wrong(p, `${size} bytes (a Uint8Array)`, v);
            w.writeBytes(v);
          },
        };
      }
      case "enum": {
        const symbols = (t as avsc.types.EnumType).symbols;
        const index = new Map(symbols.map((s, i) => [s, i]));
        return {
          min: 4,
          read: (r, p) => {
            const i = r.readInt32();
            if (i < 0 || i >= symbols.length) throw new AvroDecodeError(p, `Enum index ${i} of ${symbols.length} symbols`);
            return symbols[i];
          },
          write: (v, w, p) => {
            const i = typeof v === "string" ? index.get(v) : undefined;
            if (i === undefined) throw wrong(p, `one of ${symbols.join(", ")}`, v);
            w.writeInt32(i);
          },
        };
      }
      case "array":
        return this.#array(this.codec((t as avsc.types.ArrayType).itemsType));
      case "map":
        return this.#map(this.codec((t as avsc.types.MapType).valuesType as AvscType));
      case "record":
      case "error":
        return this.#record(t as avsc.types.RecordType);
      case "union:unwrapped":
      case "union:wrapped":
        return this.#union((t as avsc.types.UnwrappedUnionType).types);
    }
    throw new AvroSchemaError(`Avro type ${name} is not supported.`);
  }

  #array(item: Codec): Codec {
    return {
      min: 1,
      read: (r, p) => {
        const out: unknown[] = [];
        for (let n = readCount(r, p); n !== 0; n = readCount(r, p)) {
          checkCount(r, p, n, out.length, item.min);
          for (let i = 0; i < n; i++) out.push(item.read(r, `${p}[${out.length}]`));
        }
        return out;
      },
      write: (v, w, p) => {
        if (!Array.isArray(v)) throw wrong(p, "an array", v);
        if (v.length > 0) writeCount(w, v.length);
        for (let i = 0; i < v.length; i++) item.write(v[i], w, `${p}[${i}]`);
        w.writeUint8(0);
      },
    };
  }

  #map(value: Codec): Codec {
    const key = this.codec(STRING_TYPE ??= avsc.Type.forSchema("string"));
    return {
      min: 1,
      read: (r, p) => {
        const out = new Map<string, unknown>();
        for (let n = readCount(r, p); n !== 0; n = readCount(r, p)) {
          checkCount(r, p, n, out.size, 4 + value.min);
          for (let i = 0; i < n; i++) {
            const k = key.read(r, `${p} key`) as string;
            out.set(k, value.read(r, `${p}[${JSON.stringify(k)}]`));
          }
        }
        return out;
      },
      write: (v, w, p) => {
        let entries: [unknown, unknown][];
        if (v instanceof Map) entries = [...v.entries()];
        else if (v !== null && typeof v === "object" && !Array.isArray(v)) entries = Object.entries(v);
        else throw wrong(p, "a Map or an object", v);
        if (entries.length > 0) writeCount(w, entries.length);
        for (const [k, x] of entries) {
          key.write(k, w, `${p} key`);
          value.write(x, w, `${p}[${JSON.stringify(k)}]`);
        }
        w.writeUint8(0);
      },
    };
  }

  #record(t: avsc.types.RecordType): Codec {
    const fields = t.fields.map((f) => ({ name: f.name, codec: this.codec(f.type), nullable: acceptsNull(f.type) }));
    const plain = !fields.some((f) => f.name === "__proto__");
    return {
      get min() {
        return fields.reduce((a, f) => a + f.codec.min, 0);
      },
      read: (r, p) => {
        const o: Record<string, unknown> = {};
        for (const f of fields) {
          const v = f.codec.read(r, `${p}.${f.name}`);
          if (plain) o[f.name] = v;
          else Object.defineProperty(o, f.name, { value: v, enumerable: true, writable: true, configurable: true });
        }
        return o;
      },
      write: (v, w, p) => {
        if (v === null || typeof v !== "object" || Array.isArray(v)) throw wrong(p, `a record (${t.name})`, v);
        for (const f of fields) {
          // A missing field named `constructor`, `toString` or `__proto__` is missing, not Object.prototype's.
          const x = Object.hasOwn(v, f.name) || !(f.name in Object.prototype) ? (v as Record<string, unknown>)[f.name] : undefined;
          if (x === undefined && !f.nullable) throw wrong(`${p}.${f.name}`, "set (the field is missing)", x);
          f.codec.write(x ?? null, w, `${p}.${f.name}`);
        }
      },
    };
  }

  #union(types: AvscType[]): Codec {
    const branches = types.map((t) => ({ name: branchName(t), short: shortName(t), codec: this.codec(t) }));
    const nullIndex = types.findIndex((t) => t.typeName === "null");
    const others = branches.filter((_, i) => i !== nullIndex);
    // null and at most one other branch: the value itself (T | null); otherwise { branchName: value }.
    const unwrapped = others.length <= 1;
    const byName = new Map<string, number>();
    branches.forEach((b, i) => byName.set(b.name, i));
    branches.forEach((b, i) => {
      if (branches.filter((o) => o.short === b.short).length === 1 && !byName.has(b.short)) byName.set(b.short, i);
    });
    return {
      min: 4,
      read: (r, p) => {
        const i = r.readInt32();
        if (i < 0 || i >= branches.length) throw new AvroDecodeError(p, `Union branch ${i} of ${branches.length}`);
        const b = branches[i];
        const v = b.codec.read(r, p);
        // fromEntries: a branch named __proto__ stays a property.
        return unwrapped || i === nullIndex ? v : Object.fromEntries([[b.name, v]]);
      },
      write: (v, w, p) => {
        if (v === null || v === undefined) {
          if (nullIndex < 0) throw wrong(p, `one of ${branches.map((b) => b.name).join(", ")} (the union has no null)`, v);
          w.writeInt32(nullIndex);
          return;
        }
        if (unwrapped) {
          const i = branches.indexOf(others[0]);
          if (i < 0) throw wrong(p, "null", v);
          w.writeInt32(i);
          others[0].codec.write(v, w, p);
          return;
        }
        const keys = typeof v === "object" && !Array.isArray(v) && !(v instanceof Map) ? Object.keys(v) : [];
        const i = keys.length === 1 ? byName.get(keys[0]) : undefined;
        if (i === undefined) {
          throw wrong(p, `null or { branch: value } with a branch of ${branches.map((b) => b.name).join(", ")}`, v);
        }
        w.writeInt32(i);
        branches[i].codec.write((v as Record<string, unknown>)[keys[0]], w, `${p}.${keys[0]}`);
      },
    };
  }
}

function acceptsNull(t: AvscType): boolean {
  return t.typeName === "null" || ((t.typeName === "union:unwrapped" || t.typeName === "union:wrapped") &&
    (t as avsc.types.UnwrappedUnionType).types.some((x) => x.typeName === "null"));
}

// The name Avro's JSON encoding gives a union branch: a named type's full name, else the type's name.
function branchName(t: AvscType): string {
  if (t.typeName.startsWith("logical:")) return branchName((t as avsc.types.LogicalType).underlyingType);
  const named = t.typeName === "record" || t.typeName === "error" || t.typeName === "enum" || t.typeName === "fixed";
  return named ? (t as { name: string }).name : t.typeName;
}

function shortName(t: AvscType): string {
  const n = branchName(t);
  return n.slice(n.lastIndexOf(".") + 1);
}
