// Bytes as Flink's checkpoint writers lay them out (Java's DataOutputStream), for tests of the snapshot reader: a
// `_metadata` of one job, keyed backend serialization proxies, serializer snapshots. The layouts are the ones
// src/schema/ documents; the tests check the reader against them and against real snapshots (tests/fixtures/snapshots).
import { ByteWriter } from "../../mod.ts";
import { encodeModifiedUtf8 } from "../../src/protocol/java/modified-utf8.ts";
import { stringSerializer } from "../../mod.ts";

/** A Java DataOutput over a growing buffer. */
export class JavaOut {
  readonly w = new ByteWriter();
  byte(v: number): this {
    this.w.writeInt8(v);
    return this;
  }
  bool(v: boolean): this {
    this.w.writeBoolean(v);
    return this;
  }
  short(v: number): this {
    this.w.writeInt16(v);
    return this;
  }
  int(v: number): this {
    this.w.writeInt32(v);
    return this;
  }
  long(v: bigint): this {
    this.w.writeInt64(v);
    return this;
  }
  utf(s: string): this {
    const b = encodeModifiedUtf8(s);
    this.w.writeUint16(b.length);
    this.w.writeBytes(b);
    return this;
  }
  raw(b: Uint8Array): this {
    this.w.writeBytes(b);
    return this;
  }
  /** Flink's StringValue string (StringUtils.writeString). */
  flinkString(s: string): this {
    stringSerializer.serialize(s, this.w);
    return this;
  }
  bytes(): Uint8Array {
    return this.w.toBytes();
  }
}

/** A piece of a snapshot: writes itself. */
export type Part = (o: JavaOut) => void;

const BASE = "org.apache.flink.api.common.typeutils.base.";
const RUNTIME = "org.apache.flink.api.java.typeutils.runtime.";

/** `writeVersionedSnapshot`: class, version, payload. */
export const snapshot = (cls: string, version: number, payload: Part = () => {}): Part => (o) => {
  o.utf(cls).int(version);
  payload(o);
};

/** A basic type's snapshot: `simple("Long")` is LongSerializer's. */
export const simple = (x: string): Part => snapshot(`${BASE}${x}Serializer$${x}SerializerSnapshot`, 3);
export const voidNamespace: Part = snapshot("org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot", 3);
export const timeWindow: Part = snapshot("org.apache.flink.streaming.api.windowing.windows.TimeWindow$Serializer$TimeWindowSerializerSnapshot", 3);

/** A CompositeTypeSerializerSnapshot: magic, outer version and payload, then the nested snapshots. */
export const composite = (cls: string, nested: Part[], outer: Part = () => {}, outerVersion = 1): Part =>
  snapshot(cls, 3, (o) => {
    o.int(911108).int(outerVersion);
    outer(o);
    o.int(1333245).int(1).int(nested.length);
    for (const n of nested) n(o);
  });
export const list = (e: Part) => composite(`${BASE}ListSerializerSnapshot`, [e]);
export const map = (k: Part, v: Part) => composite(`${BASE}MapSerializerSnapshot`, [k, v]);
export const nullable = (e: Part, padding = 0) => composite(`${RUNTIME}NullableSerializer$NullableSerializerSnapshot`, [e], (o) => o.int(padding), 2);
export const tuple = (...fields: Part[]) =>
  composite(`${RUNTIME}TupleSerializerSnapshot`, fields, (o) => o.utf(`org.apache.flink.api.java.tuple.Tuple${fields.length}`), 2);
export const ttl = (v: Part) => composite("org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot", [simple("Long"), v], () => {}, 2);

/** A LinkedOptionalMap: header, count, then per entry its name and framed key and value. */
export const optionalMap = (entries: { name: string; key?: Part; value?: Part }[]): Part => (o) => {
  o.long(0x4f2c69a3d70n).int(entries.length);
  const framed = (p: Part | undefined) => {
    if (p === undefined) return void o.bool(false);
    const inner = new JavaOut();
    p(inner);
    const b = inner.bytes();
    o.bool(true).int(b.length).raw(b);
  };
  for (const e of entries) {
    o.utf(e.name);
    framed(e.key);
    framed(e.value);
  }
};

/** A PojoSerializerSnapshot. */
export const pojo = (cls: string, fields: [string, Part][], registered: [string, Part][] = [], others: [string, Part][] = []): Part =>
  snapshot(`${RUNTIME}PojoSerializerSnapshot`, 2, (o) => {
    o.utf(cls);
    optionalMap(fields.map(([name, value]) => ({ name, key: (k: JavaOut) => void k.utf(cls).utf(name), value })))(o);
    optionalMap(registered.map(([name, value]) => ({ name, key: () => {}, value })))(o);
    optionalMap(others.map(([name, value]) => ({ name, key: () => {}, value })))(o);
  });

