package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.array;
import static dev.qstate.compat.VectorsJson.hex;
import static dev.qstate.compat.VectorsJson.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;

/**
 * Category {@code avro}: generic records serialized by flink-avro's AvroSerializer, made as a job makes it
 * ({@code new GenericRecordAvroTypeInfo(schema)}). Each entry: the schema, the bytes Flink writes for a value,
 * and that value (as Flink reads it back) as JSON in our conventions: records as objects, maps as objects, bytes
 * and fixed as hex, longs as strings, enums by symbol, a union of null and one type as the value or null, other
 * unions as {@code {branchName: value}}, and the logical types decimal, date, time-*, timestamp-*,
 * local-timestamp-* as Java's toString of BigDecimal and java.time values. Error entries carry bytes Flink
 * cannot read, the Java exception it throws and the error code we report.
 */
final class AvroVectors {
    private AvroVectors() {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ArrayNode out = array();

    static ArrayNode avro() throws Exception {
        AvroVectors v = new AvroVectors();
        v.all();
        return v.out;
    }

    // ------------------------------------------------------------------------------------------- schemas

    private static final String PRIMITIVES = """
            {"type": "record", "name": "Primitives", "namespace": "dev.qstate.avro", "fields": [
              {"name": "n", "type": "null"}, {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"},
              {"name": "l", "type": "long"}, {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
              {"name": "bytes", "type": "bytes"}, {"name": "s", "type": "string"}]}""";

    private static final String UNIONS = """
            {"type": "record", "name": "Unions", "namespace": "dev.qstate.avro", "fields": [
              {"name": "nullFirst", "type": ["null", "string"]},
              {"name": "nullLast", "type": ["long", "null"]},
              {"name": "three", "type": ["null", "long", "string"]},
              {"name": "named", "type": [
                {"type": "record", "name": "Point", "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": "int"}]},
                {"type": "enum", "name": "Suit", "symbols": ["HEARTS", "SPADES"]},
                "double"]},
              {"name": "nullableRecord", "type": ["null", "Point"]}]}""";

    private static final String COLLECTIONS = """
            {"type": "record", "name": "Collections", "namespace": "dev.qstate.avro", "fields": [
              {"name": "ints", "type": {"type": "array", "items": "int"}},
              {"name": "nested", "type": {"type": "array", "items": {"type": "array", "items": "string"}}},
              {"name": "counts", "type": {"type": "map", "values": "long"}},
              {"name": "lists", "type": {"type": "map", "values": {"type": "array", "items": ["null", "double"]}}}]}""";

    private static final String NAMED = """
            {"type": "record", "name": "Card", "namespace": "dev.qstate.avro", "fields": [
              {"name": "suit", "type": {"type": "enum", "name": "Suit", "symbols": ["HEARTS", "SPADES", "CLUBS", "DIAMONDS"]}},
              {"name": "id", "type": {"type": "fixed", "name": "Id", "size": 4}},
              {"name": "owner", "type": {"type": "record", "name": "Owner", "fields": [
                {"name": "name", "type": "string"},
                {"name": "address", "type": ["null", {"type": "record", "name": "Address", "namespace": "dev.qstate.geo",
                  "fields": [{"name": "city", "type": "string"}, {"name": "zip", "type": "int"}]}]}]}},
              {"name": "previous", "type": {"type": "array", "items": "Owner"}}]}""";

    private static final String LINKED = """
            {"type": "record", "name": "Node", "fields": [
              {"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Node"]}]}""";

    private static final String LOGICAL = """
            {"type": "record", "name": "Logical", "namespace": "dev.qstate.avro", "fields": [
              {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
              {"name": "wide", "type": {"type": "fixed", "name": "Dec8", "size": 8, "logicalType": "decimal", "precision": 18, "scale": 4}},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}},
              {"name": "tMillis", "type": {"type": "int", "logicalType": "time-millis"}},
              {"name": "tMicros", "type": {"type": "long", "logicalType": "time-micros"}},
              {"name": "tsMillis", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "tsMicros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "ltsMillis", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
              {"name": "ltsMicros", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
              {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "maybeDay", "type": ["null", {"type": "int", "logicalType": "date"}]}]}""";

    // ------------------------------------------------------------------------------------------- values

    private void all() throws Exception {
        Schema p = parse(PRIMITIVES);
        add("primitives", p, record(p, null, true, 1, 2L, 0.5f, 0.25, bytes(1, 2, 255), "ada"));
        add("primitives at their limits", p, record(p, null, false, Integer.MIN_VALUE, Long.MIN_VALUE,
                Float.MAX_VALUE, Double.MIN_VALUE, bytes(), ""));
        add("primitives: NaN, -0.0, infinity, non-ASCII and a lone surrogate", p, record(p, null, true,
                Integer.MAX_VALUE, Long.MAX_VALUE, Float.NaN, -0.0, bytes(0), "h\u00e9llo \u65e5\u672c \ud83d\ude00 \ud800!"));
        add("primitives: negative infinity, a long past 2^53", p, record(p, null, false, -1, 9007199254740993L,
                Float.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, bytes(0x80), "x"));

        Schema u = parse(UNIONS);
        Schema point = u.getField("named").schema().getTypes().get(0);
        Schema suit = u.getField("named").schema().getTypes().get(1);
        add("unions: nulls", u, record(u, null, null, null, pointOf(point, 1, 2), null));
        add("unions: values", u, record(u, "s", 7L, 8L, new GenericData.EnumSymbol(suit, "SPADES"), pointOf(point, -1, 0)));
        add("unions: the third branch", u, record(u, "", -1L, "three", 2.5, null));

        Schema c = parse(COLLECTIONS);
        add("collections: empty", c, record(c, List.of(), List.of(), new LinkedHashMap<>(), new LinkedHashMap<>()));
        List<Integer> many = new ArrayList<>();
        for (int i = 0; i < 200; i++) many.add(i * 7 - 100);
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("a", 1L);
        counts.put("b", -2L);
        counts.put("\u00fc", Long.MAX_VALUE);
        Map<String, List<Double>> lists = new LinkedHashMap<>();
        lists.put("x", Arrays.asList(1.5, null, -0.0));
        lists.put("empty", List.of());
        add("collections: 200 ints (a two-byte count), nested, maps", c,
                record(c, many, List.of(List.of("a", "b"), List.of(), List.of("c")), counts, lists));
        Map<String, Long> big = new LinkedHashMap<>();
        for (int i = 0; i < 130; i++) big.put("k" + i, (long) i);
        add("collections: a map of 130 entries", c, record(c, List.of(1), List.of(), big, new LinkedHashMap<>()));

        Schema n = parse(NAMED);
        Schema owner = n.getField("owner").schema();
        Schema address = owner.getField("address").schema().getTypes().get(1);
        add("enum, fixed, nested records across namespaces", n, record(n,
                new GenericData.EnumSymbol(n.getField("suit").schema(), "DIAMONDS"),
                new GenericData.Fixed(n.getField("id").schema(), bytes(0xde, 0xad, 0xbe, 0xef)),
                record(owner, "ada", record(address, "Z\u00fcrich", 8001)),
                List.of(record(owner, "bob", null), record(owner, "eve", record(address, "", -1)))));

        Schema l = parse(LINKED);
        add("a recursive record (linked list)", l, record(l, 1, record(l, 2, record(l, 3, null))));

        Schema g = parse(LOGICAL);
        add("logical types", g, logical(g, new BigDecimal("1234.56"), new BigDecimal("-0.0001"), LocalDate.of(2024, 2, 29),
                LocalTime.of(13, 45, 7, 123_000_000), LocalTime.of(23, 59, 59, 999_999_000),
                Instant.parse("2024-05-01T12:00:00.123Z"), Instant.parse("2024-05-01T12:00:00.123456Z"),
                LocalDateTime.parse("2024-05-01T12:00:00.5"), LocalDateTime.parse("1999-12-31T23:59:59.999999"),
                "123e4567-e89b-12d3-a456-426614174000", LocalDate.of(1970, 1, 1)));
        add("logical types before the epoch, zero, negative decimals", g, logical(g, new BigDecimal("0.00"),
                new BigDecimal("-92233720368547.7580"), LocalDate.of(1969, 12, 31), LocalTime.MIDNIGHT, LocalTime.of(0, 0, 0, 1000),
                Instant.parse("1969-12-31T23:59:59.999Z"), Instant.parse("1900-01-01T00:00:00.000001Z"),
                LocalDateTime.parse("1969-12-31T23:59:59.999"), LocalDateTime.parse("0001-01-01T00:00:00"), "", null));

        // Bytes Flink cannot read.
        error("an enum index out of range", n, "000000070000000000", "AVRO_DECODE");
        error("a union branch out of range", u, "00000005", "AVRO_DECODE");
        error("bytes that end inside a long", p, "01000000010000", "TRUNCATED_INPUT");
    }

    private static Schema parse(String json) {
        return new Schema.Parser().parse(json);
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    /** A generic record of {@code s} with its fields in declaration order; byte[] become ByteBuffers. */
    private static GenericRecord record(Schema s, Object... fields) {
        GenericData.Record r = new GenericData.Record(s);
        for (int i = 0; i < fields.length; i++) {
            Object v = fields[i];
            r.put(i, v instanceof byte[] b ? ByteBuffer.wrap(b) : v);
        }
        return r;
    }

    private static GenericRecord pointOf(Schema point, int x, int y) {
        return record(point, x, y);
    }

    /** Logical values as the underlying Avro values a generic record holds (Flink's GenericData has no conversions). */
    private static GenericRecord logical(Schema s, BigDecimal price, BigDecimal wide, LocalDate day, LocalTime tMillis,
            LocalTime tMicros, Instant tsMillis, Instant tsMicros, LocalDateTime ltsMillis, LocalDateTime ltsMicros,
            String id, LocalDate maybeDay) {
        Conversions.DecimalConversion dec = new Conversions.DecimalConversion();
        Schema priceS = s.getField("price").schema(), wideS = s.getField("wide").schema();
        Instant lm = ltsMillis.toInstant(ZoneOffset.UTC), lu = ltsMicros.toInstant(ZoneOffset.UTC);
        return record(s,
                dec.toBytes(price, priceS, priceS.getLogicalType()),
                dec.toFixed(wide, wideS, wideS.getLogicalType()),
                (int) day.toEpochDay(),
                (int) (tMillis.toNanoOfDay() / 1_000_000),
                tMicros.toNanoOfDay() / 1000,
                tsMillis.toEpochMilli(),
                micros(tsMicros),
                lm.toEpochMilli(),
                micros(lu),
                id,
                maybeDay == null ? null : (int) maybeDay.toEpochDay());
    }

    // ChronoUnit.MICROS.between counts in nanoseconds and overflows past 292 years.
    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    private static TypeSerializer<Object> serializer(Schema s) {
        return TypeVectors.serializer(new GenericRecordAvroTypeInfo(s));
    }

    private static JsonNode schemaJson(Schema s) throws Exception {
        return MAPPER.readTree(s.toString());
    }

    private void add(String description, Schema s, GenericRecord value) throws Exception {
        TypeSerializer<Object> ser = serializer(s);
        byte[] b = TypeVectors.bytes(ser, value);
        DataInputDeserializer in = new DataInputDeserializer(b);
        Object back = ser.deserialize(in);
        if (in.available() != 0) throw new IllegalStateException(description + ": " + in.available() + " bytes left");
        ObjectNode e = object().put("description", description).put("serializer", ser.getClass().getSimpleName());
        e.set("schema", schemaJson(s));
        e.put("bytes", hex(b));
        e.set("json", render(back, s));
        out.add(e);
    }

    private void error(String description, Schema s, String hexBytes, String ourCode) throws Exception {
        TypeSerializer<Object> ser = serializer(s);
        Throwable thrown = null;
        try {
            ser.deserialize(new DataInputDeserializer(VectorsJson.unhex(hexBytes)));
        } catch (Throwable t) {
            thrown = t;
        }
        if (thrown == null) throw new IllegalStateException(description + ": Flink read the bytes");
        ObjectNode e = object().put("description", description).put("serializer", ser.getClass().getSimpleName());
        e.set("schema", schemaJson(s));
        e.put("bytes", hexBytes).put("errorCode", ourCode);
        e.set("javaError", VectorsJson.error(thrown));
        out.add(e);
    }

    // ------------------------------------------------------------------------------------------- JSON

    /** A datum of {@code s} (as GenericDatumReader returns it) in our JSON conventions. */
    static JsonNode render(Object v, Schema s) {
        String logical = s.getProp("logicalType");
        switch (s.getType()) {
            case NULL:
                return F.nullNode();
            case UNION: {
                List<Schema> types = s.getTypes();
                Schema branch = types.get(GenericData.get().resolveUnion(s, v));
                long others = types.stream().filter(t -> t.getType() != Schema.Type.NULL).count();
                if (others <= 1 || branch.getType() == Schema.Type.NULL) return render(v, branch);
                return F.objectNode().set(branch.getFullName(), render(v, branch));
            }
            case RECORD: {
                GenericRecord r = (GenericRecord) v;
                ObjectNode o = F.objectNode();
                for (Schema.Field f : s.getFields()) o.set(f.name(), render(r.get(f.pos()), f.schema()));
                return o;
            }
            case ENUM:
                return F.textNode(v.toString());
            case ARRAY: {
                ArrayNode a = F.arrayNode();
                for (Object x : (Collection<?>) v) a.add(render(x, s.getElementType()));
                return a;
            }
            case MAP: {
                ObjectNode o = F.objectNode();
                ((Map<?, ?>) v).forEach((k, x) -> o.set(k.toString(), render(x, s.getValueType())));
                return o;
            }
            case FIXED: {
                byte[] b = ((GenericFixed) v).bytes();
                return "decimal".equals(logical) ? decimal(b, s) : F.textNode(hex(b));
            }
            case BYTES: {
                ByteBuffer buf = ((ByteBuffer) v).duplicate();
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                return "decimal".equals(logical) ? decimal(b, s) : F.textNode(hex(b));
            }
            case STRING:
                return F.textNode(v.toString());
            case INT: {
                int i = (Integer) v;
                if ("date".equals(logical)) return F.textNode(LocalDate.ofEpochDay(i).toString());
                if ("time-millis".equals(logical)) return F.textNode(LocalTime.ofNanoOfDay(i * 1_000_000L).toString());
                return F.numberNode(i);
            }
            case LONG: {
                long n = (Long) v;
                if (logical == null) return F.textNode(Long.toString(n));
                return switch (logical) {
                    case "time-micros" -> F.textNode(LocalTime.ofNanoOfDay(n * 1000).toString());
                    case "timestamp-millis" -> F.textNode(Instant.ofEpochMilli(n).toString());
                    case "timestamp-micros" -> F.textNode(Instant.EPOCH.plus(n, ChronoUnit.MICROS).toString());
                    case "local-timestamp-millis" ->
                            F.textNode(LocalDateTime.ofInstant(Instant.ofEpochMilli(n), ZoneOffset.UTC).toString());
                    case "local-timestamp-micros" ->
                            F.textNode(LocalDateTime.ofInstant(Instant.EPOCH.plus(n, ChronoUnit.MICROS), ZoneOffset.UTC).toString());
                    default -> F.textNode(Long.toString(n));
                };
            }
            case FLOAT:
            case DOUBLE:
            case BOOLEAN:
                return JsonRender.render(v);
            default:
                throw new IllegalArgumentException("type " + s.getType());
        }
    }

    private static JsonNode decimal(byte[] unscaled, Schema s) {
        int scale = ((LogicalTypes.Decimal) s.getLogicalType()).getScale();
        return F.textNode(new BigDecimal(new BigInteger(unscaled), scale).toString());
    }
}
