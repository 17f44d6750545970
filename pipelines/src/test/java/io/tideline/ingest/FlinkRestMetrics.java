/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/** Reads a running job's metrics through Flink's REST API, as a dashboard or reporter would. */
public final class FlinkRestMetrics {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    public FlinkRestMetrics(Configuration client) {
        this.base =
                "http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT);
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** Every metric of the job's vertices whose id ends with {@code suffix}, id to value. */
    public Map<String, String> find(JobID job, String suffix) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode v : get("/jobs/" + job).path("vertices")) {
            String vertex = v.path("id").asText();
            List<String> ids = new ArrayList<>();
            for (JsonNode m : get("/jobs/" + job + "/vertices/" + vertex + "/metrics")) {
                String id = m.path("id").asText();
                if (id.endsWith(suffix)) {
                    ids.add(id);
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            String query = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
            for (JsonNode m :
                    get("/jobs/" + job + "/vertices/" + vertex + "/metrics?get=" + query)) {
                out.put(m.path("id").asText(), m.path("value").asText());
            }
        }
        return out;
    }

    /** The sum over subtasks of the metrics ending with {@code suffix}. */
    public long sum(JobID job, String suffix) throws Exception {
        return find(job, suffix).values().stream()
                .mapToLong(v -> (long) Double.parseDouble(v))
                .sum();
    }
}
