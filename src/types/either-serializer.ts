import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { badValue } from "./primitive-serializers.ts";
import { getOwn } from "../core/records.ts";
import { failedAt } from "./decode-errors.ts";
import { badJson, fromJsonValue, jsonPart } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/** A Flink `Either<L, R>`: exactly one of `left` or `right`. */
export type Either<L, R> = { readonly left: L } | { readonly right: R };

/**
 * Flink's `EitherSerializer` ⇄ `{ left } | { right }`: a boolean (true for Left), then the value.
 * Hash: Java's `Left.hashCode()` / `Right.hashCode()`, the value's hash.
 */
export function eitherSerializer<L, R>(left: TypeSerializer<L>, right: TypeSerializer<R>): TypeSerializer<Either<L, R>> {
  const name = `EitherSerializer<${left.name},${right.name}>`;
  const side = (v: unknown): "left" | "right" => {
    if (v !== null && typeof v === "object") {
      if (Object.hasOwn(v, "left") && !Object.hasOwn(v, "right")) return "left";
      if (Object.hasOwn(v, "right") && !Object.hasOwn(v, "left")) return "right";
    }
    throw badValue(name, "{ left: value } or { right: value }", v);
  };
  const s: TypeSerializer<Either<L, R>> = {
    name,
    length: -1,
    serialize(v, out: ByteWriter): void {
      if (side(v) === "left") {
        out.writeBoolean(true);
        left.serialize((v as { left: L }).left, out);
      } else {
        out.writeBoolean(false);
        right.serialize((v as { right: R }).right, out);
      }
    },
    deserialize(input: ByteReader): Either<L, R> {
      const isLeft = input.readBoolean();
      const at = input.position;
      try {
        return isLeft ? { left: left.deserialize(input) } : { right: right.deserialize(input) };
      } catch (e) {
        throw failedAt(e, isLeft ? ".left" : ".right", at, "Either");
      }
    },
    fromJson(json: unknown): Either<L, R> {
      let s: "left" | "right";
      try {
        s = side(json);
      } catch {
        throw badJson(name, '{"left": value} or {"right": value}', json);
      }
      const x = getOwn(json as object, s);
      return s === "left"
        ? { left: jsonPart(".left", () => fromJsonValue(left, x)) }
        : { right: jsonPart(".right", () => fromJsonValue(right, x)) };
    },
  };
  if (left.hashCode && right.hashCode) {
    s.hashCode = (v) => side(v) === "left" ? left.hashCode!((v as { left: L }).left) : right.hashCode!((v as { right: R }).right);
  }
  return s;
}
