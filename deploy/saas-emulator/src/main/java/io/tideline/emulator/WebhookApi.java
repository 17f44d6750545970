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
 * the {@code X-Tideline-Signature} header must be {@code sha256=<HMAC-SHA256 hex of the body>}
 * (else 401); at most {@link EmulatorOptions#webhookMaxBatch} records (else 413); 200 with {@code
 * {"accepted": n}}.
 */
final class WebhookApi {

    private final EmulatorContext context;

    WebhookApi(EmulatorContext context) {
        this.context = context;
    }

    /**
     * Answers a call that got past the emulator's checks; under the emulator's lock. {@code
     * signature} is the call's {@code X-Tideline-Signature} header, or null.
     */
    Result handle(String path, JsonNode json, byte[] body, String signature) {
        String name = path.substring("/webhook/".length());
        String op = json.path("operation").asText("upsert");
        if (context.options().webhookSecret() != null) {
            String expected = "sha256=" + hmac(context.options().webhookSecret(), body);
            if (signature == null || !constantTimeEquals(signature, expected)) {
                return new Result(
                        op,
                        new Answer(
                                401,
                                error("INVALID_SIGNATURE", "missing or wrong X-Tideline-Signature"),
                                Map.of()),
                        false,
                        List.of());
            }
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
        ObjectNode ok = JSON.createObjectNode();
        ok.put("accepted", records.size());
        return new Result(op, new Answer(200, ok, Map.of()), true, keys);
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
