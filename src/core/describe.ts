/**
 * A short, readable rendering of any value for error messages: strings quoted, bigints with `n`,
 * bytes in hex, arrays in brackets, named things (serializers, descriptors) by name; at most 120 characters.
 */
export function describeValue(v: unknown): string {
  let s: string;
  if (typeof v === "bigint") s = `${v}n`;
  else if (typeof v === "string") s = JSON.stringify(v);
  else if (v instanceof Uint8Array) {
    s = `bytes[${Array.from(v.subarray(0, 32), (b) => b.toString(16).padStart(2, "0")).join("")}${v.length > 32 ? "…" : ""}]`;
  } else if (Array.isArray(v)) s = `[${v.map(describeValue).join(", ")}]`;
  else if (v !== null && typeof v === "object" && typeof (v as { name?: unknown }).name === "string") s = (v as { name: string }).name;
  else s = String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
