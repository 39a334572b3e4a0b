package dev.qstate.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/**
 * Role {@code client}: Flink's own QueryableStateClient against a given proxy. Reads one JSON query
 * per line on standard input ({@code {id, jobId, state, kind, keyType, key, valueType}}) and prints
 * one JSON line per query: {@code {id, ok: true, value}} or {@code {id, ok: false, class, message,
 * causes: [{class, message}...]}}.
 */
final class ClientRole {
    private ClientRole() {}

    static void run(Args args) throws Exception {
        String[] hp = args.require("proxy").split(":");
        long timeoutMs = Long.parseLong(args.get("timeout-ms", "20000"));
        QueryableStateClient client = new QueryableStateClient(hp[0], Integer.parseInt(hp[1]));
        ObjectMapper json = new ObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) continue;
                JsonNode q = json.readTree(line);
                ObjectNode out = json.createObjectNode();
                out.set("id", q.get("id"));
                try {
                    JsonNode v = Queries.query(client, JobID.fromHexString(q.get("jobId").asText()), q.get("state").asText(),
                            q.get("kind").asText(), q.get("keyType").asText(), q.get("key").asText(),
                            q.get("valueType").asText()).get(timeoutMs, TimeUnit.MILLISECONDS);
                    out.put("ok", true);
                    out.set("value", v);
                } catch (Exception e) {
                    Throwable t = e instanceof ExecutionException || e instanceof CompletionException ? e.getCause() : e;
                    out.put("ok", false);
                    out.put("class", t.getClass().getName());
                    out.put("message", t.getMessage());
                    var causes = out.putArray("causes");
                    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                        ObjectNode cn = causes.addObject();
                        cn.put("class", c.getClass().getName());
                        cn.put("message", c.getMessage());
                    }
                }
                System.out.println(json.writeValueAsString(out));
                System.out.flush();
            }
        } finally {
            client.shutdownAndWait();
        }
    }
}
