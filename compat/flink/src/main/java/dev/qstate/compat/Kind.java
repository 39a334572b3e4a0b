package dev.qstate.compat;

import static java.util.stream.Collectors.joining;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.TupleSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.queryablestate.client.VoidNamespace;
import org.apache.flink.queryablestate.client.VoidNamespaceTypeInfo;

/**
 * One value type of the vectors, built from Flink's TypeInformation: the serializer Flink creates from it, the name
 * our checker knows that serializer by, and the typed-value encoding ({@code {type, value}}, see
 * tests/fixtures/vectors/README.md) of its Java values.
 */
final class Kind {
    /** Typed-value names of the Java classes (README "typed value" table). */
    private static final Map<Class<?>, String> TYPE_NAMES = Map.ofEntries(
            Map.entry(Integer.class, "int"), Map.entry(Long.class, "long"), Map.entry(String.class, "string"),
            Map.entry(Boolean.class, "boolean"), Map.entry(Double.class, "double"), Map.entry(Float.class, "float"),
            Map.entry(Short.class, "short"), Map.entry(Byte.class, "byte"), Map.entry(Character.class, "char"),
            Map.entry(byte[].class, "bytes"), Map.entry(VoidNamespace.class, "void"));

    static final Kind INT = of(Types.INT);
    static final Kind LONG = of(Types.LONG);
    static final Kind STRING = of(Types.STRING);
    static final Kind BOOLEAN = of(Types.BOOLEAN);
    static final Kind DOUBLE = of(Types.DOUBLE);
    static final Kind FLOAT = of(Types.FLOAT);
    static final Kind SHORT = of(Types.SHORT);
    static final Kind BYTE = of(Types.BYTE);
    static final Kind CHAR = of(Types.CHAR);
    static final Kind BYTES = of(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    static final Kind VOID = of(VoidNamespaceTypeInfo.INSTANCE);
    static final Kind TUPLE2_INT_LONG = of(new TupleTypeInfo<>(Types.INT, Types.LONG));

    final String type;
    final TypeSerializer<Object> serializer;
    final String serializerName;
    private final List<Kind> fields;

    private Kind(String type, TypeSerializer<Object> serializer, String serializerName, List<Kind> fields) {
        this.type = type;
        this.serializer = serializer;
        this.serializerName = serializerName;
        this.fields = fields;
    }

    @SuppressWarnings("unchecked")
    static Kind of(TypeInformation<?> info) {
        TypeSerializer<Object> s = (TypeSerializer<Object>) info.createSerializer(new SerializerConfigImpl());
        if (!(info instanceof TupleTypeInfo<?> tuple)) {
            String type = TYPE_NAMES.get(info.getTypeClass());
            if (type == null) throw new IllegalArgumentException("no typed-value name for " + info);
            return new Kind(type, s, s.getClass().getSimpleName(), List.of());
        }
        List<Kind> fields = new ArrayList<>();
        List<String> generics = new ArrayList<>();
        for (int i = 0; i < tuple.getArity(); i++) {
            fields.add(of(tuple.getTypeAt(i)));
            generics.add(tuple.getTypeAt(i).getTypeClass().getSimpleName());
        }
        String type = "tuple" + fields.size() + "<" + fields.stream().map(k -> k.type).collect(joining(",")) + ">";
        // As the checker names it: TupleSerializer<Tuple2<Integer,Long>>[IntSerializer,LongSerializer].
        String fieldSerializers = Arrays.stream(((TupleSerializer<?>) s).getFieldSerializers())
                .map(f -> f.getClass().getSimpleName()).collect(joining(","));
        String name = s.getClass().getSimpleName() + "<" + tuple.getTypeClass().getSimpleName() + "<"
                + String.join(",", generics) + ">>[" + fieldSerializers + "]";
        return new Kind(type, s, name, fields);
    }

    /** The bytes Flink's serializer writes for {@code v}. */
    byte[] serialize(Object v) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(32);
        serializer.serialize(v, out);
        return out.getCopyOfBuffer();
    }

    /** What Flink's serializer reads from {@code bytes}, which it must consume entirely. */
    Object deserialize(byte[] bytes) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        Object v = serializer.deserialize(in);
        if (in.available() > 0) throw new IllegalStateException(serializerName + " left " + in.available() + " bytes");
        return v;
    }

    /** The typed value of {@code v} (a Java value of this kind, or null: then {@code {type, value: null}}). */
    ObjectNode typed(Object v) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("type", type);
        if (v == null) return n.putNull("value");
        if (!fields.isEmpty()) {
            Tuple t = (Tuple) v;
            for (int i = 0; i < fields.size(); i++) n.set("f" + i, fields.get(i).typed(t.getField(i)));
            return n;
        }
        switch (type) {
            case "int", "short", "byte" -> n.put("value", ((Number) v).intValue());
            case "long" -> n.put("value", v.toString());
            case "string" -> n.put("value", (String) v);
            case "boolean" -> n.put("value", (Boolean) v);
            case "char" -> n.put("value", (int) (Character) v);
            case "bytes" -> n.put("value", VectorsJson.hex((byte[]) v));
            case "double" -> n.put("bits", String.format("%016x", Double.doubleToRawLongBits((Double) v)))
                    .put("text", v.toString());
            case "float" -> n.put("bits", String.format("%08x", Float.floatToRawIntBits((Float) v)))
                    .put("text", v.toString());
            case "void" -> { }
            default -> throw new IllegalStateException(type);
        }
        return n;
    }
}
