package dev.qstate.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The job's finite, deterministic input, and what every queryable state must hold once it has
 * been processed, computed here from the input alone (never read back from Flink).
 */
final class Input {
    static final int EVENTS = 240;
    static final int USERS = 12;
    static final int IDS = 7;
    static final long WINDOW_MS = 100;
    static final String[] CATEGORIES = {"click", "view", "buy", "share"};
    /** Pushes the watermark past every window of the input; not a key of any expected state. */
    static final String END_USER = "__end__";
    static final long END_TS = 10_000_000L;

    private Input() {}

    static Event event(long i) {
        if (i < EVENTS) {
            String user = "user-" + ((i * 5) % USERS);
            String category = CATEGORIES[(int) ((i * 3 + i / 7) % CATEGORIES.length)];
            long value = (i * 37) % 101 - 20;
            return new Event(user, i % IDS, category, value, i * 25);
        }
        if (i == EVENTS) return new Event(END_USER, -1, "end", 0, END_TS);
        Event tick = new Event("", 0, "", 0, 0);
        tick.tick = true;
        return tick;
    }

    static List<Event> all() {
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) out.add(event(i));
        return out;
    }

    static String lastSeen(Event e, long index) {
        return e.category + "#" + index;
    }

    /** The expected content of every state, as the JSON the suite reads. */
    static ArrayNode expected() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, Long> last = new TreeMap<>();
        Map<String, List<Long>> lists = new TreeMap<>();
        Map<String, Map<String, Long>> maps = new TreeMap<>();
        Map<String, Long> sums = new TreeMap<>();
        Map<String, Long> maxes = new TreeMap<>();
        Map<Long, String> byId = new TreeMap<>();
        Map<String, Map<Long, Long>> windows = new TreeMap<>();
        List<Event> events = all();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            last.put(e.user, e.value);
            lists.computeIfAbsent(e.user, k -> new ArrayList<>()).add(e.value);
            maps.computeIfAbsent(e.user, k -> new LinkedHashMap<>()).merge(e.category, 1L, Long::sum);
            sums.merge(e.user, e.value, Long::sum);
            maxes.merge(e.user, e.value, Math::max);
            byId.put(e.id, lastSeen(e, i));
            long start = e.ts - Math.floorMod(e.ts, WINDOW_MS);
            windows.computeIfAbsent(e.user, k -> new TreeMap<>()).merge(start, e.value, Long::sum);
        }
        ArrayNode states = f.arrayNode();
        states.add(state("value", "value", "string", "long", last, (n, v) -> n.put("value", v.toString())));
        states.add(state("list", "list", "string", "long", lists, (n, v) -> {
            ArrayNode a = n.putArray("value");
            v.forEach(x -> a.add(x.toString()));
        }));
        states.add(state("map", "map", "string", "map<string,long>", maps, (n, v) -> {
            ObjectNode m = n.putObject("value");
            v.forEach((k, x) -> m.put(k, x.toString()));
        }));
        states.add(state("reducing", "reducing", "string", "long", sums, (n, v) -> n.put("value", v.toString())));
        states.add(state("aggregating", "aggregating", "string", "long", maxes, (n, v) -> n.put("value", v.toString())));
        ObjectNode ids = state("last-seen", "value", "long", "string", byId, (n, v) -> n.put("value", v));
        states.add(ids);
        ObjectNode win = f.objectNode();
        win.put("name", "window-sum");
        win.put("kind", "value");
        win.put("keyType", "string");
        win.put("valueType", "long");
        win.put("namespaceType", "timewindow");
        ArrayNode entries = win.putArray("entries");
        windows.forEach((user, perWindow) -> perWindow.forEach((start, sum) -> {
            ObjectNode en = entries.addObject();
            en.put("key", user);
            ArrayNode ns = en.putArray("namespace");
            ns.add(start.toString());
            ns.add(Long.toString(start + WINDOW_MS));
            en.put("value", sum.toString());
        }));
        states.add(win);
        Map<String, Long> windowCounts = new TreeMap<>();
        windows.forEach((user, perWindow) -> windowCounts.put(user, (long) perWindow.size()));
        states.add(state("window-count", "value", "string", "long", windowCounts, (n, v) -> n.put("value", v.toString())));
        return states;
    }

    interface Writer<V> {
        void write(ObjectNode entry, V value);
    }

    private static <K, V> ObjectNode state(String name, String kind, String keyType, String valueType, Map<K, V> byKey, Writer<V> w) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("name", name);
        s.put("kind", kind);
        s.put("keyType", keyType);
        s.put("valueType", valueType);
        ArrayNode entries = s.putArray("entries");
        byKey.forEach((k, v) -> {
            ObjectNode en = entries.addObject();
            en.put("key", k.toString());
            w.write(en, v);
        });
        return s;
    }
}
