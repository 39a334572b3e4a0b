/**
 * Objects keyed by user data (map keys, field names, JSON members). A plain `o[k] = v` with
 * `k === "__proto__"` calls Object.prototype's setter instead of creating a property (the entry is
 * lost, or the object's prototype changes); and reading `o[k]` for a key the object lacks finds
 * `constructor`, `toString`, `hasOwnProperty` … on the prototype. These helpers do neither.
 */

/** Sets `o[key] = value` as an own, enumerable, writable property, also for `"__proto__"`. */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** `o[key]` when `o` has it as an own property, else undefined (never an inherited member). */
export function getOwn(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}
