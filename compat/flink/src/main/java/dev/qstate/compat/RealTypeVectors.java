package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.hex;
import static dev.qstate.compat.VectorsJson.object;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qstate.compat.RealTypes.Circle;
import dev.qstate.compat.RealTypes.Drawing;
import dev.qstate.compat.RealTypes.Order;
import dev.qstate.compat.RealTypes.Shape;
import dev.qstate.compat.RealTypes.Square;
import dev.qstate.compat.RealTypes.Triangle;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;

/**
 * Vectors of category {@code types} for the families real jobs hold (issue 19), made by Flink's own serializers:
 * {@code GlobalWindow}, POJO subclasses written by class name and by registration tag (nested too), and, on Flink
 * 2.x, {@code SetTypeInfo} and the nullable collections that {@code TypeExtractor} gives a POJO's List/Map/Set fields
 * and {@code TypeInformation.of} a List/Map/Set. Before writing anything it checks what {@code TypeExtractor} chooses
 * for each Java field type the README's table lists, inside a POJO and at the top, and fails when Flink disagrees
 * with the table. The 2.x-only classes are reached by name, so the same source builds against Flink 1.20.
 */
final class RealTypeVectors {
    private RealTypeVectors() {}

    static final boolean FLINK_2 = classExists("org.apache.flink.api.java.typeutils.SetTypeInfo");

    private final ArrayNode out = VectorsJson.array();

    static ArrayNode types() throws Exception {
        TypeChoices.check();
        RealTypeVectors v = new RealTypeVectors();
        v.all();
        return v.out;
    }

