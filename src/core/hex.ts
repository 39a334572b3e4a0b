import { InvalidArgumentError } from "./errors.ts";

const HEX = "0123456789abcdef";
const TABLE: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4] + HEX[i & 15]);

/** Lower-case hex of bytes, as Flink's `StringUtils.byteToHexString`. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += TABLE[bytes[i]];
  return s;
}

function nibble(c: number, text: string, at: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  throw new InvalidArgumentError(
    `Invalid hex character '${text[at]}' at position ${at}: use only 0-9 and a-f.`,
  );
}

/** Parses hex (either case) into bytes. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0) {
    throw new InvalidArgumentError(
      `Hex text must have an even number of characters, got ${text.length}.`,
    );
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (nibble(text.charCodeAt(2 * i), text, 2 * i) << 4) |
      nibble(text.charCodeAt(2 * i + 1), text, 2 * i + 1);
  }
  return out;
}
