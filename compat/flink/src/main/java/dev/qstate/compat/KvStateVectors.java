package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.array;
import static dev.qstate.compat.VectorsJson.error;
import static dev.qstate.compat.VectorsJson.hex;
import static dev.qstate.compat.VectorsJson.object;
import static dev.qstate.compat.VectorsJson.unhex;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.queryablestate.client.VoidNamespace;
import org.apache.flink.queryablestate.client.state.serialization.KvStateSerializer;

/**
 * The queryable-state byte formats, all through Flink's {@code KvStateSerializer}: key and namespace, single
 * values, lists, maps, and how its readers fail or tolerate odd bytes. Null inputs are recorded as Flink treats
 * them.
 */
final class KvStateVectors {
    private KvStateVectors() {}

    private static final VoidNamespace VOID = VoidNamespace.INSTANCE;

    // ------------------------------------------------------------------ key and namespace

    static ArrayNode keyAndNamespace() {
        ArrayNode out = array();
        for (int k : new int[] {0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 42}) out.add(keyNs(Kind.INT, k, Kind.VOID, VOID));
        for (long k : new long[] {0, -1, Long.MIN_VALUE, 1234567890123L}) out.add(keyNs(Kind.LONG, k, Kind.VOID, VOID));
        for (String k : new String[] {"", "hello", "\u65e5\u672c\u8a9e", "\ud83d\ude00", "\ud83d", "k".repeat(200)}) {
            out.add(keyNs(Kind.STRING, k, Kind.VOID, VOID));
        }
        out.add(keyNs(Kind.TUPLE2_INT_LONG, Tuple2.of(1, 2L), Kind.VOID, VOID));
        out.add(keyNs(Kind.TUPLE2_INT_LONG, Tuple2.of(-1, -1L), Kind.VOID, VOID));
        out.add(keyNs(Kind.TUPLE2_INT_LONG, Tuple2.of(Integer.MIN_VALUE, Long.MAX_VALUE), Kind.VOID, VOID));
        out.add(keyNs(Kind.TUPLE2_INT_LONG, Tuple2.of(42, 1234567890123L), Kind.VOID, VOID));
        out.add(keyNs(Kind.BOOLEAN, true, Kind.VOID, VOID));
        out.add(keyNs(Kind.DOUBLE, 1.5, Kind.VOID, VOID));
        out.add(keyNs(Kind.BYTES, new byte[] {1, 2, 3}, Kind.VOID, VOID));
        out.add(keyNs(Kind.STRING, "user", Kind.STRING, "window-1"));
        out.add(keyNs(Kind.STRING, "k", Kind.STRING, null));
        out.add(keyNs(Kind.INT, 1, Kind.LONG, 1577836800000L));
        out.add(keyNs(Kind.LONG, 7L, Kind.STRING, "ns"));
        out.add(keyNs(Kind.INT, 5, Kind.INT, 6));
        out.add(keyNs(Kind.TUPLE2_INT_LONG, Tuple2.of(3, 4L), Kind.TUPLE2_INT_LONG, Tuple2.of(5, 6L)));
        return out;
    }

    private static ObjectNode keyNs(Kind keyKind, Object key, Kind nsKind, Object namespace) {
        ObjectNode e = object().put("keySerializer", keyKind.serializerName).<ObjectNode>set("key", keyKind.typed(key))
                .put("namespaceSerializer", nsKind.serializerName).set("namespace", nsKind.typed(namespace));
        if (key instanceof byte[]) {
            e.putNull("keyHashCode").put("keyHashCodeNote", "byte[] uses identity hashCode in Java; not deterministic");
        } else {
            e.put("keyHashCode", key.hashCode());
        }
        try {
            byte[] bytes = KvStateSerializer.serializeKeyAndNamespace(key, keyKind.serializer, namespace, nsKind.serializer);
            e.put("bytes", hex(bytes));
            Tuple2<Object, Object> back = KvStateSerializer.deserializeKeyAndNamespace(bytes, keyKind.serializer,
                    nsKind.serializer);
            e.set("deserializedKey", keyKind.typed(back.f0));
            e.set("deserializedNamespace", nsKind.typed(back.f1));
        } catch (Exception x) {
            e.set("error", error(x));
        }
        return e;
    }

