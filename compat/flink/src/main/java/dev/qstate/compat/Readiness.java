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
