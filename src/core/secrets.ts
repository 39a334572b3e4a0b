/** Comparing secrets without telling an attacker, by timing, how much of a guess was right. */

const encoder = new TextEncoder();

/**
 * Whether `given` equals `expected`, in time that depends on their lengths only, not on where they first
 * differ (a `!==` stops at the first different character, which leaks the secret byte by byte over many
 * tries). A non-string `given` (absent, a number in hostile JSON) is never equal.
 */
export function secretEquals(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = encoder.encode(given), b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i % (a.length || 1)] ?? 0) ^ b[i];
  return diff === 0;
}
