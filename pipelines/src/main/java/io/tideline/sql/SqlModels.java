/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tideline.config.IngestionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The models of a SQL folder: every {@code .sql} file under {@code staging/} and {@code marts/} is
 * a model named after its file; {@code models.yaml} (and any {@code *.yaml} next to the model
 * files, same shape) holds their settings and declared tests, and the tests of the source tables.
 * The dependencies come from the names the queries reference (after {@code FROM}, {@code JOIN} and
 * {@code TABLE}); the models come out in dependency order. Load errors (an unknown reference, a
 * cycle, an unknown setting) name the files.
 */
public final class SqlModels {

    /** The folders whose {@code .sql} files are models. */
    public static final List<String> MODEL_FOLDERS = List.of("staging", "marts");

    private static final Set<String> MODEL_KEYS =
            Set.of(
                    "materialized",
                    "database",
                    "key",
                    "partition_by",
                    "serve",
                    "streaming",
                    "audit",
                    "tests",
                    "columns",
                    "description");
    private static final Set<String> TEST_KINDS =
            Set.of(
                    "not_null",
                    "unique",
                    "accepted_values",
                    "relationships",
                    "freshness",
                    "row_count",
                    "outliers",
                    "expression");

    /**
     * A test declared in YAML, before rendering.
     *
     * @param kind one of not_null, unique, accepted_values, relationships, freshness, row_count,
     *     outliers, expression
     * @param name the check's name
     * @param severity {@code error} (blocks publication) or {@code warn}
     * @param target the model it tests, or a source table such as {@code landing.events}
     * @param source whether the target is a source table
     * @param args the test's arguments
     * @param file the YAML file it was declared in
     */
    public record DeclaredTest(
            String kind,
            String name,
            String severity,
            String target,
            boolean source,
            JsonNode args,
            Path file) {}

    private final Map<String, SqlModel> models;
    private final List<DeclaredTest> tests;
    private final Map<String, List<String>> sourceKeys;

    private SqlModels(
            Map<String, SqlModel> models,
            List<DeclaredTest> tests,
            Map<String, List<String>> sourceKeys) {
        this.models = models;
        this.tests = tests;
        this.sourceKeys = sourceKeys;
    }

    /** Every model, in dependency order (a model after every model it references). */
    public Map<String, SqlModel> models() {
        return models;
    }

