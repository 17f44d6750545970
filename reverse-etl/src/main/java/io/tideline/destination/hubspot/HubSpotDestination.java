/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.hubspot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.tideline.config.DestinationConfig;
import io.tideline.destination.CallException;
import io.tideline.destination.Destination;
import io.tideline.destination.HttpCalls;
import io.tideline.destination.Operation;
import io.tideline.destination.OutboundRecord;
import io.tideline.destination.RecordOutcome;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HubSpot CRM v3 batch endpoints: {@code POST /crm/v3/objects/{type}/batch/upsert} (by {@code
 * idProperty}), {@code batch/create}, {@code batch/update} and {@code batch/archive}. At most 100
 * inputs per call; 207 carries per-record errors; 409 rejects the whole batch (the caller splits
 * it); 429 carries {@code X-HubSpot-RateLimit-*} and a {@code policyName}.
 */
public final class HubSpotDestination implements Destination {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DestinationConfig config;
    private final HttpClient client;
    private final TimeLimiter timeLimiter;
    private final String base;
    private volatile RateReport reportedRate;

    public HubSpotDestination(DestinationConfig config) {
        this.config = config;
        this.client = HttpCalls.client(config.timeout());
        this.timeLimiter =
                HttpCalls.timeLimiter("hubspot@" + config.url().written(), config.timeout());
        String url = config.endpoint();
        this.base =
                (url.endsWith("/") ? url.substring(0, url.length() - 1) : url)
                        + "/crm/v3/objects/"
                        + config.object()
                        + "/batch/";
    }

    @Override
    public int maxBatchSize() {
        return Math.min(100, config.batchSize());
    }

    @Override
    public boolean splitsRejectedBatches() {
        return true;
    }

    private static String endpoint(Operation op) {
        return switch (op) {
            case UPSERT -> "upsert";
            case INSERT -> "create";
            case UPDATE, UPDATE_BY_ID -> "update";
            case DELETE -> "archive";
        };
    }

