/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.util.List;

/**
 * What one data-quality check found in one run.
 *
 * @param name the check's name: the declared test's name in {@code models.yaml}, or the custom
 *     check's file name in {@code sql/checks} without {@code .sql}
 * @param violations how many rows it returned (each stored in {@code quality.violations})
 * @param samples up to five of those rows, as JSON objects
 * @param severity {@code error} (a failure blocks publication) or {@code warn}
 */
public record CheckResult(String name, long violations, List<String> samples, String severity) {

    public CheckResult {
        samples = List.copyOf(samples);
        severity = severity == null ? "error" : severity;
    }

    /** A check of severity {@code error}. */
    public CheckResult(String name, long violations, List<String> samples) {
        this(name, violations, samples, "error");
    }

    public boolean passed() {
        return violations == 0;
    }

    /** Whether it failed with severity {@code error}: the build is not published. */
    public boolean blocking() {
        return !passed() && severity.equals("error");
    }

    @Override
    public String toString() {
        return name
                + ": "
                + (passed()
                        ? "passed"
                        : (severity.equals("warn") ? "WARN, " : "FAILED, ")
                                + violations
                                + " violating row(s) "
                                + samples);
    }
}