    public SqlModel model(String name) {
        SqlModel m = models.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no model named '" + name + "'");
        }
        return m;
    }

    /** Every declared test, models' and sources', in declaration order. */
    public List<DeclaredTest> tests() {
        return tests;
    }

    /** The key of a model or a source table (empty when none is declared). */
    public List<String> keyOf(String target) {
        SqlModel m = models.get(target);
        if (m != null) {
            return m.key();
        }
        return sourceKeys.getOrDefault(target, List.of());
    }

    /** The table models, in dependency order. */
    public List<SqlModel> tables() {
        return models.values().stream().filter(SqlModel::table).toList();
    }

    /**
     * The models the selectors pick, in dependency order: {@code name} is that model, {@code name+}
     * that model and everything downstream of it; no selector picks every model.
     */
    public Set<String> select(List<String> selectors) {
        if (selectors == null || selectors.isEmpty()) {
            return new LinkedHashSet<>(models.keySet());
        }
        Set<String> picked = new TreeSet<>();
        for (String selector : selectors) {
            boolean downstream = selector.endsWith("+");
            String name = downstream ? selector.substring(0, selector.length() - 1) : selector;
            if (!models.containsKey(name)) {
                throw new IllegalArgumentException(
                        "--select "
                                + selector
                                + ": no model named '"
                                + name
                                + "' (models: "
                                + models.keySet()
                                + ")");
            }
            picked.add(name);
            if (downstream) {
                boolean grew = true;
                while (grew) {
                    grew = false;
                    for (SqlModel m : models.values()) {
                        if (!picked.contains(m.name())
                                && m.dependsOn().stream().anyMatch(picked::contains)) {
                            picked.add(m.name());
                            grew = true;
                        }
                    }
                }
            }
        }
        Set<String> ordered = new LinkedHashSet<>();
        models.keySet().stream().filter(picked::contains).forEach(ordered::add);
        return ordered;
    }

    // ---- loading ----

    /**
     * Loads the models of {@code dir}.
     *
     * @param sourceNames the relations the source files define ({@code src_events}, ...), which
     *     models may reference besides each other
     */
    public static SqlModels load(Path dir, Set<String> sourceNames) {
        return load(
                dir,
                sourceNames,
                new SqlVariables().put("INGESTION_NAMESPACE", IngestionConfig.DEFAULT_NAMESPACE));
    }

    /**
     * As {@link #load(Path, Set)}, with the variables a source table's name in {@code sources:} may
     * use: {@code ${INGESTION_NAMESPACE}.events} is the ingested events table, in whatever
     * namespace {@code ingestion.namespace} names.
     */
    public static SqlModels load(Path dir, Set<String> sourceNames, SqlVariables variables) {
        Map<String, Path> files = new TreeMap<>();
        for (String folder : MODEL_FOLDERS) {
            for (Path f : list(dir.resolve(folder), ".sql")) {
                String name = baseName(f);
                Path other = files.put(name, f);
                if (other != null) {
                    throw new IllegalArgumentException(
                            "two models named '"
                                    + name
                                    + "': "
                                    + dir.relativize(other)
                                    + " and "
                                    + dir.relativize(f));
                }
            }
        }
        Map<String, ObjectNode> settings = new LinkedHashMap<>();
        Map<String, Path> settingsFile = new LinkedHashMap<>();
        Map<String, ObjectNode> sources = new LinkedHashMap<>();
        Map<String, Path> sourcesFile = new LinkedHashMap<>();
        List<Path> yamls = new ArrayList<>();
        if (Files.isRegularFile(dir.resolve("models.yaml"))) {
            yamls.add(dir.resolve("models.yaml"));
        }
        for (String folder : MODEL_FOLDERS) {
            yamls.addAll(list(dir.resolve(folder), ".yaml"));
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        for (Path y : yamls) {
            JsonNode root;
            try {
                root = yaml.readTree(y.toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException(y + ": not valid YAML: " + e.getMessage(), e);
            }
            if (root == null || root.isMissingNode() || root.isNull()) {
                continue;
            }
            for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!k.equals("models") && !k.equals("sources")) {
                    throw new IllegalArgumentException(
                            y + ": unknown key '" + k + "': expected models or sources");
                }
            }
            collect(y, root.path("models"), "models", settings, settingsFile, k -> k);
            Path file = y;
            collect(
                    y,
                    root.path("sources"),
                    "sources",
                    sources,
                    sourcesFile,
                    k ->
                            variables
                                    .substitute(new SqlStatement(k, file + ": sources." + k, 1))
                                    .text());
        }
        for (String name : settings.keySet()) {
            if (!files.containsKey(name)) {
                throw new IllegalArgumentException(
                        settingsFile.get(name)
                                + ": models."
                                + name
                                + ": no such model (no staging/"
                                + name
                                + ".sql or marts/"
                                + name
                                + ".sql)");
            }
        }

        Map<String, SqlModel> unordered = new LinkedHashMap<>();
        List<DeclaredTest> tests = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            String name = e.getKey();
            Path file = e.getValue();
            List<SqlStatement> statements = SqlScripts.read(file);
            if (statements.size() != 1 || statements.get(0).kind() != SqlStatement.Kind.QUERY) {
                throw new IllegalArgumentException(
                        dir.relativize(file)
                                + ": a model is exactly one query (SELECT or WITH ... SELECT),"
                                + " named after its file");
            }
            String query = statements.get(0).text();
            ObjectNode s = settings.getOrDefault(name, JsonNodeFactory.instance.objectNode());
            Path where = settingsFile.getOrDefault(name, dir.resolve("models.yaml"));
            String prefix = where + ": models." + name;
            for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!MODEL_KEYS.contains(k)) {
                    throw new IllegalArgumentException(
                            prefix + ": unknown key '" + k + "': expected one of " + MODEL_KEYS);
                }
            }
            boolean inMarts = file.getParent().getFileName().toString().equals("marts");
            String materialized = s.path("materialized").asText(inMarts ? "table" : "view");
            if (!materialized.equals("table") && !materialized.equals("view")) {
                throw new IllegalArgumentException(
                        prefix
                                + ".materialized: expected view or table, got '"
                                + materialized
                                + "'");
            }
            List<String> key = strings(s.path("key"), prefix + ".key");
            List<String> partitionBy = strings(s.path("partition_by"), prefix + ".partition_by");
            for (String p : partitionBy) {
                if (!key.isEmpty() && !key.contains(p)) {
                    throw new IllegalArgumentException(
                            prefix
                                    + ".partition_by: '"
                                    + p
                                    + "' is not in the key "
                                    + key
                                    + " (Iceberg upserts need every partition column in it)");
                }
            }
            SqlModel.Serve serve = null;
            JsonNode sv = s.path("serve");
            if (!sv.isMissingNode() && !sv.isNull() && !(sv.isBoolean() && !sv.asBoolean())) {
                String table =
                        sv.isObject() && sv.has("table")
                                ? sv.path("table").asText()
                                : "serving." + name;
                List<String> serveKey =
                        sv.isObject() && sv.has("key")
                                ? strings(sv.path("key"), prefix + ".serve.key")
                                : key;
                if (!table.matches("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new IllegalArgumentException(
                            prefix
                                    + ".serve.table: expected schema.table such as serving."
                                    + name
                                    + ", got '"
                                    + table
                                    + "'");
                }
                serve = new SqlModel.Serve(table.toLowerCase(Locale.ROOT), serveKey);
            }
            boolean table = materialized.equals("table");
            if (serve != null && !table) {
                throw new IllegalArgumentException(
                        prefix + ".serve: only a table model is served (materialized: table)");
            }
            SqlModel model =
                    new SqlModel(
                            name,
                            file,
                            query,
                            table,
                            s.path("database").asText("marts"),
                            key,
                            partitionBy,
                            serve,
                            s.path("streaming").asBoolean(false),
                            s.path("audit").asBoolean(true),
                            Set.of());
            unordered.put(name, model);
            tests.addAll(tests(where, prefix, name, false, s));
        }
        Map<String, List<String>> sourceKeys = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectNode> e : sources.entrySet()) {
            String prefix = sourcesFile.get(e.getKey()) + ": sources." + e.getKey();
            sourceKeys.put(e.getKey(), strings(e.getValue().path("key"), prefix + ".key"));
            tests.addAll(
                    tests(sourcesFile.get(e.getKey()), prefix, e.getKey(), true, e.getValue()));
        }

        // References and dependencies.
        Map<String, SqlModel> withDeps = new LinkedHashMap<>();
        Set<String> tableNames = new TreeSet<>();
        unordered.values().stream()
                .filter(SqlModel::table)
                .forEach(m -> tableNames.add(m.tableName()));
        for (SqlModel m : unordered.values()) {
            Set<String> deps = new TreeSet<>();
            for (String ref : references(m.query())) {
                if (ref.contains(".")) {
                    if (tableNames.contains(ref)) {
                        throw new IllegalArgumentException(
                                dir.relativize(m.file())
                                        + ": references the table "
                                        + ref
                                        + ": reference the model by its name ("
                                        + ref.substring(ref.indexOf('.') + 1)
                                        + "), so that it is built first and read as this build"
                                        + " makes it");
                    }
                    continue; // a table of the catalog, such as landing.events
                }
                if (unordered.containsKey(ref)) {
                    if (!ref.equals(m.name())) {
                        deps.add(ref);
                    } else {
                        throw cycle(dir, List.of(m, m));
                    }
                } else if (!sourceNames.contains(ref)) {
                    throw new IllegalArgumentException(
                            dir.relativize(m.file())
                                    + ": references '"
                                    + ref
                                    + "', which is no model (staging/, marts/), no source ("
                                    + String.join(", ", new TreeSet<>(sourceNames))
                                    + ") and no common table expression of the query");
                }
            }
            withDeps.put(
                    m.name(),
                    new SqlModel(
                            m.name(),
                            m.file(),
                            m.query(),
                            m.table(),
                            m.database(),
                            m.key(),
                            m.partitionBy(),
                            m.serve(),
                            m.streaming(),
                            m.audit(),
                            Set.copyOf(deps)));
        }
        Map<String, SqlModel> ordered = new LinkedHashMap<>();
        Set<String> visiting = new LinkedHashSet<>();
        for (String name : withDeps.keySet()) {
            visit(dir, name, withDeps, ordered, visiting, new ArrayDeque<>());
        }
        for (DeclaredTest t : tests) {
            if (t.kind().equals("relationships")) {
                String to = t.args().path("to").asText();
                if (!withDeps.containsKey(to) && !sourceKeys.containsKey(to)) {
                    throw new IllegalArgumentException(
                            t.file()
                                    + ": test "
                                    + t.name()
                                    + ": relationships.to '"
                                    + to
                                    + "' is no model nor declared source");
                }
            }
        }
        return new SqlModels(ordered, List.copyOf(tests), sourceKeys);
    }

    private static void visit(
            Path dir,
            String name,
            Map<String, SqlModel> all,
            Map<String, SqlModel> ordered,
            Set<String> done,
            Deque<SqlModel> path) {
        if (ordered.containsKey(name)) {
            return;
        }
        SqlModel m = all.get(name);
        if (path.contains(m)) {
            List<SqlModel> loop = new ArrayList<>();
            boolean in = false;
            for (Iterator<SqlModel> it = path.descendingIterator(); it.hasNext(); ) {
                SqlModel p = it.next();
                in |= p == m;
                if (in) {
                    loop.add(p);
                }
            }
            loop.add(m);
            throw cycle(dir, loop);
        }
        path.push(m);
        for (String d : m.dependsOn()) {
            visit(dir, d, all, ordered, done, path);
        }
        path.pop();
        ordered.put(name, m);
    }

    private static IllegalArgumentException cycle(Path dir, List<SqlModel> loop) {
        return new IllegalArgumentException(
                "the models reference each other in a cycle: "
                        + String.join(
                                " -> ",
                                loop.stream()
                                        .map(m -> dir.relativize(m.file()).toString())
                                        .toList()));
    }

    private static void collect(
            Path file,
            JsonNode section,
            String what,
            Map<String, ObjectNode> into,
            Map<String, Path> fileOf,
            UnaryOperator<String> resolve) {
        if (section.isMissingNode() || section.isNull()) {
            return;
        }
        if (!section.isObject()) {
            throw new IllegalArgumentException(file + ": " + what + ": expected a map of names");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = resolve.apply(e.getKey());
            JsonNode v = e.getValue();
            ObjectNode node =
                    v == null || v.isNull()
                            ? JsonNodeFactory.instance.objectNode()
                            : v.isObject() ? (ObjectNode) v : null;
            if (node == null) {
                throw new IllegalArgumentException(
                        file + ": " + what + "." + name + ": expected a map of settings");
            }
            Path before = fileOf.put(name, file);
            if (before != null) {
                throw new IllegalArgumentException(
                        what + "." + name + " is declared twice: in " + before + " and " + file);
            }
            into.put(name, node);
        }
    }

    private static List<DeclaredTest> tests(
            Path file, String prefix, String target, boolean source, JsonNode settings) {
        List<DeclaredTest> out = new ArrayList<>();
        JsonNode list = settings.path("tests");
        if (!list.isMissingNode() && !list.isArray()) {
            throw new IllegalArgumentException(prefix + ".tests: expected a list of tests");
        }
        for (JsonNode t : list) {
            out.add(test(file, prefix + ".tests", target, source, t, null));
        }
        JsonNode columns = settings.path("columns");
        if (!columns.isMissingNode()) {
            if (!columns.isObject()) {
                throw new IllegalArgumentException(
                        prefix + ".columns: expected a map of column: [tests]");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = columns.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> c = it.next();
                JsonNode ts = c.getValue().isObject() ? c.getValue().path("tests") : c.getValue();
                if (!ts.isArray()) {
                    throw new IllegalArgumentException(
                            prefix + ".columns." + c.getKey() + ": expected a list of tests");
                }
                for (JsonNode t : ts) {
                    out.add(
                            test(
                                    file,
                                    prefix + ".columns." + c.getKey(),
                                    target,
                                    source,
                                    t,
                                    c.getKey()));
                }
            }
        }
        return out;
    }

    private static DeclaredTest test(
            Path file, String at, String target, boolean source, JsonNode t, String column) {
        String kind;
        ObjectNode args;
        if (t.isTextual()) {
            kind = t.asText();
            args = JsonNodeFactory.instance.objectNode();
        } else if (t.isObject() && t.size() == 1) {
            kind = t.fieldNames().next();
            JsonNode a = t.get(kind);
            args =
                    a == null || a.isNull()
                            ? JsonNodeFactory.instance.objectNode()
                            : a.isObject() ? ((ObjectNode) a).deepCopy() : null;
            if (args == null) {
                throw new IllegalArgumentException(
                        at + ": test " + kind + ": expected a map of arguments");
            }
        } else {
            throw new IllegalArgumentException(
                    at
                            + ": expected a test such as not_null or {unique: {columns: [id]}}, got"
                            + " "
                            + t);
        }
        if (!TEST_KINDS.contains(kind)) {
            throw new IllegalArgumentException(
                    at
                            + ": unknown test '"
                            + kind
                            + "': expected one of "
                            + new TreeSet<>(TEST_KINDS));
        }
        if (column != null && !args.has("column") && !args.has("columns")) {
            args.put("column", column);
        }
        String severity = args.path("severity").asText("error").toLowerCase(Locale.ROOT);
        if (!severity.equals("error") && !severity.equals("warn")) {
            throw new IllegalArgumentException(
                    at + ": test " + kind + ": severity: expected error or warn, got " + severity);
        }
        List<String> cols = columns(args);
        String name =
                args.has("name")
                        ? args.path("name").asText()
                        : kind
                                + "__"
                                + target.replace('.', '_')
                                + (cols.isEmpty() ? "" : "__" + String.join("_", cols));
        if (!name.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException(
                    at + ": test name '" + name + "': letters, digits and _ only");
        }
        return new DeclaredTest(kind, name, severity, target, source, args, file);
    }

    /** A test's {@code columns}, or its {@code column} as a list of one. */
    static List<String> columns(JsonNode args) {
        if (args.has("columns")) {
            List<String> out = new ArrayList<>();
            args.path("columns").forEach(c -> out.add(c.asText()));
            return out;
        }
        if (args.has("column")) {
            return List.of(args.path("column").asText());
        }
        return List.of();
    }

    private static List<String> strings(JsonNode node, String at) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(at + ": expected a list of column names");
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    // ---- references ----

    private static final Pattern REFERENCE =
            Pattern.compile(
                    "(?i)\\b(FROM|JOIN|TABLE)\\s+((?:`[^`]+`|[A-Za-z_][A-Za-z0-9_$]*)"
                            + "(?:\\s*\\.\\s*(?:`[^`]+`|[A-Za-z_][A-Za-z0-9_$]*))*)");
    private static final Pattern CTE =
            Pattern.compile("(?i)(?:\\bWITH|,)\\s*([A-Za-z_][A-Za-z0-9_]*)\\s+AS\\s*\\(");
    private static final Set<String> NOT_RELATIONS =
            Set.of("table", "lateral", "unnest", "select", "values");
    private static final Set<String> FROM_IN_FUNCTIONS =
            Set.of("extract", "trim", "substring", "overlay", "position");

    /**
     * The relations a query reads: the names after {@code FROM}, {@code JOIN} and {@code TABLE},
     * lower case and unquoted ({@code landing.events}, {@code stg_orders}), without its common
     * table expressions and without the {@code FROM} of {@code EXTRACT}, {@code TRIM}, {@code IS
     * DISTINCT FROM} and the like.
     */
    static Set<String> references(String query) {
        String q = withoutStringLiterals(query);
        Set<String> ctes = new TreeSet<>();
        Matcher cte = CTE.matcher(q);
        while (cte.find()) {
            ctes.add(cte.group(1).toLowerCase(Locale.ROOT));
        }
        Set<String> out = new LinkedHashSet<>();
        Matcher m = REFERENCE.matcher(q);
        while (m.find()) {
            String name =
                    m.group(2).replace("`", "").replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
            if (NOT_RELATIONS.contains(name) || ctes.contains(name)) {
                continue;
            }
            if (m.group(1).equalsIgnoreCase("FROM") && fromOfAnExpression(q, m.start())) {
                continue;
            }
            out.add(name);
        }
        return out;
    }

    private static boolean fromOfAnExpression(String q, int at) {
        String before = q.substring(0, at).stripTrailing().toLowerCase(Locale.ROOT);
        if (before.endsWith("distinct")) {
            return true;
        }
        int depth = 0;
        for (int i = at - 1; i >= 0; i--) {
            char c = q.charAt(i);
            if (c == ')') {
                depth++;
            } else if (c == '(') {
                if (depth == 0) {
                    String head = q.substring(0, i).stripTrailing();
                    Matcher w = Pattern.compile("([A-Za-z_]+)$").matcher(head);
                    return w.find()
                            && FROM_IN_FUNCTIONS.contains(w.group(1).toLowerCase(Locale.ROOT));
                }
                depth--;
            }
        }
        return false;
    }

    private static String withoutStringLiterals(String q) {
        StringBuilder out = new StringBuilder();
        boolean in = false;
        for (int i = 0; i < q.length(); i++) {
            char c = q.charAt(i);
            if (c == '\'') {
                in = !in;
                out.append(c);
            } else if (!in) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static List<Path> list(Path folder, String suffix) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    static String baseName(Path file) {
        String f = file.getFileName().toString();
        return f.substring(0, f.lastIndexOf('.'));
    }
}
