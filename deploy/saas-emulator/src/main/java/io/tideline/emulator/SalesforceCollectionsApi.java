/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import static io.tideline.emulator.Wire.JSON;
import static io.tideline.emulator.Wire.invalidEmail;
import static io.tideline.emulator.Wire.sfError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.emulator.Wire.Answer;
import io.tideline.emulator.Wire.Result;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The emulator's Salesforce sObject Collections endpoints: {@code PATCH
 * /services/data/vXX.X/composite/sobjects/{SObject}/{ExternalIdField}} (upsert by external id),
 * {@code POST} (create), {@code PATCH} (update by {@code Id}) and {@code DELETE ?ids=...} on {@code
 * /services/data/vXX.X/composite/sobjects}. At most {@link EmulatorOptions#salesforceMaxBatch}
 * records or ids (else 400); 200 with one result per record, in input order ({@code
 * INVALID_EMAIL_ADDRESS} for an invalid email or an injected rejection, {@code DUPLICATE_VALUE} for
 * a create that repeats a {@code __c} field value, {@code ENTITY_IS_DELETED} for an unknown id).
 * The {@code Sforce-Limit-Info} header and the 403 at the daily limit are {@link SaasEmulator}'s.
 */
final class SalesforceCollectionsApi {

    private final EmulatorContext context;

    SalesforceCollectionsApi(EmulatorContext context) {
        this.context = context;
    }

    /** Answers a call that got past the emulator's checks; under the emulator's lock. */
    Result handle(String method, URI uri, JsonNode json, EmulatorOptions.Faults f) {
        String[] parts = uri.getPath().split("/");
        // /services/data/vXX.X/composite/sobjects[/{SObject}/{ExternalIdField}]
        if (parts.length < 6 || !parts[4].equals("composite") || !parts[5].equals("sobjects")) {
            return new Result(
                    "?",
                    new Answer(
                            404,
                            sfError("NOT_FOUND", "The requested resource does not exist"),
                            Map.of()),
                    false,
                    List.of());
        }
        if (method.equals("DELETE")) {
            String ids = queryParam(uri, "ids");
            List<String> list = ids == null || ids.isBlank() ? List.of() : List.of(ids.split(","));
            if (list.isEmpty() || list.size() > context.options().salesforceMaxBatch()) {
                return new Result(
                        "delete",
                        new Answer(
                                400,
                                sfError(
                                        "EXCEEDED_ID_LIMIT",
                                        "ids: expected 1 to "
                                                + context.options().salesforceMaxBatch()
                                                + " ids"),
                                Map.of()),
                        false,
                        list);
            }
            ArrayNode results = JSON.createArrayNode();
            for (String id : list) {
                ObjectStore owner = null;
                for (ObjectStore m : context.salesforceTables()) {
                    if (m.contains(id)) {
                        owner = m;
                    }
                }
                ObjectNode r = results.addObject();
                r.put("id", id);
                if (owner == null) {
                    r.put("success", false);
                    r.putArray("errors")
                            .add(sfErrorItem("ENTITY_IS_DELETED", "entity is deleted", List.of()));
                } else {
                    owner.remove(id);
                    r.put("success", true);
                    r.putArray("errors");
                }
            }
            return new Result("delete", new Answer(200, results, Map.of()), true, list);
        }
        JsonNode records = json.path("records");
        String op = parts.length == 8 ? "upsert" : method.equals("POST") ? "create" : "update";
        if (!records.isArray()
                || records.isEmpty()
                || records.size() > context.options().salesforceMaxBatch()) {
            return new Result(
                    op,
                    new Answer(
                            400,
                            sfError(
                                    "INVALID_BATCH_SIZE",
                                    "records: expected 1 to "
                                            + context.options().salesforceMaxBatch()
                                            + " records"),
                            Map.of()),
                    false,
                    List.of());
        }
        String externalField = parts.length == 8 ? parts[7] : null;
        ArrayNode results = JSON.createArrayNode();
        List<String> keys = new ArrayList<>();
        for (JsonNode rec : records) {
            String type =
                    rec.path("attributes").path("type").asText(parts.length == 8 ? parts[6] : "");
            ObjectStore table = context.salesforceRecords(type);
            String key =
                    externalField != null
                            ? rec.path(externalField).asText()
                            : rec.path("Id").asText(null);
            keys.add(key == null ? "" : key);
            ObjectNode r = results.addObject();
            String invalid = invalidEmail(rec);
            if (invalid == null && context.rejectRecord(f)) {
                invalid = "injected rejection";
            }
            if (invalid != null) {
                r.putNull("id");
                r.put("success", false);
                r.putArray("errors").add(sfErrorItem("INVALID_EMAIL_ADDRESS", invalid, List.of()));
                continue;
            }
            String id;
            boolean created = false;
            if (op.equals("upsert")) {
                id = table.find(externalField, key);
                if (id == null) {
                    id = context.newSalesforceId();
                    table.create(id);
                    created = true;
                }
            } else if (op.equals("create")) {
                String external = null;
                for (Iterator<String> it = rec.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    if (field.endsWith("__c")
                            && table.find(field, rec.path(field).asText()) != null) {
                        external = field;
                    }
                }
                if (external != null) {
                    r.putNull("id");
                    r.put("success", false);
                    r.putArray("errors")
                            .add(
                                    sfErrorItem(
                                            "DUPLICATE_VALUE",
                                            "duplicate value found: "
                                                    + external
                                                    + " duplicates value on record with id: "
                                                    + table.find(
                                                            external, rec.path(external).asText()),
                                            List.of(external)));
                    continue;
                }
                id = context.newSalesforceId();
                table.create(id);
                created = true;
            } else {
                id = key != null && table.contains(key) ? key : null;
                if (id == null) {
                    r.putNull("id");
                    r.put("success", false);
                    r.putArray("errors")
                            .add(
                                    sfErrorItem(
                                            "ENTITY_IS_DELETED",
                                            "entity is deleted or does not exist",
                                            List.of("Id")));
                    continue;
                }
            }
            String recordId = id;
            rec.fields()
                    .forEachRemaining(
                            e -> {
                                if (!e.getKey().equals("attributes") && !e.getKey().equals("Id")) {
                                    table.set(
                                            recordId,
                                            e.getKey(),
                                            e.getValue().isNull()
                                                    ? null
                                                    : JSON.convertValue(
                                                            e.getValue(), Object.class));
                                }
                            });
            r.put("id", id);
            r.put("success", true);
            r.put("created", created);
            r.putArray("errors");
        }
        return new Result(op, new Answer(200, results, Map.of()), true, keys);
    }

    private static ObjectNode sfErrorItem(String code, String message, List<String> fields) {
        ObjectNode e = JSON.createObjectNode();
        e.put("statusCode", code);
        e.put("message", message);
        ArrayNode fs = e.putArray("fields");
        fields.forEach(fs::add);
        return e;
    }

    private static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String p : q.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
