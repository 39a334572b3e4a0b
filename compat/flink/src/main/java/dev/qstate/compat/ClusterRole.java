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
        // Flink's REST API on a port the harness picked (the gateway resolves job names through it).
        String restPort = args.get("rest-port", "");
        if (!restPort.isEmpty()) {
            conf.setString("rest.bind-port", restPort);
            conf.setString("rest.port", restPort);
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(CompatJob.PARALLELISM, conf);
        env.setParallelism(CompatJob.PARALLELISM);
        RealJobStates.configure(env.getConfig());
        DataStream<Event> data = CompatJob.build(env);
        TypesJob.build(data);
        RealJobStates.buildWindows(data);
        JobClient job = env.executeAsync("qstate-compat-" + backend);
        JobID jobId = job.getJobID();
        waitRunning(job);
        List<String> proxies = listening(proxyPorts, 2, 60_000);
        ArrayNode expected = Input.expected();
        Readiness.await(proxies.get(0), jobId, expected, 120_000);
        List<TypesJob.Expected> types = TypesJob.expected();
        TypesJob.await(proxies.get(0), jobId, types, 120_000);
        RealJobStates.awaitWindows(proxies.get(0), jobId, 120_000);

        ObjectMapper json = new ObjectMapper();
        ObjectNode line = json.createObjectNode();
        line.put("role", "cluster");
        line.put("flinkVersion", EnvironmentInformation.getVersion());
        line.put("backend", backend);
        line.put("jobId", jobId.toHexString());
        line.put("jobName", "qstate-compat-" + backend);
        if (!restPort.isEmpty()) line.put("rest", "http://127.0.0.1:" + restPort);
        line.put("maxParallelism", 128);
        line.put("parallelism", CompatJob.PARALLELISM);
        ArrayNode p = line.putArray("proxies");
        proxies.forEach(p::add);
        line.set("states", expected);
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
