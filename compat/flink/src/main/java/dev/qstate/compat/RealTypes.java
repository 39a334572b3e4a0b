package dev.qstate.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;

/**
 * The classes of a job written the ordinary way (issue 19): a class hierarchy held in fields declared as the base
 * class, and a POJO with List, Map and Set fields. {@link #render} is {@link JsonRender} plus what these need: a
 * subclass instance where the declared type is its base class carries {@code "@class"} (as our reader gives it),
 * sets are arrays, and {@code GlobalWindow} is "GlobalWindow". A set's order is its iteration order (the order Flink
 * writes it: vectors) or, {@code sortSets}, sorted by each element's JSON text (the live job: the HashSet Flink's
 * client deserializes iterates in another order than the one written, so both sides compare sorted).
 */
public final class RealTypes {
    private RealTypes() {}

    /** Our type expressions of these classes. */
    static final String SHAPE = "pojo<dev.qstate.compat.RealTypes$Shape>{name:string}";
    static final String CIRCLE = "dev.qstate.compat.RealTypes$Circle{radius:double}";
    static final String SQUARE = "dev.qstate.compat.RealTypes$Square{side:double}";
    /** Shape with both subclasses written by class name (nothing registered). */
    static final String SHAPES = SHAPE + " | " + CIRCLE + " | " + SQUARE;
    /** Shape with Square registered as the first (and only) POJO subclass of Shape: tag 0. */
    static final String SHAPES_SQUARE_TAGGED = SHAPE + " | " + CIRCLE + " | " + SQUARE.replace("{", "#0{");

    /** The base class of a hierarchy; fields declared {@code Shape} hold any of its subclasses. */
    public static class Shape {
        public String name;

        public Shape() {}

        Shape(String name) {
            this.name = name;
        }
    }

    /** A subclass written by class name (unless registered). */
    public static class Circle extends Shape {
        public double radius;

        public Circle() {}

        Circle(String name, double radius) {
            super(name);
            this.radius = radius;
        }
    }

    /** A subclass the job registers as a POJO type: written by tag. */
    public static class Square extends Shape {
        public double side;

        public Square() {}

        Square(String name, double side) {
            super(name);
            this.side = side;
        }
    }

    /** A subclass no type expression of ours lists: reading it is POJO_SUBCLASS. */
    public static class Triangle extends Shape {
        public double base;

        public Triangle() {}

        Triangle(String name, double base) {
            super(name);
            this.base = base;
        }
    }

    /** A POJO with two fields declared as the base class. */
    public static class Drawing {
        public long id;
        public Shape main;
        public Shape other;

        public Drawing() {}

        Drawing(long id, Shape main, Shape other) {
            this.id = id;
            this.main = main;
            this.other = other;
        }
    }

    /**
     * A POJO with collection fields: Flink 2.x gives them NullableList/NullableMap/NullableSet, Flink 1.x Kryo
     * (GenericType).
     */
    public static class Order {
        public String id;
        public List<String> tags;
        public Map<String, Long> counts;
        public Set<String> labels;
        public Shape shape;

        public Order() {}
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** {@code v} as JSON, declared as {@code declared} where it sits (null: as its own class); sets in iteration order. */
    static JsonNode render(Object v, Class<?> declared) {
        return render(v, declared, false);
    }

    /** {@code v} as JSON, declared as {@code declared} where it sits; sets sorted when {@code sortSets}. */
    static JsonNode render(Object v, Class<?> declared, boolean sortSets) {
        if (v == null) return F.nullNode();
        if (v instanceof GlobalWindow) return F.textNode("GlobalWindow");
        if (v.getClass().getEnclosingClass() == RealTypes.class) {
            ObjectNode o = F.objectNode();
            if (declared != null && v.getClass() != declared) o.put("@class", v.getClass().getName());
            for (Class<?> c = v.getClass(); c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || !Modifier.isPublic(f.getModifiers())) continue;
                    try {
                        o.set(f.getName(), render(f.get(v), f.getType(), sortSets));
                    } catch (IllegalAccessException x) {
                        throw new IllegalStateException(x);
                    }
                }
            }
            return o;
        }
        if (v instanceof Set<?> s) {
            List<JsonNode> items = new ArrayList<>();
            for (Object e : s) items.add(render(e, null, sortSets));
            if (sortSets) items.sort(Comparator.comparing(JsonNode::toString));
            return F.arrayNode().addAll(items);
        }
        if (v instanceof List<?> l) {
            ArrayNode a = F.arrayNode();
            for (Object e : l) a.add(render(e, declared == null || List.class.isAssignableFrom(declared) ? null : declared, sortSets));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            if (m.keySet().stream().allMatch(k -> k instanceof String)) {
                ObjectNode o = F.objectNode();
                m.forEach((k, x) -> o.set((String) k, render(x, null, sortSets)));
                return o;
            }
            ArrayNode a = F.arrayNode();
            m.forEach((k, x) -> a.add(F.arrayNode().add(render(k, null, sortSets)).add(render(x, null, sortSets))));
            return a;
        }
        return JsonRender.render(v);
    }
}
