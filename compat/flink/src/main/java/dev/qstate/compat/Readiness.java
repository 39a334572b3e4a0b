package dev.qstate.compat;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.api.common.JobID;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/**
 * Waits, with Flink's own client against Flink's own proxy, until every state without a
 * namespace holds its expected content (the window states are covered by "window-count",
 * which counts the windows fired per key): only then has the job processed its whole input.
 */
final class Readiness {
    private Readiness() {}

    /**
     * The proxies, one that serves the job first. A task manager's proxy knows a job only when that task manager runs
     * some of its tasks: at a low parallelism (the snapshot fixtures run at 1 or 2) all of them may sit on the other one,
     * and the first proxy then answers UnknownLocationException for every state for as long as the job runs.
     */
    static java.util.List<String> servingFirst(java.util.List<String> proxies, JobID job, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            for (String proxy : proxies) {
                String[] hp = proxy.split(":");
                QueryableStateClient client = new QueryableStateClient(hp[0], Integer.parseInt(hp[1]));
                try {
                    Queries.query(client, job, "value", "value", "string", "user-0", "long").get();
                    return reordered(proxies, proxy);
                } catch (Exception e) {
                    // The job's states are known to this proxy once a query fails for anything but their location.
                    if (!String.valueOf(e).contains("UnknownLocationException")) return reordered(proxies, proxy);
                } finally {
                    client.shutdownAndWait();
                }
            }
            Thread.sleep(250);
        }
        return proxies;
    }

    private static java.util.List<String> reordered(java.util.List<String> proxies, String first) {
        java.util.List<String> out = new java.util.ArrayList<>(proxies);
        out.remove(first);
        out.add(0, first);
        return out;
    }

    static void await(String proxy, JobID job, JsonNode states, long timeoutMs) throws Exception {
        String[] hp = proxy.split(":");
        QueryableStateClient client = new QueryableStateClient(hp[0], Integer.parseInt(hp[1]));
        long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "";
        try {
            while (System.currentTimeMillis() < deadline) {
                last = firstMismatch(client, job, states);
                if (last == null) return;
                Thread.sleep(250);
            }
            throw new IllegalStateException("states not filled within " + timeoutMs + " ms: " + last);
        } finally {
            client.shutdownAndWait();
        }
    }

    private static String firstMismatch(QueryableStateClient client, JobID job, JsonNode states) {
        for (JsonNode s : states) {
            if (s.has("namespaceType")) continue;
            for (JsonNode e : s.get("entries")) {
                String what = s.get("name").asText() + "[" + e.get("key").asText() + "]";
                try {
                    JsonNode got = Queries.query(client, job, s.get("name").asText(), s.get("kind").asText(),
                            s.get("keyType").asText(), e.get("key").asText(), s.get("valueType").asText()).get();
                    if (!got.equals(e.get("value"))) return what + " = " + got + ", expected " + e.get("value");
                } catch (Exception ex) {
                    return what + ": " + ex;
                }
            }
        }
        return null;
    }
}
