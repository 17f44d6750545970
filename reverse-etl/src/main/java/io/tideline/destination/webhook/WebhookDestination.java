/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.webhook;

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
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A generic JSON webhook: {@code POST url} with {@code {"sync":..., "operation": "upsert|insert|
 * update|delete", "records": [{"key": ..., "fields": {...}}]}}, the configured headers, a bearer
 * token when one is set, and {@code X-Tideline-Signature: sha256=<hex HMAC-SHA256 of the body>}
 * when a signing secret is set. 2xx accepts the batch; another 4xx (not 429) rejects every record
 * of it (retried on the next run); 429 and 5xx are retried.
 */
public final class WebhookDestination implements Destination {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DestinationConfig config;
    private final String syncName;
    private final HttpClient client;
    private final TimeLimiter timeLimiter;

    public WebhookDestination(DestinationConfig config, String syncName) {
        this.config = config;
        this.syncName = syncName;
        this.client = HttpCalls.client(config.timeout());
        this.timeLimiter = HttpCalls.timeLimiter("webhook@" + config.url(), config.timeout());
    }

    @Override
    public int maxBatchSize() {
        return config.batchSize();
    }

    @Override
    public boolean splitsRejectedBatches() {
        return false;
    }

    private static String operation(Operation op) {
        return switch (op) {
            case UPSERT, UPDATE_BY_ID -> "upsert";
            default -> op.name().toLowerCase(Locale.ROOT);
        };
    }

    private byte[] body(Operation op, List<OutboundRecord> records) {
        ObjectNode body = JSON.createObjectNode();
        body.put("sync", syncName);
        body.put("operation", operation(op));
        ArrayNode array = body.putArray("records");
        for (OutboundRecord r : records) {
            ObjectNode rec = array.addObject();
            rec.put(config.idProperty(), r.key());
            if (op != Operation.DELETE) {
                rec.set("fields", JSON.valueToTree(r.fields()));
            }
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String render(Operation op, List<OutboundRecord> records) {
        return "POST " + config.url() + " " + new String(body(op, records), StandardCharsets.UTF_8);
    }

    @Override
    public List<RecordOutcome> send(Operation op, List<OutboundRecord> records)
            throws CallException {
        byte[] body = body(op, records);
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(config.url().trim()))
                        .header("Content-Type", "application/json");
        config.headers().forEach(b::header);
        if (config.token() != null) {
            b.header("Authorization", "Bearer " + config.token().reveal());
        }
        if (config.signingSecret() != null) {
            b.header(
                    config.signatureHeader(),
                    "sha256=" + hmac(config.signingSecret().reveal(), body));
        }
        HttpResponse<String> response =
                HttpCalls.exchange(
                        client,
                        timeLimiter,
                        b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        HttpCalls.failIfUnsuccessful(response, HttpCalls.retryAfter(response.headers()));
        List<RecordOutcome> outcomes = new ArrayList<>();
        records.forEach(r -> outcomes.add(RecordOutcome.ok(r.key(), r.key())));
        return outcomes;
    }

    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
