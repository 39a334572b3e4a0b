/** Flink's HeapListState: an array per key, queried in the list format (elements joined by 0x2C). */
import { InvalidArgumentError } from "../core/errors.ts";
import type { ListStateDescriptor } from "./descriptors.ts";
import { HeapState, type KeyContext } from "./heap-state-table.ts";
import { LIST_DELIMITER } from "./kv-state-serializer.ts";
import type { ListState } from "./keyed-states.ts";

export class HeapListState<T> extends HeapState<T[]> implements ListState<T> {
  readonly kind = "list" as const;
  readonly descriptor: ListStateDescriptor<T>;

  constructor(descriptor: ListStateDescriptor<T>, ctx: KeyContext) {
    super(descriptor.name, ctx);
    this.descriptor = descriptor;
  }

  get(): T[] {
    const list = this.current();
    return list === undefined ? [] : list.slice();
  }

  add(value: T): void {
    if (value === null || value === undefined) throw this.#nullElement("add");
    const list = this.current();
    if (list === undefined) this.store([value]);
    else {
      list.push(value);
      this.changed();
    }
  }

  addAll(values: Iterable<T>): void {
    const vs = this.#checked(values, "addAll");
    if (vs.length === 0) return;
    const list = this.current();
    if (list === undefined) this.store(vs);
    else {
      for (const v of vs) list.push(v);
      this.changed();
    }
  }

  update(values: Iterable<T>): void {
    const vs = this.#checked(values, "update");
    this.store(vs.length === 0 ? undefined : vs);
  }

  protected serialize(list: T[]): Uint8Array | null {
    if (list.length === 0) return null;
    const s = this.descriptor.elementSerializer;
    return this.written((w) => {
      s.serialize(list[0], w);
      for (let i = 1; i < list.length; i++) {
        w.writeUint8(LIST_DELIMITER);
        s.serialize(list[i], w);
      }
    });
  }

  /** A private copy of `values`, checked before anything changes so an update is all or nothing. */
  #checked(values: Iterable<T>, op: string): T[] {
    if (values === null || values === undefined || typeof (values as Iterable<T>)[Symbol.iterator] !== "function") {
      throw new InvalidArgumentError(`ListState '${this.name}'.${op} needs an iterable of values, got ${String(values)}.`);
    }
    const vs = Array.from(values);
    for (const v of vs) if (v === null || v === undefined) throw this.#nullElement(op);
    return vs;
  }

  #nullElement(op: string): InvalidArgumentError {
    return new InvalidArgumentError(`ListState '${this.name}'.${op}: a list state cannot hold null or undefined elements (as in Flink). Leave the element out instead.`);
  }
}
