package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.array;
import static dev.qstate.compat.VectorsJson.hex;
import static dev.qstate.compat.VectorsJson.object;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.LocalTimeTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.SqlTimeTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.tuple.Tuple0;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.api.java.typeutils.runtime.NullableSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.Either;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * Category {@code types}: for each type family, a type expression of ours naming it, the bytes Flink's serializer
 * (made from TypeInformation as a job would) writes for a value, that value as JSON in our conventions
 * ({@link JsonRender}), and Java's hashCode() where the type can be a key ({@code keyable: false} where Java's hash
 * is per-JVM). The checker parses the expression, reads the bytes, compares the JSON, writes the value back and
 * compares the bytes.
 */
final class TypeVectors {
    private TypeVectors() {}

    private final ArrayNode out = array();

    static ArrayNode types() throws Exception {
        TypeVectors v = new TypeVectors();
        v.all();
        return v.out;
    }

    @SuppressWarnings("unchecked")
    static TypeSerializer<Object> serializer(TypeInformation<?> info) {
        return (TypeSerializer<Object>) info.createSerializer(new SerializerConfigImpl());
    }

    static byte[] bytes(TypeSerializer<Object> s, Object v) throws Exception {
        DataOutputSerializer o = new DataOutputSerializer(32);
        s.serialize(v, o);
        return o.getCopyOfBuffer();
    }

    /** keyable: TRUE = emit Java's hashCode, FALSE = Java's hash is per-JVM (refused as key), null = say nothing. */
    private void add(String expr, TypeSerializer<Object> s, Object v, Boolean keyable) throws Exception {
        byte[] b = bytes(s, v);
        DataInputDeserializer in = new DataInputDeserializer(b);
        Object back = s.deserialize(in);
        ObjectNode e = object().put("expression", expr).put("serializer", s.getClass().getSimpleName())
                .put("bytes", hex(b));
        // Flink's SqlTimestampSerializer writes 12 bytes for null but reads back only 8.
        if (in.available() > 0) e.put("bytesLeft", in.available());
        e.set("json", JsonRender.render(back));
        if (Boolean.TRUE.equals(keyable) && v != null) e.put("hashCode", v.hashCode());
        if (Boolean.FALSE.equals(keyable)) e.put("keyable", false);
        out.add(e);
    }

    private void add(String expr, TypeInformation<?> info, Boolean keyable, Object... values) throws Exception {
        TypeSerializer<Object> s = serializer(info);
        for (Object v : values) add(expr, s, v, keyable);
    }

