/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The wire plumbing the emulator and its APIs share: what a call is answered with ({@link Answer},
 * {@link Text}), what an API's handler did with a call ({@link Result}), and the error bodies and
 * checks more than one API uses.
 */
final class Wire {

    static final ObjectMapper JSON = new ObjectMapper();

    private Wire() {}

    /** An answer: its status, its body (JSON-serialized, a {@link Text}, or none) and headers. */
    record Answer(int status, Object body, Map<String, String> headers) {}

    /** A body sent as it is (a CSV), rather than as JSON. */
    record Text(String contentType, String text) {}

    /**
     * What an API's handler did with a call: the operation it is recorded under, the answer,
     * whether it was applied, and the keys of the records it named.
     */
    record Result(String operation, Answer answer, boolean applied, List<String> keys) {}

    /** The emulator's generic error body: {@code {"status","category","message"}}. */
    static ObjectNode error(String category, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.put("status", "error");
        e.put("category", category);
        e.put("message", message);
        return e;
    }

    /** A Salesforce REST error body: {@code [{"message","errorCode"}]}. */
    static ArrayNode sfError(String code, String message) {
        ArrayNode a = JSON.createArrayNode();
        ObjectNode e = a.addObject();
        e.put("message", message);
        e.put("errorCode", code);
        return a;
    }

    /**
     * The rejection message of a record with an email field (a field whose name contains {@code
     * email}) whose text has no {@code @}, else null.
     */
    static String invalidEmail(JsonNode props) {
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().toLowerCase().contains("email")
                    && e.getValue().isTextual()
                    && !e.getValue().asText().contains("@")) {
                return "Property values were not valid: Email address "
                        + e.getValue().asText()
                        + " is invalid";
            }
        }
        return null;
    }

    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
