package dev.qstate.compat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.queryablestate.client.QueryableStateClient;
import org.apache.flink.runtime.util.EnvironmentInformation;

/**
 * Role {@code bench}: Flink's own QueryableStateClient loading one proxy with getKvState on a reducing
 * state ({@code string -> long}), {@code --concurrency} requests in flight (each completion issues the next
 * one), {@code --requests} measured after {@code --warmup} unmeasured ones. Every answer must be non-null
 * (and equal to {@code --values}, aligned with {@code --keys}, when given). Prints one JSON line per run
 * ({@code --runs}, default 1): {@code {client, flinkVersion, concurrency, requests, rps, p50Ms, p99Ms, errors}}.
 */
final class BenchRole {
    private BenchRole() {}

    static void run(Args args) throws Exception {
        String[] hp = args.require("proxy").split(":");
        JobID job = JobID.fromHexString(args.require("job"));
        String state = args.get("state", "reducing");
        String[] keys = args.require("keys").split(",");
        String valuesArg = args.get("values", "");
        Long[] expected = valuesArg.isEmpty() ? null : Arrays.stream(valuesArg.split(",")).map(Long::valueOf).toArray(Long[]::new);
        int concurrency = Integer.parseInt(args.get("concurrency", "1"));
        int requests = Integer.parseInt(args.require("requests"));
        int warmup = Integer.parseInt(args.get("warmup", "2000"));
        int runs = Integer.parseInt(args.get("runs", "1"));

        QueryableStateClient client = new QueryableStateClient(hp[0], Integer.parseInt(hp[1]));
        ReducingStateDescriptor<Long> d = new ReducingStateDescriptor<>(state, Long::sum, Types.LONG);
        Load load = new Load(client, job, state, keys, expected, d);
        ObjectMapper json = new ObjectMapper();
        try {
            if (warmup > 0) load.run(warmup, concurrency);
            for (int r = 0; r < runs; r++) {
                long started = System.nanoTime();
                Load.Result res = load.run(requests, concurrency);
                double seconds = (System.nanoTime() - started) / 1e9;
                long[] sorted = res.latenciesNs.clone();
                Arrays.sort(sorted);
                ObjectNode out = json.createObjectNode();
                out.put("client", "flink");
                out.put("flinkVersion", EnvironmentInformation.getVersion());
                out.put("concurrency", concurrency);
                out.put("requests", requests);
                out.put("rps", Math.round(requests / seconds));
                out.put("p50Ms", percentile(sorted, 0.5) / 1e6);
                out.put("p99Ms", percentile(sorted, 0.99) / 1e6);
                out.put("errors", res.errors);
                System.out.println(json.writeValueAsString(out));
                System.out.flush();
            }
        } finally {
            client.shutdownAndWait();
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    /** A closed loop: {@code concurrency} chains, each issuing its next request when the previous one completes. */
    private record Load(QueryableStateClient client, JobID job, String state, String[] keys, Long[] expected,
                        ReducingStateDescriptor<Long> descriptor) {
        record Result(long[] latenciesNs, int errors) {}

        Result run(int total, int concurrency) throws InterruptedException {
            long[] latencies = new long[total];
            AtomicInteger issued = new AtomicInteger();
            AtomicInteger errors = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(total);
            Runnable[] next = new Runnable[1];
            next[0] = () -> {
                int i = issued.getAndIncrement();
                if (i >= total) return;
                int k = i % keys.length;
                long t0 = System.nanoTime();
                client.getKvState(job, state, keys[k], Types.STRING, descriptor).whenComplete((s, e) -> {
                    latencies[i] = System.nanoTime() - t0;
                    if (!correct(s, e, k)) errors.incrementAndGet();
                    done.countDown();
                    next[0].run();
                });
            };
            for (int c = 0; c < Math.min(concurrency, total); c++) next[0].run();
            if (!done.await(10, TimeUnit.MINUTES)) throw new IllegalStateException("load did not finish in 10 minutes");
            return new Result(latencies, errors.get());
        }

        private boolean correct(ReducingState<Long> s, Throwable e, int k) {
            if (e != null || s == null) return false;
            try {
                Long v = s.get();
                return v != null && (expected == null || v.equals(expected[k]));
            } catch (Exception ex) {
                return false;
            }
        }
    }
}
