// The Java-type language of Kryo descriptions, as in `kryo<com.acme.Event>{id:long,tags:List<String>}`:
// field types are spelled as the Java field declares them (primitives lowercase, classes by full or
// short JDK name, type arguments, arrays); a class or enum is described where it is first named.
import { InvalidArgumentError } from "../../core/errors.ts";
import { type JavaType, type KryoClassDescription, type KryoDescription, type PrimitiveName, PRIMITIVES } from "./java-type.ts";
import { EXTRA_ALIASES, SHORT_NAMES } from "./jdk-classes.ts";

/** The parsing primitives a host parser offers (the type-expression parser, or a small one for strings). */
export interface KryoParseHost {
  readonly text: string;
  pos: number;
  ws(): void;
  peek(): string;
  eat(c: string): boolean;
  expect(c: string, alternatives?: string[]): void;
  ident(what: string[]): string;
  fail(problem: string, expected: readonly string[], at?: number): never;
}

/** The parts of `kryo<...>{...}` after the name: the declared class, the registered classes and the descriptions. */
export interface KryoArguments {
  readonly declared: string | undefined;
  /** The classes the job registered with Kryo (`registered com.acme.A`), in registration order: they take ids 86, 87, … */
  readonly registered: string[];
  readonly descriptions: KryoDescription[];
}

const TYPE_WORDS = ["a Java type (int, long, String, Integer, List<String>, LocalDateTime, com.acme.Address, ...)"];

/** Resolves a class name as written: JDK short names (any case) to full names; others as they are. */
export function resolveClassName(name: string): string {
  return SHORT_NAMES.get(name.toLowerCase()) ?? EXTRA_ALIASES.get(name.toLowerCase()) ?? name;
}

/**
 * Parses what follows `kryo`/`kryo1` in a type expression: nothing, `<Decl, Description...>`, then `{fields}`. Among
 * the descriptions, `registered com.acme.A` (or `registered com.acme.A{...}`) names a class the job registered with
 * Kryo, in registration order (`qstate schema` writes them from the checkpoint's Kryo snapshot).
 */
export function parseKryoArguments(p: KryoParseHost): KryoArguments {
  const descriptions: KryoDescription[] = [];
  const registered: string[] = [];
  if (p.peek() !== "<") return { declared: undefined, registered, descriptions };
  p.pos++;
  const at = (p.ws(), p.pos);
  const { final, isEnum, record } = modifiers(p);
  const name = resolveClassName(p.ident(TYPE_WORDS));
  if (p.peek() === "{") descriptions.push(parseBody(p, name, final, isEnum, descriptions, record));
  else if (isEnum) p.fail("An enum needs its constants", ["'{'"]);
  else if (p.peek() === "<") p.fail("Flink's KryoSerializer knows only the declared class, not its type arguments", ["'>'", "','"]);
  else if (p.peek() === "[") p.fail("An array is not a Kryo-typed value in Flink (arrays have their own serializers)", ["'>'"], at);
  while (p.eat(",")) {
    const at = (p.ws(), p.pos);
    if (eatWord(p, "registered")) {
      const cls = resolveClassName(p.ident(["a class the job registered with Kryo (registered com.acme.A)"]));
      if (cls === name || registered.includes(cls)) p.fail(`${cls} is registered twice`, [], at);
      registered.push(cls);
      if (p.peek() === "{") descriptions.push(parseBody(p, cls, false, false, descriptions));
      continue;
    }
    descriptions.push(parseDescription(p, descriptions));
  }
  p.expect(">", ["','"]);
  if (p.peek() === "{") {
    if (descriptions.some((d) => d.name === name)) p.fail(`${name} is described twice`, []);
    descriptions.push(parseBody(p, name, final, false, descriptions, record));
  }
  return { declared: name, registered, descriptions };
}

/** Parses a field type string of the API (`"List<String>"`, `"com.acme.Address{street:String}"`). */
export function parseJavaTypeText(text: string, descriptions: KryoDescription[]): JavaType {
  const p = new TextHost(text);
  const t = parseJavaType(p, descriptions);
  p.ws();
  if (p.pos < text.length) p.fail(`Unexpected ${JSON.stringify(text[p.pos])}`, ["the end", "'[]'"]);
  return t;
}

