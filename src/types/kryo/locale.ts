// java.util.Locale in Kryo: Flink 2.x writes language, country and variant as strings; Flink 1.x registers
// Locale (id 83) with Java serialization, so its bytes are an ObjectOutputStream of one Locale. The JS value is
// Java's Locale.toString() (`en_US`, `sr_RS_#Latn`, `` for the root locale).
import { InvalidArgumentError } from "../../core/errors.ts";
import type { KryoInput, KryoOutput } from "./io.ts";

/** A Locale's fields as Java's serialized form lists them (after the cached hash code). */
export interface LocaleFields {
  readonly language: string;
  readonly country: string;
  readonly variant: string;
  readonly script: string;
  readonly extensions: string;
}

/** Java's `Locale.toString()` of the fields. */
export function localeText(f: LocaleFields): string {
  const l = f.language !== "", r = f.country !== "", v = f.variant !== "", s = f.script !== "", e = f.extensions !== "";
  let out = f.language;
  if (r || (l && (v || s || e))) out += `_${f.country}`;
  if (v && (l || r)) out += `_${f.variant}`;
  if (s && (l || r)) out += `_#${f.script}`;
  if (e && (l || r)) out += `${s ? "_" : "_#"}${f.extensions}`;
  return out;
}

/** The fields of a Locale from Java's `toString()` form. */
export function localeFields(text: string): LocaleFields {
  if (typeof text !== "string") throw new InvalidArgumentError("A Locale is its Java toString() text, such as en_US.");
  const hash = text.indexOf("_#");
  const base = hash < 0 ? text : text.slice(0, hash), tail = hash < 0 ? "" : text.slice(hash + 2);
  const parts = base.split("_");
  const language = parts[0] ?? "", country = parts[1] ?? "", variant = parts.slice(2).join("_");
  const sm = /^([A-Za-z]{4})(?:_(.*))?$/.exec(tail);
  const script = sm ? sm[1] : "", extensions = sm ? sm[2] ?? "" : tail;
  const f = { language, country, variant, script, extensions };
  const ok = /^[A-Za-z]{0,8}$/.test(language) && /^(?:[A-Za-z]{2}|\d{3})?$/.test(country) && /^[A-Za-z0-9_-]*$/.test(variant) &&
    /^[A-Za-z0-9-]*$/.test(extensions);
  if (!ok || localeText(f) !== text) {
    throw new InvalidArgumentError(`${JSON.stringify(text)} is not a Locale as Java prints it (en_US, de, sr_RS_#Latn).`);
  }
  return f;
}

// The Java serialization of a Locale (ObjectOutputStream, protocol 2): magic, version, TC_OBJECT and the class
// descriptor (name, serialVersionUID, flags SC_SERIALIZABLE|SC_WRITE_METHOD, the six fields sorted primitives first),
// then the values: the cached hash code and five strings, then TC_ENDBLOCKDATA.
const UTF8 = new TextEncoder();
const LOCALE_UID = 0x7ef811609c30f9ecn;
const STRING_FIELDS = ["country", "extensions", "language", "script", "variant"] as const;
const BASE_HANDLE = 0x7e0000;

function header(): Uint8Array {
  const b: number[] = [0xac, 0xed, 0x00, 0x05, 0x73, 0x72];
  const utf = (s: string) => {
    const x = UTF8.encode(s);
    b.push(x.length >> 8, x.length & 0xff, ...x);
  };
  utf("java.util.Locale");
  for (let i = 7; i >= 0; i--) b.push(Number((LOCALE_UID >> BigInt(8 * i)) & 0xffn));
  b.push(0x03, 0x00, 0x06, 0x49);
  utf("hashcode");
  STRING_FIELDS.forEach((f, i) => {
    b.push(0x4c);
    utf(f);
    // The field type's class name: a new string (handle 1) the first time, then a reference to it.
    if (i === 0) {
      b.push(0x74);
      utf("Ljava/lang/String;");
    } else b.push(0x71, 0x00, 0x7e, 0x00, 0x01);
  });
  b.push(0x78, 0x70);
  return new Uint8Array(b);
}
const HEADER = header();

/** Reads a Flink 1.x Locale (Java serialization). `corrupt` builds the error for bytes of another form. */
export function readJavaLocale(i: KryoInput, corrupt: (what: string) => Error): string {
  const got = i.r.readBytes(Math.min(HEADER.length, i.r.remaining));
  if (got.length !== HEADER.length || got.some((x, k) => x !== HEADER[k])) throw corrupt("a Locale that is not Java's serialized form");
  i.i32(); // the cached hash code (-1 until hashCode() was called)
  // Handles 0-2 are the class descriptor, the field type's name and the Locale; strings follow from 3.
  const handles = new Map<number, string>();
  const values: Record<string, string> = {};
  for (const f of STRING_FIELDS) {
    const tc = i.u8();
    if (tc === 0x74) {
      const n = i.u16();
      const s = new TextDecoder().decode(i.r.readBytes(n));
      handles.set(3 + handles.size, s);
      values[f] = s;
    } else if (tc === 0x71) {
      const h = i.i32() - BASE_HANDLE;
      const s = handles.get(h);
      if (s === undefined) throw corrupt(`a Locale field referring to handle ${h}, which is no string`);
      values[f] = s;
    } else throw corrupt(`a Locale field of type code ${tc}`);
  }
  if (i.u8() !== 0x78) throw corrupt("a Locale without its end marker");
  return localeText(values as unknown as LocaleFields);
}

/** Writes a Flink 1.x Locale (Java serialization; equal strings once, as Java's interned field values are). */
export function writeJavaLocale(o: KryoOutput, text: string): void {
  const f = localeFields(text);
  o.w.writeBytes(HEADER);
  o.i32(-1);
  const seen = new Map<string, number>();
  for (const name of STRING_FIELDS) {
    const s = f[name];
    const h = seen.get(s);
    if (h !== undefined) {
      o.u8(0x71);
      o.i32(BASE_HANDLE + h);
      continue;
    }
    seen.set(s, 3 + seen.size);
    const x = UTF8.encode(s);
    o.u8(0x74);
    o.w.writeUint16(x.length);
    o.w.writeBytes(x);
  }
  o.u8(0x78);
}
