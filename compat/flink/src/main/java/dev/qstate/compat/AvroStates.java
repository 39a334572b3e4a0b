package dev.qstate.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;

/**
 * The Avro part of the types job: keyed states of generic records ({@code new GenericRecordAvroTypeInfo(schema)},
 * flink-avro's AvroSerializer), keyed by string and by long. The records hold what a job without Avro conversions
 * holds: logical types as their underlying values (a decimal's unscaled bytes as a ByteBuffer, timestamps as longs,
 * dates as ints). Every value is a pure function of the key, the key's last record and its record count, as in
 * {@link TypesJob}; the expected JSON is {@link AvroVectors#render}'s.
 */
final class AvroStates {
    private AvroStates() {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long BASE_MS = 1_700_000_000_000L;

    /** Primitives, unions (nullable and of three branches), enum, array, map, nested records, fixed, bytes, logical types. */
    static final String USER = """
            {"type": "record", "name": "User", "namespace": "dev.qstate.avro", "fields": [
              {"name": "name", "type": "string"},
              {"name": "visits", "type": "int"},
              {"name": "total", "type": "long"},
              {"name": "ratio", "type": "float"},
              {"name": "score", "type": "double"},
              {"name": "active", "type": "boolean"},
              {"name": "none", "type": "null"},
              {"name": "nickname", "type": ["null", "string"]},
              {"name": "last", "type": ["null", "long", "string"]},
              {"name": "tier", "type": {"type": "enum", "name": "Tier", "symbols": ["BRONZE", "SILVER", "GOLD"]}},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "counts", "type": {"type": "map", "values": "long"}},
              {"name": "home", "type": {"type": "record", "name": "Address", "fields": [
                {"name": "city", "type": "string"}, {"name": "zip", "type": "int"}]}},
              {"name": "work", "type": ["null", "Address"]},
              {"name": "tag4", "type": {"type": "fixed", "name": "Tag4", "size": 4}},
              {"name": "payload", "type": "bytes"},
              {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
              {"name": "seenAt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "seenAtMicros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}}]}""";

    /** A small record for the list and map states. */
    static final String VISIT = """
            {"type": "record", "name": "Visit", "namespace": "dev.qstate.avro", "fields": [
              {"name": "category", "type": "string"},
              {"name": "value", "type": "long"},
              {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "note", "type": ["null", "string"]}]}""";

    private static final Map<String, Schema> PARSED = new ConcurrentHashMap<>();

    /** The parsed schema of a JSON text, once per JVM (lambdas name the text, never a Schema object). */
    static Schema schema(String json) {
        return PARSED.computeIfAbsent(json, j -> new Schema.Parser().parse(j));
    }

    static GenericRecordAvroTypeInfo info(String json) {
        return new GenericRecordAvroTypeInfo(schema(json));
    }

    /** The schema's record name: the file name of our {@code avro:FILE} type expressions in the suite's JSON. */
    static String name(String json) {
        return schema(json).getName();
    }

    private static int userIndex(String user) {
        return Integer.parseInt(user.substring("user-".length()));
    }

    static void addTo(TypesJob.Group<String> users, TypesJob.Group<Long> ids) {
        users.avro("t-avro", "value", USER, null, (u, e, n) -> user(u, userIndex(u), e, n));
        users.avro("t-avro-list", "list", VISIT, null, (u, e, n) -> visit(e, n, userIndex(u)));
        users.avro("t-avro-map", "map", VISIT, Types.STRING, (u, e, n) -> Tuple2.of(e.category, visit(e, n, userIndex(u))));
        ids.avro("t-avro-by-id", "value", USER, null, (id, e, n) -> user(e.user, id.intValue(), e, n));
    }

    private static GenericRecord record(Schema s, Object... fields) {
        GenericData.Record r = new GenericData.Record(s);
        for (int i = 0; i < fields.length; i++) r.put(i, fields[i]);
        return r;
    }

    static GenericRecord user(String name, int k, Event e, long n) {
        Schema s = schema(USER);
        Schema address = s.getField("home").schema();
        Object last = switch (k % 3) {
            case 0 -> null;
            case 1 -> e.ts;
            default -> e.category;
        };
        List<String> tags = new ArrayList<>();
        if (k % 4 != 0) {
            tags.add(e.category);
            tags.add(name);
            tags.add("\u65e5\u672c");
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put(e.category, n);
        if (k % 2 == 1) counts.put("value", e.value);
        byte[] payload = k == 5 ? new byte[0] : (e.category + "\u00e9").getBytes(StandardCharsets.UTF_8);
        long at = k == 4 ? -BASE_MS + e.ts : BASE_MS + e.ts;
        return record(s,
                name,
                (int) n,
                Long.MAX_VALUE - 3 * n + e.value,
                e.value / 4f,
                e.value / 3.0,
                e.value % 2 == 0,
                null,
                k % 3 == 0 ? null : e.category + "-" + name,
                last,
                new GenericData.EnumSymbol(s.getField("tier").schema(), Math.floorMod(k + n, 3) == 0 ? "BRONZE"
                        : Math.floorMod(k + n, 3) == 1 ? "SILVER" : "GOLD"),
                tags,
                counts,
                record(address, "city-" + k, 1000 + k),
                k % 2 == 0 ? null : record(address, "Z\u00fcrich", 8000 + (int) n),
                new GenericData.Fixed(s.getField("tag4").schema(), new byte[] {(byte) k, (byte) n, (byte) e.value, (byte) 0xff}),
                ByteBuffer.wrap(payload),
                ByteBuffer.wrap(BigInteger.valueOf(e.value * 100 + k).toByteArray()),
                at,
                at * 1000 + k,
                k == 7 ? -1 - (int) n : 19_000 + (int) (e.ts / 25) + k);
    }

    static GenericRecord visit(Event e, long n, int k) {
        return record(schema(VISIT), e.category, e.value * n, BASE_MS + e.ts, (k + n) % 2 == 0 ? null : "#" + n);
    }

    /** A state's content as JSON: a record, a list of records, or a map state's entries as an object. */
    static JsonNode render(String kind, String schemaJson, Object content) {
        Schema s = schema(schemaJson);
        switch (kind) {
            case "value":
                return AvroVectors.render(content, s);
            case "list": {
                ArrayNode a = F.arrayNode();
                for (Object x : (List<?>) content) a.add(AvroVectors.render(x, s));
                return a;
            }
            default: {
                ObjectNode o = F.objectNode();
                ((Map<?, ?>) content).forEach((k, x) -> o.set(k.toString(), x == null ? F.nullNode() : AvroVectors.render(x, s)));
                return o;
            }
        }
    }

    /** {@code {name: schema}} for the suite's JSON: what {@code avro:name} in the state's type expression means. */
    static ObjectNode schemas(String schemaJson) throws Exception {
        ObjectNode o = F.objectNode();
        o.set(name(schemaJson), MAPPER.readTree(schema(schemaJson).toString()));
        return o;
    }
}
