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
 * The {@code sql} section: where the SQL layer's files are, which models the runner builds, the
 * variables it substitutes into the files and the thresholds (and defaults of the declared tests)
 * of the data-quality checks. The models themselves are the files of {@code staging/} and {@code
 * marts/} and their settings are in {@code models.yaml} (see {@code sql/README.md}): no list of
 * marts lives here.
 *
 * @param enabled whether the platform runs the SQL layer at all
 * @param dir the folder of the SQL files (the repository's {@code sql/}); relative paths start at
 *     the configuration file's folder
 * @param select the models to build, as dbt selects them: {@code customer_360} (that model), {@code
 *     stg_orders+} (that model and everything downstream of it); default (empty): every model.
 *     Whether a name is a model is checked when the runner loads the files
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
        List<String> select,
        String asOf,
        Map<String, String> variables,
        Map<String, Secret> secretVariables,
        SqlChecksConfig checks) {

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
                    "WATERMARK_DELAY",
                    "WATERMARK_DELAY_SECONDS",
                    "RUN_ID");

    public SqlConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        dir = dir == null ? "sql" : dir;
        select = select == null ? List.of() : List.copyOf(select);
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
        for (int i = 0; i < select.size(); i++) {
            String selector = select.get(i);
            problems.at("select")
                    .index(i)
                    .require(
                            selector != null && selector.matches("[A-Za-z_][A-Za-z0-9_]*\\+?"),
                            "",
                            "expected a model name, optionally followed by + (that model and"
                                    + " everything downstream of it), got '"
                                    + selector
                                    + "'");
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
        return new SqlConfig(enabled, resolved, select, asOf, variables, secretVariables, checks);
    }

    /** The same section with another folder of SQL files. */
    public SqlConfig withDir(Path dir) {
        return new SqlConfig(
                enabled,
                dir.toAbsolutePath().normalize().toString(),
                select,
                asOf,
                variables,
                secretVariables,
                checks);
    }

    /** The same section with another reference instant. */
    public SqlConfig withAsOf(Instant asOf) {
        return new SqlConfig(
                enabled, dir, select, asOf.toString(), variables, secretVariables, checks);
    }

    /** The same section building only the models these selectors pick. */
    public SqlConfig withSelect(List<String> select) {
        return new SqlConfig(enabled, dir, select, asOf, variables, secretVariables, checks);
    }

    /** The same section with other check thresholds. */
    public SqlConfig withChecks(SqlChecksConfig checks) {
        return new SqlConfig(enabled, dir, select, asOf, variables, secretVariables, checks);
    }
}
