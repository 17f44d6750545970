/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import com.fasterxml.jackson.databind.JsonNode;
import io.tideline.config.Durations;
import io.tideline.config.SqlChecksConfig;
import io.tideline.sql.SqlModels.DeclaredTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders the declared tests of {@code models.yaml} and the custom check files of {@code checks/}
 * into checks: one query each that returns the violating rows (dbt's convention). Declared tests
 * that share a name are one check, their queries unioned.
 */
final class SqlTests {

    /**
     * One check, ready to run.
     *
     * @param name its name (the file name of a custom check)
     * @param severity {@code error} or {@code warn}
     * @param query the query returning the violating rows, variables not yet substituted
     * @param models the models it reads (a selection runs the checks of the selected models)
     * @param source where it was declared, for error messages
     */
    record Check(String name, String severity, String query, Set<String> models, String source) {
        boolean blocking() {
            return severity.equals("error");
        }
    }

    private static final Pattern SEVERITY =
            Pattern.compile("(?im)^\\s*--\\s*severity\\s*:\\s*(error|warn)\\s*$");

    private final SqlModels models;
    private final SqlChecksConfig defaults;

    SqlTests(SqlModels models, SqlChecksConfig defaults) {
        this.models = models;
        this.defaults = defaults;
    }

    /**
     * Every check: the declared tests, then the custom files, in name order within each.
     *
     * @param relation how a target (a model's name, or a source table such as {@code
     *     landing.events}) is written in a query: a view model by its name, a table model as its
     *     table (on the audit branch during write-audit-publish)
     * @param previousRows the rows a table model's published table holds, for {@code row_count}'s
     *     {@code max_change} (null when unknown)
     * @param customFiles the custom check files
     * @param rewriteCustom applied to a custom check's query (the audit branch's hints)
     */
    List<Check> checks(
            Function<String, String> relation,
            Function<String, Long> previousRows,
            List<Path> customFiles,
            Function<String, String> rewriteCustom) {
        Map<String, List<DeclaredTest>> byName = new LinkedHashMap<>();
        for (DeclaredTest t : models.tests()) {
            byName.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(t);
        }
        List<Check> out = new ArrayList<>();
        for (Map.Entry<String, List<DeclaredTest>> e : byName.entrySet()) {
            List<DeclaredTest> parts = e.getValue();
            Set<String> severities = new LinkedHashSet<>();
            Set<String> targets = new LinkedHashSet<>();
            List<String> queries = new ArrayList<>();
            for (DeclaredTest t : parts) {
                severities.add(t.severity());
                queries.add(render(t, relation, previousRows));
                if (!t.source()) {
                    targets.add(t.target());
                }
                if (t.kind().equals("relationships")) {
                    String to = t.args().path("to").asText();
                    if (models.models().containsKey(to)) {
                        targets.add(to);
                    }
                }
            }
            if (severities.size() > 1) {
                throw new IllegalArgumentException(
                        "test "
                                + e.getKey()
                                + ": declared several times with different severities "
                                + severities);
            }
            String query =
                    queries.size() == 1
                            ? queries.get(0)
                            : queries.stream()
                                    .map(q -> "SELECT * FROM (" + q + ")")
                                    .collect(Collectors.joining("\nUNION ALL\n"));
            out.add(
                    new Check(
                            e.getKey(),
                            severities.iterator().next(),
                            query,
                            targets,
                            parts.get(0).file() + " (test " + e.getKey() + ")"));
        }
        Set<String> declared = byName.keySet();
        for (Path f : customFiles) {
            String name = SqlModels.baseName(f);
            if (declared.contains(name)) {
                throw new IllegalArgumentException(
                        f + ": a declared test of models.yaml has the same name: rename one");
            }
            List<SqlStatement> statements = SqlScripts.read(f);
            if (statements.size() != 1 || statements.get(0).kind() != SqlStatement.Kind.QUERY) {
                throw new IllegalArgumentException(
                        f + ": a check is exactly one query that returns the violating rows");
            }
            String text;
            try {
                text = Files.readString(f);
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
            Matcher sev = SEVERITY.matcher(text);
            String query = statements.get(0).text();
            Set<String> reads = new LinkedHashSet<>();
            for (String ref : SqlModels.references(query)) {
                String bare = ref.contains(".") ? ref.substring(ref.indexOf('.') + 1) : ref;
                SqlModel m = models.models().get(bare);
                if (m != null && (!ref.contains(".") || ref.equals(m.tableName()))) {
                    reads.add(bare);
                }
            }
            out.add(
                    new Check(
                            name,
                            sev.find() ? sev.group(1).toLowerCase(Locale.ROOT) : "error",
                            rewriteCustom.apply(query),
                            reads,
                            f.toString()));
        }
        return out;
    }

    private String render(
            DeclaredTest t,
            Function<String, String> relation,
            Function<String, Long> previousRows) {
        JsonNode a = t.args();
        String where = a.path("where").asText("");
        String rel = relation.apply(t.target());
        String from = where.isBlank() ? rel : "(SELECT * FROM " + rel + " WHERE " + where + ")";
        List<String> cols = SqlModels.columns(a);
        List<String> key = models.keyOf(t.target());
        String at = t.file() + ": test " + t.name() + " (" + t.kind() + " on " + t.target() + ")";
        switch (t.kind()) {
            case "not_null" -> {
                need(!cols.isEmpty(), at, "needs column or columns");
                return "SELECT "
                        + list(union(key, cols), "t.")
                        + " FROM "
                        + from
                        + " AS t WHERE "
                        + cols.stream()
                                .map(c -> "t." + q(c) + " IS NULL")
                                .collect(Collectors.joining(" OR "));
            }
            case "unique" -> {
                need(!cols.isEmpty(), at, "needs column or columns");
                return "SELECT "
                        + list(cols, "t.")
                        + ", COUNT(*) AS row_count FROM "
                        + from
                        + " AS t GROUP BY "
                        + list(cols, "t.")
                        + " HAVING COUNT(*) > 1";
            }
            case "accepted_values" -> {
                need(cols.size() == 1, at, "needs one column");
                need(a.path("values").isArray() && a.path("values").size() > 0, at, "needs values");
                List<String> values = new ArrayList<>();
                a.path("values").forEach(v -> values.add(literal(v)));
                String c = "t." + q(cols.get(0));
                boolean allowNull = a.path("allow_null").asBoolean(false);
                return "SELECT "
                        + list(union(key, cols), "t.")
                        + " FROM "
                        + from
                        + " AS t WHERE "
                        + (allowNull ? "" : c + " IS NULL OR ")
                        + c
                        + " NOT IN ("
                        + String.join(", ", values)
                        + ")";
            }
            case "relationships" -> {
                need(cols.size() == 1, at, "needs one column");
                String to = a.path("to").asText("");
                String field = a.path("field").asText(cols.get(0));
                need(!to.isBlank(), at, "needs to (the model or source referenced)");
                String parent = relation.apply(to);
                String c = q(cols.get(0));
                String f = q(field);
                String childRows =
                        "SELECT 'no "
                                + to
                                + " row' AS problem, "
                                + list(union(key, cols), "t.")
                                + " FROM "
                                + from
                                + " AS t LEFT JOIN "
                                + parent
                                + " AS p ON p."
                                + f
                                + " = t."
                                + c
                                + " WHERE t."
                                + c
                                + " IS NOT NULL AND p."
                                + f
                                + " IS NULL";
                if (!a.path("complete").asBoolean(false)) {
                    return childRows;
                }
                // Both ways: every parent also has its row here (one row per parent).
                return "SELECT 'no "
                        + to
                        + " row' AS problem, t."
                        + c
                        + " FROM "
                        + from
                        + " AS t LEFT JOIN "
                        + parent
                        + " AS p ON p."
                        + f
                        + " = t."
                        + c
                        + " WHERE t."
                        + c
                        + " IS NOT NULL AND p."
                        + f
                        + " IS NULL\nUNION ALL\nSELECT 'no "
                        + t.target()
                        + " row' AS problem, p."
                        + f
                        + " AS "
                        + c
                        + " FROM "
                        + parent
                        + " AS p LEFT JOIN "
                        + from
                        + " AS t ON t."
                        + c
                        + " = p."
                        + f
                        + " WHERE p."
                        + f
                        + " IS NOT NULL AND t."
                        + c
                        + " IS NULL";
            }
            case "freshness" -> {
                need(cols.size() == 1, at, "needs column (a time column)");
                Duration maxAge =
                        a.has("max_age")
                                ? Durations.parse(a.path("max_age").asText())
                                : defaults.maxStaleness();
                String c = "t." + q(cols.get(0));
                String limit =
                        "TIMESTAMPADD(SECOND, -"
                                + maxAge.toSeconds()
                                + ", CAST('${AS_OF}' AS TIMESTAMP_LTZ(6)))";
                return "SELECT CAST('"
                        + t.target()
                        + "' AS STRING) AS `model`, MAX("
                        + c
                        + ") AS newest FROM "
                        + from
                        + " AS t HAVING MAX("
                        + c
                        + ") IS NULL OR MAX("
                        + c
                        + ") < "
                        + limit;
            }
            case "row_count" -> {
                long min = a.has("min") ? a.path("min").asLong() : defaults.minRows();
                Long previous = t.source() ? null : previousRows.apply(t.target());
                String prev =
                        previous == null
                                ? "CAST(NULL AS BIGINT)"
                                : "CAST(" + previous + " AS BIGINT)";
                String cond = "COUNT(*) < " + min;
                if (a.has("max_change")) {
                    double change = fraction(a.path("max_change").asText(), at);
                    if (previous != null && previous > 0) {
                        cond +=
                                " OR ABS(COUNT(*) - "
                                        + previous
                                        + ") > "
                                        + Math.floor(change * previous);
                    }
                }
                return "SELECT CAST('"
                        + t.target()
                        + "' AS STRING) AS `model`, COUNT(*) AS row_count, "
                        + prev
                        + " AS previous_rows FROM "
                        + from
                        + " AS t HAVING "
                        + cond;
            }
            case "outliers" -> {
                need(cols.size() == 1, at, "needs column (the measure)");
                need(a.has("time"), at, "needs time (the column the trailing window runs on)");
                need(!key.isEmpty(), at, "needs a key on " + t.target() + " (one row each)");
                double stddevs =
                        a.has("stddevs") ? a.path("stddevs").asDouble() : defaults.outlierStddevs();
                long days =
                        a.has("window")
                                ? Durations.parse(a.path("window").asText()).toDays()
                                : defaults.outlierWindow().toDays();
                int minSamples =
                        a.has("min_samples")
                                ? a.path("min_samples").asInt()
                                : defaults.outlierMinSamples();
                List<String> groups = new ArrayList<>();
                a.path("group_by").forEach(g -> groups.add(g.asText()));
                String c = q(cols.get(0));
                String time = q(a.path("time").asText());
                List<String> outCols = union(union(key, groups), cols);
                StringBuilder join = new StringBuilder();
                for (String g : groups) {
                    join.append("p.").append(q(g)).append(" = o.").append(q(g)).append(" AND ");
                }
                return "SELECT "
                        + list(outCols, "")
                        + ", trailing_rows, trailing_mean, trailing_stddev FROM (SELECT "
                        + list(outCols, "o.")
                        + ", COUNT(p."
                        + c
                        + ") AS trailing_rows, AVG(CAST(p."
                        + c
                        + " AS DOUBLE)) AS trailing_mean, STDDEV_POP(CAST(p."
                        + c
                        + " AS DOUBLE)) AS trailing_stddev FROM "
                        + from
                        + " AS o JOIN "
                        + from
                        + " AS p ON "
                        + join
                        + "p."
                        + time
                        + " < o."
                        + time
                        + " AND p."
                        + time
                        + " >= TIMESTAMPADD(DAY, -"
                        + days
                        + ", o."
                        + time
                        + ") WHERE o."
                        + c
                        + " IS NOT NULL AND p."
                        + c
                        + " IS NOT NULL GROUP BY "
                        + list(outCols, "o.")
                        + ") WHERE trailing_rows >= "
                        + minSamples
                        + " AND ABS(CAST("
                        + c
                        + " AS DOUBLE) - trailing_mean) > "
                        + stddevs
                        + " * trailing_stddev";
            }
            case "expression" -> {
                String expr = a.path("expression").asText(a.path("sql").asText(""));
                need(!expr.isBlank(), at, "needs expression (a boolean SQL expression)");
                return "SELECT * FROM " + from + " AS t WHERE NOT (" + expr + ")";
            }
            default -> throw new IllegalArgumentException(at + ": unknown test kind");
        }
    }

    private static double fraction(String text, String at) {
        String s = text.strip();
        try {
            return s.endsWith("%")
                    ? Double.parseDouble(s.substring(0, s.length() - 1)) / 100
                    : Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    at + ": max_change: expected a share such as 0.5 or 50%, got '" + text + "'");
        }
    }

    private static void need(boolean ok, String at, String what) {
        if (!ok) {
            throw new IllegalArgumentException(at + ": " + what);
        }
    }

    private static List<String> union(List<String> a, List<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return List.copyOf(s);
    }

    private static String list(List<String> cols, String prefix) {
        return cols.stream().map(c -> prefix + q(c)).collect(Collectors.joining(", "));
    }

    static String q(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    private static String literal(JsonNode v) {
        if (v.isNumber() || v.isBoolean()) {
            return v.asText();
        }
        return "'" + SqlVariables.literal(v.asText()) + "'";
    }
}
