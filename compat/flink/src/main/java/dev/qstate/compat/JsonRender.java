package dev.qstate.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.types.Either;
import org.apache.flink.types.Row;

/**
 * A Java value in the JSON conventions of our {@code toJsonValue} / {@code qstate get --json} (README): longs,
 * BigInteger and BigDecimal as exact strings, dates as Java's ISO-8601 toString, byte[] as hex.
 */
final class JsonRender {
    private JsonRender() {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    static JsonNode render(Object v) {
        if (v == null) return F.nullNode();
        if (v instanceof Long l) return F.textNode(l.toString());
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return F.numberNode(((Number) v).intValue());
        if (v instanceof Float f) return number(f.doubleValue());
        if (v instanceof Double d) return number(d);
        if (v instanceof Boolean b) return F.booleanNode(b);
        if (v instanceof Character c) return F.textNode(String.valueOf(c));
        if (v instanceof String s) return F.textNode(s);
        if (v instanceof BigInteger || v instanceof BigDecimal) return F.textNode(v.toString());
        if (v instanceof java.sql.Timestamp t) return F.textNode(t.toInstant().toString());
        if (v instanceof java.util.Date d) return F.textNode(Instant.ofEpochMilli(d.getTime()).toString());
        if (v instanceof TemporalAccessor) return F.textNode(v.toString());
        // Duration and Period (Java's ISO-8601 toString), zone ids as their id.
        if (v instanceof java.time.temporal.TemporalAmount || v instanceof java.time.ZoneId) return F.textNode(v.toString());
        // Optionals: the value, or null when empty.
        if (v instanceof java.util.Optional<?> o) return render(o.orElse(null));
        if (v instanceof java.util.OptionalInt o) return o.isPresent() ? render(o.getAsInt()) : F.nullNode();
        if (v instanceof java.util.OptionalLong o) return o.isPresent() ? render(o.getAsLong()) : F.nullNode();
        if (v instanceof java.util.OptionalDouble o) return o.isPresent() ? render(o.getAsDouble()) : F.nullNode();
        // BitSet: the indexes of its set bits; Locale as Java's toString (en_US, sr_RS_#Latn); a regex, time zone,
        // currency, string builder and socket address as their text; atomics as their value.
        if (v instanceof java.util.BitSet b) {
            ArrayNode a = F.arrayNode();
            b.stream().forEach(a::add);
            return a;
        }
        if (v instanceof java.util.Locale || v instanceof java.util.regex.Pattern || v instanceof CharSequence) return F.textNode(v.toString());
        if (v instanceof java.util.TimeZone tz) return F.textNode(tz.getID());
        if (v instanceof java.util.Currency c) return F.textNode(c.getCurrencyCode());
        if (v instanceof java.net.InetSocketAddress a) {
            String h = a.getHostString();
            return F.textNode((h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort());
        }
        if (v instanceof java.util.concurrent.atomic.AtomicLong a) return render(a.get());
        if (v instanceof java.util.concurrent.atomic.AtomicInteger a) return render(a.get());
        if (v instanceof java.util.concurrent.atomic.AtomicBoolean a) return render(a.get());
        if (v instanceof Map.Entry<?, ?> me) {
            ObjectNode o = F.objectNode();
            o.set("key", render(me.getKey()));
            o.set("value", render(me.getValue()));
            return o;
        }
        if (v instanceof Record r) {
            ObjectNode o = F.objectNode();
            for (java.lang.reflect.RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    o.set(c.getName(), render(c.getAccessor().invoke(r)));
                } catch (ReflectiveOperationException x) {
                    throw new IllegalStateException(x);
                }
            }
            return o;
        }
        if (v instanceof byte[] b) return F.textNode(VectorsJson.hex(b));
        if (v instanceof char[] c) return F.textNode(new String(c));
        if (v instanceof Enum<?> e) return F.textNode(e.name());
        if (v.getClass().isArray()) {
            ArrayNode a = F.arrayNode();
            for (int i = 0; i < Array.getLength(v); i++) a.add(render(Array.get(v, i)));
            return a;
        }
        if (v instanceof java.util.UUID || v instanceof java.net.URI) return F.textNode(v.toString());
        // Lists, sets and queues (in iteration order) as arrays.
        if (v instanceof java.util.Collection<?>) {
            ArrayNode a = F.arrayNode();
            for (Object e : (java.util.Collection<?>) v) a.add(render(e));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            // Enum constants read as their names (strings), so a map keyed by them is an object too.
            if (m.keySet().stream().allMatch(k -> k instanceof String || k instanceof Enum<?>)) {
                ObjectNode o = F.objectNode();
                m.forEach((k, x) -> o.set(k instanceof Enum<?> e ? e.name() : (String) k, render(x)));
                return o;
            }
            ArrayNode a = F.arrayNode();
            m.forEach((k, x) -> a.add(F.arrayNode().add(render(k)).add(render(x))));
            return a;
        }
        if (v instanceof Tuple t) {
            ArrayNode a = F.arrayNode();
            for (int i = 0; i < t.getArity(); i++) a.add(render(t.getField(i)));
            return a;
        }
        if (v instanceof Either<?, ?> e) {
            return e.isLeft() ? F.objectNode().set("left", render(e.left())) : F.objectNode().set("right", render(e.right()));
        }
        if (v instanceof Row r) {
            ObjectNode o = F.objectNode().put("kind", r.getKind().name());
            Set<String> names = r.getFieldNames(true);
            // Types.ROW(...) names its fields f0, f1, ...: that is our positional row<long,string>.
            if (names == null || defaultNames(names)) {
                ArrayNode a = o.putArray("fields");
                for (int i = 0; i < r.getArity(); i++) a.add(render(r.getField(i)));
            } else {
                ObjectNode fields = o.putObject("fields");
                for (String n : names) fields.set(n, render(r.getField(n)));
            }
            return o;
        }
        // A POJO: its public instance fields.
        ObjectNode o = F.objectNode();
        for (Class<?> c = v.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || !Modifier.isPublic(f.getModifiers())) continue;
                try {
                    o.set(f.getName(), render(f.get(v)));
                } catch (IllegalAccessException x) {
                    throw new IllegalStateException(x);
                }
            }
        }
        return o;
    }

    private static boolean defaultNames(Set<String> names) {
        int i = 0;
        for (String n : names) if (!n.equals("f" + i++)) return false;
        return true;
    }

    private static JsonNode number(double d) {
        return Double.isFinite(d) ? F.numberNode(d) : F.textNode(Double.toString(d));
    }
}