    private ObjectNode body(Operation op, List<OutboundRecord> records) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode inputs = body.putArray("inputs");
        for (OutboundRecord r : records) {
            ObjectNode in = inputs.addObject();
            switch (op) {
                case UPSERT -> {
                    in.put("idProperty", config.idProperty());
                    in.put("id", r.identity());
                }
                case UPDATE -> {
                    if (r.destinationId() != null) {
                        in.put("id", r.destinationId());
                    } else {
                        in.put("idProperty", config.idProperty());
                        in.put("id", r.identity());
                    }
                }
                case UPDATE_BY_ID, DELETE -> in.put("id", r.destinationId());
                case INSERT -> {}
            }
            if (op != Operation.DELETE) {
                ObjectNode props = in.putObject("properties");
                r.fields().forEach((k, v) -> props.put(k, v == null ? "" : String.valueOf(v)));
            }
        }
        return body;
    }

    @Override
    public String render(Operation op, List<OutboundRecord> records) {
        return "POST " + base + endpoint(op) + " " + body(op, records).toPrettyString();
    }

    @Override
    public List<RecordOutcome> send(Operation op, List<OutboundRecord> records)
            throws CallException {
        List<OutboundRecord> sendable = new ArrayList<>();
        List<RecordOutcome> outcomes = new ArrayList<>();
        for (OutboundRecord r : records) {
            boolean needsId = op == Operation.UPDATE_BY_ID || op == Operation.DELETE;
            if (needsId && r.destinationId() == null) {
                outcomes.add(
                        RecordOutcome.rejected(
                                r.key(), "no HubSpot object id known for this record"));
            } else {
                sendable.add(r);
            }
        }
        if (sendable.isEmpty()) {
            return outcomes;
        }
        byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(body(op, sendable));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + endpoint(op)))
                        .header("Authorization", "Bearer " + config.token().reveal())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
                        .build();
        HttpResponse<String> response = HttpCalls.exchange(client, timeLimiter, request);
        readRate(response.headers());
        if (response.statusCode() == 429) {
            throw throttled(response);
        }
        if (response.statusCode() == 409) {
            java.util.regex.Matcher m = EXISTING_ID.matcher(response.body());
            throw new CallException.RejectedBatch(
                    409,
                    "HTTP 409: " + HttpCalls.abbreviate(response.body()),
                    m.find() ? m.group(1) : null);
        }
        HttpCalls.failIfUnsuccessful(response, HttpCalls.retryAfter(response.headers()));
        if (op == Operation.DELETE) {
            sendable.forEach(r -> outcomes.add(RecordOutcome.ok(r.key(), r.destinationId())));
            return outcomes;
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new CallException.Retryable(
                    response.statusCode(),
                    "unreadable answer: " + HttpCalls.abbreviate(response.body()),
                    null);
        }
        // Results are not promised in input order: match them by object id or id property.
        Map<String, OutboundRecord> byHandle = new HashMap<>();
        for (OutboundRecord r : sendable) {
            byHandle.put(handle(op, r), r);
            if (r.destinationId() != null) {
                byHandle.putIfAbsent("id:" + r.destinationId(), r);
            }
        }
        Map<String, RecordOutcome> done = new HashMap<>();
        for (JsonNode result : json.path("results")) {
            String id = result.path("id").asText(null);
            OutboundRecord r = byHandle.get("id:" + id);
            if (r == null) {
                r =
                        byHandle.get(
                                prop(
                                        result.path("properties")
                                                .path(config.idProperty())
                                                .asText(null)));
            }
            if (r != null) {
                done.put(r.key(), RecordOutcome.ok(r.key(), id));
            }
        }
        for (JsonNode error : json.path("errors")) {
            String reason =
                    error.path("category").asText("ERROR") + ": " + error.path("message").asText();
            // a validation error will not pass as the record stands: parked at once
            boolean permanent =
                    error.path("category").asText("").equals("VALIDATION_ERROR")
                            || error.path("category").asText("").equals("INVALID_EMAIL");
            for (JsonNode ref : error.path("context").path("ids")) {
                OutboundRecord r = byHandle.get(prop(ref.asText()));
                if (r == null) {
                    r = byHandle.get("id:" + ref.asText());
                }
                if (r != null) {
                    done.put(
                            r.key(),
                            permanent
                                    ? RecordOutcome.parked(r.key(), reason)
                                    : RecordOutcome.rejected(r.key(), reason));
                }
            }
        }
        for (OutboundRecord r : sendable) {
            outcomes.add(
                    done.getOrDefault(
                            r.key(),
                            RecordOutcome.rejected(
                                    r.key(),
                                    "HubSpot returned no result for this record (HTTP "
                                            + response.statusCode()
                                            + ")")));
        }
        return outcomes;
    }

    private static final java.util.regex.Pattern EXISTING_ID =
            java.util.regex.Pattern.compile("Existing ID: ?([0-9A-Za-z-]+)");

    @Override
    public RateReport reportedRate() {
        return reportedRate;
    }

    /** {@code X-HubSpot-RateLimit-Max} per {@code -Interval-Milliseconds}, on every answer. */
    private void readRate(HttpHeaders h) {
        long max = h.firstValueAsLong("X-HubSpot-RateLimit-Max").orElse(0);
        long interval = h.firstValueAsLong("X-HubSpot-RateLimit-Interval-Milliseconds").orElse(0);
        if (max > 0 && interval > 0) {
            reportedRate =
                    new RateReport((int) Math.min(max, 1_000_000), Duration.ofMillis(interval));
        }
    }

    private String handle(Operation op, OutboundRecord r) {
        if (op == Operation.UPDATE_BY_ID || (op == Operation.UPDATE && r.destinationId() != null)) {
            return "id:" + r.destinationId();
        }
        return prop(
                r.identity() != null
                        ? r.identity()
                        : String.valueOf(r.fields().get(config.idProperty())));
    }

    /** HubSpot stores emails in lower case: match id property values without case. */
    private static String prop(String value) {
        return "prop:" + (value == null ? null : value.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * A 429. HubSpot sends no Retry-After: when the window is full ({@code Remaining} 0) the
     * account pauses for the reported interval, else for one permit's share of it. The daily limit
     * is fatal for the run.
     */
    private static CallException throttled(HttpResponse<String> r) {
        String policy = "";
        try {
            policy = JSON.readTree(r.body()).path("policyName").asText("");
        } catch (IOException | RuntimeException ignored) {
            // no body: an interval limit
        }
        if (policy.equalsIgnoreCase("DAILY")) {
            return new CallException.Fatal(
                    429, "HubSpot daily limit reached: " + HttpCalls.abbreviate(r.body()));
        }
        HttpHeaders h = r.headers();
        long interval =
                h.firstValueAsLong("X-HubSpot-RateLimit-Interval-Milliseconds").orElse(10_000);
        long max = Math.max(1, h.firstValueAsLong("X-HubSpot-RateLimit-Max").orElse(100));
        long remaining = h.firstValueAsLong("X-HubSpot-RateLimit-Remaining").orElse(0);
        Duration wait = HttpCalls.retryAfter(h);
        if (wait.isZero()) {
            wait = Duration.ofMillis(Math.max(1, remaining <= 0 ? interval : interval / max));
        }
        return new CallException.Retryable(
                429,
                "HTTP 429 ("
                        + (policy.isEmpty() ? "rate limit" : policy)
                        + "): "
                        + HttpCalls.abbreviate(r.body()),
                wait);
    }
}
