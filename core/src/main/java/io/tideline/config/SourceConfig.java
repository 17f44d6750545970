/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One source of the {@code sources} section: where its records come from ({@code kind: kafka |
 * files | jdbc} and the keys of that kind), the columns they become (types, checks, standardisers),
 * the key and deduplication rule of its Iceberg table, its event time and the table's partitioning.
 * Documented key by key in pipelines/README.md.
 */
public record SourceConfig(
        Boolean enabled,
        Kind kind,
        String table,
        List<String> key,
        Dedup dedup,
        String version,
        String eventTime,
        Duration allowedLateness,
        UnknownFields unknownFields,
        List<String> partitionBy,
        List<List<String>> requireOneOf,
        // Written back without the change columns a postgres-cdc source adds (they are reserved).
        @com.fasterxml.jackson.databind.annotation.JsonSerialize(
                        converter = PostgresCdc.DeclaredColumns.class)
                LinkedHashMap<String, ColumnConfig> columns,
        // kafka
        String topic,
        List<String> topics,
        String topicPattern,
        String groupId,
        StartingOffsets startingOffsets,
        String format,
        // files
        String folder,
        List<String> formats,
        String delimiter,
        String quote,
        Object header,
        String charset,
        List<String> temporaryNames,
        Duration monitorInterval,
        Integer maxRecordBytes,
        Duration seenFilesRetention,
        // jdbc
        String sourceTable,
        String query,
        List<String> cursor,
        Duration pollInterval,
        Integer batchSize,
        // postgres-cdc (also source-table)
        String slot,
        String publication) {

    /** Where a source's records come from. */
    public enum Kind {
        KAFKA,
        FILES,
        JDBC,
        /** PostgreSQL logical replication (pgoutput): a snapshot, then every change. */
        @com.fasterxml.jackson.annotation.JsonProperty("postgres-cdc")
        POSTGRES_CDC
    }

    /** How a keyed table keeps one row per key. */
    public enum Dedup {
        /** The first delivery of a key wins, within the dedup horizon. */
        FIRST,
        /** The newest by {@code version} wins. */
        LATEST
    }

    /** What happens to a field no column declares. */
    public enum UnknownFields {
        /** Kept, in the JSON-text column {@code extra_fields}. */
        EXTRA,
        /** The record is quarantined ({@code UNKNOWN_FIELD}). */
        QUARANTINE,
        /** Dropped, and counted (metric {@code unknownFields}). */
        IGNORE
    }

    /** Where a STREAMING job without restored state starts reading a topic. */
    public enum StartingOffsets {
        EARLIEST,
        COMMITTED,
        LATEST
    }

    /**
     * How long a STREAMING file source remembers a file (a version of it) after the file has left
     * the drop folder; see {@code seen-files-retention} in pipelines/README.md.
     */
    public static final Duration DEFAULT_SEEN_FILES_RETENTION = Duration.ofDays(7);

    /** Column names every ingested table has after its declared columns. */
    public static final Set<String> SYSTEM_COLUMNS =
            Set.of("extra_fields", "ingestion_time", "processing_time", "source_position");

    /** The default temporary-name rule of file drops. */
    public static final List<String> DEFAULT_TEMPORARY_NAMES =
            List.of(".*", "_*", "*.tmp", "*.part", "*.inprogress");

    private static final Pattern COLUMN = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern TRANSFORM =
            Pattern.compile(
                    "(?:(year|month|day|hour)\\(\\s*([a-z_][a-z0-9_]*)\\s*\\)"
                        + "|(bucket|truncate)\\(\\s*(\\d{1,9})\\s*,\\s*([a-z_][a-z0-9_]*)\\s*\\)"
                        + "|([a-z_][a-z0-9_]*))");

    public SourceConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        key = key == null ? List.of() : List.copyOf(key);
        dedup =
                dedup == null && !key.isEmpty()
                        ? (version == null ? Dedup.FIRST : Dedup.LATEST)
                        : dedup;
        unknownFields =
                unknownFields == null
                        ? (kind == Kind.JDBC || kind == Kind.POSTGRES_CDC
                                ? UnknownFields.IGNORE
                                : UnknownFields.EXTRA)
                        : unknownFields;
        partitionBy = partitionBy == null ? List.of() : List.copyOf(partitionBy);
        requireOneOf = requireOneOf == null ? List.of() : List.copyOf(requireOneOf);
        columns = columns == null ? new LinkedHashMap<>() : new LinkedHashMap<>(columns);
        topics = topics == null ? List.of() : List.copyOf(topics);
        startingOffsets = startingOffsets == null ? StartingOffsets.COMMITTED : startingOffsets;
        format = format == null && kind == Kind.KAFKA ? "json" : format;
        formats =
                formats == null
                        ? (format != null && kind == Kind.FILES
                                ? List.of(format)
                                : List.of("csv", "jsonl"))
                        : List.copyOf(formats);
        delimiter = delimiter == null ? "," : delimiter;
        quote = quote == null ? "\"" : quote;
        header = header == null ? Boolean.TRUE : header;
        charset = charset == null ? "UTF-8" : charset;
        temporaryNames =
                temporaryNames == null ? DEFAULT_TEMPORARY_NAMES : List.copyOf(temporaryNames);
        monitorInterval = monitorInterval == null ? Duration.ofSeconds(5) : monitorInterval;
        maxRecordBytes = maxRecordBytes == null ? 1024 * 1024 : maxRecordBytes;
        seenFilesRetention =
                seenFilesRetention == null ? DEFAULT_SEEN_FILES_RETENTION : seenFilesRetention;
        cursor = cursor == null ? List.of() : List.copyOf(cursor);
        pollInterval = pollInterval == null ? Duration.ofSeconds(5) : pollInterval;
        batchSize = batchSize == null ? 1000 : batchSize;
        if (kind == Kind.POSTGRES_CDC) {
            PostgresCdc.addChangeColumns(columns);
        }
    }

    /** The Iceberg table: {@code table}, or {@code <namespace>.<name>}. */
    public String tableOr(String namespace, String name) {
        if (table == null) {
            return namespace + "." + name;
        }
        return table.contains(".") ? table : namespace + "." + table;
    }

    /** The consumer group: {@code group-id}, or {@code tideline-ingest-<name>}. */
    public String groupIdOr(String name) {
        return groupId == null ? "tideline-ingest-" + name : groupId;
    }

    /** The lateness allowed: this source's, or the {@code ingestion} default. */
    public Duration allowedLatenessOr(Duration fallback) {
        return allowedLateness == null ? fallback : allowedLateness;
    }

    /** The CSV header names given in the configuration, or null when the file's first line is. */
    public List<String> headerNames() {
        if (header instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return null;
    }

    /** Whether a CSV file's first line is its header. */
    public boolean headerLine() {
        if (header instanceof Boolean b) {
            return b;
        }
        if (header instanceof String s) {
            return List.of("yes", "true", "on").contains(s.toLowerCase(Locale.ROOT));
        }
        return false;
    }

    /** The folder as a path (absolute once the configuration is loaded). */
    public Path folderPath() {
        return Path.of(folder);
    }

    void validate(Problems p) {
        if (kind == null) {
            p.add("kind", "required: one of [kafka, files, jdbc, postgres-cdc]");
        }
        if (columns.isEmpty()
                || (kind == Kind.POSTGRES_CDC
                        && columns.size() == PostgresCdc.CHANGE_COLUMNS.size())) {
            p.add("columns", "required: at least one column, as name: {type: ...}");
        }
        columns.forEach(
                (name, c) -> {
                    Problems at = p.at("columns").at(name);
                    if (c == null) {
                        at.here("expected a mapping such as {type: string}");
                        return;
                    }
                    if (!COLUMN.matcher(name).matches()) {
                        at.here("expected a column name of lower-case letters, digits and _");
                    }
                    if (SYSTEM_COLUMNS.contains(name)) {
                        at.here("reserved: every ingested table has " + SYSTEM_COLUMNS);
                    }
                    c.validate(at, columns);
                });
        if (table != null && !table.matches("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*")) {
            p.add(
                    "table",
                    "expected an Iceberg table name such as landing.payments, got '" + table + "'");
        }
        for (int i = 0; i < key.size(); i++) {
            requireColumn(p.at("key").index(i), key.get(i), null);
        }
        if (dedup != null && key.isEmpty()) {
            p.add("dedup", "needs a key: the first or latest row of what?");
        }
        if (dedup == Dedup.LATEST && version == null) {
            p.add("version", "required for dedup: latest: the column whose newest value wins");
        }
        if (version != null) {
            requireColumn(
                    p.at("version"),
                    version,
                    Set.of(ColumnType.Kind.TIMESTAMP, ColumnType.Kind.BIGINT, ColumnType.Kind.INT));
            if (dedup == Dedup.FIRST) {
                p.add("version", "only for dedup: latest");
            }
        }
        if (eventTime != null) {
            requireColumn(p.at("event-time"), eventTime, Set.of(ColumnType.Kind.TIMESTAMP));
        }
        if (allowedLateness != null) {
            Durations.requireNonNegative(p, "allowed-lateness", allowedLateness);
            if (eventTime == null) {
                p.add("allowed-lateness", "needs event-time: late after which time?");
            }
        }
        for (int i = 0; i < partitionBy.size(); i++) {
            Problems at = p.at("partition-by").index(i);
            String t = partitionBy.get(i);
            Matcher m = TRANSFORM.matcher(t == null ? "" : t.trim());
            if (!m.matches()) {
                at.here(
                        "expected an Iceberg transform: column, year|month|day|hour(column),"
                                + " bucket(n, column) or truncate(n, column), got '"
                                + t
                                + "'");
                continue;
            }
            String column =
                    m.group(2) != null ? m.group(2) : m.group(5) != null ? m.group(5) : m.group(6);
            requireColumn(at, column, null);
            if (!key.isEmpty() && !key.contains(column)) {
                at.here(
                        "'"
                                + column
                                + "' is not in the key "
                                + key
                                + ": an upsert needs every partition source column among the key"
                                + " columns (a changed "
                                + column
                                + " would leave the old row in its old partition)");
            }
        }
        for (int i = 0; i < requireOneOf.size(); i++) {
            List<String> group = requireOneOf.get(i);
            for (int j = 0; j < group.size(); j++) {
                requireColumn(p.at("require-one-of").index(i).index(j), group.get(j), null);
            }
        }
        if (kind == null) {
            return;
        }
        List<String> wrongKind = new ArrayList<>();
        switch (kind) {
            case KAFKA -> {
                int given =
                        (topic != null ? 1 : 0)
                                + (topics.isEmpty() ? 0 : 1)
                                + (topicPattern != null ? 1 : 0);
                if (given != 1) {
                    p.add("topic", "expected exactly one of topic, topics or topic-pattern");
                }
                List<String> all = new ArrayList<>(topics);
                if (topic != null) {
                    all.add(topic);
                }
                for (String t : all) {
                    p.require(
                            t.matches("[A-Za-z0-9._-]{1,249}"),
                            "topic",
                            "expected a Kafka topic name (letters, digits, '.', '_', '-'), got '"
                                    + t
                                    + "'");
                }
                if (topicPattern != null) {
                    try {
                        Pattern.compile(topicPattern);
                    } catch (RuntimeException e) {
                        p.add("topic-pattern", "expected a regular expression: " + e.getMessage());
                    }
                }
                p.require(
                        "json".equals(format),
                        "format",
                        "expected json (the only Kafka value format), got '" + format + "'");
                if (groupId != null && groupId.isBlank()) {
                    p.add("group-id", "expected a consumer group name, got ''");
                }
                notFor(wrongKind, "folder", folder, "source-table", sourceTable, "query", query);
                if (!cursor.isEmpty()) {
                    wrongKind.add("cursor");
                }
            }
            case FILES -> {
                if (folder == null || folder.isBlank()) {
                    p.add("folder", "required for kind files: the drop folder");
                }
                if (formats.isEmpty()) {
                    p.add("formats", "expected at least one of [csv, jsonl], got []");
                }
                for (int i = 0; i < formats.size(); i++) {
                    if (!List.of("csv", "jsonl").contains(formats.get(i))) {
                        p.at("formats")
                                .index(i)
                                .here("expected csv or jsonl, got '" + formats.get(i) + "'");
                    }
                }
                p.require(
                        delimiter.length() == 1,
                        "delimiter",
                        "expected one character, got '" + delimiter + "'");
                p.require(
                        quote.length() == 1,
                        "quote",
                        "expected one character, got '" + quote + "'");
                if (!(header instanceof Boolean
                        || header instanceof List<?>
                        || (header instanceof String s
                                && List.of("yes", "no", "true", "false", "on", "off")
                                        .contains(s.toLowerCase(Locale.ROOT))))) {
                    p.add(
                            "header",
                            "expected yes, no or a list of column names, got '" + header + "'");
                }
                try {
                    Charset.forName(charset);
                } catch (RuntimeException e) {
                    p.add(
                            "charset",
                            "expected a charset name such as UTF-8, got '" + charset + "'");
                }
                Durations.requireAtLeast(
                        p, "monitor-interval", monitorInterval, Duration.ofMillis(100));
                Duration leastRetention = monitorInterval.multipliedBy(10);
                if (leastRetention.compareTo(Duration.ofMinutes(1)) < 0) {
                    leastRetention = Duration.ofMinutes(1);
                }
                if (seenFilesRetention.compareTo(leastRetention) < 0) {
                    p.add(
                            "seen-files-retention",
                            "expected at least "
                                    + Durations.format(leastRetention)
                                    + " (1m, and 10 times monitor-interval, so that a folder"
                                    + " briefly unlisted is not read again), got "
                                    + Durations.format(seenFilesRetention));
                }
                p.require(
                        maxRecordBytes >= 16 && maxRecordBytes <= 64 * 1024 * 1024,
                        "max-record-bytes",
                        "expected a number of bytes from 16 to 67108864, got " + maxRecordBytes);
                notFor(
                        wrongKind,
                        "topic",
                        topic,
                        "topic-pattern",
                        topicPattern,
                        "source-table",
                        sourceTable,
                        "query",
                        query);
                if (!cursor.isEmpty()) {
                    wrongKind.add("cursor");
                }
            }
            case JDBC -> {
                if ((sourceTable == null) == (query == null)) {
                    p.add("source-table", "expected exactly one of source-table or query");
                }
                if (sourceTable != null
                        && !sourceTable.matches(
                                "[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
                    p.add(
                            "source-table",
                            "expected a table name such as app.customers, got '"
                                    + sourceTable
                                    + "'");
                }
                if (cursor.isEmpty()) {
                    p.add(
                            "cursor",
                            "required for kind jdbc: the columns rows are read in order of, e.g."
                                    + " [updated_at, id]");
                }
                Set<String> sourceNames = new java.util.HashSet<>();
                columns.forEach((n, c) -> sourceNames.add(c == null ? n : c.fromOr(n)));
                for (int i = 0; i < cursor.size(); i++) {
                    if (!sourceNames.contains(cursor.get(i))) {
                        p.at("cursor")
                                .index(i)
                                .here(
                                        "expected a column of the source (a declared column or its"
                                                + " from), got '"
                                                + cursor.get(i)
                                                + "'");
                    }
                }
                Durations.requireAtLeast(p, "poll-interval", pollInterval, Duration.ofMillis(100));
                p.require(
                        batchSize >= 1 && batchSize <= 100_000,
                        "batch-size",
                        "expected a number of rows from 1 to 100000, got " + batchSize);
                notFor(wrongKind, "topic", topic, "topic-pattern", topicPattern, "folder", folder);
            }
            case POSTGRES_CDC -> {
                PostgresCdc.validate(this, p);
                notFor(
                        wrongKind,
                        "topic",
                        topic,
                        "topic-pattern",
                        topicPattern,
                        "folder",
                        folder,
                        "query",
                        query);
                if (!cursor.isEmpty()) {
                    wrongKind.add("cursor");
                }
            }
        }
        if (kind != Kind.POSTGRES_CDC) {
            notFor(wrongKind, "slot", slot, "publication", publication);
        }
        for (String k : wrongKind) {
            p.add(k, "not a key of kind " + kind.name().toLowerCase(Locale.ROOT));
        }
    }

    private static void notFor(List<String> out, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                out.add((String) pairs[i]);
            }
        }
    }

    private void requireColumn(Problems at, String name, Set<ColumnType.Kind> kinds) {
        ColumnConfig c = columns.get(name);
        if (c == null) {
            at.here(
                    "expected a declared column, got '"
                            + name
                            + "'; columns are "
                            + columns.keySet());
            return;
        }
        if (kinds != null) {
            try {
                ColumnType t = c.columnType();
                if (!kinds.contains(t.kind())) {
                    at.here(
                            "'"
                                    + name
                                    + "' is "
                                    + t
                                    + ", expected one of "
                                    + kinds.stream()
                                            .map(k -> k.name().toLowerCase(Locale.ROOT))
                                            .sorted()
                                            .toList());
                }
            } catch (IllegalArgumentException e) {
                // reported at its type
            }
        }
    }

    SourceConfig resolvePaths(Path baseDir) {
        if (folder == null || folder.isBlank() || folder.contains("://")) {
            return this;
        }
        return withFolder(baseDir.resolve(folder).normalize().toString());
    }

    public SourceConfig withFolder(String newFolder) {
        return with(enabled, newFolder);
    }

    public SourceConfig withEnabled(boolean on) {
        return with(on, folder);
    }

    /** This source with another {@code enabled} and {@code folder}, every other key kept. */
    private SourceConfig with(Boolean enabled, String folder) {
        return new SourceConfig(
                enabled,
                kind,
                table,
                key,
                dedup,
                version,
                eventTime,
                allowedLateness,
                unknownFields,
                partitionBy,
                requireOneOf,
                columns,
                topic,
                topics,
                topicPattern,
                groupId,
                startingOffsets,
                format,
                folder,
                formats,
                delimiter,
                quote,
                header,
                charset,
                temporaryNames,
                monitorInterval,
                maxRecordBytes,
                seenFilesRetention,
                sourceTable,
                query,
                cursor,
                pollInterval,
                batchSize,
                slot,
                publication);
    }

    /** The replication slot of a postgres-cdc source: {@code slot}, or {@code tideline_<name>}. */
    public String slotOr(String name) {
        return slot == null ? PostgresCdc.defaultName(name) : slot;
    }

    /**
     * The publication of a postgres-cdc source: {@code publication}, or {@code tideline_<name>}.
     */
    public String publicationOr(String name) {
        return publication == null ? PostgresCdc.defaultName(name) : publication;
    }

    /** The columns in declaration order. */
    public Map<String, ColumnConfig> columnsInOrder() {
        return columns;
    }
}
