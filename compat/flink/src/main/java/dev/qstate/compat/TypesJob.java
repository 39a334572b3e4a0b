package dev.qstate.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.NullableSerializer;
import org.apache.flink.api.java.typeutils.runtime.TupleSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.queryablestate.client.QueryableStateClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * The types part of the compatibility job: keyed states whose keys and values are Flink's type families
 * (POJOs, rows, tuples, Either, enums, arrays, big numbers, dates and times, nullable wrappers, nested
 * collections, Avro generic records from {@link AvroStates}), each made from TypeInformation (or a TypeSerializer where no TypeInformation names it) so
 * Flink picks its real serializer. Every state's value for a key is a pure function of the key, the key's
 * last input record and how many records it has seen; {@link #expected()} replays the input through the
 * same functions, so the expected content is Java's own objects, never read back from Flink.
 */
final class TypesJob {
    private TypesJob() {}

    static final String STATS = "pojo<dev.qstate.compat.Stats>{count:long,name:string,avg:double}";
    static final String USER_KEY = "pojo<dev.qstate.compat.UserKey>{user:string,bucket:int}";

    /** A state's content as JSON. */
    interface Render extends Serializable {
        JsonNode of(Object content);
    }

    /** A state's content for a key: the key, its latest record, the number of records seen (1-based). */
    interface Fn<K> extends Serializable {
        Object of(K key, Event e, long n);
    }

    /** One queryable state: its kind (value, list or map), our type expressions, Flink's type, the content. */
    static final class Spec<K> implements Serializable {
        final String name;
        final String kind;
        final String valueExpr;
        final TypeInformation<?> info;
        final TypeSerializer<?> serializer;
        final TypeInformation<?> mapKeyInfo;
        final Fn<K> fn;
        /** The Avro schema (JSON) of a state of generic records, else null. */
        String avroSchema;
        /** How the content renders as JSON when not as {@link JsonRender} does (see {@link RealJobStates}), else null. */
        Render renderer;

        Spec(String name, String kind, String valueExpr, TypeInformation<?> info, TypeSerializer<?> serializer,
             TypeInformation<?> mapKeyInfo, Fn<K> fn) {
            this.name = name;
            this.kind = kind;
            this.valueExpr = valueExpr;
            this.info = info;
            this.serializer = serializer;
            this.mapKeyInfo = mapKeyInfo;
            this.fn = fn;
        }

        /** The content (a value, a List for list states, a Map for maps) as the suite's JSON. */
        JsonNode render(Object content) {
            if (renderer != null) return renderer.of(content);
            return avroSchema == null ? JsonRender.render(content) : AvroStates.render(kind, avroSchema, content);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        Object descriptor() {
            switch (kind) {
                case "value": {
                    ValueStateDescriptor d = serializer != null
                            ? new ValueStateDescriptor(name, serializer) : new ValueStateDescriptor(name, info);
                    d.setQueryable(name);
                    return d;
                }
                case "list": {
                    ListStateDescriptor d = new ListStateDescriptor(name, info);
                    d.setQueryable(name);
                    return d;
                }
                case "map": {
                    MapStateDescriptor d = new MapStateDescriptor(name, mapKeyInfo, info);
                    d.setQueryable(name);
                    return d;
                }
                default:
                    throw new IllegalArgumentException(kind);
            }
        }
    }

    /** The states of one key type. */
    static final class Group<K> implements Serializable {
        final String name;
        final String keyExpr;
        final TypeInformation<K> keyInfo;
        final KeySelector<Event, K> selector;
        final List<Spec<K>> specs = new ArrayList<>();

        Group(String name, String keyExpr, TypeInformation<K> keyInfo, KeySelector<Event, K> selector) {
            this.name = name;
            this.keyExpr = keyExpr;
            this.keyInfo = keyInfo;
            this.selector = selector;
        }

        Group<K> value(String name, String expr, TypeInformation<?> info, Fn<K> fn) {
            specs.add(new Spec<>(name, "value", expr, info, null, null, fn));
            return this;
        }

        Group<K> value(String name, String expr, TypeSerializer<?> serializer, Fn<K> fn) {
            specs.add(new Spec<>(name, "value", expr, null, serializer, null, fn));
            return this;
        }

        /** A list state: {@code fn} gives the element added per record. */
        Group<K> list(String name, String elementExpr, TypeInformation<?> info, Fn<K> fn) {
            specs.add(new Spec<>(name, "list", elementExpr, info, null, null, fn));
            return this;
        }

        /** A map state: {@code fn} gives the entry (a Tuple2 of map key and value) put per record. */
        Group<K> map(String name, String expr, TypeInformation<?> keyInfo, TypeInformation<?> info, Fn<K> fn) {
            specs.add(new Spec<>(name, "map", expr, info, null, keyInfo, fn));
            return this;
        }

        /**
         * A state of Avro generic records of {@code schemaJson} ({@code GenericRecordAvroTypeInfo}): a value, a list
         * (of a record per input) or a map (of {@code mapKeyInfo} to records); the type expression names the schema
         * as {@code avro:<record name>}.
         */
        Group<K> avro(String name, String kind, String schemaJson, TypeInformation<?> mapKeyInfo, Fn<K> fn) {
            String record = "avro:" + AvroStates.name(schemaJson);
            String expr = kind.equals("map") ? "map<string," + record + ">" : record;
            Spec<K> s = new Spec<>(name, kind, expr, AvroStates.info(schemaJson), null, mapKeyInfo, fn);
            s.avroSchema = schemaJson;
            specs.add(s);
            return this;
        }
    }

    private static int userIndex(String user) {
        return Integer.parseInt(user.substring("user-".length()));
    }

    private static final long BASE_MS = 1_700_000_000_000L;

    /**
     * States left out of the job ({@code --omit-states}): Flink cannot take a canonical savepoint of heap state holding
     * some of them ({@link Snapshots#HEAP_CANONICAL_FAILS}), so the snapshot fixtures of that format come from a job without them.
     */
    static final java.util.Set<String> OMIT = new java.util.HashSet<>();

    static List<Group<?>> groups() {
        List<Group<?>> out = allGroups();
        for (Group<?> g : out) g.specs.removeIf(s -> OMIT.contains(s.name));
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<Group<?>> allGroups() {
        List<Group<?>> out = new ArrayList<>();
        TypeSerializer<Object> nullableLong = NullableSerializer.wrap((TypeSerializer) LongSerializer.INSTANCE, false);
        TypeSerializer<Object> paddedLong = NullableSerializer.wrap((TypeSerializer) LongSerializer.INSTANCE, true);
        TypeSerializer<Object> nullableString = NullableSerializer.wrap((TypeSerializer) StringSerializer.INSTANCE, false);
        TypeSerializer<?> nullableTuple = new TupleSerializer<Tuple2<String, Long>>((Class) Tuple2.class,
                new TypeSerializer<?>[] {nullableString, NullableSerializer.wrap((TypeSerializer) LongSerializer.INSTANCE, true)});

        Group<String> users = new Group<>("user", "string", Types.STRING, e -> e.user);
        users.value("t-pojo", STATS, Types.POJO(Stats.class), (u, e, n) -> {
            int k = userIndex(u);
            return new Stats(n, k % 3 == 0 ? null : e.category, k % 2 == 0 ? null : e.value / 4.0);
        });
        users.value("t-row", "row<id:long,name:string,score:double>",
                Types.ROW_NAMED(new String[] {"id", "name", "score"}, Types.LONG, Types.STRING, Types.DOUBLE), (u, e, n) -> {
                    int k = userIndex(u);
                    Row r = Row.withNames(RowKind.values()[k % 4]);
                    r.setField("id", n * 1_000_000_007L);
                    r.setField("name", k % 3 == 1 ? null : e.category);
                    r.setField("score", e.value * 1.5);
                    return r;
                });
        users.value("t-tuple3", "tuple<string,long,double>", Types.TUPLE(Types.STRING, Types.LONG, Types.DOUBLE),
                (u, e, n) -> Tuple3.of(e.category, e.ts * -31L, e.value / 8.0));
        users.value("t-tuple-nested", "tuple<int,tuple<string,tuple<long,boolean>>>",
                Types.TUPLE(Types.INT, Types.TUPLE(Types.STRING, Types.TUPLE(Types.LONG, Types.BOOLEAN))),
                (u, e, n) -> Tuple2.of(userIndex(u), Tuple2.of(e.category, Tuple2.of(Long.MIN_VALUE + n, e.value > 0))));
        users.value("t-either", "either<string,long>", Types.EITHER(Types.STRING, Types.LONG),
                (u, e, n) -> userIndex(u) % 2 == 0 ? Either.Left(e.category + "/" + n) : Either.Right(e.value * n));
        users.value("t-enum", "enum<RED,GREEN,BLUE>", Types.ENUM(Color.class),
                (u, e, n) -> Color.values()[(int) ((userIndex(u) + n) % 3)]);
        users.value("t-booleans", "boolean[]", Types.PRIMITIVE_ARRAY(Types.BOOLEAN), (u, e, n) -> {
            boolean[] a = new boolean[userIndex(u) % 5];
            for (int i = 0; i < a.length; i++) a[i] = (e.value + i) % 2 == 0;
            return a;
        });
        users.value("t-bytes", "byte[]", Types.PRIMITIVE_ARRAY(Types.BYTE),
                (u, e, n) -> new byte[] {(byte) e.value, Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) userIndex(u)});
        users.value("t-shorts", "short[]", Types.PRIMITIVE_ARRAY(Types.SHORT),
                (u, e, n) -> new short[] {(short) (e.value * 300), Short.MIN_VALUE, (short) n});
        users.value("t-ints", "int[]", Types.PRIMITIVE_ARRAY(Types.INT), (u, e, n) -> {
            int[] a = new int[userIndex(u) % 4];
            for (int i = 0; i < a.length; i++) a[i] = (int) e.value * 100_000 * (i + 1) + Integer.MIN_VALUE * (i % 2);
            return a;
        });
        users.value("t-longs", "long[]", Types.PRIMITIVE_ARRAY(Types.LONG),
                (u, e, n) -> new long[] {e.value * 1_000_000_000_000L, Long.MIN_VALUE, Long.MAX_VALUE, n});
        users.value("t-floats", "float[]", Types.PRIMITIVE_ARRAY(Types.FLOAT),
                (u, e, n) -> new float[] {e.value / 10f, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -0f});
        users.value("t-doubles", "double[]", Types.PRIMITIVE_ARRAY(Types.DOUBLE),
                (u, e, n) -> new double[] {e.value / 10.0, Double.POSITIVE_INFINITY, Double.MAX_VALUE, 1e-300});
        users.value("t-chars", "char[]", Types.PRIMITIVE_ARRAY(Types.CHAR),
                (u, e, n) -> (e.category + "\u00e9\u65e5").toCharArray());
        users.value("t-strings", "string[]", BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO,
                (u, e, n) -> new String[] {u, null, e.category, "\u65e5\u672c", ""});
        // Types.OBJECT_ARRAY(Types.STRING) is BasicArrayTypeInfo's String[] (StringArraySerializer, our string[]):
        // only an ObjectArrayTypeInfo made directly gives a GenericArraySerializer of strings.
        users.value("t-string-objects", "array<string>", ObjectArrayTypeInfo.getInfoFor(String[].class, Types.STRING),
                (u, e, n) -> new String[] {e.category, null, u});
        users.value("t-boxed-longs", "array<long>", BasicArrayTypeInfo.LONG_ARRAY_TYPE_INFO,
                (u, e, n) -> new Long[] {n, null, e.value});
        users.value("t-pojos", STATS + "[]", Types.OBJECT_ARRAY(Types.POJO(Stats.class)),
                (u, e, n) -> new Stats[] {new Stats(n, u, null), null, new Stats(e.value, null, 0.25)});
        users.value("t-tuples", "tuple<int,long>[]", Types.OBJECT_ARRAY(Types.TUPLE(Types.INT, Types.LONG)),
                (u, e, n) -> new Tuple2<?, ?>[] {Tuple2.of(userIndex(u), n), null, Tuple2.of(-1, e.ts)});
        users.value("t-biginteger", "biginteger", Types.BIG_INT, (u, e, n) -> {
            int k = userIndex(u);
            // The first three keys hold the very constants Flink writes in a short form.
            if (k < 3) return new BigInteger[] {BigInteger.ZERO, BigInteger.ONE, BigInteger.TEN}[k];
            return BigInteger.valueOf(e.value).multiply(BigInteger.TWO.pow(60 + k)).add(BigInteger.valueOf(n));
        });
        users.value("t-decimal", "decimal", Types.BIG_DEC, (u, e, n) -> {
            int k = userIndex(u);
            if (k == 0) return BigDecimal.ZERO;
            if (k == 1) return new BigDecimal(BigInteger.valueOf(12), -3);
            return new BigDecimal(BigInteger.valueOf(e.value * 1_000_003L + k).multiply(BigInteger.TEN.pow(k)), k * 2);
        });
        users.value("t-date", "date", BasicTypeInfo.DATE_TYPE_INFO,
                (u, e, n) -> new Date(BASE_MS + e.ts * 1_000 + userIndex(u) - (userIndex(u) == 4 ? 2 * BASE_MS : 0)));
        users.value("t-sqldate", "sqldate", Types.SQL_DATE,
                (u, e, n) -> new java.sql.Date(BASE_MS + userIndex(u) * 86_400_000L));
        users.value("t-sqltime", "sqltime", Types.SQL_TIME, (u, e, n) -> new Time(userIndex(u) * 3_600_000L + e.ts));
        users.value("t-timestamp", "timestamp", Types.SQL_TIMESTAMP, (u, e, n) -> {
            int k = userIndex(u);
            Timestamp t = new Timestamp(k == 5 ? -1_500L : BASE_MS + e.ts);
            if (k != 5) t.setNanos((int) ((k * 123_456_789L + n) % 1_000_000_000L));
            return t;
        });
        users.value("t-localdate", "localdate", Types.LOCAL_DATE, (u, e, n) -> {
            int k = userIndex(u);
            return k == 0 ? LocalDate.of(-5, 12, 31) : LocalDate.of(2024, 2, 29).plusDays(k * 400L - 2_000 + n);
        });
        users.value("t-localtime", "localtime", Types.LOCAL_TIME, (u, e, n) -> {
            int k = userIndex(u);
            return LocalTime.of(k, (int) n, k % 2 == 0 ? 0 : 15, k % 3 == 0 ? 0 : k * 12_345_000);
        });
        users.value("t-localdatetime", "localdatetime", Types.LOCAL_DATE_TIME, (u, e, n) -> {
            int k = userIndex(u);
            return LocalDateTime.of(1990 + k * 3, 1 + k, 1 + k * 2, k * 2, (int) n, k, k * 1_000);
        });
        users.value("t-instant", "instant", Types.INSTANT, (u, e, n) -> {
            int k = userIndex(u);
            return k == 0 ? Instant.ofEpochSecond(-1, 1) : Instant.ofEpochSecond(1_700_000_000L + e.ts, k * 100_000_001L);
        });
        users.value("t-nullable", "nullable<long>", nullableLong, (u, e, n) -> e.value * n);
        users.value("t-nullable-padded", "nullable<long,padded>", paddedLong, (u, e, n) -> -e.value * n);
        users.value("t-tuple-nullables", "tuple<nullable<string>,nullable<long,padded>>", nullableTuple, (u, e, n) -> {
            int k = userIndex(u);
            return Tuple2.of(k % 3 == 0 ? null : e.category, k % 2 == 0 ? null : e.value);
        });
        users.value("t-map-of-lists", "map<string,list<long>>", new MapTypeInfo<>(Types.STRING, new ListTypeInfo<>(Types.LONG)),
                (u, e, n) -> {
                    Map<String, List<Long>> m = new LinkedHashMap<>();
                    m.put(e.category, List.of(e.value, e.ts, n));
                    m.put("empty", List.of());
                    m.put(u, List.of((long) userIndex(u)));
                    return m;
                });
        users.value("t-list-of-lists", "list<list<long>>", new ListTypeInfo<>(new ListTypeInfo<>(Types.LONG)),
                (u, e, n) -> List.of(List.of(n), List.of(), List.of(e.value, e.ts)));
        users.list("t-list-of-pojos", STATS, Types.POJO(Stats.class), (u, e, n) -> new Stats(n, e.category, e.value % 3 == 0 ? null : e.value / 2.0));
        users.map("t-map-state", "map<string,list<long>>", Types.STRING, new ListTypeInfo<>(Types.LONG),
                (u, e, n) -> Tuple2.of(e.category, e.value % 4 == 0 ? null : List.of(n, e.value)));
        out.add(users);

        Group<Long> ids = new Group<>("id", "long", Types.LONG, e -> e.id);
        ids.value("t-row-by-id", "row<long,string>", Types.ROW(Types.LONG, Types.STRING),
                (id, e, n) -> Row.ofKind(id % 2 == 0 ? RowKind.INSERT : RowKind.DELETE, n, id == 3 ? null : e.user));
        ids.value("t-pojo-by-id", STATS, Types.POJO(Stats.class), (id, e, n) -> new Stats(id * n, e.user, null));
        // Avro generic records, in the string- and long-keyed groups (added before their Holders are built).
        AvroStates.addTo(users, ids);
        RealJobStates.addTo(users);
        // Kryo (GenericTypeInfo) states, and a group keyed by UUID.
        KryoStates.addTo(users, out);
        out.add(ids);

        Group<Tuple2<String, Long>> pairs = new Group<>("pair", "tuple<string,long>", Types.TUPLE(Types.STRING, Types.LONG),
                e -> Tuple2.of(e.user, e.id));
        pairs.value("t-longs-by-pair", "long[]", Types.PRIMITIVE_ARRAY(Types.LONG), (p, e, n) -> new long[] {n, e.value, e.ts});
        out.add(pairs);

        Group<UserKey> pojoKeys = new Group<>("pojo-key", USER_KEY, Types.POJO(UserKey.class),
                e -> new UserKey(e.user, (int) (e.id % 3)));
        pojoKeys.value("t-stats-by-pojo", STATS, Types.POJO(Stats.class), (k, e, n) -> new Stats(n, e.category, e.value / 5.0));
        out.add(pojoKeys);

        Group<BigDecimal> decimals = new Group<>("decimal-key", "decimal", Types.BIG_DEC,
                e -> new BigDecimal(BigInteger.valueOf(Math.floorMod(e.value, 10) - 3), 1));
        decimals.value("t-string-by-decimal", "string", Types.STRING, (d, e, n) -> e.user + ":" + n);
        out.add(decimals);

        Group<LocalDate> dates = new Group<>("date-key", "localdate", Types.LOCAL_DATE,
                e -> LocalDate.of(2020, 2, 27).plusDays(e.id));
        dates.value("t-instant-by-date", "instant", Types.INSTANT, (d, e, n) -> Instant.ofEpochMilli(BASE_MS + e.ts * 7 + n));
        out.add(dates);

        // A tuple key over value-hashed Java types: TupleN.hashCode() folds BigInteger's, Instant's and
        // Timestamp's (Date's, over its milliseconds) hashes.
        Group<Tuple3<BigInteger, Instant, Timestamp>> mixed = new Group<>("mixed-key", "tuple<biginteger,instant,timestamp>",
                Types.TUPLE(Types.BIG_INT, Types.INSTANT, Types.SQL_TIMESTAMP), e -> {
                    Timestamp t = new Timestamp(BASE_MS + e.id * 1_001L);
                    t.setNanos((int) (e.id * 100_000_007L % 1_000_000_000L));
                    return Tuple3.of(BigInteger.valueOf(e.id - 3).shiftLeft(70), Instant.ofEpochSecond(-e.id * 86_400L, e.id), t);
                });
        mixed.value("t-time-by-mixed", "localtime", Types.LOCAL_TIME, (k, e, n) -> LocalTime.ofSecondOfDay(n * 997 + e.id));
        out.add(mixed);
        return out;
    }

    static void build(DataStream<Event> data) {
        for (Group<?> g : groups()) add(data, g);
    }

    private static <K> void add(DataStream<Event> data, Group<K> g) {
        data.keyBy(g.selector, g.keyInfo).process(new Holder<>(g.specs)).name("types-" + g.name);
    }

    /** Keeps every state of one group up to date. */
    static final class Holder<K> extends KeyedProcessFunction<K, Event, Void> {
        private final List<Spec<K>> specs;
        private transient ValueState<Long> count;
        private transient List<Object> states;

        Holder(List<Spec<K>> specs) {
            this.specs = specs;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            states = new ArrayList<>();
            for (Spec<K> s : specs) {
                Object d = s.descriptor();
                if (d instanceof ValueStateDescriptor v) states.add(getRuntimeContext().getState(v));
                else if (d instanceof ListStateDescriptor l) states.add(getRuntimeContext().getListState(l));
                else states.add(getRuntimeContext().getMapState((MapStateDescriptor) d));
            }
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void processElement(Event e, Context ctx, Collector<Void> out) throws Exception {
            Long c = count.value();
            long n = c == null ? 1 : c + 1;
            count.update(n);
            K key = ctx.getCurrentKey();
            for (int i = 0; i < specs.size(); i++) {
                Object v = specs.get(i).fn.of(key, e, n);
                Object st = states.get(i);
                if (st instanceof ValueState s) s.update(v);
                else if (st instanceof ListState s) s.add(v);
                else {
                    Tuple2 en = (Tuple2) v;
                    ((MapState) st).put(en.f0, en.f1);
                }
            }
        }
    }

    /** The expected content of one state: key objects to Java values (a List for list states, a Map for maps). */
    static final class Expected {
        final Group<?> group;
        final Spec<?> spec;
        final Map<Object, Object> byKey = new LinkedHashMap<>();

        Expected(Group<?> group, Spec<?> spec) {
            this.group = group;
            this.spec = spec;
        }
    }

    /** Replays the input through every state's function, as the job does. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static List<Expected> expected() throws Exception {
        List<Expected> out = new ArrayList<>();
        List<Event> events = Input.all();
        events.removeIf(e -> Input.END_USER.equals(e.user));
        for (Group g : groups()) {
            Map<Object, Long> counts = new LinkedHashMap<>();
            List<Expected> mine = new ArrayList<>();
            for (Object s : g.specs) mine.add(new Expected(g, (Spec<?>) s));
            for (Event e : events) {
                Object key = g.selector.getKey(e);
                long n = counts.merge(key, 1L, Long::sum);
                for (Expected x : mine) {
                    Object v = ((Fn) x.spec.fn).of(key, e, n);
                    switch (x.spec.kind) {
                        case "value" -> x.byKey.put(key, v);
                        case "list" -> ((List<Object>) x.byKey.computeIfAbsent(key, k -> new ArrayList<>())).add(v);
                        default -> {
                            Tuple2 en = (Tuple2) v;
                            ((Map<Object, Object>) x.byKey.computeIfAbsent(key, k -> new LinkedHashMap<>())).put(en.f0, en.f1);
                        }
                    }
                }
            }
            out.addAll(mine);
        }
        return out;
    }

    /**
     * The suite's JSON of the expected content: per state its name, kind, our key and value type expressions
     * and its entries, each with the key as JSON, the key's bytes from Flink's key serializer (so a client can
     * rebuild the key without parsing JSON back into values) and the value as JSON ({@link JsonRender}).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static ArrayNode json(List<Expected> expected) throws Exception {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ArrayNode states = f.arrayNode();
        for (Expected x : expected) {
            ObjectNode s = states.addObject();
            s.put("name", x.spec.name);
            s.put("kind", x.spec.kind);
            s.put("keyType", x.group.keyExpr);
            s.put("valueType", x.spec.valueExpr);
            if (x.spec.avroSchema != null) s.set("avroSchemas", AvroStates.schemas(x.spec.avroSchema));
            // A renderer of its own (RealJobStates) writes sets sorted: the client sorts its sets too before comparing.
            if (x.spec.renderer != null) s.put("setsSorted", true);
            TypeSerializer<Object> ks = (TypeSerializer<Object>) x.group.keyInfo.createSerializer(new SerializerConfigImpl());
            ArrayNode entries = s.putArray("entries");
            for (Map.Entry<Object, Object> en : x.byKey.entrySet()) {
                DataOutputSerializer o = new DataOutputSerializer(32);
                ks.serialize(en.getKey(), o);
                ObjectNode e = entries.addObject();
                e.set("key", JsonRender.render(en.getKey()));
                e.put("keyBytes", VectorsJson.hex(o.getCopyOfBuffer()));
                e.set("value", x.spec.render(en.getValue()));
            }
        }
        return states;
    }

    /**
     * Waits, with Flink's own client against Flink's own proxy, until every types state holds its expected
     * content: the job has processed its input, and Flink's client reads back what Java computed.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void await(String proxy, JobID job, List<Expected> expected, long timeoutMs) throws Exception {
        String[] hp = proxy.split(":");
        QueryableStateClient client = new QueryableStateClient(hp[0], Integer.parseInt(hp[1]));
        // Without one, Flink's client hands descriptors a null config, and a POJO's TypeInformation throws.
        client.setExecutionConfig(RealJobStates.clientConfig());
        long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "";
        try {
            while (System.currentTimeMillis() < deadline) {
                last = firstMismatch(client, job, expected);
                if (last == null) return;
                Thread.sleep(250);
            }
            throw new IllegalStateException("types states not filled within " + timeoutMs + " ms: " + last);
        } finally {
            client.shutdownAndWait();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static String firstMismatch(QueryableStateClient client, JobID job, List<Expected> expected) {
        List<CompletableFuture<Object>> futures = new ArrayList<>();
        List<String> what = new ArrayList<>();
        List<Object> want = new ArrayList<>();
        List<Spec<?>> specs = new ArrayList<>();
        for (Expected x : expected) {
            for (Map.Entry<Object, Object> en : x.byKey.entrySet()) {
                StateDescriptor d = (StateDescriptor) x.spec.descriptor();
                futures.add(client.getKvState(job, x.spec.name, en.getKey(), (TypeInformation) x.group.keyInfo, d)
                        .thenApply(s -> content(x.spec.kind, s)));
                what.add(x.spec.name + "[" + JsonRender.render(en.getKey()) + "]");
                want.add(en.getValue());
                specs.add(x.spec);
            }
        }
        for (int i = 0; i < futures.size(); i++) {
            try {
                Object got = futures.get(i).get();
                Spec<?> spec = specs.get(i);
                if (!spec.render(got).equals(spec.render(want.get(i)))) {
                    return what.get(i) + " = " + spec.render(got) + ", expected " + spec.render(want.get(i));
                }
            } catch (Exception ex) {
                return what.get(i) + ": " + ex;
            }
        }
        return null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object content(String kind, Object state) {
        try {
            switch (kind) {
                case "value":
                    return ((ValueState) state).value();
                case "list": {
                    List<Object> l = new ArrayList<>();
                    for (Object o : (Iterable<Object>) ((ListState) state).get()) l.add(o);
                    return l;
                }
                default: {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (Object o : ((MapState) state).entries()) {
                        Map.Entry en = (Map.Entry) o;
                        m.put(en.getKey(), en.getValue());
                    }
                    return m;
                }
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
