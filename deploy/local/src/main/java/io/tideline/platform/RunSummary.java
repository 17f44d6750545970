/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The figures of one local run, kept as one JSON document: {@code --summary-json} writes it as it
 * is, and the printed table is read from it, so the two never disagree.
 */
final class RunSummary {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final ObjectMapper SNAKE =
            new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** A record as JSON, with snake_case keys like the rest of the summary. */
    static JsonNode tree(Object value) {
        return SNAKE.valueToTree(value);
    }

    private final ObjectNode root = JSON.createObjectNode();
    private final ArrayNode checks = root.putArray("checks");

    ObjectNode root() {
        return root;
    }

    ObjectNode section(String name) {
        return root.has(name) ? (ObjectNode) root.get(name) : root.putObject(name);
    }

    /** Records a check the run makes of its own figures. */
    boolean check(String name, boolean passed, String detail) {
        ObjectNode c = checks.addObject();
        c.put("name", name);
        c.put("passed", passed);
        c.put("detail", detail);
        return passed;
    }

    boolean allChecksPassed() {
        for (var c : checks) {
            if (!c.path("passed").asBoolean()) {
                return false;
            }
        }
        return true;
    }

    ArrayNode checks() {
        return checks;
    }

    void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), root);
    }
}