    static ArrayNode deserializeKeyAndNamespaceErrors() {
        ArrayNode out = array();
        out.add(keyNsError(Kind.INT, Kind.VOID, "000000012b00", "bad magic byte 0x2b"));
        out.add(keyNsError(Kind.INT, Kind.VOID, "000000ff00", "bad magic byte 0x00"));
        out.add(keyNsError(Kind.INT, Kind.VOID, "0000", "truncated key"));
        out.add(keyNsError(Kind.INT, Kind.VOID, "", "empty bytes"));
        out.add(keyNsError(Kind.INT, Kind.VOID, "000000012a", "no namespace after the magic byte"));
        out.add(keyNsError(Kind.INT, Kind.VOID, "000000012a0000", "a byte after the namespace"));
        out.add(keyNsError(Kind.STRING, Kind.VOID, "05616263", "string key shorter than its length"));
        out.add(keyNsError(Kind.LONG, Kind.STRING, "00000000000000012a05616263", "string namespace shorter than its length"));
        out.add(keyNsError(Kind.BYTES, Kind.VOID, "ffffffff2a00", "byte[] key with a negative length"));
        return out;
    }

    private static ObjectNode keyNsError(Kind keyKind, Kind nsKind, String bytes, String description) {
        ObjectNode e = object().put("keySerializer", keyKind.serializerName).put("namespaceSerializer", nsKind.serializerName)
                .put("bytes", bytes).put("description", description);
        try {
            Tuple2<Object, Object> back = KvStateSerializer.deserializeKeyAndNamespace(unhex(bytes), keyKind.serializer,
                    nsKind.serializer);
            // Not an error after all: record what Flink read (the checker will flag the unexpected fields).
            e.set("deserializedKey", keyKind.typed(back.f0));
            e.set("deserializedNamespace", nsKind.typed(back.f1));
        } catch (Exception x) {
            e.set("error", error(x));
        }
        return e;
    }

    // ------------------------------------------------------------------ single values

    static ArrayNode serializeValue() {
        ArrayNode out = array();
        Object[][] cases = {
            {Kind.INT, 7}, {Kind.INT, null}, {Kind.LONG, 1L}, {Kind.LONG, Long.MIN_VALUE}, {Kind.LONG, null},
            {Kind.STRING, "value-1"}, {Kind.STRING, ""}, {Kind.STRING, null}, {Kind.BYTES, new byte[] {9, 8, 7}},
            {Kind.BYTES, new byte[0]}, {Kind.BYTES, null}, {Kind.DOUBLE, 2.5}, {Kind.DOUBLE, Double.NaN},
            {Kind.FLOAT, -0.0f}, {Kind.BOOLEAN, false}, {Kind.SHORT, (short) -2}, {Kind.BYTE, (byte) 0x7f},
            {Kind.CHAR, '\u00e9'}, {Kind.TUPLE2_INT_LONG, Tuple2.of(3, 4L)}, {Kind.VOID, VOID},
        };
        for (Object[] c : cases) {
            Kind kind = (Kind) c[0];
            ObjectNode e = object().put("serializer", kind.serializerName).set("input", kind.typed(c[1]));
            try {
                byte[] bytes = KvStateSerializer.serializeValue(c[1], kind.serializer);
                e.put("bytes", bytes == null ? null : hex(bytes));
                Object back = KvStateSerializer.deserializeValue(bytes, kind.serializer);
                e.set("deserialized", back == null ? null : kind.typed(back));
            } catch (Exception x) {
                e.set("error", error(x));
            }
            out.add(e);
        }
        return out;
    }

