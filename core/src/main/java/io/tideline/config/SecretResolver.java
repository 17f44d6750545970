/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Resolves {@code ${env:NAME}} and {@code ${file:/path}} references into {@link Secret}s. */
public final class SecretResolver {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");

    private final Function<String, String> environment;
    private final Path baseDir;

    /**
     * @param environment looks up environment variables; {@code System::getenv} in production
     * @param baseDir the folder relative {@code ${file:...}} paths are resolved against
     */
    public SecretResolver(Function<String, String> environment, Path baseDir) {
        this.environment = environment;
        this.baseDir = baseDir;
    }

    /** True when the text is a secret reference, whether or not it can be resolved. */
    public static boolean isReference(String text) {
        return text != null && REFERENCE.matcher(text.trim()).matches();
    }

    /**
     * Resolves a reference.
     *
     * @throws IllegalArgumentException with a message that names the reference but never a value
     */
    public Secret resolve(String text) {
        Matcher m = REFERENCE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "expected a secret reference ${env:NAME} or ${file:/path}, not a literal value"
                            + " (literal secrets are not accepted, so that none sits in a file)");
        }
        String kind = m.group(1);
        String name = m.group(2).trim();
        if (kind.equals("env")) {
            String value = environment.apply(name);
            if (value == null) {
                throw new IllegalArgumentException(
                        "environment variable "
                                + name
                                + " is not set (referenced as ${env:"
                                + name
                                + "})");
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException(
                        "environment variable " + name + " is set but empty");
            }
            return new Secret("${env:" + name + "}", value);
        }
        Path file = baseDir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "secret file " + file + " does not exist (referenced as ${file:" + name + "})");
        }
        try {
            String value = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (value.isEmpty()) {
                throw new IllegalArgumentException("secret file " + file + " is empty");
            }
            return new Secret("${file:" + name + "}", value);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "secret file " + file + " cannot be read: " + e.getClass().getSimpleName());
        }
    }
}
