package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.array;
import static dev.qstate.compat.VectorsJson.error;
import static dev.qstate.compat.VectorsJson.hex;
import static dev.qstate.compat.VectorsJson.object;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.queryablestate.client.VoidNamespace;

/** Category {@code serializers}: each Flink serializer's bytes for a value, and what it reads back. */
final class SerializerVectors {
    private SerializerVectors() {}

    static ArrayNode serializers() {
        ArrayNode out = array();
        for (int v : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 42, 127, 128, 255, 256, 65535, -128,
                0x12345678}) {
            out.add(roundTrip(Kind.INT, v));
        }
        for (long v : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 4294967295L, -4294967296L, 2147483648L,
                1234567890123L, 0x0123456789abcdefL, 0xfedcba9876543210L}) {
            out.add(roundTrip(Kind.LONG, v));
        }
        for (String v : strings()) out.add(roundTrip(Kind.STRING, v));
        out.add(roundTrip(Kind.BOOLEAN, true));
        out.add(roundTrip(Kind.BOOLEAN, false));
        // NaN payloads and signalling NaNs go in as raw bits; Flink writes the canonical NaN.
        for (long bits : new long[] {0x0L, 0x8000000000000000L, 0x3ff0000000000000L, 0x3ff8000000000000L,
                0xc004000000000000L, 0x3fb999999999999aL, 0x400921fb54442d18L, 0x1L, 0x0010000000000000L,
                0x7fefffffffffffffL, 0x7ff0000000000000L, 0xfff0000000000000L, 0x7ff8000000000000L,
                0x7ff8000000000001L, 0xfff8000000000000L, 0x7ff0000000000001L, 0x7e37e43c8800759cL}) {
            out.add(roundTrip(Kind.DOUBLE, Double.longBitsToDouble(bits)));
        }
        for (int bits : new int[] {0x0, 0x80000000, 0x3fc00000, 0x3dcccccd, 0x40490fdb, 0x1, 0x00800000, 0x7f7fffff,
                0x7f800000, 0xff800000, 0x7fc00000, 0x7fc00001, 0xffc00000, 0x7f800001}) {
            out.add(roundTrip(Kind.FLOAT, Float.intBitsToFloat(bits)));
        }
        for (short v : new short[] {0, 1, -1, Short.MIN_VALUE, Short.MAX_VALUE, 255, 256}) out.add(roundTrip(Kind.SHORT, v));
        for (byte v : new byte[] {0, 1, -1, Byte.MIN_VALUE, Byte.MAX_VALUE}) out.add(roundTrip(Kind.BYTE, v));
        for (char v : new char[] {0, 'A', 0x7f, 0x80, 0xe9, 0x3fff, 0x4000, 0xd83d, 0xde00, 0xffff}) {
            out.add(roundTrip(Kind.CHAR, v));
        }
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) all[i] = (byte) i;
        for (byte[] v : new byte[][] {{}, {1, 2, 3}, {0}, all, null}) out.add(roundTrip(Kind.BYTES, v));
        out.add(roundTrip(Kind.TUPLE2_INT_LONG, Tuple2.of(0, 0L)));
        out.add(roundTrip(Kind.TUPLE2_INT_LONG, Tuple2.of(1, 2L)));
        out.add(roundTrip(Kind.TUPLE2_INT_LONG, Tuple2.of(-1, -1L)));
        out.add(roundTrip(Kind.TUPLE2_INT_LONG, Tuple2.of(Integer.MIN_VALUE, Long.MAX_VALUE)));
        out.add(roundTrip(Kind.TUPLE2_INT_LONG, Tuple2.of(42, 1234567890123L)));
        out.add(roundTrip(Kind.VOID, VoidNamespace.INSTANCE));
        return out;
    }

    /**
     * StringValue's format: length+1 as a 7-bit varint (0 = null), then each UTF-16 unit as a 7-bit varint (1,
     * 2 or 3 bytes). The long ones sit on the 1/2/3-byte length boundaries (126/127, 16382/16383) and around
     * 2048 units, the size of StringValue's read buffer.
     */
    static String[] strings() {
        return new String[] {
            null, "", "a", "hello", "The quick brown fox jumps over the lazy dog", "\u0000", "\u0000abc\u0000",
            "\u007f", "\u0080", "\u00e9tat", "\u07ff", "\u0800", "\u3fff", "\u4000", "\u3fff\u4000", "\uffff",
            "\u65e5\u672c\u8a9e", "\ud83d\ude00", "a\ud83d\ude00b", "\ud83d", "\ude00", "\ude00\ud83d", "x\ud800",
            "x".repeat(126), "x".repeat(127), "x".repeat(128), mixed(2047), mixed(2048), mixed(2049), mixed(4097),
            "z".repeat(16382), "z".repeat(16383), "z".repeat(16384), mixed(20000),
        };
    }

    /** {@code n} UTF-16 units cycling through 1-, 2- and 3-byte units and surrogate pairs. */
    static String mixed(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; b.length() < n; i++) {
            switch (i % 4) {
                case 0 -> b.append((char) ('a' + i % 26));
                case 1 -> b.append((char) (0x100 + i % 0x300));
                case 2 -> b.append((char) (0x4e00 + i % 0x100));
                default -> b.append(b.length() + 2 <= n ? "\ud83d\ude00" : "?");
            }
        }
        return b.toString();
    }

    /** {@code {serializer, input, bytes, deserialized}}, or {@code error} when Flink's serializer refuses. */
    static ObjectNode roundTrip(Kind kind, Object value) {
        ObjectNode e = object().put("serializer", kind.serializerName).set("input", kind.typed(value));
        try {
            byte[] bytes = kind.serialize(value);
            e.put("bytes", hex(bytes));
            e.set("deserialized", kind.typed(kind.deserialize(bytes)));
        } catch (Exception x) {
            e.set("error", error(x));
        }
        return e;
    }
}
