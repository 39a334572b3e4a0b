package dev.qstate.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.AggregatingState;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/** Queries with Flink's own client, described by (kind, key type, value type) as in the suite's JSON. */
final class Queries {
    private Queries() {}

    static TypeInformation<?> type(String name) {
        return switch (name) {
            case "long" -> Types.LONG;
            case "int" -> Types.INT;
            case "string" -> Types.STRING;
            case "double" -> Types.DOUBLE;
            case "boolean" -> Types.BOOLEAN;
            default -> throw new IllegalArgumentException("unsupported type " + name);
        };
    }

    static Object key(String type, String text) {
        return switch (type) {
            case "long" -> Long.parseLong(text);
            case "int" -> Integer.parseInt(text);
            case "string" -> text;
            case "double" -> Double.parseDouble(text);
            case "boolean" -> Boolean.parseBoolean(text);
            default -> throw new IllegalArgumentException("unsupported key type " + type);
        };
    }

    /** JSON of a decoded value: 64-bit integers as decimal strings, so nothing loses precision. */
    static JsonNode json(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) return f.nullNode();
        if (v instanceof Long || v instanceof Integer || v instanceof Double) return f.textNode(v.toString());
        if (v instanceof Boolean b) return f.booleanNode(b);
        if (v instanceof String s) return f.textNode(s);
        if (v instanceof Iterable<?> it) {
            ArrayNode a = f.arrayNode();
            for (Object x : it) a.add(json(x));
            return a;
        }
        throw new IllegalArgumentException("cannot print " + v.getClass());
    }

    interface Read {
        JsonNode get() throws Exception;
    }

    private static JsonNode read(Read r) {
        try {
            return r.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static CompletableFuture<JsonNode> query(QueryableStateClient client, JobID job, String name, String kind,
                                             String keyType, String key, String valueType) {
        TypeInformation kt = type(keyType);
        Object k = key(keyType, key);
        switch (kind) {
            case "value": {
                ValueStateDescriptor d = new ValueStateDescriptor<>(name, type(valueType));
                return client.getKvState(job, name, k, kt, d).thenApply(s -> read(() -> json(((ValueState) s).value())));
            }
            case "list": {
                ListStateDescriptor d = new ListStateDescriptor<>(name, type(valueType));
                return client.getKvState(job, name, k, kt, d).thenApply(s -> read(() -> json(((ListState) s).get())));
            }
            case "map": {
                String[] kv = valueType.substring("map<".length(), valueType.length() - 1).split(",");
                MapStateDescriptor d = new MapStateDescriptor<>(name, type(kv[0]), type(kv[1]));
                return client.getKvState(job, name, k, kt, d).thenApply(s -> {
                    ObjectNode m = JsonNodeFactory.instance.objectNode();
                    try {
                        for (Object o : ((MapState) s).entries()) {
                            Map.Entry en = (Map.Entry) o;
                            m.set(String.valueOf(en.getKey()), json(en.getValue()));
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    return m;
                });
            }
            case "reducing": {
                ReducingStateDescriptor d = new ReducingStateDescriptor<>(name, (a, b) -> a, type(valueType));
                return client.getKvState(job, name, k, kt, d).thenApply(s -> read(() -> json(((ReducingState) s).get())));
            }
            case "aggregating": {
                AggregatingStateDescriptor d = new AggregatingStateDescriptor(name, new CompatJob.Max(), (TypeInformation) type(valueType));
                return client.getKvState(job, name, k, kt, d).thenApply(s -> read(() -> json(((AggregatingState) s).get())));
            }
            default:
                throw new IllegalArgumentException("unsupported kind " + kind);
        }
    }

}
