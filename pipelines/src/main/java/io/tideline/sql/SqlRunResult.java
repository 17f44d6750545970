/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;

/**
 * What a run of the SQL layer did: the rows of each mart it built and the result of each check.
 *
 * @param mode BATCH or STREAMING
 * @param runId the id the run's violations are stored under in {@code quality.violations}
 * @param martRows rows per mart after the build ({@code customer_360} → 3, ...)
 * @param checks the result of every check, in file order; empty when checks are off
 * @param buildTime how long the build took (BATCH: the whole job, then the publication: {@code
 *     main} fast-forwarded and PostgreSQL serving replaced; STREAMING: the submission)
 * @param checkTime how long the checks took
 * @param published the table models this run published (BATCH): all of them when no {@code error}
 *     test failed, only those built without write-audit-publish ({@code audit: false}) otherwise
 */
public record SqlRunResult(
        RuntimeExecutionMode mode,
        String runId,
        Map<String, Long> martRows,
        List<CheckResult> checks,
        Duration buildTime,
        Duration checkTime,
        List<String> published) {

    public SqlRunResult {
        martRows = Map.copyOf(martRows);
        checks = List.copyOf(checks);
        published = List.copyOf(published);
    }

    /** The checks that failed with severity {@code error}: why the build was not published. */
    public List<CheckResult> blockingChecks() {
        return checks.stream().filter(CheckResult::blocking).toList();
    }

    /** The checks that found violating rows ({@code warn} ones included). */
    public List<CheckResult> failedChecks() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    /** Whether no {@code error} check failed (the build was published). */
    public boolean passed() {
        return blockingChecks().isEmpty();
    }

    public CheckResult check(String name) {
        return checks.stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no check named " + name));
    }

    /** A summary for people: rows per mart, then the checks. */
    public String summary() {
        String marts =
                martRows.entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(", "));
        StringBuilder s =
                new StringBuilder()
                        .append("SQL layer ")
                        .append(mode)
                        .append(" run ")
                        .append(runId)
                        .append(": marts [")
                        .append(marts)
                        .append("], build ")
                        .append(buildTime.toMillis())
                        .append(" ms, checks ")
                        .append(checks.size() - failedChecks().size())
                        .append("/")
                        .append(checks.size())
                        .append(" passed in ")
                        .append(checkTime.toMillis())
                        .append(" ms")
                        .append(
                                passed()
                                        ? ", published " + published
                                        : ", NOT PUBLISHED (error tests failed; published only"
                                                + " the models without audit: "
                                                + published
                                                + ")");
        for (CheckResult c : failedChecks()) {
            s.append("\n  ").append(c);
        }
        return s.toString();
    }
}
