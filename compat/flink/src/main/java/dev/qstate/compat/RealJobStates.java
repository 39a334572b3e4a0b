package dev.qstate.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qstate.compat.RealTypes.Circle;
import dev.qstate.compat.RealTypes.Drawing;
import dev.qstate.compat.RealTypes.Order;
import dev.qstate.compat.RealTypes.Shape;
import dev.qstate.compat.RealTypes.Square;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.queryablestate.client.QueryableStateClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;

/**
 * The states of a job written the ordinary way (issue 19), added to the types job: fields declared as a base class
 * holding subclasses (one registered with Flink, so written by tag), map keys {@code "__proto__"} and
 * {@code "constructor"}, and on Flink 2.x a {@code Set}, the nullable collections {@code TypeInformation.of} gives a
 * List/Map/Set and a POJO with List/Map/Set fields; plus a count window's per-window state (namespace
 * {@code GlobalWindow}). Contents are pure functions of the key, its latest record and its record count, so
 * {@link TypesJob#expected()} replays them.
 */
final class RealJobStates {
    private RealJobStates() {}

    static final String[] ODD_KEYS = {"__proto__", "constructor", "toString", "hasOwnProperty"};
    static final int COUNT_WINDOW = 3;

    /** Registers Square as a POJO type: Flink then writes a Square where a Shape is declared by tag 0. */
    static void configure(ExecutionConfig config) {
        ((SerializerConfigImpl) config.getSerializerConfig()).registerPojoType(Square.class);
    }

    /** The execution config Flink's own client needs to read these states (the same registration). */
    static ExecutionConfig clientConfig() {
        ExecutionConfig c = new ExecutionConfig();
        configure(c);
        return c;
    }

    private static int userIndex(String user) {
        return Integer.parseInt(user.substring("user-".length()));
    }

    static Shape shape(String u, Event e, long n) {
        return switch ((int) ((userIndex(u) + n) % 4)) {
            case 0 -> new Shape(e.category);
            case 1 -> new Circle(e.category, e.value / 2.0);
            case 2 -> new Square(e.category, n);
            default -> new Circle(null, -e.value);
        };
    }

