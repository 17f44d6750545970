/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import static io.tideline.emulator.Wire.JSON;
import static io.tideline.emulator.Wire.error;
import static io.tideline.emulator.Wire.invalidEmail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.emulator.Wire.Answer;
import io.tideline.emulator.Wire.Result;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The emulator's HubSpot CRM v3 batch endpoints: {@code POST
 * /crm/v3/objects/{type}/batch/upsert|create|update|archive}, with {@code {"inputs": [...]}}. At
 * most {@link EmulatorOptions#hubspotMaxBatch} inputs (else 400); 200 with the results, or 207 with
 * per-record errors ({@code VALIDATION_ERROR} for an invalid email or an injected rejection, {@code
 * OBJECT_NOT_FOUND} for an update of an unknown object); 409 for the whole batch when a created or
 * updated object's id property value already belongs to another object; 204 for an archive. The
 * rate-limit headers and the 429 with its {@code policyName} are {@link SaasEmulator}'s.
 */
final class HubSpotApi {

    private final EmulatorContext context;

    HubSpotApi(EmulatorContext context) {
        this.context = context;
    }

    /** Answers a call that got past the emulator's checks; under the emulator's lock. */
    Result handle(String method, String path, JsonNode json, EmulatorOptions.Faults f) {
        String[] parts = path.split("/");
        // /crm/v3/objects/{type}/batch/{op}
        if (!method.equals("POST")
                || parts.length != 7
                || !parts[3].equals("objects")
                || !parts[5].equals("batch")) {
            return new Result(
                    "?",
                    new Answer(
                            404,
                            error("NOT_FOUND", "no such endpoint " + method + " " + path),
                            Map.of()),
                    false,
                    List.of());
        }
        String type = parts[4];
        String op = parts[6];
        JsonNode inputs = json.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            return new Result(
                    op,
                    new Answer(
                            400,
                            hsError("VALIDATION_ERROR", "inputs: expected a non-empty array"),
                            Map.of()),
                    false,
                    List.of());
        }
        if (inputs.size() > context.options().hubspotMaxBatch()) {
            return new Result(
                    op,
                    new Answer(
                            400,
                            hsError(
                                    "VALIDATION_ERROR",
                                    "Batch size "
                                            + inputs.size()
                                            + " exceeds the limit of "
                                            + context.options().hubspotMaxBatch()
                                            + " inputs"),
                            Map.of()),
                    false,
                    List.of());
        }
        ObjectStore objects = context.hubspotObjects(type);
        List<String> keys = new ArrayList<>();
        for (JsonNode in : inputs) {
            keys.add(in.path("id").asText(in.path("properties").path("email").asText("")));
        }
        if (op.equals("archive")) {
            for (JsonNode in : inputs) {
                objects.remove(in.path("id").asText());
            }
            return new Result(op, new Answer(204, null, Map.of()), true, keys);
        }
        // 409: a created object, or an object whose id property changes, would take an id property
        // value another object already holds. The whole batch is rejected.
        for (JsonNode in : inputs) {
            String idProperty = in.path("idProperty").asText("email");
            JsonNode props = in.path("properties");
            String value = props.path(op.equals("create") ? "email" : idProperty).asText(null);
            if (op.equals("create") && value != null) {
                String existing = objects.find("email", value);
                if (existing != null) {
                    return conflict(op, keys, existing);
                }
            }
            if (op.equals("update") && !in.has("idProperty") && props.has("email")) {
                String existing = objects.find("email", props.path("email").asText());
                if (existing != null && !existing.equals(in.path("id").asText())) {
                    return conflict(op, keys, existing);
                }
            }
        }
        ArrayNode results = JSON.createArrayNode();
        ArrayNode errors = JSON.createArrayNode();
        for (JsonNode in : inputs) {
            JsonNode props = in.path("properties");
            String idProperty = in.path("idProperty").asText(null);
            String inputId = in.path("id").asText(null);
            String reported = inputId != null ? inputId : props.path("email").asText("");
            String invalid = invalidEmail(props);
            if (invalid == null && context.rejectRecord(f)) {
                invalid = "Property values were not valid: injected rejection of " + reported;
            }
            if (invalid != null) {
                errors.add(recordError("VALIDATION_ERROR", invalid, reported));
                continue;
            }
            String id;
            boolean created = false;
            switch (op) {
                case "upsert" -> {
                    String prop = idProperty == null ? "email" : idProperty;
                    id = objects.find(prop, inputId);
                    if (id == null) {
                        id = context.newHubSpotId();
                        objects.create(id);
                        objects.set(id, prop, inputId);
                        created = true;
                    }
                }
                case "create" -> {
                    id = context.newHubSpotId();
                    objects.create(id);
                    created = true;
                }
                case "update" -> {
                    id =
                            idProperty == null
                                    ? (objects.contains(inputId) ? inputId : null)
                                    : objects.find(idProperty, inputId);
                    if (id == null) {
                        errors.add(
                                recordError(
                                        "OBJECT_NOT_FOUND",
                                        "Object not found. objectId are usually numeric.",
                                        reported));
                        continue;
                    }
                }
                default -> {
                    return new Result(
                            op,
                            new Answer(
                                    404,
                                    hsError("NOT_FOUND", "no batch operation " + op),
                                    Map.of()),
                            false,
                            keys);
                }
            }
            String objectId = id;
            props.fields()
                    .forEachRemaining(
                            e ->
                                    objects.set(
                                            objectId,
                                            e.getKey(),
                                            e.getValue().isNull() ? null : e.getValue().asText()));
            ObjectNode r = results.addObject();
            r.put("id", id);
            // like HubSpot, the properties of the result are the ones the call wrote
            ObjectNode written = r.putObject("properties");
            for (Map.Entry<String, Object> e : objects.get(id).entrySet()) {
                if (props.has(e.getKey())
                        || e.getKey().equals(idProperty == null ? "email" : idProperty)) {
                    written.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString());
                }
            }
            r.put("new", created);
            r.put("archived", false);
            r.put("updatedAt", Instant.now().toString());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("status", "COMPLETE");
        body.set("results", results);
        body.put("startedAt", Instant.now().toString());
        body.put("completedAt", Instant.now().toString());
        if (!errors.isEmpty()) {
            body.put("numErrors", errors.size());
            body.set("errors", errors);
        }
        return new Result(op, new Answer(errors.isEmpty() ? 200 : 207, body, Map.of()), true, keys);
    }

    private Result conflict(String op, List<String> keys, String existing) {
        ObjectNode body = hsError("CONFLICT", "Contact already exists. Existing ID: " + existing);
        return new Result(op, new Answer(409, body, Map.of()), false, keys);
    }

    private static ObjectNode recordError(String category, String message, String id) {
        ObjectNode e = JSON.createObjectNode();
        e.put("status", "error");
        e.put("category", category);
        e.put("message", message);
        e.putObject("context").putArray("ids").add(id);
        return e;
    }

    private static ObjectNode hsError(String category, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.put("status", "error");
        e.put("message", message);
        e.put("category", category);
        return e;
    }
}
