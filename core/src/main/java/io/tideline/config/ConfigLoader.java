/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Loads a Tideline YAML file into a validated {@link TidelineConfig}.
 *
 * <p>Everything is checked once, here: types, required keys, cross-field rules. Every error names
 * the file, the path inside it and what was expected. Secret references are resolved here and
 * masked from then on.
 */
public final class ConfigLoader {

    private final Function<String, String> environment;

    public ConfigLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    /** A loader that resolves {@code ${env:NAME}} from the process environment. */
    public static ConfigLoader fromEnvironment() {
        return new ConfigLoader(System::getenv);
    }

    public TidelineConfig load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute)) {
            throw new ConfigException(absolute.toString(), "", "file not found");
        }
        String text;
        try {
            text = Files.readString(absolute, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(absolute.toString(), "", "cannot be read: " + e.getMessage());
        }
        return parse(text, absolute.toString(), absolute.getParent());
    }

    /**
     * Parses YAML text.
     *
     * @param fileName the name errors give for the text
     * @param baseDir the folder relative paths and {@code ${file:...}} references start from
     */
    public TidelineConfig parse(String yaml, String fileName, Path baseDir) {
        YAMLMapper mapper = mapper(new SecretResolver(environment, baseDir));
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, JsonLocation> keys = new HashMap<>();
        Map<String, JsonLocation> values = new HashMap<>();
        JsonNode tree;
        try {
            tree = readTree(mapper, yaml, keys, values, problems);
        } catch (JsonProcessingException e) {
            throw new ConfigException(fileName, pathOf(e), describe(e, location(e.getLocation())));
        } catch (IOException e) {
            throw new ConfigException(fileName, "", "cannot be read: " + e.getMessage());
        }
        TidelineConfig config = null;
        if (tree == null || tree.isNull() || tree.isMissingNode()) {
            config = TidelineConfig.defaults();
        } else if (!tree.isObject()) {
            throw new ConfigException(
                    fileName, "", "expected a mapping of sections (kafka:, postgres:, ...)");
        }
        // Every field Jackson cannot read is a problem; it is taken out of the tree and the rest
        // read again, so that one load reports every problem, type errors included.
        for (int attempt = 0; config == null && attempt < MAX_PROBLEMS; attempt++) {
            try {
                config = mapper.treeToValue(tree, TidelineConfig.class);
            } catch (JsonProcessingException e) {
                List<Object> path = refs(e);
                JsonNode value = at(tree, path);
                // An unknown key is shown where the key is; a value of the wrong type where it is.
                String where =
                        location(
                                e instanceof UnrecognizedPropertyException
                                        ? keys.get(pointer(path))
                                        : values.getOrDefault(
                                                pointer(path), keys.get(pointer(path))));
                problems.add(new ConfigException.Problem(pathOf(e), describe(e, where, value)));
                if (path.isEmpty() || !remove(tree, path)) {
                    throw new ConfigException(fileName, problems);
                }
            }
        }
        if (config == null) {
            throw new ConfigException(fileName, problems);
        }
        Problems rules = new Problems();
        config.validate(rules);
        List<String> unreadable = problems.stream().map(ConfigException.Problem::path).toList();
        for (ConfigException.Problem p : rules.list()) {
            // A rule over a field that could not be read would only repeat its problem.
            boolean repeats =
                    unreadable.stream()
                            .anyMatch(
                                    u ->
                                            !u.isEmpty()
                                                    && (p.path().equals(u)
                                                            || p.path().startsWith(u + ".")
                                                            || p.path().startsWith(u + "[")));
            if (!repeats) {
                problems.add(p);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(fileName, problems);
        }
        return config.resolvePaths(baseDir);
    }

    private static final int MAX_PROBLEMS = 200;

    /**
     * Reads the YAML into a tree, noting where each key is (its JSON pointer, for example {@code
     * /flink/parallelism}) and every key given twice in one mapping.
     */
    private static JsonNode readTree(
            YAMLMapper mapper,
            String yaml,
            Map<String, JsonLocation> keys,
            Map<String, JsonLocation> values,
            List<ConfigException.Problem> problems)
            throws IOException {
        try (JsonParser p = mapper.getFactory().createParser(yaml)) {
            // Duplicates are found here, all of them with both lines, rather than by the parser's
            // STRICT_DUPLICATE_DETECTION, which stops at the first with only its own line.
            JsonToken t;
            String valueOf = null;
            while ((t = p.nextToken()) != null) {
                if (valueOf != null) {
                    values.putIfAbsent(valueOf, p.currentTokenLocation());
                    valueOf = null;
                }
                if (t == JsonToken.FIELD_NAME) {
                    String key = p.getParsingContext().pathAsPointer().toString();
                    JsonLocation loc = p.currentTokenLocation();
                    JsonLocation first = keys.putIfAbsent(key, loc);
                    valueOf = first == null ? key : null;
                    if (first != null) {
                        problems.add(
                                new ConfigException.Problem(
                                        dotted(key),
                                        "duplicate key '"
                                                + p.currentName()
                                                + "'"
                                                + location(loc)
                                                + ", first given"
                                                + location(first)
                                                        .replace(" (", " at ")
                                                        .replace(")", "")
                                                + "; give each key once"));
                    }
                }
            }
        }
        return mapper.readTree(yaml);
    }

    private static String dotted(String pointer) {
        StringBuilder path = new StringBuilder();
        for (String part : pointer.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            String name = part.replace("~1", "/").replace("~0", "~");
            if (name.matches("\\d+")) {
                path.append('[').append(name).append(']');
            } else {
                path.append(path.length() > 0 ? "." : "").append(name);
            }
        }
        return path.toString();
    }

    /** The field names and list indexes of an error's path. */
    private static List<Object> refs(JsonProcessingException e) {
        List<Object> refs = new ArrayList<>();
        if (e instanceof JsonMappingException m) {
            for (JsonMappingException.Reference ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    refs.add(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    refs.add(ref.getIndex());
                }
            }
        }
        return refs;
    }

    private static String pointer(List<Object> refs) {
        StringBuilder s = new StringBuilder();
        for (Object r : refs) {
            s.append('/').append(String.valueOf(r).replace("~", "~0").replace("/", "~1"));
        }
        return s.toString();
    }

    private static JsonNode at(JsonNode tree, List<Object> refs) {
        JsonNode n = tree;
        for (Object r : refs) {
            n = r instanceof Integer i ? n.path(i) : n.path((String) r);
        }
        return n;
    }

    private static boolean remove(JsonNode tree, List<Object> refs) {
        JsonNode parent = at(tree, refs.subList(0, refs.size() - 1));
        Object last = refs.get(refs.size() - 1);
        if (parent instanceof ObjectNode o && last instanceof String name && o.has(name)) {
            o.remove(name);
            return true;
        }
        if (parent instanceof ArrayNode a && last instanceof Integer i && i < a.size()) {
            a.remove(i);
            return true;
        }
        return false;
    }

    /** Writes a configuration back as YAML, with secrets as their references. */
    public static String toYaml(TidelineConfig config) {
        try {
            return mapper(null).writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write configuration", e);
        }
    }

    static YAMLMapper mapper(SecretResolver resolver) {
        SimpleModule module = new SimpleModule("tideline-config");
        module.addDeserializer(
                Secret.class,
                new JsonDeserializer<>() {
                    @Override
                    public Secret deserialize(JsonParser p, DeserializationContext ctxt)
                            throws IOException {
                        if (p.currentToken() != JsonToken.VALUE_STRING) {
                            throw JsonMappingException.from(
                                    p, "expected a secret reference ${env:NAME} or ${file:/path}");
                        }
                        try {
                            return resolver.resolve(p.getText());
                        } catch (IllegalArgumentException e) {
                            throw JsonMappingException.from(p, e.getMessage());
                        }
                    }
                });
        module.addSerializer(
                Secret.class,
                new JsonSerializer<>() {
                    @Override
                    public void serialize(Secret s, JsonGenerator g, SerializerProvider p)
                            throws IOException {
                        g.writeString(s.reference());
                    }
                });
        module.addDeserializer(
                SecretText.class,
                new JsonDeserializer<>() {
                    @Override
                    public SecretText deserialize(JsonParser p, DeserializationContext ctxt)
                            throws IOException {
                        if (p.currentToken() != JsonToken.VALUE_STRING) {
                            throw JsonMappingException.from(
                                    p, "expected a text value or a secret reference ${env:NAME}");
                        }
                        try {
                            return SecretText.of(p.getText(), resolver);
                        } catch (IllegalArgumentException e) {
                            throw JsonMappingException.from(p, e.getMessage());
                        }
                    }
                });
        module.addDeserializer(
                Duration.class,
                new JsonDeserializer<>() {
                    @Override
                    public Duration deserialize(JsonParser p, DeserializationContext ctxt)
                            throws IOException {
                        try {
                            return Durations.parse(p.getValueAsString());
                        } catch (IllegalArgumentException e) {
                            throw JsonMappingException.from(p, e.getMessage());
                        }
                    }
                });
        module.addSerializer(
                Duration.class,
                new JsonSerializer<>() {
                    @Override
                    public void serialize(Duration d, JsonGenerator g, SerializerProvider p)
                            throws IOException {
                        g.writeString(Durations.format(d));
                    }
                });
        return YAMLMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                // parallelism: 2.7 is a mistake, not 2.
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .addModule(module)
                .build();
    }

    private static String pathOf(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : m.getPath()) {
            if (ref.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(JsonProcessingException e, String where) {
        return describe(e, where, null);
    }

    private static String describe(JsonProcessingException e, String where, JsonNode value) {
        String got =
                value != null && value.isValueNode() && !value.isNull()
                        ? ", got '" + value.asText() + "'"
                        : "";
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown key '"
                    + u.getPropertyName()
                    + "'"
                    + where
                    + "; expected one of "
                    + sorted(u.getKnownPropertyIds());
        }
        if (e instanceof InvalidFormatException f) {
            return "expected "
                    + expected(f.getTargetType())
                    + ", got '"
                    + f.getValue()
                    + "'"
                    + where;
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return "expected " + expected(m.getTargetType()) + got + where;
        }
        if (e instanceof JsonMappingException m && !(e.getCause() instanceof IOException)) {
            return m.getOriginalMessage() + where;
        }
        return "not valid YAML" + where + ": " + e.getOriginalMessage();
    }

    private static String location(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    private static String expected(Class<?> type) {
        if (type.isEnum()) {
            return "one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(c -> c.toString().toLowerCase(Locale.ROOT))
                            .toList();
        }
        if (type == Integer.class
                || type == int.class
                || type == Long.class
                || type == long.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a text value";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a mapping of keys to values";
        }
        return "a " + type.getSimpleName();
    }

    private static String sorted(Collection<Object> ids) {
        return ids.stream()
                .map(String::valueOf)
                .sorted()
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