/** A Java type: a primitive, a class (with `<args>` or a `{...}` description), an array of one. */
export function parseJavaType(p: KryoParseHost, descriptions: KryoDescription[]): JavaType {
  p.ws();
  let t: JavaType;
  if (p.peek() === "?") {
    p.pos++;
    t = { kind: "class", name: "java.lang.Object", args: [] };
  } else {
    const { final, isEnum, record } = modifiers(p);
    const raw = p.ident(TYPE_WORDS);
    if (!final && !isEnum && (PRIMITIVES as readonly string[]).includes(raw)) {
      t = { kind: "primitive", name: raw as PrimitiveName };
    } else {
      const name = resolveClassName(raw);
      if (p.peek() === "{") {
        descriptions.push(parseBody(p, name, final, isEnum, descriptions, record));
        t = { kind: "class", name, args: [] };
      } else {
        if (final || isEnum) p.fail(`${record ? "record" : final ? "final" : "enum"} ${name} needs its description`, ["'{'"]);
        const args: JavaType[] = [];
        if (p.eat("<")) {
          do args.push(parseJavaType(p, descriptions)); while (p.eat(","));
          p.expect(">", ["','"]);
        }
        t = { kind: "class", name, args };
      }
    }
  }
  while (p.peek() === "[") {
    p.pos++;
    p.expect("]");
    t = { kind: "array", element: t };
  }
  return t;
}

function parseDescription(p: KryoParseHost, descriptions: KryoDescription[]): KryoDescription {
  p.ws();
  const { final, isEnum, record } = modifiers(p);
  const name = resolveClassName(p.ident(["a class to describe: com.acme.Address{street:String}, enum com.acme.Color{RED,GREEN}"]));
  if (p.peek() !== "{") p.fail(`${name} needs its description`, ["'{'"]);
  return parseBody(p, name, final, isEnum, descriptions, record);
}

/** `final`, `enum` or `record` before a class name (a record is final). */
function modifiers(p: KryoParseHost): { final: boolean; isEnum: boolean; record: boolean } {
  const record = eatWord(p, "record");
  const final = record || eatWord(p, "final");
  const isEnum = !final && eatWord(p, "enum");
  return { final, isEnum, record };
}

/** `{field:type,...}` of a class, or `{CONSTANT,...}` of an enum. */
function parseBody(
  p: KryoParseHost,
  name: string,
  final: boolean,
  isEnum: boolean,
  descriptions: KryoDescription[],
  record = false,
): KryoDescription {
  p.expect("{");
  if (isEnum) {
    const constants: string[] = [];
    do constants.push(p.ident(["an enum constant"])); while (p.eat(","));
    p.expect("}", ["','"]);
    return { kind: "enum", name, constants };
  }
  const fields: { name: string; type: JavaType }[] = [];
  if (!p.eat("}")) {
    do {
      const at = (p.ws(), p.pos);
      const f = p.ident(["a field name"]);
      if (fields.some((x) => x.name === f)) p.fail(`Field ${JSON.stringify(f)} is listed twice`, [], at);
      p.expect(":");
      fields.push({ name: f, type: parseJavaType(p, descriptions) });
    } while (p.eat(","));
    p.expect("}", ["','"]);
  }
  return classDescription(name, final, fields, record);
}

/** A class description with its fields in Kryo's order: sorted by name (Java's String order; a record's components too). */
export function classDescription(
  name: string,
  final: boolean,
  fields: { name: string; type: JavaType }[],
  record = false,
): KryoClassDescription {
  const sorted = [...fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return record ? { kind: "class", name, final: true, record: true, fields: sorted } : { kind: "class", name, final, fields: sorted };
}

function eatWord(p: KryoParseHost, word: string): boolean {
  p.ws();
  const m = new RegExp(`^${word}\\s+[A-Za-z_$]`).exec(p.text.slice(p.pos));
  if (!m) return false;
  p.pos += word.length;
  return true;
}

/** A small host over one string, for the API's field type strings. */
class TextHost implements KryoParseHost {
  readonly text: string;
  pos = 0;
  constructor(text: string) {
    this.text = text;
  }
  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
  peek(): string {
    this.ws();
    return this.text[this.pos] ?? "";
  }
  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }
  expect(c: string, alternatives: string[] = []): void {
    if (!this.eat(c)) this.fail(this.#unexpected(), [`'${c}'`, ...alternatives]);
  }
  ident(what: string[]): string {
    this.ws();
    const m = /^[A-Za-z_$][\w$.]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail(this.#unexpected(), what);
    this.pos += m[0].length;
    return m[0];
  }
  fail(problem: string, expected: readonly string[], at = this.pos): never {
    throw new InvalidArgumentError(
      `${problem} at position ${at} of the Java type ${JSON.stringify(this.text)}` +
        (expected.length ? `; expected ${expected.join(" or ")}` : "") + ".",
    );
  }
  #unexpected(): string {
    return this.pos >= this.text.length ? "Unexpected end" : `Unexpected ${JSON.stringify(this.text[this.pos])}`;
  }
}