    private void all() throws Exception {
        // Tuples: Tuple0, nested, and the widest.
        add("tuple<>", new TupleTypeInfo<Tuple0>(Tuple0.class), true, Tuple0.INSTANCE);
        add("tuple<int,tuple<string,long>>",
                new TupleTypeInfo<>(Types.INT, new TupleTypeInfo<>(Types.STRING, Types.LONG)), true,
                Tuple2.of(1, Tuple2.of("a", 2L)), Tuple2.of(-7, Tuple2.of("", Long.MIN_VALUE)));
        add("tuple<string,long,double>", new TupleTypeInfo<>(Types.STRING, Types.LONG, Types.DOUBLE), true,
                Tuple3.of("x", 3L, 0.5));
        TypeInformation<?>[] ints = new TypeInformation<?>[25];
        Arrays.fill(ints, Types.INT);
        Tuple t25 = Tuple.newInstance(25);
        for (int i = 0; i < 25; i++) t25.setField(i * 1000 - 3, i);
        add("tuple<" + String.join(",", java.util.Collections.nCopies(25, "int")) + ">", new TupleTypeInfo<>(ints), true, t25);
        // Either.
        add("either<string,long>", new EitherTypeInfo<>(Types.STRING, Types.LONG), true,
                Either.Left("left"), Either.Right(42L));
        // Rows: positional and named, every kind, nulls, a mask over two bytes.
        add("row<long,string>", Types.ROW(Types.LONG, Types.STRING), false,
                Row.of(1L, "a"), Row.ofKind(RowKind.UPDATE_BEFORE, 2L, null), Row.ofKind(RowKind.UPDATE_AFTER, null, "u"),
                Row.ofKind(RowKind.DELETE, null, null));
        add("row<id:long,name:string>", Types.ROW_NAMED(new String[] {"id", "name"}, Types.LONG, Types.STRING), false,
                Row.of(7L, "ada"), Row.ofKind(RowKind.DELETE, 8L, null));
        TypeInformation<?>[] longs = new TypeInformation<?>[9];
        Arrays.fill(longs, Types.LONG);
        add("row<long,long,long,long,long,long,long,long,long>", Types.ROW(longs), false,
                Row.of(1L, null, 3L, null, 5L, 6L, null, 8L, null));
        // POJOs: Flink's field order, null fields, null POJO.
        String stats = "pojo<dev.qstate.compat.Stats>{count:long,name:string,avg:double}";
        add(stats, TypeExtractor.createTypeInfo(Stats.class), null,
                new Stats(3, "ada", 1.5), new Stats(-1, null, null), null);
        // Enums.
        add("enum<RED,GREEN,BLUE>", Types.ENUM(Color.class), false, Color.RED, Color.BLUE);
        // Primitive arrays, String[], generic arrays.
        add("boolean[]", PrimitiveArrayTypeInfo.BOOLEAN_PRIMITIVE_ARRAY_TYPE_INFO, false, new boolean[] {true, false, true}, new boolean[0]);
        add("byte[]", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, false, new byte[] {1, -1, 0});
        add("short[]", PrimitiveArrayTypeInfo.SHORT_PRIMITIVE_ARRAY_TYPE_INFO, false, new short[] {1, -1, Short.MIN_VALUE});
        add("int[]", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO, false, new int[] {1, -1, Integer.MAX_VALUE}, new int[0]);
        add("long[]", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO, false, new long[] {1, -1, Long.MAX_VALUE});
        add("float[]", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO, false, new float[] {0.5f, -0.1f, Float.NaN});
        add("double[]", PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO, false, new double[] {0.1, Double.NEGATIVE_INFINITY});
        add("char[]", PrimitiveArrayTypeInfo.CHAR_PRIMITIVE_ARRAY_TYPE_INFO, false, new char[] {'a', '\u00e9', '\ud83d'});
        add("string[]", BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO, false, (Object) new String[] {"a", null, "\u65e5"});
        add("array<long>", BasicArrayTypeInfo.LONG_ARRAY_TYPE_INFO, false, (Object) new Long[] {1L, null, -1L});
        add("tuple<int,long>[]", ObjectArrayTypeInfo.getInfoFor(Tuple2[].class, new TupleTypeInfo<>(Types.INT, Types.LONG)), false,
                (Object) new Tuple2<?, ?>[] {Tuple2.of(1, 2L), null});
        // BigInteger and BigDecimal (BigInteger.valueOf gives the ZERO/ONE/TEN constants Flink writes short).
        add("biginteger", Types.BIG_INT, true, BigInteger.ZERO, BigInteger.ONE, BigInteger.TEN, BigInteger.valueOf(-1),
                BigInteger.valueOf(127), BigInteger.valueOf(128), BigInteger.valueOf(-128), BigInteger.valueOf(255),
                BigInteger.TWO.pow(64), BigInteger.TWO.pow(100).negate(), new BigInteger("123456789012345678901234567890"), null);
        List<Object> decimals = new ArrayList<>();
        for (String d : new String[] {"0", "1", "10", "1.50", "-12345678901234567890.123", "1E+3", "0.000001", "1E-7",
                "0.1", "-1", "3.14159", "-0.00", "123456789E-20"}) {
            decimals.add(new BigDecimal(d));
        }
        decimals.add(BigDecimal.ZERO);
        decimals.add(BigDecimal.TEN);
        decimals.add(null);
        add("decimal", Types.BIG_DEC, true, decimals.toArray());
        // Dates and times.
        add("date", org.apache.flink.api.common.typeinfo.BasicTypeInfo.DATE_TYPE_INFO, true, new Date(0), new Date(1700000000123L), new Date(-1L), null);
        add("sqldate", SqlTimeTypeInfo.DATE, true, new java.sql.Date(1700000000000L), null);
        add("sqltime", SqlTimeTypeInfo.TIME, true, new Time(3600000L), null);
        Timestamp ts = new Timestamp(1700000000123L);
        ts.setNanos(123456789);
        Timestamp before = new Timestamp(-1500L);
        add("timestamp", SqlTimeTypeInfo.TIMESTAMP, true, ts, before, new Timestamp(0), null);
        add("localdate", LocalTimeTypeInfo.LOCAL_DATE, true, LocalDate.of(2024, 2, 29), LocalDate.of(1, 1, 1),
                LocalDate.of(-5, 12, 31), LocalDate.of(12345, 1, 1), LocalDate.of(1969, 12, 31), null);
        add("localtime", LocalTimeTypeInfo.LOCAL_TIME, true, LocalTime.of(0, 0), LocalTime.of(23, 59, 59, 999999999),
                LocalTime.of(12, 30, 0, 500000000), LocalTime.of(1, 2, 3), LocalTime.of(1, 2, 3, 4000), null);
        add("localdatetime", LocalTimeTypeInfo.LOCAL_DATE_TIME, true, LocalDateTime.of(2024, 2, 29, 13, 45),
                LocalDateTime.of(1999, 12, 31, 23, 59, 59, 1), null);
        add("instant", Types.INSTANT, true, Instant.EPOCH, Instant.ofEpochSecond(1700000000L, 123000000),
                Instant.ofEpochSecond(-1L, 1), Instant.ofEpochSecond(253402300800L), null);
        // Nullable wrappers, padded and not.
        TypeSerializer<Object> nl = NullableSerializer.wrap((TypeSerializer<Object>) (TypeSerializer<?>) LongSerializer.INSTANCE, false);
        add("nullable<long>", nl, 5L, true);
        add("nullable<long>", nl, null, null);
        TypeSerializer<Object> np = NullableSerializer.wrap((TypeSerializer<Object>) (TypeSerializer<?>) LongSerializer.INSTANCE, true);
        add("nullable<long,padded>", np, 5L, true);
        add("nullable<long,padded>", np, null, null);
        TypeSerializer<Object> ns = NullableSerializer.wrap((TypeSerializer<Object>) (TypeSerializer<?>) StringSerializer.INSTANCE, true);
        add("nullable<string,padded>", ns, "s", true);
        add("nullable<string,padded>", ns, null, null);
        // Nested lists and maps.
        add("list<list<long>>", new ListTypeInfo<>(new ListTypeInfo<>(Types.LONG)), null,
                List.of(List.of(1L, 2L), List.of(), List.of(-3L)));
        Map<String, List<Long>> m1 = new LinkedHashMap<>();
        m1.put("a", List.of(1L));
        m1.put("b", List.of());
        add("map<string,list<long>>", new MapTypeInfo<>(Types.STRING, new ListTypeInfo<>(Types.LONG)), null, m1);
        Map<Long, Map<String, Double>> m2 = new LinkedHashMap<>();
        m2.put(1L, Map.of("x", 0.25));
        m2.put(-2L, new LinkedHashMap<>());
        add("map<long,map<string,double>>", new MapTypeInfo<>(Types.LONG, new MapTypeInfo<>(Types.STRING, Types.DOUBLE)), null, m2);
        add("list<tuple<string,row<long,double>>>",
                new ListTypeInfo<>(new TupleTypeInfo<>(Types.STRING, Types.ROW(Types.LONG, Types.DOUBLE))), null,
                List.of(Tuple2.of("r", Row.of(1L, 2.5)), Tuple2.of("s", Row.of(null, null))));
        errors();
        out.addAll(RealTypeVectors.types());
    }

    private void errors() throws Exception {
        // A subclass of the POJO: Flink writes its class name and then the subclass's own serializer.
        TypeSerializer<Object> pojo = serializer(TypeExtractor.createTypeInfo(Stats.class));
        SpecialStats sub = new SpecialStats();
        sub.count = 1;
        out.add(object().put("expression", "pojo<dev.qstate.compat.Stats>{count:long,name:string,avg:double}")
                .put("serializer", pojo.getClass().getSimpleName()).put("bytes", hex(bytes(pojo, sub)))
                .put("errorCode", "POJO_SUBCLASS").put("errorIncludes", SpecialStats.class.getName()));
        // Generic types (Kryo) have their own category: KryoVectors.
    }
}
