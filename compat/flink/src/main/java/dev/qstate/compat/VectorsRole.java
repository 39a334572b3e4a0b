package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.object;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.runtime.TupleSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.apache.flink.queryablestate.client.VoidNamespaceSerializer;
import org.apache.flink.queryablestate.client.state.serialization.KvStateSerializer;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.util.MathUtils;

/**
 * Role {@code vectors}: writes a golden-vector file (schema of tests/fixtures/vectors/README.md) computed by Flink's
 * published classes on the classpath: its serializers, {@code KvStateSerializer}, {@code MathUtils.murmurHash}
 * and {@code KeyGroupRangeAssignment}. Usage: {@code vectors --out FILE}.
 */
final class VectorsRole {
    private VectorsRole() {}

    static void run(Args args) throws Exception {
        Path out = Path.of(args.require("out"));
        Map<String, ArrayNode> categories = new LinkedHashMap<>();
        categories.put("javaHashCode", KeyGroupVectors.javaHashCode());
        categories.put("murmurHash", KeyGroupVectors.murmurHash());
        categories.put("assignToKeyGroup", KeyGroupVectors.assignToKeyGroup());
        categories.put("keyGroupRangeForOperatorIndex", KeyGroupVectors.keyGroupRangeForOperatorIndex());
        categories.put("operatorIndexForKeyGroup", KeyGroupVectors.operatorIndexForKeyGroup());
        categories.put("defaultMaxParallelism", KeyGroupVectors.defaultMaxParallelism());
        categories.put("serializers", SerializerVectors.serializers());
        categories.put("keyAndNamespace", KvStateVectors.keyAndNamespace());
        categories.put("deserializeKeyAndNamespaceErrors", KvStateVectors.deserializeKeyAndNamespaceErrors());
        categories.put("serializeValue", KvStateVectors.serializeValue());
        categories.put("deserializeValueErrors", KvStateVectors.deserializeValueErrors());
        categories.put("listState", KvStateVectors.listState());
        categories.put("deserializeListQuirks", KvStateVectors.deserializeListQuirks());
        categories.put("mapState", KvStateVectors.mapState());
        categories.put("types", TypeVectors.types());
        categories.put("avro", AvroVectors.avro());
        categories.put("kryo", KryoVectors.kryo());
        VectorsJson.write(out, meta(out), categories);
        StringBuilder counts = new StringBuilder();
        categories.forEach((k, v) -> counts.append(' ').append(k).append('=').append(v.size()));
        System.err.println("wrote " + out + ":" + counts);
    }

    private static ObjectNode meta(Path out) {
        ObjectNode m = object()
                .put("file", out.getFileName().toString())
                .put("generator", "dev.qstate.compat.VectorsRole (compat/flink), calling Flink's published jars")
                .put("javaVersion", System.getProperty("java.version"))
                .put("javaVendor", System.getProperty("java.vendor"))
                .put("flinkVersion", EnvironmentInformation.getVersion())
                .put("flinkGitCommit", EnvironmentInformation.getGitCommitId())
                .put("lineSeparator", System.lineSeparator());
        ObjectNode jars = m.putObject("flinkJars");
        for (Class<?> c : new Class<?>[] {KvStateSerializer.class, VoidNamespaceSerializer.class, StringSerializer.class,
                TupleSerializer.class, DataOutputSerializer.class, MathUtils.class, KeyGroupRangeAssignment.class,
                GenericRecordAvroTypeInfo.class, Schema.class}) {
            jars.put(c.getName(), jarOf(c));
        }
        m.putObject("encoding")
                .put("bytes", "lowercase hex string")
                .put("int", "JSON number")
                .put("long", "decimal string")
                .put("double/float", "raw IEEE bits as hex (bits) plus Java toString (text)")
                .put("char", "UTF-16 code unit as number")
                .put("string", "JSON string; non-ASCII written as \\uXXXX escapes per UTF-16 unit (lone surrogates included)")
                .put("null", "a null Java value of any type is {type, value: null}; in serializeValue/mapState a null "
                        + "result or map value is a bare null");
        m.putArray("notes")
                .add("keyHashCode and hashCode are the real Java hashCode() of the key objects (Tuple2 is "
                        + "org.apache.flink.api.java.tuple.Tuple2, whose hashCode is value-based)")
                .add("listState bytes are joined by this generator in HeapListState.getSerializedValue's format (each "
                        + "element by Flink's element serializer, one ',' between elements); 'deserialized' is "
                        + "KvStateSerializer.deserializeList")
                .add("serializers, keyAndNamespace and mapState use the serializers Flink creates from TypeInformation "
                        + "(TupleSerializer from new TupleTypeInfo<>(Types.INT, Types.LONG))")
                .add("avro entries are serialized by flink-avro's AvroSerializer from new GenericRecordAvroTypeInfo(schema); "
                        + "flink-avro is not published for every Flink patch release, so the 1.20 build uses the newest "
                        + "1.20.x that is (see flinkJars)");
        return m;
    }

    private static String jarOf(Class<?> c) {
        var source = c.getProtectionDomain().getCodeSource();
        return source == null ? "unknown" : Path.of(source.getLocation().getPath()).getFileName().toString();
    }
}
