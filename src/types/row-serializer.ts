import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { badValue } from "./primitive-serializers.ts";
import { getOwn, setOwn } from "../core/records.ts";
import { failedAt } from "./decode-errors.ts";
import { badJson, fromJsonValue, jsonAt, jsonObject, jsonPart } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/** Flink's `RowKind`, by its Java constant name (byte values 0..3 in this order). */
export const ROW_KINDS = ["INSERT", "UPDATE_BEFORE", "UPDATE_AFTER", "DELETE"] as const;
/** One of {@link ROW_KINDS}: what a row means in a changelog. */
export type RowKind = typeof ROW_KINDS[number];

/**
 * A Flink `Row`: its kind and its fields, an array (positional rows) or an object keyed by
 * field name in declared order (named rows). Fields may be null.
 */
export interface Row {
  /** The row's changelog kind; plain (non-changelog) rows are `INSERT`. */
  readonly kind: RowKind;
  /** The field values, positional (an array) or by name (an object, for a row type with named fields). */
  readonly fields: unknown[] | Record<string, unknown>;
}

/** One field of a row type: a name (named rows) and its serializer. */
export interface RowField {
  /** The field's name; give every field one for named rows, none for positional rows. */
  readonly name?: string;
  /** The field's serializer (null values are handled by the row's null mask). */
  readonly type: TypeSerializer<unknown>;
}

/**
 * Flink's `RowSerializer` as of Flink 1.11 ⇄ {@link Row}: a bit mask, most significant bit
 * first, of 2 row-kind bits (the kind's byte value, low bit first) then one bit per field
 * (set = null), then every non-null field. Writing accepts a missing `kind` (INSERT).
 * Not a key type: `Row.hashCode()` mixes in the RowKind enum, whose Java hash is per-JVM.
 *
 * @example
 * ```ts
 * import { longSerializer, rowSerializer, serializeValue, stringSerializer } from "queryable-state";
 *
 * const s = rowSerializer([{ name: "id", type: longSerializer }, { name: "name", type: stringSerializer }]);
 * const bytes = serializeValue({ kind: "INSERT", fields: { id: 1n, name: "ada" } }, s);
 * ```
 */
export function rowSerializer(fields: readonly RowField[]): TypeSerializer<Row> {
  const named = fields.length > 0 && fields.every((f) => f.name !== undefined);
  if (!named && fields.some((f) => f.name !== undefined)) {
    throw new InvalidArgumentError("A row type names all its fields or none.");
  }
  const names = fields.map((f) => f.name!);
  const n = fields.length;
  const maskBytes = Math.ceil((n + 2) / 8);
  const name = `RowSerializer[${fields.map((f) => (named ? `${f.name}:` : "") + f.type.name).join(",")}]`;
  const values = (v: Row): unknown[] => {
    if (v === null || typeof v !== "object" || v.fields === null || typeof v.fields !== "object") {
      throw badValue(name, "{ kind?, fields: [...] or { name: value } }", v);
    }
    const f = v.fields;
    if (Array.isArray(f)) {
      if (f.length !== n) throw badValue(name, `${n} field(s)`, `${f.length} field(s)`);
      return f;
    }
    if (!named) throw badValue(name, "an array of fields (the row type has no field names)", "an object");
    return names.map((k) => getOwn(f, k));
  };
  return {
    name,
    length: -1,
    serialize(v: Row, out: ByteWriter): void {
      const vs = values(v);
      const kind = ROW_KINDS.indexOf(v.kind ?? "INSERT");
      if (kind < 0) throw badValue(name, `a kind of ${ROW_KINDS.join(", ")}`, v.kind);
      const bits: boolean[] = [(kind & 1) !== 0, (kind & 2) !== 0];
      for (const x of vs) bits.push(x === null || x === undefined);
      for (let b = 0; b < maskBytes; b++) {
        let byte = 0;
        for (let i = 0; i < 8; i++) if (bits[b * 8 + i]) byte |= 0x80 >>> i;
        out.writeUint8(byte);
      }
      for (let i = 0; i < n; i++) if (!bits[i + 2]) fields[i].type.serialize(vs[i], out);
    },
    deserialize(input: ByteReader): Row {
      const mask = input.readBytes(maskBytes);
      const bit = (i: number) => (mask[i >> 3] & (0x80 >>> (i & 7))) !== 0;
      const kind = ROW_KINDS[(bit(0) ? 1 : 0) | (bit(1) ? 2 : 0)];
      const vs = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        if (bit(i + 2)) {
          vs[i] = null;
          continue;
        }
        const at = input.position;
        try {
          vs[i] = fields[i].type.deserialize(input);
        } catch (e) {
          throw failedAt(e, named ? `.${names[i]}` : `.f${i}`, at, "Row");
        }
      }
      if (!named) return { kind, fields: vs };
      const obj: Record<string, unknown> = {};
      names.forEach((k, i) => setOwn(obj, k, vs[i]));
      return { kind, fields: obj };
    },
    fromJson(json: unknown): Row {
      const o = jsonObject(name, json, '{"kind": "INSERT", "fields": [...] or {...}}');
      const kind = getOwn(o, "kind") ?? "INSERT";
      if (!ROW_KINDS.includes(kind as RowKind)) throw jsonAt(".kind", badJson(name, `one of ${ROW_KINDS.join(", ")}`, kind));
      const f = getOwn(o, "fields");
      const read = (i: number, x: unknown) => x === null || x === undefined ? null : fromJsonValue(fields[i].type, x);
      if (Array.isArray(f)) {
        if (f.length !== n) throw jsonAt(".fields", badJson(name, `${n} field(s)`, f));
        return { kind: kind as RowKind, fields: f.map((x, i) => jsonPart(`.fields[${i}]`, () => read(i, x))) };
      }
      if (!named) throw jsonAt(".fields", badJson(name, `an array of ${n} field(s)`, f));
      const fo = jsonPart(".fields", () => jsonObject(name, f));
      const out: Record<string, unknown> = {};
      names.forEach((k, i) => setOwn(out, k, jsonPart(`.fields.${k}`, () => read(i, getOwn(fo, k)))));
      return { kind: kind as RowKind, fields: out };
    },
  };
}

