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
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
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
        TidelineConfig config;
        try {
            config = mapper.readValue(yaml, TidelineConfig.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(fileName, pathOf(e), describe(e));
        }
        if (config == null) {
            config = TidelineConfig.defaults();
        }
        Problems problems = new Problems();
        config.validate(problems);
        problems.throwIfAny(fileName);
        return config.resolvePaths(baseDir);
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

    private static String describe(JsonProcessingException e) {
        String where = location(e.getLocation());
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
            return "expected " + expected(m.getTargetType()) + where;
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