    static ArrayNode deserializeValueErrors() {
        ArrayNode out = array();
        Object[][] cases = {
            {Kind.INT, "0000000100"}, {Kind.STRING, "0161ff"}, {Kind.INT, ""}, {Kind.LONG, ""}, {Kind.STRING, ""},
            {Kind.BYTES, ""}, {Kind.BOOLEAN, ""}, {Kind.DOUBLE, ""}, {Kind.VOID, ""}, {Kind.TUPLE2_INT_LONG, ""},
            {Kind.LONG, "00000001"}, {Kind.STRING, "05616263"}, {Kind.STRING, "ff"}, {Kind.BYTES, "0000000501"},
            {Kind.BYTES, "ffffffff"}, {Kind.TUPLE2_INT_LONG, "0000000100"}, {Kind.VOID, "0000"},
        };
        for (Object[] c : cases) {
            Kind kind = (Kind) c[0];
            ObjectNode e = object().put("serializer", kind.serializerName).put("bytes", (String) c[1]);
            try {
                Object back = KvStateSerializer.deserializeValue(unhex((String) c[1]), kind.serializer);
                e.set("deserialized", back == null ? null : kind.typed(back)); // not an error: the checker flags it
            } catch (Exception x) {
                e.set("error", error(x));
            }
            out.add(e);
        }
        return out;
    }

    // ------------------------------------------------------------------ lists

    static ArrayNode listState() {
        ArrayNode out = array();
        out.add(list(Kind.INT));
        out.add(list(Kind.INT, 1, 2, 3));
        out.add(list(Kind.INT, 0x2c2c2c2c));
        out.add(list(Kind.LONG, 42L));
        out.add(list(Kind.LONG, Long.MIN_VALUE, Long.MAX_VALUE));
        out.add(list(Kind.STRING, "a", "b"));
        out.add(list(Kind.STRING, "\u65e5\u672c", "\ud83d\ude00", "x"));
        out.add(list(Kind.STRING, "a", null, "b"));
        out.add(list(Kind.STRING, (Object) null));
        out.add(list(Kind.STRING, ""));
        out.add(list(Kind.STRING, ",", ",,"));
        out.add(list(Kind.DOUBLE, 1.0, Double.NaN));
        out.add(list(Kind.BOOLEAN, true, false, true));
        out.add(list(Kind.BYTES, new byte[] {1, 2}, new byte[0]));
        out.add(list(Kind.TUPLE2_INT_LONG, Tuple2.of(1, 2L), Tuple2.of(3, 4L)));
        return out;
    }

