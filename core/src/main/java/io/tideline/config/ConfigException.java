/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration that cannot be used. Every problem names the file, the path inside it (for
 * example {@code kafka.bootstrap-servers[0]}) and what was expected.
 */
public final class ConfigException extends RuntimeException {

    /** One thing wrong with a configuration. */
    public record Problem(String path, String message) {
        @Override
        public String toString() {
            return (path.isEmpty() ? "(top level)" : path) + ": " + message;
        }
    }

    private final String file;
    private final List<Problem> problems;

    public ConfigException(String file, List<Problem> problems) {
        super(render(file, problems));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String file, String path, String message) {
        this(file, List.of(new Problem(path, message)));
    }

    public String file() {
        return file;
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String render(String file, List<Problem> problems) {
        if (problems.size() == 1) {
            return "Invalid configuration " + file + ": " + problems.get(0);
        }
        return "Invalid configuration "
                + file
                + " ("
                + problems.size()
                + " problems):"
                + problems.stream().map(p -> "\n  - " + p).collect(Collectors.joining());
    }
}
