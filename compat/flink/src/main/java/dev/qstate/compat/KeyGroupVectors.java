package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.array;
import static dev.qstate.compat.VectorsJson.error;
import static dev.qstate.compat.VectorsJson.object;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.util.MathUtils;

/**
 * Key routing: Java's {@code hashCode()} of key values, Flink's {@code MathUtils.murmurHash} and
 * {@code KeyGroupRangeAssignment} (key group of a key, key-group range of an operator, operator of a key
 * group, default max parallelism).
 */
final class KeyGroupVectors {
    private KeyGroupVectors() {}

    static final int[] MAX_PARALLELISMS = {1, 2, 7, 128, 4096, 32768};

    /** A key value with its kind, for the typed-value encoding. */
    record Key(Kind kind, Object value) {}

    static List<Key> hashKeys() {
        List<Key> keys = new ArrayList<>();
        for (int i : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 42, 127, 128, 255, 256, 65535, 65536,
                -128, -129, 123456789, -987654321}) {
            keys.add(new Key(Kind.INT, i));
        }
        for (long l : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 4294967295L, 4294967296L, -4294967296L,
                2147483647L, 2147483648L, -2147483649L, 1234567890123L, 0x0123456789abcdefL, 0xfedcba9876543210L,
                1700000000000L}) {
            keys.add(new Key(Kind.LONG, l));
        }
        for (String s : new String[] {"", "a", "hello", "Hello, World!", "\u00e9tat", "\u65e5\u672c\u8a9e",
                "\ud83d\ude00", "\u0000", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff", "\ud83d", "\ude00",
                "Aa", "BB", "polygenelubricants", "user-1", "q".repeat(1000)}) {
            keys.add(new Key(Kind.STRING, s));
        }
        keys.add(new Key(Kind.BOOLEAN, true));
        keys.add(new Key(Kind.BOOLEAN, false));
        for (long bits : new long[] {0x0L, 0x8000000000000000L, 0x3ff0000000000000L, 0xbff8000000000000L,
                0x7ff8000000000000L, 0x7ff8000000000001L, 0xfff8000000000000L, 0x7ff0000000000000L,
                0xfff0000000000000L, 0x1L, 0x7fefffffffffffffL, 0x0010000000000000L, 0x3fb999999999999aL,
                0x400921fb54442d18L, 0x4340000000000000L}) {
            keys.add(new Key(Kind.DOUBLE, Double.longBitsToDouble(bits)));
        }
        return keys;
    }

    static ArrayNode javaHashCode() {
        ArrayNode out = array();
        for (Key k : hashKeys()) out.add(object().<ObjectNode>set("key", k.kind.typed(k.value)).put("hashCode", k.value.hashCode()));
        return out;
    }

    static ArrayNode murmurHash() {
        TreeSet<Integer> inputs = new TreeSet<>(List.of(0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 42, 1231, 1237));
        for (int b = 0; b < 31; b++) {
            inputs.add(1 << b);
            inputs.add(-(1 << b));
        }
        Random random = new Random(20240501L);
        List<Integer> ordered = new ArrayList<>(inputs);
        for (int i = 0; i < 40; i++) ordered.add(random.nextInt());
        ArrayNode out = array();
        for (int in : ordered) out.add(object().put("input", in).put("output", MathUtils.murmurHash(in)));
        return out;
    }

    static ArrayNode assignToKeyGroup() {
        ArrayNode out = array();
        List<Key> keys = hashKeys();
        for (int i = 0; i < keys.size(); i += 2) { // every other key: a spread of every kind
            Key k = keys.get(i);
            int hash = k.value.hashCode();
            for (int maxParallelism : MAX_PARALLELISMS) {
                out.add(object().<ObjectNode>set("key", k.kind.typed(k.value)).put("hashCode", hash)
                        .put("murmurHash", MathUtils.murmurHash(hash)).put("maxParallelism", maxParallelism)
                        .put("keyGroup", KeyGroupRangeAssignment.assignToKeyGroup(k.value, maxParallelism)));
            }
        }
        return out;
    }

    /** Every index below 13, else a sample: the ends, the quarters, thirds and halves. */
    private static int[] sample(int n) {
        if (n <= 12) return java.util.stream.IntStream.range(0, n).toArray();
        return new TreeSet<>(List.of(0, 1, 2, n / 4, n / 3, n / 2 - 1, n / 2, n / 2 + 1, 2 * n / 3, 3 * n / 4, n - 3,
                n - 2, n - 1)).stream().mapToInt(Integer::intValue).toArray();
    }

    private static final int[][] PARALLELISMS = { // {maxParallelism, parallelism}
        {1, 1}, {2, 1}, {2, 2}, {7, 3}, {7, 7}, {100, 7}, {128, 1}, {128, 2}, {128, 3}, {128, 5}, {128, 128},
        {256, 24}, {4096, 10}, {4096, 4096}, {32768, 1}, {32768, 1000}, {32768, 32768}
    };

    static ArrayNode keyGroupRangeForOperatorIndex() {
        ArrayNode out = array();
        for (int[] p : PARALLELISMS) {
            for (int op : sample(p[1])) out.add(range(p[0], p[1], op));
        }
        // Invalid parallelisms, and operator indexes Flink does not check against the parallelism.
        int[][] odd = {{3, 7, 0}, {128, 0, 0}, {0, 0, 0}, {32769, 1, 0}, {128, -1, 0}, {128, 3, -1}, {128, 2, 2},
            {128, 2, 5}, {32768, 32768, 65535}, {32768, 32768, 65536}, {32768, 2, 70000}};
        for (int[] o : odd) out.add(range(o[0], o[1], o[2]));
        return out;
    }

    private static ObjectNode range(int maxParallelism, int parallelism, int operatorIndex) {
        ObjectNode e = object().put("maxParallelism", maxParallelism).put("parallelism", parallelism)
                .put("operatorIndex", operatorIndex);
        try {
            KeyGroupRange r = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism,
                    operatorIndex);
            e.put("startKeyGroup", r.getStartKeyGroup()).put("endKeyGroup", r.getEndKeyGroup());
            if (operatorIndex < 0 || operatorIndex >= parallelism) {
                e.put("note", "operatorIndex is not validated against parallelism");
            }
        } catch (RuntimeException x) {
            e.set("error", error(x));
        }
        return e;
    }

    static ArrayNode operatorIndexForKeyGroup() {
        ArrayNode out = array();
        for (int[] p : PARALLELISMS) {
            for (int keyGroup : sample(p[0])) {
                out.add(object().put("maxParallelism", p[0]).put("parallelism", p[1]).put("keyGroupId", keyGroup)
                        .put("operatorIndex", KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(p[0], p[1], keyGroup)));
            }
        }
        return out;
    }

    static ArrayNode defaultMaxParallelism() {
        ArrayNode out = array();
        for (int p : new int[] {1, 2, 3, 10, 64, 85, 86, 87, 100, 128, 129, 1000, 10000, 16384, 21845, 21846, 21847,
                32767, 32768, 0, -1, 32769}) {
            ObjectNode e = object().put("parallelism", p);
            try {
                e.put("maxParallelism", KeyGroupRangeAssignment.computeDefaultMaxParallelism(p));
            } catch (RuntimeException x) {
                e.set("error", error(x));
            }
            out.add(e);
        }
        return out;
    }
}
