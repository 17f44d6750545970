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
 * update|delete", "records": [{"key": ..., "fields": {...}}]}}, the configured headers (values may
 * be secrets), a bearer token when one is set, and:
 *
 * <ul>
 *   <li>{@code X-Tideline-Delivery-Id}: the same for every attempt of one batch in one run (a hash
 *       of the run and the body), so a receiver that dedupes on it applies a retried delivery once;
 *   <li>{@code X-Tideline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">} when a
 *       signing secret is set (Stripe's scheme): the receiver refuses a stale timestamp and a
 *       signature it has seen, so a captured call cannot be replayed.
 * </ul>
 *
 * 2xx accepts the batch; 408 and 409 reject every record of it for a later run; another 4xx (not
 * 429) rejects them for good (parked); 429 and 5xx are retried.
 */
public final class WebhookDestination implements Destination {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DestinationConfig config;
    private final String syncName;
    private final HttpClient client;
    private final TimeLimiter timeLimiter;
    private final java.time.Clock clock;
    private volatile long runId;

    public WebhookDestination(DestinationConfig config, String syncName) {
        this(config, syncName, java.time.Clock.systemUTC());
    }

    WebhookDestination(DestinationConfig config, String syncName, java.time.Clock clock) {
        this.config = config;
        this.syncName = syncName;
        this.clock = clock;
        this.client = HttpCalls.client(config.timeout());
        this.timeLimiter =
                HttpCalls.timeLimiter("webhook@" + config.url().written(), config.timeout());
    }

    @Override
    public void startRun(long runId) {
        this.runId = runId;
    }

    /** Every attempt of a delivery carries one id: retries are idempotent for the receiver. */
    @Override
    public boolean idempotent(Operation operation) {
        return true;
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
        // the URL as shown: masked when it is a secret
        return "POST " + config.url() + " " + new String(body(op, records), StandardCharsets.UTF_8);
    }

    @Override
    public List<RecordOutcome> send(Operation op, List<OutboundRecord> records)
            throws CallException {
        byte[] body = body(op, records);
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(config.endpoint()))
                        .header("Content-Type", "application/json")
                        .header("X-Tideline-Delivery-Id", deliveryId(body));
        config.headers().forEach((name, value) -> b.header(name, value.reveal()));
        if (config.token() != null) {
            b.header("Authorization", "Bearer " + config.token().reveal());
        }
        if (config.signingSecret() != null) {
            b.header(
                    config.signatureHeader(),
                    signature(
                            config.signingSecret().reveal(),
                            clock.instant().getEpochSecond(),
                            body));
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

    /** {@code t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">} (Stripe's signature scheme). */
    public static String signature(String secret, long unixSeconds, byte[] body) {
        byte[] prefix = (unixSeconds + ".").getBytes(StandardCharsets.UTF_8);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return "t=" + unixSeconds + ",v1=" + hmac(secret, signed);
    }

    /** The delivery's id: the same for every attempt of this batch in this run. */
    private String deliveryId(byte[] body) {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            d.update((syncName + "/" + runId + "/").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest(body)).substring(0, 32);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
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
