package dev.qstate.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * Checkpoints and savepoints of the cluster's job (issue 22: {@code qstate schema} reads them): periodic checkpoints
 * into {@code <dir>/checkpoints/<jobId>/chk-N} (retained, incremental or full on RocksDB), and once every state holds
 * its expected content, a canonical and a native savepoint into {@code <dir>/savepoints}. The same configuration keys
 * exist in Flink 1.20 and 2.x.
 */
final class Snapshots {
    private Snapshots() {}

    static final long INTERVAL_MS = 2_000;

    /**
     * The types states that make Flink (1.20 and 2.3 alike) fail a canonical savepoint of heap state, which writes every
     * value again with the serializer restored from its snapshot: a named row ({@code t-row}: "Serializer does not support
     * named field positions", the snapshot keeps no field names), and null values in map states ({@code t-map-state},
     * {@code t-odd-keys}, {@code t-kryo-map}: a NullPointerException, the value is serialized after its null flag anyway).
     */
    static final java.util.Set<String> HEAP_CANONICAL_FAILS = java.util.Set.of("t-row", "t-map-state", "t-odd-keys", "t-kryo-map");

    /** Checkpointing into {@code dir}: every {@link #INTERVAL_MS}, retained, {@code inlineThreshold} as Flink reads it ("20kb"). */
    static void configure(Configuration conf, Path dir, boolean incremental, String inlineThreshold) {
        conf.setString("execution.checkpointing.interval", INTERVAL_MS + " ms");
        conf.setString("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        conf.setString("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        // Retained long enough for the suite to read the one it is given while newer ones keep coming.
        conf.setString("execution.checkpointing.num-retained", "1000");
        conf.setString("execution.checkpointing.incremental", String.valueOf(incremental));
        conf.setString("execution.checkpointing.data-inline-threshold", inlineThreshold);
    }

    /**
     * Once the job's state is complete: a checkpoint begun after now (the second one to complete from now, since one may
     * be under way), then a native and (when {@code canonical}) a canonical savepoint. One JSON object per snapshot:
     * kind, format, path.
     */
    static ArrayNode take(JobClient job, JobID jobId, Path dir, String backend, boolean incremental, boolean canonical) throws Exception {
        Path checkpoints = dir.resolve("checkpoints").resolve(jobId.toHexString());
        long done = lastCompleted(checkpoints);
        // At most one checkpoint runs at a time: chk-(done+2) begins after chk-(done+1) ends, which is after now;
        // chk-(done+3) existing means chk-(done+2) has completed.
        long wanted = done + 2;
        long deadline = System.currentTimeMillis() + 120_000;
        while (!Files.isDirectory(checkpoints.resolve("chk-" + (wanted + 1)))
                || !Files.isRegularFile(checkpoints.resolve("chk-" + wanted).resolve("_metadata"))) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no checkpoint " + wanted + " within 120 s in " + checkpoints);
            Thread.sleep(100);
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        ObjectNode cp = out.addObject();
        cp.put("kind", "checkpoint");
        cp.put("format", backend.equals("rocksdb") && incremental ? "incremental" : "full");
        cp.put("path", checkpoints.resolve("chk-" + wanted).toString());
        String savepoints = dir.resolve("savepoints").toString();
        for (SavepointFormatType format : new SavepointFormatType[] {SavepointFormatType.NATIVE, SavepointFormatType.CANONICAL}) {
            if (format == SavepointFormatType.CANONICAL && !canonical) continue;
            String path = job.triggerSavepoint(savepoints, format).get(120, TimeUnit.SECONDS);
            ObjectNode sp = out.addObject();
            sp.put("kind", "savepoint");
            sp.put("format", format.name().toLowerCase());
            sp.put("path", path.startsWith("file:") ? Path.of(java.net.URI.create(path)).toString() : path);
        }
        return out;
    }

    private static long lastCompleted(Path checkpoints) throws IOException {
        if (!Files.isDirectory(checkpoints)) return 0;
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.filter(p -> p.getFileName().toString().matches("chk-\\d+") && Files.isRegularFile(p.resolve("_metadata")))
                    .mapToLong(p -> Long.parseLong(p.getFileName().toString().substring(4)))
                    .max().orElse(0);
        }
    }
}