    /** Adds the value, list and map states of these families to the types job's string-keyed group. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void addTo(TypesJob.Group<String> users) {
        String drawing = "pojo<dev.qstate.compat.RealTypes$Drawing>{id:long,main:" + RealTypes.SHAPES_SQUARE_TAGGED
                + ",other:" + RealTypes.SHAPES_SQUARE_TAGGED + "}";
        value(users, "t-shapes", RealTypes.SHAPES_SQUARE_TAGGED, TypeExtractor.createTypeInfo(Shape.class), Shape.class,
                (u, e, n) -> shape(u, e, n));
        value(users, "t-drawing", drawing, TypeExtractor.createTypeInfo(Drawing.class), Drawing.class,
                (u, e, n) -> new Drawing(n, shape(u, e, n), n % 3 == 0 ? null : shape(u, e, n + 1)));
        users.list("t-shape-list", RealTypes.SHAPES_SQUARE_TAGGED, TypeExtractor.createTypeInfo(Shape.class), (u, e, n) -> shape(u, e, n * 7));
        last(users).renderer = (content) -> RealTypes.render(content, Shape.class, true);
        // Map keys that are Object.prototype's members in JS: a map state and a Map value.
        users.map("t-odd-keys", "map<string,long>", Types.STRING, Types.LONG,
                (u, e, n) -> Tuple2.of(ODD_KEYS[(int) ((n - 1) % ODD_KEYS.length)], n % 5 == 0 ? null : e.value * n));
        value(users, "t-odd-keys-value", "map<string,long>", new MapTypeInfo<>(Types.STRING, Types.LONG), null, (u, e, n) -> {
            Map<String, Long> m = new LinkedHashMap<>();
            for (int i = 0; i < ODD_KEYS.length; i++) m.put(ODD_KEYS[i], i == userIndex(u) % 4 ? null : n + i);
            m.put(u, e.value);
            return m;
        });
        value(users, "t-odd-keys-list", "map<string,list<long>>", new MapTypeInfo<>(Types.STRING, new ListTypeInfo<>(Types.LONG)), null,
                (u, e, n) -> Map.of("__proto__", List.of(n), "constructor", List.of()));
        if (!RealTypeVectors.FLINK_2) return;
        // Flink 2.x: SetTypeInfo, and what TypeInformation.of / a POJO's fields give List, Map and Set.
        value(users, "t-set", "set<string>", setInfo(Types.STRING), null, (u, e, n) -> {
            Set<String> s = new HashSet<>(Arrays.asList(e.category, u, "n" + n % 3));
            if (userIndex(u) % 2 == 1) s.add(null);
            return s;
        });
        value(users, "t-nullable-list", "nullablelist<string>", TypeInformation.of(new TypeHint<List<String>>() {}), null,
                (u, e, n) -> userIndex(u) % 5 == 4 ? new ArrayList<>() : new ArrayList<>(Arrays.asList(e.category, null, u)));
        value(users, "t-nullable-map", "nullablemap<string,long>", TypeInformation.of(new TypeHint<Map<String, Long>>() {}), null,
                (u, e, n) -> {
                    Map<String, Long> m = new HashMap<>();
                    m.put("__proto__", n);
                    m.put(e.category, null);
                    if (userIndex(u) % 3 == 0) m.put(null, e.value);
                    return m;
                });
        value(users, "t-nullable-set", "nullableset<long>", TypeInformation.of(new TypeHint<Set<Long>>() {}), null,
                (u, e, n) -> new HashSet<>(Arrays.asList(n, e.value, (long) userIndex(u))));
        String order = "pojo<dev.qstate.compat.RealTypes$Order>{id:string,tags:nullablelist<string>,counts:nullablemap<string,long>,"
                + "labels:nullableset<string>,shape:" + RealTypes.SHAPES_SQUARE_TAGGED + "}";
        value(users, "t-order", order, TypeExtractor.createTypeInfo(Order.class), Order.class, (u, e, n) -> {
            Order o = new Order();
            int k = userIndex(u);
            o.id = u + "/" + n;
            o.tags = k % 4 == 0 ? null : new ArrayList<>(Arrays.asList(e.category, k % 2 == 0 ? null : "odd"));
            if (k % 3 != 1) {
                o.counts = new HashMap<>();
                o.counts.put(e.category, n);
                o.counts.put("constructor", k % 2 == 0 ? null : e.value);
            }
            o.labels = new HashSet<>(Arrays.asList("l" + n % 2, k % 5 == 0 ? null : u));
            o.shape = shape(u, e, n);
            return o;
        });
    }

    private static TypeInformation<?> setInfo(TypeInformation<?> element) {
        try {
            return RealTypeVectors.info2("SetTypeInfo", element);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static <K> TypesJob.Spec<K> last(TypesJob.Group<K> g) {
        return g.specs.get(g.specs.size() - 1);
    }

    private static void value(TypesJob.Group<String> g, String name, String expr, TypeInformation<?> info, Class<?> declared,
                              TypesJob.Fn<String> fn) {
        g.value(name, expr, info, fn);
        last(g).renderer = (content) -> RealTypes.render(content, declared, true);
    }

    // ---------------------------------------------------------------- a count window's per-window state

    /**
     * {@code countWindow(3)} per user: each firing puts the window's sum in the per-window state "count-window-sum"
     * (namespace GlobalWindow) and counts the firings in the global state "count-window-fires".
     */
    static void buildWindows(DataStream<Event> data) {
        data.keyBy(e -> e.user, Types.STRING).countWindow(COUNT_WINDOW).process(new CountWindowSum()).name("count-window");
    }

