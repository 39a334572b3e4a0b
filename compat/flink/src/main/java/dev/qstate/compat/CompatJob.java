package dev.qstate.compat;

import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.AggregatingState;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * The deterministic job: after {@link Input#EVENTS} records (and one end marker) its source only
 * emits ticks that are filtered out, so the job stays RUNNING with every state filled.
 */
final class CompatJob {
    static final int PARALLELISM = 4;

    /**
     * The states whose descriptor name (what checkpoints hold) differs from the name they are queryable under
     * ({@code setQueryable}): descriptor name to queryable name.
     */
    static final Map<String, String> QUERYABLE_NAMES =
            Map.of("last", "value", "values", "list", "categories", "map", "sum", "reducing", "max", "aggregating");

    private CompatJob() {}

    /** Builds the job; returns its input records (without the end marker), which {@link TypesJob} also reads. */
    static DataStream<Event> build(StreamExecutionEnvironment env) {
        DataGeneratorSource<Event> source = new DataGeneratorSource<>(CompatJob::generate, Long.MAX_VALUE, Types.POJO(Event.class));
        DataStream<Event> events = env.fromSource(source, WatermarkStrategy.noWatermarks(), "input")
                .setParallelism(1)
                .filter(e -> !e.tick).setParallelism(1)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Event>forGenerator(c -> new EveryEvent())
                        .withTimestampAssigner((e, t) -> e.ts)).setParallelism(1);
        DataStream<Event> data = events.filter(e -> !Input.END_USER.equals(e.user)).setParallelism(1);
        // A uid: Flink 1.x checkpoints name operators only by ids, which qstate schema --uid derives from uids.
        data.keyBy(e -> e.user, Types.STRING).process(new PerUser()).name("per-user").uid("per-user");
        data.keyBy(e -> e.id, Types.LONG).process(new PerId()).name("per-id");
        events.keyBy(e -> e.user, Types.STRING)
                .window(TumblingEventTimeWindows.of(Duration.ofMillis(Input.WINDOW_MS)))
                .process(new WindowSum()).name("window-sum");
        return data;
    }

    private static Event generate(Long index) throws InterruptedException {
        Event e = Input.event(index);
        if (e.tick) Thread.sleep(200);
        return e;
    }

    /** Emits a watermark right after every event: nothing waits for a periodic timer. */
    static final class EveryEvent implements WatermarkGenerator<Event> {
        @Override
        public void onEvent(Event e, long timestamp, WatermarkOutput out) {
            out.emitWatermark(new Watermark(timestamp - 1));
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput out) {}
    }

    static final class Max implements AggregateFunction<Long, Long, Long> {
        @Override public Long createAccumulator() { return Long.MIN_VALUE; }
        @Override public Long add(Long v, Long acc) { return Math.max(v, acc); }
        @Override public Long getResult(Long acc) { return acc; }
        @Override public Long merge(Long a, Long b) { return Math.max(a, b); }
    }

    static final class PerUser extends KeyedProcessFunction<String, Event, Void> {
        private transient ValueState<Long> last;
        private transient ListState<Long> values;
        private transient MapState<String, Long> categories;
        private transient ReducingState<Long> sum;
        private transient AggregatingState<Long, Long> max;

        @Override
        public void open(OpenContext ctx) {
            ValueStateDescriptor<Long> v = new ValueStateDescriptor<>("last", Types.LONG);
            v.setQueryable(QUERYABLE_NAMES.get(v.getName()));
            ListStateDescriptor<Long> l = new ListStateDescriptor<>("values", Types.LONG);
            l.setQueryable(QUERYABLE_NAMES.get(l.getName()));
            MapStateDescriptor<String, Long> m = new MapStateDescriptor<>("categories", Types.STRING, Types.LONG);
            m.setQueryable(QUERYABLE_NAMES.get(m.getName()));
            ReducingStateDescriptor<Long> r = new ReducingStateDescriptor<>("sum", Long::sum, Types.LONG);
            r.setQueryable(QUERYABLE_NAMES.get(r.getName()));
            AggregatingStateDescriptor<Long, Long, Long> a = new AggregatingStateDescriptor<>("max", new Max(), Types.LONG);
            a.setQueryable(QUERYABLE_NAMES.get(a.getName()));
            last = getRuntimeContext().getState(v);
            values = getRuntimeContext().getListState(l);
            categories = getRuntimeContext().getMapState(m);
            sum = getRuntimeContext().getReducingState(r);
            max = getRuntimeContext().getAggregatingState(a);
        }

        @Override
        public void processElement(Event e, Context ctx, Collector<Void> out) throws Exception {
            last.update(e.value);
            values.add(e.value);
            Long n = categories.get(e.category);
            categories.put(e.category, n == null ? 1L : n + 1);
            sum.add(e.value);
            max.add(e.value);
        }
    }

    static final class PerId extends KeyedProcessFunction<Long, Event, Void> {
        private transient ValueState<String> lastSeen;
        private long index = -1;

        @Override
        public void open(OpenContext ctx) {
            ValueStateDescriptor<String> d = new ValueStateDescriptor<>("last-seen", Types.STRING);
            d.setQueryable("last-seen");
            lastSeen = getRuntimeContext().getState(d);
        }

        @Override
        public void processElement(Event e, Context ctx, Collector<Void> out) throws Exception {
            // The input's index is its timestamp / 25 (see Input.event).
            index = e.ts / 25;
            lastSeen.update(Input.lastSeen(e, index));
        }
    }

    static final class WindowSum extends ProcessWindowFunction<Event, Void, String, TimeWindow> {
        @Override
        public void process(String user, Context ctx, Iterable<Event> elements, Collector<Void> out) throws Exception {
            if (Input.END_USER.equals(user)) return;
            ValueStateDescriptor<Long> d = new ValueStateDescriptor<>("window-sum", Types.LONG);
            d.setQueryable("window-sum");
            long s = 0;
            for (Event e : elements) s += e.value;
            ctx.windowState().getState(d).update(s);
            ValueStateDescriptor<Long> c = new ValueStateDescriptor<>("window-count", Types.LONG);
            c.setQueryable("window-count");
            ValueState<Long> count = ctx.globalState().getState(c);
            Long n = count.value();
            count.update(n == null ? 1L : n + 1);
        }
    }
}