    static boolean classExists(String name) {
        try {
            Class.forName(name);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** A 2.x TypeInformation class by name, built from its element/key/value TypeInformation. */
    static TypeInformation<?> info2(String simpleName, TypeInformation<?>... args) throws Exception {
        Class<?> c = Class.forName("org.apache.flink.api.java.typeutils." + simpleName);
        Class<?>[] types = new Class<?>[args.length];
        Arrays.fill(types, TypeInformation.class);
        return (TypeInformation<?>) c.getConstructor(types).newInstance((Object[]) args);
    }

    @SuppressWarnings("unchecked")
    static TypeSerializer<Object> serializer(TypeInformation<?> info, SerializerConfigImpl config) {
        return (TypeSerializer<Object>) info.createSerializer(config);
    }

    /** One vector: Flink's bytes of {@code v}, and {@code v} as JSON ({@link RealTypes#render}, declared {@code declared}). */
    private void add(String expr, TypeSerializer<Object> s, Class<?> declared, Object... values) throws Exception {
        for (Object v : values) {
            byte[] b = TypeVectors.bytes(s, v);
            DataInputDeserializer in = new DataInputDeserializer(b);
            s.deserialize(in);
            if (in.available() > 0) throw new IllegalStateException(expr + ": Flink read back fewer bytes than it wrote");
            // The value as written: sets in the order Flink wrote them (a deserialized HashSet may iterate otherwise).
            ObjectNode e = object().put("expression", expr).put("serializer", s.getClass().getSimpleName()).put("bytes", hex(b));
            e.set("json", RealTypes.render(v, declared));
            out.add(e);
        }
    }

    private void error(String expr, TypeSerializer<Object> s, Object v, String includes) throws Exception {
        out.add(object().put("expression", expr).put("serializer", s.getClass().getSimpleName())
                .put("bytes", hex(TypeVectors.bytes(s, v))).put("errorCode", "POJO_SUBCLASS").put("errorIncludes", includes));
    }

    private void all() throws Exception {
        // GlobalWindow: one byte; Java's hashCode() is 0.
        TypeSerializer<Object> gw = castSerializer(new GlobalWindow.Serializer());
        byte[] gwBytes = TypeVectors.bytes(gw, GlobalWindow.get());
        out.add(object().put("expression", "globalwindow").put("serializer", "GlobalWindow.Serializer").put("bytes", hex(gwBytes))
                .put("json", "GlobalWindow").put("hashCode", GlobalWindow.get().hashCode()));

        // POJO subclasses by class name: nothing registered.
        SerializerConfigImpl plain = new SerializerConfigImpl();
        TypeSerializer<Object> shapes = serializer(TypeExtractor.createTypeInfo(Shape.class), plain);
        add(RealTypes.SHAPES, shapes, Shape.class, new Shape("s"), new Circle("c", 1.5), new Square("q", 2.0), null,
                new Shape(null), new Circle(null, -0.0));
        // Square registered: tag 0 (registration order among the registered subclasses of Shape).
        SerializerConfigImpl squareTagged = new SerializerConfigImpl();
        squareTagged.registerPojoType(Square.class);
        TypeSerializer<Object> tagged = serializer(TypeExtractor.createTypeInfo(Shape.class), squareTagged);
        add(RealTypes.SHAPES_SQUARE_TAGGED, tagged, Shape.class, new Shape("s"), new Circle("c", 1.5), new Square("q", 2.0));
        // Two registered, an unrelated POJO type registered between them: tags count only Shape's subclasses.
        SerializerConfigImpl both = new SerializerConfigImpl();
        both.registerPojoType(Circle.class);
        both.registerPojoType(Stats.class);
        both.registerPojoType(Square.class);
        TypeSerializer<Object> bothTagged = serializer(TypeExtractor.createTypeInfo(Shape.class), both);
        String bothExpr = RealTypes.SHAPE + " | " + RealTypes.CIRCLE.replace("{", "#0{") + " | " + RealTypes.SQUARE.replace("{", "#1{");
        add(bothExpr, bothTagged, Shape.class, new Circle("c", 3.0), new Square("q", 4.0), new Shape("s"));
        // Nested: a POJO whose fields are declared Shape.
        String drawing = "pojo<dev.qstate.compat.RealTypes$Drawing>{id:long,main:" + RealTypes.SHAPES + ",other:" + RealTypes.SHAPES + "}";
        add(drawing, serializer(TypeExtractor.createTypeInfo(Drawing.class), plain), Drawing.class,
                new Drawing(1, new Circle("c", 0.5), null), new Drawing(-2, new Shape("s"), new Square("q", 8)));
        // Subclasses the type does not list: POJO_SUBCLASS, naming the class or the tag.
        error(RealTypes.SHAPES, shapes, new Triangle("t", 1), "dev.qstate.compat.RealTypes$Triangle");
        error(RealTypes.SHAPE + " | " + RealTypes.CIRCLE, tagged, new Square("q", 1), "registered subclass tag 0");

        if (!FLINK_2) return;
        // Flink 2.x: SetTypeInfo (nulls allowed, each element after a null flag).
        add("set<string>", serializer(info2("SetTypeInfo", Types.STRING), plain), null,
                new HashSet<>(Arrays.asList("x", "y", null)), new HashSet<>());
        add("set<long>", serializer(info2("SetTypeInfo", Types.LONG), plain), null, new HashSet<>(List.of(1L, -3L, 2L)));
        // The nullable collections, as made directly and as TypeInformation.of gives them.
        List<String> withNull = new ArrayList<>(Arrays.asList("a", null, "b"));
        add("nullablelist<string>", serializer(info2("NullableListTypeInfo", Types.STRING), plain), null, withNull, List.of(), null);
        add("nullablelist<string>", serializer(TypeInformation.of(new TypeHint<List<String>>() {}), plain), null, withNull);
        Map<String, Long> m = new HashMap<>();
        m.put("a", 1L);
        m.put("b", null);
        Map<String, Long> nullKey = new HashMap<>();
        nullKey.put(null, 5L);
        add("nullablemap<string,long>", serializer(info2("NullableMapTypeInfo", Types.STRING, Types.LONG), plain), null, m, nullKey, null);
        add("nullablemap<string,long>", serializer(TypeInformation.of(new TypeHint<Map<String, Long>>() {}), plain), null, m);
        add("nullableset<string>", serializer(info2("NullableSetTypeInfo", Types.STRING), plain), null,
                new HashSet<>(Arrays.asList("x", null)), null);
        add("nullableset<int>", serializer(TypeInformation.of(new TypeHint<Set<Integer>>() {}), plain), null, new HashSet<>(List.of(3, 1)));
        // A POJO with List/Map/Set fields: NullableList/NullableMap/NullableSet on 2.x.
        String order = "pojo<dev.qstate.compat.RealTypes$Order>{id:string,tags:nullablelist<string>,counts:nullablemap<string,long>,"
                + "labels:nullableset<string>,shape:" + RealTypes.SHAPES + "}";
        Order o = new Order();
        o.id = "o-1";
        o.tags = new ArrayList<>(Arrays.asList("t", null));
        o.counts = new LinkedHashMap<>();
        o.counts.put("__proto__", 1L);
        o.counts.put("constructor", null);
        o.counts.put(null, 3L);
        o.labels = new HashSet<>(Arrays.asList("l", null));
        o.shape = new Circle("c", 2.5);
        Order empty = new Order();
        add(order, serializer(TypeExtractor.createTypeInfo(Order.class), plain), Order.class, o, empty);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static TypeSerializer<Object> castSerializer(TypeSerializer s) {
        return (TypeSerializer<Object>) s;
    }

    /**
     * What Flink's TypeExtractor chooses per Java type, inside a POJO and at the top ({@code TypeInformation.of}),
     * as the README's table says; checked against the Flink on the classpath before any vector is written.
     */
    static final class TypeChoices {
        private TypeChoices() {}

        /** Fields of every type the table lists. */
        public static class Probe {
            public List<String> list;
            public Map<String, Long> map;
            public Set<String> set;
            public List<List<String>> nestedList;
            public Map<String, List<Long>> mapOfLists;
            public ArrayList<String> arrayList;
            public HashMap<String, Long> hashMap;
            public LocalDate localDate;
            public LocalTime localTime;
            public LocalDateTime localDateTime;
            public Instant instant;
            public Date date;
            public java.sql.Timestamp timestamp;
            public UUID uuid;
            public Optional<String> optional;
            public BigDecimal decimal;
            public Integer boxed;
            public long primitive;
            public int[] ints;
            public String[] strings;
            public Long[] boxedLongs;
            public Stats[] pojos;
            public Color color;
            public Shape shape;
            public Object object;
            public Probe() {}
        }

        static void check() throws Exception {
            boolean v2 = FLINK_2;
            Map<String, String> want = new LinkedHashMap<>();
            want.put("list", v2 ? "NullableListTypeInfo" : "GenericTypeInfo");
            want.put("map", v2 ? "NullableMapTypeInfo" : "GenericTypeInfo");
            want.put("set", v2 ? "NullableSetTypeInfo" : "GenericTypeInfo");
            want.put("nestedList", "GenericTypeInfo");
            want.put("mapOfLists", "GenericTypeInfo");
            want.put("arrayList", "GenericTypeInfo");
            want.put("hashMap", "GenericTypeInfo");
            want.put("localDate", "GenericTypeInfo");
            want.put("localTime", "GenericTypeInfo");
            want.put("localDateTime", "GenericTypeInfo");
            want.put("instant", "BasicTypeInfo");
            want.put("date", "BasicTypeInfo");
            want.put("timestamp", "SqlTimeTypeInfo");
            want.put("uuid", "GenericTypeInfo");
            want.put("optional", "GenericTypeInfo");
            want.put("decimal", "BasicTypeInfo");
            want.put("boxed", "IntegerTypeInfo");
            want.put("primitive", "IntegerTypeInfo");
            want.put("ints", "PrimitiveArrayTypeInfo");
            want.put("strings", "BasicArrayTypeInfo");
            want.put("boxedLongs", "BasicArrayTypeInfo");
            want.put("pojos", "ObjectArrayTypeInfo");
            want.put("color", "EnumTypeInfo");
            want.put("shape", "PojoTypeInfo");
            want.put("object", "GenericTypeInfo");
            PojoTypeInfo<?> probe = (PojoTypeInfo<?>) TypeExtractor.createTypeInfo(Probe.class);
            StringBuilder wrong = new StringBuilder();
            for (int i = 0; i < probe.getArity(); i++) {
                String field = probe.getPojoFieldAt(i).getField().getName();
                String got = probe.getTypeAt(i).getClass().getSimpleName();
                if (!got.equals(want.get(field))) wrong.append(" ").append(field).append(": ").append(got).append(" (table: ").append(want.get(field)).append(")");
            }
            // At the top: TypeInformation.of a Class or a TypeHint.
            Map<String, TypeInformation<?>> top = new LinkedHashMap<>();
            top.put("List<String>", TypeInformation.of(new TypeHint<List<String>>() {}));
            top.put("Map<String,Long>", TypeInformation.of(new TypeHint<Map<String, Long>>() {}));
            top.put("Set<String>", TypeInformation.of(new TypeHint<Set<String>>() {}));
            top.put("LocalDateTime", TypeInformation.of(LocalDateTime.class));
            top.put("UUID", TypeInformation.of(UUID.class));
            Map<String, String> wantTop = Map.of(
                    "List<String>", v2 ? "NullableListTypeInfo" : "GenericTypeInfo",
                    "Map<String,Long>", v2 ? "NullableMapTypeInfo" : "GenericTypeInfo",
                    "Set<String>", v2 ? "NullableSetTypeInfo" : "GenericTypeInfo",
                    "LocalDateTime", "GenericTypeInfo",
                    "UUID", "GenericTypeInfo");
            top.forEach((k, info) -> {
                String got = info.getClass().getSimpleName();
                if (!got.equals(wantTop.get(k))) wrong.append(" top ").append(k).append(": ").append(got).append(" (table: ").append(wantTop.get(k)).append(")");
            });
            if (wrong.length() > 0) throw new IllegalStateException("Flink's type choices differ from the README's table:" + wrong);
            System.err.println("type choices of Flink " + (v2 ? "2.x" : "1.x") + " match the README's table (" + want.size() + " POJO fields, " + top.size() + " top-level types)");
        }
    }
}
