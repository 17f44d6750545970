/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.salesforce;

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
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Salesforce sObject Collections: upsert by external id ({@code PATCH
 * /services/data/vXX.X/composite/sobjects/{SObject}/{ExternalIdField}}), create ({@code POST}),
 * update by Id ({@code PATCH}) and delete ({@code DELETE ?ids=}), with {@code allOrNone: false}. At
 * most 200 records per call; one result per record, in input order. Every answer's {@code
 * Sforce-Limit-Info} is kept as the usage.
 */
public final class SalesforceDestination implements Destination {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DestinationConfig config;
    private final HttpClient client;
    private final TimeLimiter timeLimiter;
    private final String base;
    private volatile String usage;
    private volatile RateReport reportedRate;

    /** Salesforce error codes that will not pass as the record stands: parked at once. */
    static final java.util.Set<String> PERMANENT_ERRORS =
            java.util.Set.of(
                    "INVALID_EMAIL_ADDRESS",
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "REQUIRED_FIELD_MISSING",
                    "STRING_TOO_LONG",
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    "INVALID_FIELD",
                    "MALFORMED_ID",
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    "FIELD_INTEGRITY_EXCEPTION");

    /**
     * The pace {@code Sforce-Limit-Info: api-usage=used/limit} allows: none while less than 90% of
     * the rolling 24 h allowance is used; beyond that, the remaining calls spread over 24 h, so a
     * run slows down rather than use up the org's allowance (other integrations share it).
     */
    static RateReport rateFromLimitInfo(String info) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("api-usage=(\\d+)/(\\d+)").matcher(info);
        if (!m.find()) {
            return null;
        }
        long used = Long.parseLong(m.group(1));
        long limit = Long.parseLong(m.group(2));
        if (limit <= 0 || used < limit * 0.9) {
            return null;
        }
        long remaining = Math.max(1, limit - used);
        return new RateReport((int) Math.min(remaining, 100_000), java.time.Duration.ofHours(24));
    }

    @Override
    public RateReport reportedRate() {
        return reportedRate;
    }

    public SalesforceDestination(DestinationConfig config) {
        this.config = config;
        this.client = HttpCalls.client(config.timeout());
        this.timeLimiter =
                HttpCalls.timeLimiter("salesforce@" + config.url().written(), config.timeout());
        this.base = restApi(config) + "/composite/sobjects";
    }

    /** The instance's REST API root: {@code {url}/services/data/{apiVersion}}. */
    static String restApi(DestinationConfig config) {
        String url = config.endpoint();
        return (url.endsWith("/") ? url.substring(0, url.length() - 1) : url)
                + "/services/data/"
                + config.apiVersion();
    }

    @Override
    public int maxBatchSize() {
        return Math.min(200, config.batchSize());
    }

    @Override
    public boolean splitsRejectedBatches() {
        return true;
    }

    @Override
    public String usage() {
        return usage;
    }

    private String uri(Operation op, List<OutboundRecord> records) {
        return switch (op) {
            case UPSERT -> base + "/" + config.object() + "/" + config.idProperty();
            case INSERT, UPDATE, UPDATE_BY_ID -> base;
            case DELETE ->
                    base
                            + "?allOrNone=false&ids="
                            + URLEncoder.encode(
                                    records.stream()
                                            .map(OutboundRecord::destinationId)
                                            .collect(Collectors.joining(",")),
                                    StandardCharsets.UTF_8);
        };
    }

    private static String method(Operation op) {
        return switch (op) {
            case INSERT -> "POST";
            case DELETE -> "DELETE";
            default -> "PATCH";
        };
    }

    private ObjectNode body(Operation op, List<OutboundRecord> records) {
        ObjectNode body = JSON.createObjectNode();
        body.put("allOrNone", false);
        ArrayNode array = body.putArray("records");
        for (OutboundRecord r : records) {
            ObjectNode rec = array.addObject();
            rec.putObject("attributes").put("type", config.object());
            if (op == Operation.UPDATE || op == Operation.UPDATE_BY_ID) {
                rec.put("Id", r.destinationId());
            }
            r.fields().forEach((k, v) -> rec.set(k, JSON.valueToTree(v)));
        }
        return body;
    }

    @Override
    public String render(Operation op, List<OutboundRecord> records) {
        return method(op)
                + " "
                + uri(op, records)
                + (op == Operation.DELETE ? "" : " " + body(op, records).toPrettyString());
    }

    @Override
    public List<RecordOutcome> send(Operation op, List<OutboundRecord> records)
            throws CallException {
        List<RecordOutcome> local = new ArrayList<>();
        List<OutboundRecord> sendable = new ArrayList<>();
        for (OutboundRecord r : records) {
            boolean needsId =
                    op == Operation.UPDATE
                            || op == Operation.UPDATE_BY_ID
                            || op == Operation.DELETE;
            if (needsId && r.destinationId() == null) {
                local.add(
                        RecordOutcome.rejected(
                                r.key(),
                                "no Salesforce Id known for this record (it was never delivered by"
                                        + " this sync)"));
            } else {
                sendable.add(r);
            }
        }
        if (sendable.isEmpty()) {
            return local;
        }
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(uri(op, sendable)))
                        .header("Authorization", "Bearer " + config.token().reveal())
                        .header("Content-Type", "application/json");
        if (op == Operation.DELETE) {
            b.DELETE();
        } else {
            try {
                b.method(
                        method(op),
                        HttpRequest.BodyPublishers.ofByteArray(
                                JSON.writeValueAsBytes(body(op, sendable))));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        HttpResponse<String> response = HttpCalls.exchange(client, timeLimiter, b.build());
        response.headers()
                .firstValue("Sforce-Limit-Info")
                .ifPresent(
                        v -> {
                            usage = v;
                            reportedRate = rateFromLimitInfo(v);
                        });
        if (response.statusCode() == 403
                && response.body() != null
                && response.body().contains("REQUEST_LIMIT_EXCEEDED")) {
            throw new CallException.Fatal(
                    403, "Salesforce API request limit exceeded (" + usage + ")");
        }
        HttpCalls.failIfUnsuccessful(response, HttpCalls.retryAfter(response.headers()));
        JsonNode results;
        try {
            results = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new CallException.Retryable(
                    response.statusCode(),
                    "unreadable answer: " + HttpCalls.abbreviate(response.body()),
                    null);
        }
        if (!results.isArray() || results.size() != sendable.size()) {
            throw new CallException.Retryable(
                    response.statusCode(),
                    "expected "
                            + sendable.size()
                            + " results in input order, got "
                            + HttpCalls.abbreviate(response.body()),
                    null);
        }
        List<RecordOutcome> outcomes = new ArrayList<>(local);
        for (int i = 0; i < sendable.size(); i++) {
            JsonNode r = results.get(i);
            OutboundRecord rec = sendable.get(i);
            if (r.path("success").asBoolean(false)) {
                outcomes.add(RecordOutcome.ok(rec.key(), r.path("id").asText(rec.destinationId())));
            } else {
                List<String> reasons = new ArrayList<>();
                boolean permanent = !r.path("errors").isEmpty();
                for (JsonNode e : r.path("errors")) {
                    permanent &= PERMANENT_ERRORS.contains(e.path("statusCode").asText());
                    String fields = e.path("fields").isEmpty() ? "" : " " + e.path("fields");
                    reasons.add(
                            e.path("statusCode").asText()
                                    + ": "
                                    + e.path("message").asText()
                                    + fields);
                }
                String reason =
                        reasons.isEmpty()
                                ? "rejected without a reason"
                                : String.join("; ", reasons);
                outcomes.add(
                        permanent
                                ? RecordOutcome.parked(rec.key(), reason)
                                : RecordOutcome.rejected(rec.key(), reason));
            }
        }
        return outcomes;
    }
}
