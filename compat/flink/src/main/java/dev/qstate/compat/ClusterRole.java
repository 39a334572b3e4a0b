package dev.qstate.compat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Role {@code cluster}: a MiniCluster (2 task managers x 2 slots, queryable state on loopback)
 * running {@link CompatJob} and {@link TypesJob} (one job graph) at parallelism 4 on the heap or RocksDB
 * backend. Prints one JSON line once every state holds its expected content, then runs until killed or its parent goes away.
 * With {@code --snapshots DIR} the job also checkpoints into DIR ({@code --incremental} on RocksDB, {@code
 * --inline-threshold} as Flink's data-inline-threshold) and the line lists a checkpoint and a canonical and a native
 * savepoint taken once the state is complete ({@link Snapshots}; no canonical savepoint on heap unless the states of
 * {@link Snapshots#HEAP_CANONICAL_FAILS} are omitted). {@code --omit-states A,B} leaves those types states out of the job.
 */
final class ClusterRole {
    private ClusterRole() {}

    static void run(Args args) throws Exception {
        Parent.exitWithParent();
        String backend = args.get("backend", "heap");
        String proxyPorts = args.require("proxy-ports");
        String serverPorts = args.require("server-ports");
        String tmpArg = args.get("tmp-dir", "");
        Path tmp = tmpArg.isEmpty() ? Files.createTempDirectory("qstate-flink-") : Path.of(tmpArg);
        String snapshotsArg = args.get("snapshots", "");
        Path snapshots = snapshotsArg.isEmpty() ? null : Path.of(snapshotsArg);
        boolean incremental = Boolean.parseBoolean(args.get("incremental", "true"));
        for (String name : args.get("omit-states", "").split(",")) if (!name.isBlank()) TypesJob.OMIT.add(name.trim());
        boolean canonical = !backend.equals("heap") || TypesJob.OMIT.containsAll(Snapshots.HEAP_CANONICAL_FAILS);

        Configuration conf = new Configuration();
        conf.setString("queryable-state.enable", "true");
        conf.setString("queryable-state.proxy.ports", proxyPorts);
        conf.setString("queryable-state.server.ports", serverPorts);
        conf.setString("taskmanager.host", "127.0.0.1");
        conf.setString("jobmanager.rpc.address", "127.0.0.1");
        conf.setString("taskmanager.numberOfTaskSlots", "2");
        conf.setString("minicluster.number-of-taskmanagers", "2");
        conf.setString("local.number-taskmanager", "2");
        conf.setString("state.backend.type", backend.equals("rocksdb") ? "rocksdb" : "hashmap");
        conf.setString("io.tmp.dirs", tmp.toString());
        conf.setString("state.backend.rocksdb.localdir", tmp.resolve("rocksdb").toString());
        conf.setString("taskmanager.memory.managed.size", "64m");
        conf.setString("taskmanager.memory.network.min", "32m");
        conf.setString("taskmanager.memory.network.max", "32m");
        conf.setString("rest.bind-address", "127.0.0.1");
        conf.setString("rest.address", "127.0.0.1");
        if (snapshots != null) Snapshots.configure(conf, snapshots, incremental, args.get("inline-threshold", "20kb"));
        // Flink's REST API on a port the harness picked (the gateway resolves job names through it).
        String restPort = args.get("rest-port", "");
        if (!restPort.isEmpty()) {
            conf.setString("rest.bind-port", restPort);
            conf.setString("rest.port", restPort);
        }

        // --parallelism 1 makes the small snapshots vendored as test fixtures (one state file per operator).
        int parallelism = Integer.parseInt(args.get("parallelism", String.valueOf(CompatJob.PARALLELISM)));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        env.setParallelism(parallelism);
        RealJobStates.configure(env.getConfig());
        DataStream<Event> data = CompatJob.build(env);
        TypesJob.build(data);
        RealJobStates.buildWindows(data);
        JobClient job = env.executeAsync("qstate-compat-" + backend);
        JobID jobId = job.getJobID();
        waitRunning(job);
        List<String> proxies = Readiness.servingFirst(listening(proxyPorts, 2, 60_000), jobId, 60_000);
        ArrayNode expected = Input.expected();
        Readiness.await(proxies.get(0), jobId, expected, 120_000);
        List<TypesJob.Expected> types = TypesJob.expected();
        TypesJob.await(proxies.get(0), jobId, types, 120_000);
        RealJobStates.awaitWindows(proxies.get(0), jobId, 120_000);
        ArrayNode taken = snapshots == null ? null : Snapshots.take(job, jobId, snapshots, backend, incremental, canonical);

        ObjectMapper json = new ObjectMapper();
        ObjectNode line = json.createObjectNode();
        line.put("role", "cluster");
        line.put("flinkVersion", EnvironmentInformation.getVersion());
        line.put("backend", backend);
        line.put("jobId", jobId.toHexString());
        line.put("jobName", "qstate-compat-" + backend);
        if (!restPort.isEmpty()) line.put("rest", "http://127.0.0.1:" + restPort);
        line.put("maxParallelism", 128);
        line.put("parallelism", parallelism);
        ArrayNode p = line.putArray("proxies");
        proxies.forEach(p::add);
        line.set("states", expected);
        if (taken != null) line.set("snapshots", taken);
        // The descriptor names of CompatJob's states, which checkpoints hold, and the queryable names the job gave them.
        ObjectNode names = line.putObject("queryableNames");
        CompatJob.QUERYABLE_NAMES.forEach(names::put);
        // The types states live in the same job (one job graph starts faster than two).
        ObjectNode t = line.putObject("types");
        t.put("jobId", jobId.toHexString());
        t.set("states", RealJobStates.withWindowStates(TypesJob.json(types)));
        System.out.println(json.writeValueAsString(line));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void waitRunning(JobClient job) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            JobStatus s = job.getJobStatus().get();
            if (s == JobStatus.RUNNING) return;
            if (s.isGloballyTerminalState()) throw new IllegalStateException("job ended: " + s);
            Thread.sleep(100);
        }
        throw new IllegalStateException("job not RUNNING within 120 s");
    }

    /** The addresses in a port range that accept connections: Flink binds the first free one per task manager. */
    private static List<String> listening(String range, int want, long timeoutMs) throws InterruptedException {
        String[] parts = range.split("-");
        int from = Integer.parseInt(parts[0].trim());
        int to = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : from;
        long deadline = System.currentTimeMillis() + timeoutMs;
        List<String> found = new ArrayList<>();
        while (System.currentTimeMillis() < deadline) {
            found.clear();
            for (int port = from; port <= to; port++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    found.add("127.0.0.1:" + port);
                } catch (Exception ignored) {
                    // not bound
                }
            }
            if (found.size() >= want) return found;
            Thread.sleep(200);
        }
        throw new IllegalStateException("found " + found + " listening in " + range + ", wanted " + want);
    }
}