    static final class CountWindowSum extends ProcessWindowFunction<Event, Void, String, GlobalWindow> {
        @Override
        public void process(String user, Context ctx, Iterable<Event> elements, Collector<Void> out) throws Exception {
            ValueStateDescriptor<Long> d = new ValueStateDescriptor<>("count-window-sum", Types.LONG);
            d.setQueryable("count-window-sum");
            long s = 0;
            for (Event e : elements) s += e.value;
            ctx.windowState().getState(d).update(s);
            ValueStateDescriptor<Long> c = new ValueStateDescriptor<>("count-window-fires", Types.LONG);
            c.setQueryable("count-window-fires");
            ValueState<Long> fires = ctx.globalState().getState(c);
            Long n = fires.value();
            fires.update(n == null ? 1L : n + 1);
        }
    }

    /** Per user: how often its count window fired, and the sum of the last window fired. */
    private static Map<String, long[]> windowsExpected() {
        Map<String, List<Long>> values = new TreeMap<>();
        for (Event e : Input.all()) values.computeIfAbsent(e.user, k -> new ArrayList<>()).add(e.value);
        Map<String, long[]> out = new TreeMap<>();
        values.forEach((user, vs) -> {
            int fires = vs.size() / COUNT_WINDOW;
            if (fires == 0) return;
            long sum = 0;
            for (int i = (fires - 1) * COUNT_WINDOW; i < fires * COUNT_WINDOW; i++) sum += vs.get(i);
            out.put(user, new long[] {fires, sum});
        });
        return out;
    }

    /** The types states plus the count window's two states (the per-window one with {@code namespace: "GlobalWindow"}). */
    static ArrayNode withWindowStates(ArrayNode states) throws java.io.IOException {
        ObjectNode sum = states.addObject();
        sum.put("name", "count-window-sum").put("kind", "value").put("keyType", "string").put("valueType", "long")
                .put("namespaceType", "globalwindow");
        ObjectNode fires = states.addObject();
        fires.put("name", "count-window-fires").put("kind", "value").put("keyType", "string").put("valueType", "long");
        ArrayNode sums = sum.putArray("entries"), counts = fires.putArray("entries");
        for (Map.Entry<String, long[]> en : windowsExpected().entrySet()) {
            DataOutputSerializer o = new DataOutputSerializer(16);
            Types.STRING.createSerializer(new SerializerConfigImpl()).serialize(en.getKey(), o);
            String keyBytes = VectorsJson.hex(o.getCopyOfBuffer());
            sums.addObject().put("key", en.getKey()).put("keyBytes", keyBytes).put("namespace", "GlobalWindow")
                    .put("value", Long.toString(en.getValue()[1]));
            counts.addObject().put("key", en.getKey()).put("keyBytes", keyBytes).put("value", Long.toString(en.getValue()[0]));
        }
        return states;
    }

    /** Waits, with Flink's own client, until every user's count window fired as often as its input says. */
    static void awaitWindows(String proxy, JobID job, long timeoutMs) throws Exception {
        String[] hp = proxy.split(":");
        QueryableStateClient client = new QueryableStateClient(hp[0], Integer.parseInt(hp[1]));
        client.setExecutionConfig(new ExecutionConfig());
        long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "";
        try {
            while (System.currentTimeMillis() < deadline) {
                last = null;
                for (Map.Entry<String, long[]> en : windowsExpected().entrySet()) {
                    try {
                        CompletableFuture<ValueState<Long>> got = client.getKvState(job, "count-window-fires", en.getKey(), Types.STRING,
                                new ValueStateDescriptor<>("count-window-fires", Types.LONG));
                        Long n = got.get().value();
                        if (n == null || n != en.getValue()[0]) {
                            last = "count-window-fires[" + en.getKey() + "] = " + n + ", expected " + en.getValue()[0];
                            break;
                        }
                    } catch (Exception ex) {
                        last = "count-window-fires[" + en.getKey() + "]: " + ex;
                        break;
                    }
                }
                if (last == null) return;
                Thread.sleep(250);
            }
            throw new IllegalStateException("count windows not filled within " + timeoutMs + " ms: " + last);
        } finally {
            client.shutdownAndWait();
        }
    }
}
