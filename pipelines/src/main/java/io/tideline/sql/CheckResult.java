/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.util.List;

/**
 * What one data-quality check found in one run.
 *
 * @param name the check's name: its file name in {@code sql/checks}, without {@code .sql}
 * @param violations how many rows it returned (each stored in {@code quality.violations})
 * @param samples up to five of those rows, as JSON objects
 */
public record CheckResult(String name, long violations, List<String> samples) {

    public CheckResult {
        samples = List.copyOf(samples);
    }

    public boolean passed() {
        return violations == 0;
    }

    @Override
    public String toString() {
        return name
                + ": "
                + (passed() ? "passed" : "FAILED, " + violations + " violating row(s) " + samples);
    }
}
