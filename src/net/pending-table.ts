/**
 * The requests of one client connection that wait for their answers, by request id: an array of
 * slots indexed by the id's low bits instead of a Map. Ids only ever go up (an id is never given
 * twice, so the late answer of an abandoned request cannot reach another one); an id whose slot is
 * still held by an older request in flight is skipped, and the array doubles only when every slot
 * is taken. Adding, finding and removing are O(1) and allocate nothing once the array is large enough.
 */

/** What the table needs of an entry: its request id (set by {@link PendingTable.add}; -1 while not in the table). */
export interface HasRequestId {
  id: number;
}

const INITIAL_SLOTS = 16;
/** When the table empties, an array grown past this is given back (a burst is over). */
const KEEP_SLOTS = 1024;
/** Ids stay exact numbers (frames carry 64-bit ids; ours count up to 2^53 and start over at 0). */
const MAX_ID = Number.MAX_SAFE_INTEGER;

export class PendingTable<T extends HasRequestId> {
  #slots: (T | undefined)[] = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
  #mask = INITIAL_SLOTS - 1;
  #count = 0;
  #nextId: number;

  /** @param firstId the id the first request gets (tests start near the wrap-around) */
  constructor(firstId = 0) {
    this.#nextId = firstId;
  }

  /** Requests in the table. */
  get size(): number {
    return this.#count;
  }

  /** Slots allocated (for tests: the table grows only when all are taken, and shrinks once empty). */
  get capacity(): number {
    return this.#slots.length;
  }

  /** Gives `p` the next free request id and holds it under that id. Returns the id. */
  add(p: T): number {
    if (this.#count === this.#slots.length) this.#grow();
    const slots = this.#slots, mask = this.#mask;
    let id = this.#nextId;
    // Skip ids whose slot an older request still holds (at most one lap: a slot is free).
    while (slots[id & mask] !== undefined) id = id >= MAX_ID ? 0 : id + 1;
    this.#nextId = id >= MAX_ID ? 0 : id + 1;
    slots[id & mask] = p;
    this.#count++;
    p.id = id;
    return id;
  }

  /** Takes the request with this id out of the table and returns it, or undefined when none waits under it. */
  take(id: number): T | undefined {
    const i = id & this.#mask;
    const p = this.#slots[i];
    if (p === undefined || p.id !== id) return undefined;
    this.#slots[i] = undefined;
    this.#release();
    return p;
  }

  /** Takes `p` out (it timed out or was aborted); its late answer will find no one. */
  delete(p: T): boolean {
    const i = p.id & this.#mask;
    if (p.id < 0 || this.#slots[i] !== p) return false;
    this.#slots[i] = undefined;
    this.#release();
    return true;
  }

  /** Empties the table; returns what it held in the order the ids were given. */
  drain(): T[] {
    const all: T[] = [];
    for (const p of this.#slots) if (p !== undefined) all.push(p);
    const next = this.#nextId;
    // Oldest first: ids below the next one counted from it (the order survives a wrap-around at 2^53).
    const age = (p: T) => (p.id < next ? next - p.id : next + (MAX_ID - p.id) + 1);
    all.sort((a, b) => age(b) - age(a));
    this.#slots = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
    this.#mask = INITIAL_SLOTS - 1;
    this.#count = 0;
    return all;
  }

  #release(): void {
    if (--this.#count === 0 && this.#slots.length > KEEP_SLOTS) {
      this.#slots = new Array<T | undefined>(INITIAL_SLOTS).fill(undefined);
      this.#mask = INITIAL_SLOTS - 1;
    }
  }

  /** Doubles the array. Ids in distinct slots differ in their low bits, so they stay distinct with one more bit. */
  #grow(): void {
    const old = this.#slots;
    const size = old.length * 2;
    const slots = new Array<T | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (const p of old) if (p !== undefined) slots[p.id & mask] = p;
    this.#slots = slots;
    this.#mask = mask;
  }
}
