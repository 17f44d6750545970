/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import static io.tideline.emulator.Wire.JSON;
import static io.tideline.emulator.Wire.constantTimeEquals;
import static io.tideline.emulator.Wire.error;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.emulator.Wire.Answer;
import io.tideline.emulator.Wire.Result;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The emulator's generic JSON webhook: {@code POST /webhook/{name}} with {@code {"operation":
 * "upsert"|"delete", "records": [{"key", "fields"}]}}. With a {@link EmulatorOptions#webhookSecret}
 * the {@code X-Tideline-Signature} header must be {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">} (Stripe's scheme; several {@code v1} may be given), {@code t} within 5 minutes of
 * the emulator's clock, and never seen before (else 401: wrong, stale, replayed); at most {@link
 * EmulatorOptions#webhookMaxBatch} records (else 413); 200 with {@code {"accepted": n}}. A call
 * whose {@code X-Tideline-Delivery-Id} was already applied is answered 200 with {@code "duplicate":
 * true} and not applied again, as a receiver that honours the delivery id would.
 */
final class WebhookApi {

    /** How far a signature's timestamp may be from the emulator's clock (Stripe's default). */
    static final long TOLERANCE_SECONDS = 300;

    private final EmulatorContext context;
    private final java.util.Set<String> seenSignatures = new java.util.HashSet<>();
    private final java.util.Set<String> appliedDeliveries = new java.util.HashSet<>();

    WebhookApi(EmulatorContext context) {
        this.context = context;
    }

    /**
     * Answers a call that got past the emulator's checks; under the emulator's lock. {@code
     * signature} is the call's {@code X-Tideline-Signature} header, or null.
     */
    Result handle(String path, JsonNode json, byte[] body, String signature, String deliveryId) {
        String name = path.substring("/webhook/".length());
        String op = json.path("operation").asText("upsert");
        if (context.options().webhookSecret() != null) {
            String problem = checkSignature(signature, body, System.currentTimeMillis() / 1000);
            if (problem != null) {
                return new Result(
                        op,
                        new Answer(401, error("INVALID_SIGNATURE", problem), Map.of()),
                        false,
                        List.of());
            }
        }
        if (deliveryId != null && appliedDeliveries.contains(deliveryId)) {
            ObjectNode dup = JSON.createObjectNode();
            dup.put("accepted", json.path("records").size());
            dup.put("duplicate", true);
            return new Result(op, new Answer(200, dup, Map.of()), false, List.of());
        }
        JsonNode records = json.path("records");
        if (!records.isArray() || records.size() > context.options().webhookMaxBatch()) {
            return new Result(
                    op,
                    new Answer(
                            413,
                            error(
                                    "BATCH_TOO_LARGE",
                                    "at most "
                                            + context.options().webhookMaxBatch()
                                            + " records per request"),
                            Map.of()),
                    false,
                    List.of());
        }
        ObjectStore store = context.webhookRecords(name);
        List<String> keys = new ArrayList<>();
        for (JsonNode rec : records) {
            String key = rec.path("key").asText();
            keys.add(key);
            if (op.equals("delete")) {
                store.remove(key);
            } else {
                if (!store.contains(key)) {
                    store.create(key);
                }
                rec.path("fields")
                        .fields()
                        .forEachRemaining(e -> store.set(key, e.getKey(), plain(e.getValue())));
            }
        }
        if (deliveryId != null) {
            appliedDeliveries.add(deliveryId);
        }
        ObjectNode ok = JSON.createObjectNode();
        ok.put("accepted", records.size());
        return new Result(op, new Answer(200, ok, Map.of()), true, keys);
    }

    /**
     * Why a signature header is refused, or null when it is good: {@code t=<unix>,v1=<hex>} with a
     * {@code v1} equal (constant-time) to the HMAC of {@code "<t>.<body>"}, {@code t} within {@link
     * #TOLERANCE_SECONDS} of {@code nowSeconds}, and the header never seen before.
     */
    /** Forgets the signatures and deliveries received. */
    void clear() {
        seenSignatures.clear();
        appliedDeliveries.clear();
    }

    String checkSignature(String header, byte[] body, long nowSeconds) {
        if (header == null || header.isBlank()) {
            return "missing X-Tideline-Signature";
        }
        Long t = null;
        List<String> v1 = new ArrayList<>();
        for (String part : header.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                continue;
            }
            if (kv[0].equals("t")) {
                try {
                    t = Long.parseLong(kv[1].trim());
                } catch (NumberFormatException e) {
                    return "unreadable timestamp in X-Tideline-Signature";
                }
            } else if (kv[0].equals("v1")) {
                v1.add(kv[1].trim());
            }
        }
        if (t == null || v1.isEmpty()) {
            return "expected X-Tideline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>";
        }
        byte[] prefix = (t + ".").getBytes(StandardCharsets.UTF_8);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        String expected = hmac(context.options().webhookSecret(), signed);
        boolean match = false;
        for (String v : v1) {
            match |= constantTimeEquals(v, expected);
        }
        if (!match) {
            return "wrong X-Tideline-Signature";
        }
        if (Math.abs(nowSeconds - t) > TOLERANCE_SECONDS) {
            return "stale X-Tideline-Signature: timestamp "
                    + t
                    + " is more than "
                    + TOLERANCE_SECONDS
                    + " s from now ("
                    + nowSeconds
                    + ")";
        }
        if (!seenSignatures.add(t + "," + expected)) {
            return "replayed X-Tideline-Signature: this signed request was already received";
        }
        return null;
    }

    /** HMAC-SHA256 of a body, in lower-case hex: what a webhook receiver checks. */
    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object plain(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isNumber()) {
            return v.numberValue();
        }
        return v.toString();
    }
}
