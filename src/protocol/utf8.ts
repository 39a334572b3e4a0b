const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");
const LONE_SURROGATE = "[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const HAS_LONE = new RegExp(LONE_SURROGATE);
const ALL_LONE = new RegExp(LONE_SURROGATE, "g");

/** UTF-8 as Java's `String.getBytes(UTF_8)`: a lone surrogate becomes `?`, not U+FFFD. */
export function encodeUtf8Java(s: string): Uint8Array {
  return encoder.encode(HAS_LONE.test(s) ? s.replace(ALL_LONE, "?") : s);
}

/** UTF-8 decoding as Java's `new String(bytes, UTF_8)`: malformed input becomes U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
