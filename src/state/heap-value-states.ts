/**
 * Heap states that store one value per key: value, reducing, aggregating (the accumulator)
 * and folding (the accumulator). Queries answer with the stored value's serializer bytes.
 */
import type {
  AggregatingStateDescriptor,
  FoldingStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from "./descriptors.ts";
import { copyValue, HeapState, type KeyContext } from "./heap-state-table.ts";
import type { AggregatingState, FoldingState, ReducingState, ValueState } from "./keyed-states.ts";
import { longSerializer } from "../types/primitive-serializers.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";

/** Longs kept as numbers where a number needs no object of its own (a small integer on every engine). */
const SMALL = 2 ** 30;

/** A value of a long state that is not a bigint (a number, or a value the serializer will refuse), kept as it is. */
class Kept {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

abstract class HeapSingleValueState<S> extends HeapState<S> {
  readonly #serializer: TypeSerializer<S>;
  /** Values of longSerializer: small bigints are kept as numbers (no object per key, no pointer to follow). */
  readonly #longs: boolean;

  constructor(name: string, ctx: KeyContext, serializer: TypeSerializer<S>) {
    super(name, ctx);
    this.#serializer = serializer;
    this.#longs = (serializer as unknown) === longSerializer;
  }

  protected override pack(value: S): unknown {
    if (!this.#longs) return value;
    if (typeof value === "bigint") return value >= -SMALL && value < SMALL ? Number(value) : value;
    return new Kept(value);
  }

  protected override unpack(stored: unknown): S {
    if (!this.#longs) return stored as S;
    if (typeof stored === "number") return BigInt(stored) as S;
    return (stored instanceof Kept ? stored.value : stored) as S;
  }

  /** Values of a fixed length (longs, ints, doubles) are serialized again rather than cached. */
  protected override get cacheAnswers(): boolean {
    return !(this.#serializer.length > 0);
  }

  protected serialize(value: S): Uint8Array {
    return this.written((w) => this.#serializer.serialize(value, w));
  }
}

/** Flink's HeapValueState. */
export class HeapValueState<V> extends HeapSingleValueState<V> implements ValueState<V> {
  readonly kind = "value" as const;
  readonly descriptor: ValueStateDescriptor<V>;

  constructor(descriptor: ValueStateDescriptor<V>, ctx: KeyContext) {
    super(descriptor.name, ctx, descriptor.valueSerializer);
    this.descriptor = descriptor;
  }

  value(): V | undefined {
    const v = this.current();
    if (v !== undefined) return v;
    // As Flink: the default is a local answer only; a query for this key still finds nothing.
    const d = this.descriptor.defaultValue;
    return d === undefined ? undefined : copyValue(d, this.descriptor.valueSerializer);
  }

  update(value: V | null | undefined): void {
    this.store(value);
  }
}

/** Flink's HeapReducingState. */
export class HeapReducingState<T> extends HeapSingleValueState<T> implements ReducingState<T> {
  readonly kind = "reducing" as const;
  readonly descriptor: ReducingStateDescriptor<T>;

  constructor(descriptor: ReducingStateDescriptor<T>, ctx: KeyContext) {
    super(descriptor.name, ctx, descriptor.valueSerializer);
    this.descriptor = descriptor;
  }

  get(): T | undefined {
    return this.current();
  }

  add(value: T | null | undefined): void {
    if (value === null || value === undefined) return this.clear();
    if (this.current() === undefined) this.store(value);
    else this.transform(() => value, (current) => this.descriptor.reduce(current, value));
  }
}

/** Flink's HeapAggregatingState: stores (and serves) the accumulator, reads give the result. */
export class HeapAggregatingState<IN, ACC, OUT> extends HeapSingleValueState<ACC> implements AggregatingState<IN, OUT> {
  readonly kind = "aggregating" as const;
  readonly descriptor: AggregatingStateDescriptor<IN, ACC, OUT>;

  constructor(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>, ctx: KeyContext) {
    super(descriptor.name, ctx, descriptor.accumulatorSerializer);
    this.descriptor = descriptor;
  }

  get(): OUT | undefined {
    const acc = this.current();
    return acc === undefined ? undefined : this.descriptor.aggregateFunction.getResult(acc);
  }

  add(value: IN | null | undefined): void {
    if (value === null || value === undefined) return this.clear();
    const f = this.descriptor.aggregateFunction;
    this.transform(() => f.createAccumulator(), (acc) => f.add(value, acc));
  }
}

/** Flink's HeapFoldingState: folds from (a copy of) the initial value. */
export class HeapFoldingState<T, ACC> extends HeapSingleValueState<ACC> implements FoldingState<T, ACC> {
  readonly kind = "folding" as const;
  readonly descriptor: FoldingStateDescriptor<T, ACC>;

  constructor(descriptor: FoldingStateDescriptor<T, ACC>, ctx: KeyContext) {
    super(descriptor.name, ctx, descriptor.accumulatorSerializer);
    this.descriptor = descriptor;
  }

  get(): ACC | undefined {
    return this.current();
  }

  add(value: T | null | undefined): void {
    if (value === null || value === undefined) return this.clear();
    const d = this.descriptor;
    this.transform(() => copyValue(d.initialValue, d.accumulatorSerializer), (acc) => d.fold(acc, value));
  }
}