/** A Kryo registration: class, definition (0 default, 1 a serializer class, 2 an instance), serializer class. */
export interface KryoReg {
  name: string;
  definition?: 0 | 1 | 2;
  serializer?: string;
}
/** A KryoSerializerSnapshot of `type` with these registrations (the declared class and Avro's array added as Flink does). */
export const kryo = (type: string, registered: KryoReg[] = [], defaults: string[] = []): Part =>
  snapshot(`${RUNTIME}kryo.KryoSerializerSnapshot`, 2, (o) => {
    o.utf(type);
    // A LinkedHashMap by name, as Flink builds it: a later entry of a name replaces the earlier one in its place.
    const byName = new Map<string, KryoReg>();
    for (const r of [{ name: type }, ...registered, { name: "org.apache.avro.generic.GenericData$Array", definition: 2 as const }]) byName.set(r.name, r);
    const regs = [...byName.values()];
    optionalMap(regs.map((r) => ({
      name: r.name,
      key: (k: JavaOut) => void k.utf(r.name),
      value: (v: JavaOut) => {
        v.utf(r.name).int(r.definition ?? 0);
        if (r.definition === 1) v.utf(r.serializer ?? "com.acme.Ser");
        if (r.definition === 2) v.raw(new Uint8Array([0xac, 0xed, 0, 5])); // a Java-serialized instance: opaque
      },
    })))(o);
    optionalMap(defaults.map((d) => ({ name: d, key: (k: JavaOut) => void k.utf(d), value: (v: JavaOut) => void v.raw(new Uint8Array([0xac, 0xed])) })))(o);
    optionalMap([])(o);
  });
/** An AvroSerializerSnapshot (version 3) of a schema. */
export const avro = (schema: unknown): Part =>
  snapshot("org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot", 3, (o) => void o.flinkString("org.apache.avro.generic.GenericRecord").flinkString(JSON.stringify(schema)));

/** One state of a proxy. */
export interface StateSpec {
  name: string;
  /** KEYED_STATE_TYPE (VALUE, LIST, MAP, REDUCING, AGGREGATING) or undefined for a timer state. */
  kind?: string;
  value: Part;
  namespace?: Part;
  /** The backend state type's ordinal. @default 0, or 3 (PRIORITY_QUEUE) without kind */
  type?: number;
}

/** A keyed backend serialization proxy (version 6) with a top-level snapshot per serializer. */
export function proxy(key: Part, states: StateSpec[], { trailing = new Uint8Array([0, 0, 0, 0, 7, 7, 7]) } = {}): Uint8Array {
  const o = new JavaOut();
  const top = (p: Part) => {
    o.int(2);
    p(o);
  };
  o.int(6).bool(false);
  top(key);
  o.short(states.length);
  for (const s of states) {
    o.utf(s.name).int(s.type ?? (s.kind ? 0 : 3));
    if (s.kind) o.int(1).utf("KEYED_STATE_TYPE").utf(s.kind);
    else o.int(0);
    const sers: [string, Part][] = s.kind ? [["NAMESPACE_SERIALIZER", s.namespace ?? voidNamespace], ["VALUE_SERIALIZER", s.value]] : [["VALUE_SERIALIZER", s.value]];
    o.int(sers.length);
    for (const [k, p] of sers) {
      o.utf(k);
      top(p);
    }
  }
  o.raw(trailing); // what follows a proxy in a key-group file: the key groups' data
  return o.bytes();
}

/** A keyed state handle of `_metadata`. */
export type HandleSpec =
  | { kind: "inline"; bytes: Uint8Array }
  | { kind: "relative"; path: string }
  | { kind: "file"; path: string }
  | { kind: "incremental"; meta: { kind: "relative"; path: string } | { kind: "inline"; bytes: Uint8Array } };

/** One operator of `_metadata`. */
export interface OperatorSpec {
  id: string;
  name?: string;
  uid?: string;
  maxParallelism?: number;
  subtasks: (HandleSpec | null)[];
}

function stream(o: JavaOut, h: HandleSpec | { kind: "relative"; path: string }): void {
  if (h.kind === "inline") o.byte(1).utf("inline").int(h.bytes.length).raw(h.bytes);
  // Sizes: what Flink records is exact; here, more than any of these files (a file shorter than its size is read whole).
  else if (h.kind === "relative") o.byte(6).utf(h.path).long(1n << 20n);
  else if (h.kind === "file") o.byte(2).long(1n << 20n).utf(h.path);
}

/** A `_metadata` file (version 6 as Flink 2.x writes it, or 4 as 1.20 does). */
export function metadata(operators: OperatorSpec[], { version = 6, checkpointId = 7n } = {}): Uint8Array {
  const o = new JavaOut();
  o.int(0x4960672d).int(version).long(checkpointId).int(0).int(operators.length);
  for (const op of operators) {
    if (version >= 5) o.utf(op.name ?? "").utf(op.uid ?? "");
    for (let i = 0; i < 16; i++) o.byte(parseInt(op.id.slice(i * 2, i * 2 + 2), 16) << 24 >> 24);
    o.int(op.subtasks.length).int(op.maxParallelism ?? 128).byte(0).int(op.subtasks.length);
    op.subtasks.forEach((h, index) => {
      o.int(index).int(0).int(0);
      if (h === null) o.byte(0);
      else if (h.kind === "incremental") {
        o.byte(11).long(7n).utf("backend-id").int(0).int(128).long(0n);
        stream(o, h.meta);
        o.int(0).int(0).utf("handle-id");
      } else {
        o.byte(12).int(0).int(128);
        for (let k = 0; k < 128; k++) o.long(0n);
        stream(o, h);
        o.utf("handle-id");
      }
      o.byte(0).int(0).int(0); // raw keyed state, input and output channel state
    });
  }
  return o.bytes();
}

/** SnapshotFiles over a map of relative paths to bytes, recording every path asked for. */
export function memoryFiles(files: Record<string, Uint8Array>, description = "/snapshots/chk-7") {
  const asked: string[] = [];
  return {
    asked,
    files: {
      description,
      read: (path: string) => {
        asked.push(path);
        return Object.hasOwn(files, path) ? Promise.resolve(files[path]) : Promise.reject(new Error(`no ${path}`));
      },
      list: (dir: string) => Promise.resolve(dir === "" ? [...new Set(Object.keys(files).map((p) => p.split("/")[0]))] : []),
    },
  };
}
