// More JDK values in Kryo (java.time amounts and zoned values, zone ids, Optionals, EnumSet/EnumMap), both
// generations: values built in JS write the bytes Flink's own KryoSerializer wrote (tests/fixtures/kryo-vectors.json,
// from compat/flink), Java's sharing of cached instances included; and Kryo values from JSON (CLI --key).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  Duration, fromJsonValue, type KeySerializer, KryoTyped, LocalCluster, LocalDateTime, LocalTime, longSerializer, MonthDay, OffsetDateTime,
  OffsetTime, Optional, parseTypeExpression, Pattern, Period, toJsonValue, type TypeSerializer, valueState, Year, YearMonth,
  ZonedDateTime,
} from "../../mod.ts";
import { runGet } from "../../src/cli/get.ts";
import { parseValue } from "../../src/cli/types.ts";
import { hex, read } from "../helpers/bytes.ts";

interface Vector {
  description: string;
  expression: string;
  bytes: string;
  json?: unknown;
  hashCode?: number;
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/kryo-vectors.json", import.meta.url), "utf8")) as Record<
  string,
  { kryo: Vector[] }
>;
const gens = [
  { gen: 1, fixture: fixture["flink-1.20.5"].kryo, k: "kryo1" },
  { gen: 2, fixture: fixture["flink-2.3.0"].kryo, k: "kryo" },
] as const;

function vector(list: readonly Vector[], description: string): Vector {
  const v = list.find((e) => e.description === description);
  assert.ok(v, description);
  return v;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "none";
}

const COLOR = "enum dev.qstate.compat.Color{RED,GREEN,BLUE}";
const ldt = LocalDateTime.parse("2024-02-29T13:45:30.5");

describe("java.time values Kryo holds", () => {
  test("Java's toString, parse and hashCode", () => {
    assert.equal(String(new Duration(90n, 5)), "PT1M30.000000005S");
    assert.equal(String(new Duration(-2n, 500_000_000)), "PT-1.5S");
    assert.deepEqual(Duration.parse("PT-1.5S"), new Duration(-2n, 500_000_000));
    assert.deepEqual(Duration.parse("P2DT3H"), new Duration(183600n));
    assert.equal(String(new Duration(0n)), "PT0S");
    assert.equal(String(new Period(-1, 0, -40)), "P-1Y-40D");
    assert.deepEqual(Period.parse("P2W"), new Period(0, 0, 14));
    assert.equal(String(new ZonedDateTime(ldt, "Europe/Paris")), "2024-02-29T13:45:30.500+01:00[Europe/Paris]");
    assert.equal(String(new ZonedDateTime(ldt, "UTC")), "2024-02-29T13:45:30.500Z[UTC]");
    assert.equal(String(new ZonedDateTime(ldt, "+00:00")), "2024-02-29T13:45:30.500Z");
    // In an overlap (clocks set back), Java's ZonedDateTime.of takes the earlier offset.
    assert.equal(new ZonedDateTime(LocalDateTime.parse("2023-10-29T02:30"), "Europe/Paris").offset, "+02:00");
    assert.equal(String(ZonedDateTime.parse("2023-07-01T08:00-04:00[America/New_York]").zone), "America/New_York");
    assert.equal(String(new OffsetDateTime(ldt, "-01:01:01")), "2024-02-29T13:45:30.500-01:01:01");
    assert.equal(String(new OffsetTime(new LocalTime(13, 45), "-08:00")), "13:45-08:00");
    assert.equal(String(new YearMonth(-5, 12)), "-0005-12");
    assert.equal(String(new MonthDay(2, 29)), "--02-29");
    assert.equal(JSON.stringify(new Year(2024)), '"2024"');
    assert.equal(code(() => new OffsetDateTime(ldt, "Europe/Paris")), "INVALID_ARGUMENT");
    assert.equal(code(() => new ZonedDateTime(ldt, "No/Such_Zone")), "INVALID_ARGUMENT");
    assert.equal(code(() => Duration.parse("PT")), "INVALID_ARGUMENT");
  });

  for (const { gen, fixture: f, k } of gens) {
    test(`${k}: each value, built in JS, writes Flink ${gen}.x's bytes and hashes as Java`, () => {
      const s = parseTypeExpression(k);
      const cases: [string, unknown][] = [
        ["Duration", new Duration(90n, 5)],
        ["Duration negative", Duration.parse("PT-1.5S")],
        ["Period negative", new Period(-1, 0, -40)],
        ["ZonedDateTime in a region", new ZonedDateTime(ldt, "Europe/Paris")],
        ["ZonedDateTime in summer time", new ZonedDateTime(LocalDateTime.parse("2023-07-01T08:00"), "America/New_York")],
        ["ZonedDateTime at an offset", new ZonedDateTime(ldt, "+01:00")],
        ["ZonedDateTime in zone UTC", new ZonedDateTime(ldt, "UTC")],
        ["OffsetDateTime at an odd offset", new OffsetDateTime(ldt, "-01:01:01")],
        ["OffsetTime", OffsetTime.parse("13:45-08:00")],
        ["ZoneOffset", new KryoTyped("java.time.ZoneOffset", "+02:00")],
        ["ZoneId region", new KryoTyped("java.time.ZoneRegion", "America/New_York")],
        ["Year", new Year(2024)],
        ["YearMonth", new YearMonth(2024, 2)],
        ["MonthDay", new MonthDay(2, 29)],
        ["Optional of a String", Optional.of("x")],
        ["Optional empty", Optional.empty()],
        ["OptionalInt", new Optional(-7, "java.util.OptionalInt")],
        ["OptionalLong", new Optional(1n << 40n, "java.util.OptionalLong")],
        ["OptionalDouble empty", new Optional(null, "java.util.OptionalDouble")],
        ["BitSet (id 74)", new KryoTyped("java.util.BitSet", new Set([0, 1, 3, 64, 100]))],
        ["BitSet empty", new KryoTyped("java.util.BitSet", new Set())],
        ["Locale (id 83)", new KryoTyped("java.util.Locale", "en_US")],
        ["Locale root", new KryoTyped("java.util.Locale", "")],
        ["Pattern (id 76)", new Pattern("a+b*")],
        ["Pattern with flags", new Pattern("x.y", gen === 2 ? 34 : 0)],
        ["InetSocketAddress (id 81)", new KryoTyped("java.net.InetSocketAddress", "example.com:8080")],
        ["TimeZone", new KryoTyped("sun.util.calendar.ZoneInfo", "Europe/Paris")],
        ["Currency", new KryoTyped("java.util.Currency", "EUR")],
        ["StringBuilder", new KryoTyped("java.lang.StringBuilder", "sb")],
        ["AtomicLong", new KryoTyped("java.util.concurrent.atomic.AtomicLong", -5n)],
        ["AtomicInteger", new KryoTyped("java.util.concurrent.atomic.AtomicInteger", 6)],
        ["AtomicBoolean", new KryoTyped("java.util.concurrent.atomic.AtomicBoolean", true)],
        ["AbstractMap.SimpleEntry", new KryoTyped("java.util.AbstractMap$SimpleEntry", { key: "k", value: 1n })],
      ];
      for (const [description, value] of cases) {
        const e = vector(f, description);
        assert.equal(hex(s, value), e.bytes, description);
        if (e.hashCode !== undefined) assert.equal(s.hashCode!(value), e.hashCode, description);
        assert.deepEqual(toJsonValue(value instanceof KryoTyped ? value.value : value), e.json, description);
      }
      // Flink 1.x serializes a Locale with Java serialization (all five fields); 2.x keeps language, country, variant.
      const sr = read(s, vector(f, "Locale with a script and variant").bytes);
      assert.equal(sr, gen === 1 ? "sr_RS_#Latn" : "sr_RS");
    });

    test(`${k}: Java's shared instances (cached offsets, one LocalDateTime in two values) are back-references`, () => {
      const s = parseTypeExpression(k);
      const same = new ZonedDateTime(ldt, "+01:00");
      const list = [
        same,
        new ZonedDateTime(LocalDateTime.parse("2020-01-01T00:00"), "Europe/Paris"),
        new OffsetDateTime(same.dateTime, "+01:00"),
        new KryoTyped("java.time.ZoneOffset", "+01:00"),
        new Duration(10800n),
        Optional.of(new KryoTyped("java.time.ZoneRegion", "Asia/Tokyo")),
      ];
      assert.equal(hex(s, list), vector(f, "ArrayList of zoned and offset values").bytes);
    });

    test(`${k}: a decoded value writes back as it was written, shared or not`, () => {
      // New values are Java's cached instance: the second 13:00 is a back-reference (03: object 1) on both versions.
      const s = parseTypeExpression(k);
      const shared = hex(s, [new LocalTime(13, 0), new LocalTime(13, 0)]);
      assert.ok(shared.endsWith("03"), shared);
      assert.equal(hex(s, read(s, shared)), shared);
      // Two 13:00 objects (as Flink 1.x's restore makes them): the second written whole (marker 01, then the time:
      // its fields on 1.x, Kryo 5's complemented hour on 2.x). Decoded, they write back apart.
      const apart = shared.slice(0, -2) + (gen === 1 ? "010d000000" : "01f2");
      const decoded = read(s, apart) as LocalTime[];
      assert.deepEqual(decoded, [new LocalTime(13, 0), new LocalTime(13, 0)]);
      assert.equal(hex(s, decoded), apart);
    });

    test(`${k}: EnumSet and EnumMap name their enum; enums in collections`, () => {
      const s = parseTypeExpression(`${k}<Object,${COLOR}>`);
      assert.equal(hex(s, new KryoTyped("java.util.RegularEnumSet", new Set(["RED", "BLUE"]))), vector(f, "EnumSet").bytes);
      assert.equal(hex(s, new KryoTyped("java.util.EnumMap", new Map([["RED", 1], ["GREEN", 2]]))), vector(f, "EnumMap").bytes);
      assert.equal(hex(s, ["GREEN", "RED", "GREEN"].map((c) => new KryoTyped("dev.qstate.compat.Color", c))), vector(f, "ArrayList of enums").bytes);
      const set = read(s, vector(f, "EnumSet empty").bytes);
      assert.deepEqual(set, new Set());
      assert.equal(hex(s, set), vector(f, "EnumSet empty").bytes);
      // An empty EnumSet built in JS does not say its enum.
      assert.equal(code(() => hex(s, new KryoTyped("java.util.RegularEnumSet", new Set()))), "INVALID_ARGUMENT");
      // Without the enum described, reading names it.
      assert.throws(() => read(parseTypeExpression(k), vector(f, "EnumSet").bytes), (e: Error & { code: string }) =>
        e.code === "KRYO_UNSUPPORTED_CLASS" && e.message.includes("dev.qstate.compat.Color"));
    });

    test(`${k}: JDK enums need no description`, () => {
      const s = parseTypeExpression(k);
      const list = [["java.time.DayOfWeek", "MONDAY"], ["java.time.Month", "MARCH"], ["java.time.temporal.ChronoUnit", "DAYS"],
        ["java.util.concurrent.TimeUnit", "SECONDS"], ["java.math.RoundingMode", "HALF_UP"], ["java.time.DayOfWeek", "MONDAY"]]
        .map(([c, v]) => new KryoTyped(c, v));
      const e = vector(f, "JDK enums in a list");
      assert.equal(hex(s, list), e.bytes);
      assert.deepEqual(read(s, e.bytes), ["MONDAY", "MARCH", "DAYS", "SECONDS", "HALF_UP", "MONDAY"]);
      // The one enum holding both constants.
      assert.equal(hex(s, new KryoTyped("java.util.RegularEnumSet", new Set(["SATURDAY", "SUNDAY"]))), vector(f, "EnumSet of DayOfWeek").bytes);
      assert.equal(fromJsonValue(parseTypeExpression(`${k}<java.time.DayOfWeek>`), "FRIDAY"), "FRIDAY");
      // A description in the expression takes precedence over the built-in one.
      const own = parseTypeExpression(`${k}<Object,enum java.time.DayOfWeek{A,B}>`);
      assert.equal(read(own, hex(own, new KryoTyped("java.time.DayOfWeek", "B"))), "B");
    });

    if (gen === 2) {
      test("kryo: a record (Kryo 5's RecordSerializer: components sorted by name, without their type arguments)", () => {
        const e = vector(f, "record");
        const s = parseTypeExpression(e.expression);
        const rec = { n: 3, name: "r", tags: ["t"], color: "RED", any: 5n };
        assert.equal(hex(s, new KryoTyped("dev.qstate.compat.KryoTypes$Rec", rec)), e.bytes);
        assert.deepEqual(read(s, e.bytes), rec);
        // Described as a class (with type arguments applied), the same value writes other bytes.
        const asClass = parseTypeExpression(e.expression.replace("record ", "final "));
        assert.notEqual(hex(asClass, new KryoTyped("dev.qstate.compat.KryoTypes$Rec", rec)), e.bytes);
      });
    }

    test(`${k}: an empty Optional, a null and an Optional of null differ`, () => {
      const s = parseTypeExpression(`${k}<Object,dev.qstate.compat.Holder{o:java.util.Optional<String>}>`);
      const empty = hex(s, new KryoTyped("dev.qstate.compat.Holder", { o: Optional.empty() }));
      const none = hex(s, new KryoTyped("dev.qstate.compat.Holder", { o: null }));
      assert.notEqual(empty, none);
      assert.deepEqual(read(s, empty), { o: Optional.empty() });
      assert.deepEqual(read(s, none), { o: null });
      assert.equal(code(() => new Optional(1.5, "java.util.OptionalInt")), "INVALID_ARGUMENT");
      assert.equal(code(() => Optional.of(null)), "INVALID_ARGUMENT");
    });
  }
});

describe("Kryo values from JSON (CLI --key, gateway)", () => {
  for (const { gen, fixture: f, k } of gens) {
    test(`${k}: a declared JDK class reads its JSON as toJsonValue writes it, and writes Flink ${gen}.x's bytes`, () => {
      for (const description of ["declared Duration (registered first)", "declared LocalDateTime", "declared UUID (registered by default)"]) {
        const e = vector(f, description);
        const s = parseTypeExpression(e.expression);
        const v = fromJsonValue(s, e.json);
        assert.equal(hex(s, v), e.bytes, description);
        assert.deepEqual(toJsonValue(read(s, e.bytes)), e.json, description);
      }
      const zone = parseTypeExpression(`${k}<java.time.ZoneId>`);
      assert.equal(hex(zone, fromJsonValue(zone, "Europe/Berlin")), vector(f, "declared ZoneId holds a region").bytes);
      assert.equal(fromJsonValue(zone, "+0100"), "+01:00");
      for (const [cls, json] of [["java.util.Locale", "de_CH"], ["java.util.BitSet", [1, 5, 70]], ["java.util.regex.Pattern", "a|b"],
        ["java.net.InetSocketAddress", "[::1]:9069"], ["java.time.MonthDay", "--12-24"], ["java.util.Optional", null]] as const) {
        const s = parseTypeExpression(`${k}<${cls}>`);
        assert.deepEqual(toJsonValue(read(s, hex(s, fromJsonValue(s, json)))), json, cls);
      }
      assert.equal(code(() => fromJsonValue(parseTypeExpression(`${k}<java.util.Locale>`), "de-CH")), "INVALID_ARGUMENT");
    });

    test(`${k}: a described user class reads a JSON object, field by field with their Java types`, () => {
      const e = vector(f, "user class with java.time, Optional and enum set fields");
      const s = parseTypeExpression(e.expression.replace("<Object,dev.qstate.compat.KryoTypes$Timed", "<dev.qstate.compat.KryoTypes$Timed"));
      const v = fromJsonValue(s, e.json) as Record<string, unknown>;
      assert.deepEqual(v.took, Duration.parse("PT-5M"));
      assert.deepEqual(v.note, Optional.empty());
      assert.deepEqual(v.rank, new Optional(3, "java.util.OptionalInt"));
      assert.deepEqual(v.weights, new Map([["RED", 1], ["GREEN", 2]]));
      assert.deepEqual(v.colors, new Set(["GREEN"]));
      assert.deepEqual(toJsonValue(v), e.json);
      // It writes, and reads back to the same JSON.
      assert.deepEqual(toJsonValue(read(s, hex(s, v))), e.json);
      assert.equal(code(() => fromJsonValue(s, { ...(e.json as object), nope: 1 })), "INVALID_ARGUMENT");
      assert.match(
        (() => {
          try {
            fromJsonValue(s, { ...(e.json as object), took: "5 minutes" });
          } catch (x) {
            return (x as Error).message;
          }
          return "";
        })(),
        /JSON at \$\.took/,
      );
    });

    test(`${k}: the key's hash is Java's, from JSON as from the bytes`, () => {
      for (const description of ["declared Duration (registered first)"]) {
        const e = vector(f, description);
        const s = parseTypeExpression(e.expression) as TypeSerializer<unknown>;
        assert.equal(s.hashCode!(fromJsonValue(s, e.json)), s.hashCode!(read(s, e.bytes)));
      }
      const ym = parseTypeExpression(`${k}<java.time.YearMonth>`);
      assert.equal(ym.hashCode!(fromJsonValue(ym, "2024-02")), 2024 ^ (2 << 27));
      const offset = parseTypeExpression(`${k}<java.time.ZoneOffset>`);
      assert.equal(offset.hashCode!(fromJsonValue(offset, "+02:00")), 7200);
      // Java hashes a Currency or an AtomicLong by identity, a Locale by its own rule: no hash to route by.
      const any = parseTypeExpression(k);
      assert.equal(code(() => any.hashCode!(new KryoTyped("java.util.Currency", "EUR"))), "MISSING_KEY_HASH");
      assert.equal(code(() => any.hashCode!(new KryoTyped("java.util.concurrent.atomic.AtomicLong", 1n))), "MISSING_KEY_HASH");
    });

    test(`${k}: without a class to go by, a typed error says to name it`, () => {
      assert.throws(() => fromJsonValue(parseTypeExpression(k), "x"), (e: Error & { code: string }) =>
        e.code === "UNSUPPORTED_TYPE" && e.message.includes(`${k}<java.time.Duration>`));
      assert.throws(() => fromJsonValue(parseTypeExpression(`${k}<com.acme.Unknown>`), {}), (e: Error & { code: string }) =>
        e.code === "UNSUPPORTED_TYPE" && e.message.includes("describe it"));
    });
  }

  test("the CLI's --key text: bare for a scalar class, JSON for a user class", () => {
    assert.deepEqual(parseValue("kryo<java.time.Duration>", "PT5M"), new Duration(300n));
    assert.deepEqual(parseValue("kryo1<java.time.ZonedDateTime>", "2024-02-29T13:45+01:00[Europe/Paris]"),
      new ZonedDateTime(LocalDateTime.parse("2024-02-29T13:45"), "Europe/Paris", "+01:00"));
    const event = "kryo<com.acme.Event>{id:long,name:String,tags:List<String>,color:enum com.acme.Color{RED,GREEN}}";
    assert.deepEqual(parseValue(event, '{"id":"7","name":"ada","tags":["a"],"color":"RED"}'), {
      id: 7n, name: "ada", tags: ["a"], color: "RED",
    });
    assert.throws(() => parseValue(event, '{"id":"7","color":"PINK"}'), (e: Error & { code: string }) =>
      e.code === "INVALID_ARGUMENT" && e.message.includes("RED, GREEN"));
  });
});

describe("Kryo keys on our own servers", () => {
  test("qstate get --key reads a Kryo-typed key (a Duration) from its text and finds the key's server and value", async () => {
    // A Kryo serializer hashes keys (Java's hashCode of the JDK value), so it serves as a key type.
    const keyType = parseTypeExpression("kryo<java.time.Duration>") as KeySerializer<unknown>;
    const totals = valueState("totals", longSerializer, { queryable: "totals" });
    await using cluster = await LocalCluster.start({ taskManagers: 2 });
    const job = cluster.submit({
      sources: [[{ took: "PT1S", n: 1 }, { took: "PT5M", n: 2 }, { took: "PT1S", n: 3 }, { took: "PT-1.5S", n: 4 }]],
      keyBy: (e: { took: string; n: number }) => Duration.parse(e.took),
      keyType,
      steps: [{
        name: "sum",
        states: [totals],
        process: (e, ctx) => ctx.state(totals).update((ctx.state(totals).value() ?? 0n) + BigInt(e.n)),
      }],
    });
    await job.sourcesDone;
    const { hostname, port } = cluster.proxyAddresses[0];
    const get = (key: string) =>
      runGet({
        proxy: `${hostname}:${port}`, job: job.jobId.toString(), state: "totals", key, keyType: "kryo<java.time.Duration>",
        valueType: "long", kind: "value", mapKeyType: "string", timeoutMs: 5000,
      });
    assert.equal(await get("PT1S"), 4n);
    assert.equal(await get("PT5M"), 2n);
    assert.equal(await get('"PT-1.5S"'), 4n);
  });
});
