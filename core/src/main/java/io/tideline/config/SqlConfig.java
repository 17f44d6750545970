/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code sql} section: where the SQL layer's files are, which marts the runner builds, the
 * variables it substitutes into the files and the thresholds of the data-quality checks.
 *
 * @param enabled whether the platform runs the SQL layer at all
 * @param dir the folder of the SQL files (the repository's {@code sql/}); relative paths start at
 *     the configuration file's folder
 * @param marts the marts to build, a subset of {@link #MARTS}; default: all of them
 * @param asOf the reference instant of the rolling measures (events in the last 7 and 30 days,
 *     freshness), ISO-8601 such as {@code 2024-03-31T00:00:00Z}; default: when the run starts
 * @param variables extra {@code ${NAME}} variables for the files, given as they are
 * @param secretVariables {@code ${NAME}} variables that hold credentials, as secret references;
 *     substituted into the statements, never printed
 * @param checks the thresholds of the data-quality checks
 */
public record SqlConfig(
        Boolean enabled,
        String dir,
        List<String> marts,
        String asOf,
        Map<String, String> variables,
        Map<String, Secret> secretVariables,
        SqlChecksConfig checks) {

    /** Every mart the SQL layer knows, in build order. */
    public static final List<String> MARTS =
            List.of("customer_360", "daily_revenue", "funnel_hourly");

    /** The variables the runner itself defines; a configuration may not redefine them. */
    public static final Set<String> BUILT_IN_VARIABLES =
            Set.of(
                    "CATALOG",
                    "CATALOG_OPTIONS",
                    "PG_URL",
                    "PG_USER",
                    "PG_PASSWORD",
                    "AS_OF",
                    "MIN_ROWS",
                    "MAX_STALENESS_HOURS",
                    "OUTLIER_STDDEVS",
                    "OUTLIER_WINDOW_DAYS",
                    "OUTLIER_MIN_SAMPLES",
                    "RUN_ID");

    public SqlConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        dir = dir == null ? "sql" : dir;
        marts = marts == null ? MARTS : List.copyOf(marts);
        variables = variables == null ? Map.of() : new TreeMap<>(variables);
        secretVariables = secretVariables == null ? Map.of() : new TreeMap<>(secretVariables);
        checks = checks == null ? SqlChecksConfig.defaults() : checks;
    }

    /** The section at its defaults, {@code enabled} aside. */
    public SqlConfig(Boolean enabled) {
        this(enabled, null, null, null, null, null, null);
    }

    /** The folder of the SQL files (absolute once the configuration is loaded). */
    public Path dirPath() {
        return Path.of(dir);
    }

    /** {@link #asOf()} parsed; null when the run's start is the reference. */
    public Instant asOfInstant() {
        return asOf == null ? null : Instant.parse(asOf);
    }

    void validate(Problems problems) {
        problems.require(!dir.isBlank(), "dir", "expected a folder such as ../../sql, got ''");
        problems.require(!marts.isEmpty(), "marts", "expected at least one of " + MARTS);
        for (int i = 0; i < marts.size(); i++) {
            String mart = marts.get(i);
            problems.at("marts")
                    .index(i)
                    .require(
                            MARTS.contains(mart),
                            "",
                            "unknown mart '" + mart + "': expected one of " + MARTS);
        }
        if (asOf != null) {
            try {
                Instant.parse(asOf);
            } catch (DateTimeParseException e) {
                problems.add(
                        "as-of",
                        "expected an ISO-8601 instant such as 2024-03-31T00:00:00Z, got '"
                                + asOf
                                + "'");
            }
        }
        variables.keySet().forEach(name -> checkName(problems.at("variables"), name));
        secretVariables.keySet().forEach(name -> checkName(problems.at("secret-variables"), name));
        for (String name : variables.keySet()) {
            problems.at("variables")
                    .require(
                            !secretVariables.containsKey(name),
                            name,
                            "also defined in secret-variables: define it once");
        }
        checks.validate(problems.at("checks"));
    }

    private static void checkName(Problems problems, String name) {
        if (!name.matches("[A-Z][A-Z0-9_]*")) {
            problems.add(
                    name,
                    "expected a variable name in upper case (letters, digits, _), as written in"
                            + " ${NAME}");
        } else if (BUILT_IN_VARIABLES.contains(name)) {
            problems.add(
                    name,
                    "is set by the runner itself from the rest of the configuration: choose"
                            + " another name");
        }
    }

    SqlConfig resolvePaths(Path baseDir) {
        String resolved = baseDir.resolve(dir).normalize().toAbsolutePath().toString();
        return new SqlConfig(enabled, resolved, marts, asOf, variables, secretVariables, checks);
    }

    /** The same section with another folder of SQL files. */
    public SqlConfig withDir(Path dir) {
        return new SqlConfig(
                enabled,
                dir.toAbsolutePath().normalize().toString(),
                marts,
                asOf,
                variables,
                secretVariables,
                checks);
    }

    /** The same section with another reference instant. */
    public SqlConfig withAsOf(Instant asOf) {
        return new SqlConfig(
                enabled, dir, marts, asOf.toString(), variables, secretVariables, checks);
    }

    /** The same section building only these marts. */
    public SqlConfig withMarts(List<String> marts) {
        return new SqlConfig(enabled, dir, marts, asOf, variables, secretVariables, checks);
    }

    /** The same section with other check thresholds. */
    public SqlConfig withChecks(SqlChecksConfig checks) {
        return new SqlConfig(enabled, dir, marts, asOf, variables, secretVariables, checks);
    }
}