    /**
     * HeapListState's format (what its getSerializedValue writes): each element serialized by Flink's element
     * serializer, one {@code ','} byte between elements; read back by {@code KvStateSerializer.deserializeList}.
     */
    private static ObjectNode list(Kind kind, Object... elements) {
        ObjectNode e = object().put("elementSerializer", kind.serializerName);
        ArrayNode in = e.putArray("elements");
        for (Object v : elements) in.add(kind.typed(v));
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < elements.length; i++) {
                if (i > 0) bytes.write(',');
                bytes.write(kind.serialize(elements[i]));
            }
            e.put("bytes", hex(bytes.toByteArray()));
            e.set("deserialized", typedList(kind, KvStateSerializer.deserializeList(bytes.toByteArray(), kind.serializer)));
        } catch (Exception x) {
            e.set("error", error(x));
        }
        return e;
    }

    private static ArrayNode typedList(Kind kind, List<?> values) {
        if (values == null) return null;
        ArrayNode a = array();
        for (Object v : values) a.add(kind.typed(v));
        return a;
    }

    static ArrayNode deserializeListQuirks() {
        ArrayNode out = array();
        out.add(listQuirk(Kind.INT, "000000010000000002", "separator 0x00 instead of ','"));
        out.add(listQuirk(Kind.INT, "00000001ff00000002", "separator 0xff instead of ','"));
        out.add(listQuirk(Kind.INT, "000000012c", "trailing separator"));
        out.add(listQuirk(Kind.INT, "", "empty bytes"));
        out.add(listQuirk(Kind.INT, null, "null bytes"));
        out.add(listQuirk(Kind.INT, "00000001", "one element, no separator"));
        out.add(listQuirk(Kind.INT, "000000012c2c00000002", "two separators"));
        out.add(listQuirk(Kind.INT, "000000012c0000", "truncated last element"));
        out.add(listQuirk(Kind.INT, "2c", "only a separator"));
        out.add(listQuirk(Kind.STRING, "02612c", "string list with a trailing separator"));
        out.add(listQuirk(Kind.STRING, "02612c05", "string element shorter than its length"));
        out.add(listQuirk(Kind.LONG, "00000000000000012c000000", "truncated long element"));
        return out;
    }

    private static ObjectNode listQuirk(Kind kind, String bytes, String description) {
        ObjectNode e = object().put("elementSerializer", kind.serializerName).put("bytes", bytes)
                .put("description", description);
        try {
            e.set("deserialized", typedList(kind, KvStateSerializer.deserializeList(bytes == null ? null : unhex(bytes),
                    kind.serializer)));
        } catch (Exception x) {
            e.set("error", error(x));
        }
        return e;
    }

    // ------------------------------------------------------------------ maps

    static ArrayNode mapState() {
        ArrayNode out = array();
        out.add(map(Kind.STRING, Kind.INT, "a", 1, "b", 2));
        out.add(map(Kind.INT, Kind.STRING, 1, "one", 2, null, 3, "\u00e9"));
        out.add(map(Kind.LONG, Kind.LONG));
        out.add(map(Kind.STRING, Kind.STRING, "", null, "k", "v"));
        out.add(map(Kind.STRING, Kind.STRING, "k", ""));
        out.add(map(Kind.INT, Kind.BYTES, 7, new byte[] {1, 2}, 8, null, 9, new byte[0]));
        out.add(map(Kind.INT, Kind.INT, 1, null, 2, null));
        out.add(map(Kind.STRING, Kind.INT, null, 5, "x", null));
        // Duplicate keys: deserializeMap fills a HashMap, so equal keys (by Java equals) collapse, the later wins.
        out.add(map(Kind.INT, Kind.INT, 1, 10, 1, 20));
        out.add(map(Kind.TUPLE2_INT_LONG, Kind.INT, Tuple2.of(1, 2L), 10, Tuple2.of(1, 2L), 20));
        out.add(map(Kind.DOUBLE, Kind.INT, 0.0, 1, -0.0, 2, Double.NaN, 3, Double.NaN, 4));
        out.add(map(Kind.TUPLE2_INT_LONG, Kind.DOUBLE, Tuple2.of(1, 2L), 1.5, Tuple2.of(3, 4L), Double.NaN));
        out.add(map(Kind.LONG, Kind.BOOLEAN, 1L, true, 2L, false));
        return out;
    }

    /** {@code KvStateSerializer.serializeMap} over the entries in the given order, then {@code deserializeMap}. */
    private static ObjectNode map(Kind keyKind, Kind valueKind, Object... keysAndValues) {
        ObjectNode e = object().put("keySerializer", keyKind.serializerName).put("valueSerializer", valueKind.serializerName);
        List<Map.Entry<Object, Object>> entries = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) entries.add(new SimpleEntry<>(keysAndValues[i], keysAndValues[i + 1]));
        e.set("entries", typedEntries(keyKind, valueKind, entries));
        try {
            byte[] bytes = KvStateSerializer.serializeMap(entries, keyKind.serializer, valueKind.serializer);
            e.put("bytes", hex(bytes));
            Map<Object, Object> back = KvStateSerializer.deserializeMap(bytes, keyKind.serializer, valueKind.serializer);
            e.set("deserialized", back == null ? null : typedEntries(keyKind, valueKind, back.entrySet()));
        } catch (Exception x) {
            e.set("error", error(x));
        }
        return e;
    }

    /** {@code [[key, value-or-null], ...]}: a null value is a bare null (the map's isNull flag). */
    private static ArrayNode typedEntries(Kind keyKind, Kind valueKind, Iterable<Map.Entry<Object, Object>> entries) {
        ArrayNode a = array();
        for (Map.Entry<Object, Object> en : entries) {
            a.addArray().add(keyKind.typed(en.getKey())).add(en.getValue() == null ? null : valueKind.typed(en.getValue()));
        }
        return a;
    }
}
