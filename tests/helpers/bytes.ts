// Hex in and out of a serializer, for the type tests.
import assert from "node:assert/strict";
import { ByteReader, ByteWriter, fromHex, toHex, type TypeSerializer } from "../../mod.ts";

/** The hex of `v` as `s` writes it. */
export function hex<T>(s: TypeSerializer<T>, v: T): string {
  const w = new ByteWriter();
  s.serialize(v, w);
  return toHex(w.view());
}

/** `s` reads the hex `h`, asserting it reads every byte. */
export function read<T>(s: TypeSerializer<T>, h: string): T {
  const r = new ByteReader(fromHex(h));
  const v = s.deserialize(r);
  assert.equal(r.remaining, 0);
  return v;
}
