// A type expression in a form where two expressions of the same bytes compare equal, for comparing what `qstate schema`
// derives from a checkpoint with what the compat job declares (tests/fixtures/snapshots/*/job.json):
// - a POJO's fields sorted by name, and a subclass alternative's fields without those of the base class (the job
//   lists a subclass's own fields, a snapshot holds all of them); alternatives sorted;
// - a row's field names dropped (a snapshot keeps none; the bytes are positional);
// - `T[]` of a type that is not a primitive or string written `array<T>` (both are Flink's GenericArraySerializer);
// - every Kryo expression `kryo` or `kryo1` (the job spells Kryo classes' descriptions, a snapshot has none);
// - every Avro record `avro` (names differ: the job's file names, the snapshot's full record names);
// - with `untaggedSubclasses: false`, no subclass alternative but registered (tagged) ones: a snapshot lists the other
//   subclasses only when the serializer had met one before the snapshot (on heap state, not before its first write).

const PRIMITIVE_ARRAYS = new Set(["boolean", "byte", "short", "int", "long", "float", "double", "char", "string"]);

class P {
  pos = 0;
  readonly s: string;
  readonly untagged: boolean;
  constructor(s: string, untagged = true) {
    this.s = s;
    this.untagged = untagged;
  }
  ws() {
    while (/\s/.test(this.s[this.pos] ?? "")) this.pos++;
  }
  peek() {
    this.ws();
    return this.s[this.pos] ?? "";
  }
  eat(c: string) {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }
  expect(c: string) {
    if (!this.eat(c)) throw new Error(`expected '${c}' at ${this.pos} of ${this.s}`);
  }
  ident() {
    this.ws();
    const m = /^[A-Za-z_$][\w$.]*/.exec(this.s.slice(this.pos));
    if (!m) throw new Error(`expected a name at ${this.pos} of ${this.s}`);
    this.pos += m[0].length;
    return m[0];
  }
  skipBalanced(open: string, close: string) {
    if (!this.eat(open)) return;
    for (let depth = 1; depth > 0 && this.pos < this.s.length; this.pos++) {
      if (this.s[this.pos] === open) depth++;
      else if (this.s[this.pos] === close) depth--;
    }
  }
}

function fields(p: P): [string, string][] {
  p.expect("{");
  const out: [string, string][] = [];
  if (!p.eat("}")) {
    do {
      const n = p.ident();
      p.expect(":");
      out.push([n, type(p)]);
    } while (p.eat(","));
    p.expect("}");
  }
  return out;
}

const show = (f: [string, string][]) => `{${[...f].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, t]) => `${n}:${t}`).join(",")}}`;

function type(p: P): string {
  const name = p.ident();
  const lower = name.toLowerCase();
  let out: string;
  if (lower === "kryo" || lower === "kryo1") {
    p.skipBalanced("<", ">");
    if (p.peek() === "{") p.skipBalanced("{", "}");
    out = lower;
  } else if (lower === "avro" && p.eat(":")) {
    p.ident();
    out = "avro";
  } else if (lower === "pojo") {
    p.expect("<");
    const cls = p.ident();
    p.expect(">");
    const base = fields(p);
    const baseNames = new Set(base.map(([n]) => n));
    const alternatives: string[] = [];
    while (p.eat("|")) {
      if (/^kryo1?\b/i.test(p.s.slice(p.pos).trimStart())) {
        const k = type(p);
        if (p.untagged) alternatives.push(k);
        continue;
      }
      const sub = p.ident();
      let tag = "";
      if (p.eat("#")) tag = `#${/^\d+/.exec(p.s.slice(p.pos))![0]}`, p.pos += tag.length - 1;
      const own = show(fields(p).filter(([n]) => !baseNames.has(n)));
      if (tag !== "" || p.untagged) alternatives.push(`${sub}${tag}${own}`);
    }
    out = `pojo<${cls}>${show(base)}${alternatives.sort().map((a) => ` | ${a}`).join("")}`;
  } else if (p.peek() === "<") {
    p.pos++;
    const args: string[] = [];
    if (!p.eat(">")) {
      do {
        if (lower === "row") {
          const m = /^\s*[A-Za-z_$][\w$]*\s*:/.exec(p.s.slice(p.pos));
          if (m) p.pos += m[0].length;
        }
        args.push(type(p));
      } while (p.eat(","));
      p.expect(">");
    }
    out = `${lower}<${args.join(",")}>`;
  } else {
    out = lower;
  }
  while (p.peek() === "[") {
    p.pos++;
    p.expect("]");
    out = PRIMITIVE_ARRAYS.has(out) ? `${out}[]` : `array<${out}>`;
  }
  return out;
}

/** The canonical form of a type expression (see the file's comment). */
export function canonicalType(expression: string, { untaggedSubclasses = true } = {}): string {
  const p = new P(expression, untaggedSubclasses);
  const t = type(p);
  p.ws();
  if (p.pos !== expression.length) throw new Error(`unexpected text at ${p.pos} of ${expression}`);
  return t;
}
