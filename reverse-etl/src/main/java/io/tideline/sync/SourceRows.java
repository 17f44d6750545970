/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import io.tideline.config.SyncConfig;
import io.tideline.config.TidelineConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Reads a sync's source table with the Iceberg Java API (the latest snapshot, only the columns the
 * sync needs) and turns each row into a {@link MappedRow}: its key, its destination fields, and a
 * hash of them.
 */
final class SourceRows {

    /** A source row after mapping: values in the order of {@link #fieldNames}. */
    record MappedRow(String key, String identity, String hash, Object[] values) {}

    /** A source problem the sync cannot run with (a missing table or column). */
    static final class SourceException extends RuntimeException {
        SourceException(String message) {
            super(message);
        }
    }

    private final SyncConfig sync;
    private final List<String> fieldNames = new ArrayList<>();
    private final List<String> columns = new ArrayList<>();
    private final Object[] constants;
    private final String identityField;

    /**
     * @param identityField the destination field that identifies records, or null (the key does)
     */
    SourceRows(SyncConfig sync, String identityField) {
        this.sync = sync;
        this.identityField = identityField;
        sync.mapping()
                .forEach(
                        (column, field) -> {
                            columns.add(column);
                            fieldNames.add(field);
                        });
        constants = new Object[sync.constants().size()];
        int i = 0;
        for (Map.Entry<String, String> e : sync.constants().entrySet()) {
            fieldNames.add(e.getKey());
            constants[i++] = e.getValue();
        }
    }

    List<String> fieldNames() {
        return fieldNames;
    }

    /** Destination field → value, for one row. */
    Map<String, Object> fields(Object[] values) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put(fieldNames.get(i), values[i]);
        }
        return m;
    }

    /**
     * Reads every row.
     *
     * @param rows gets each row whose key columns are all set
     * @param nullKeys gets a count for each row with a null key column
     */
    void read(Catalog catalog, TidelineConfig config, Consumer<MappedRow> rows, Runnable nullKeys) {
        List<String> needed = new ArrayList<>(sync.primaryKey());
        for (String c : columns) {
            if (!needed.contains(c)) {
                needed.add(c);
            }
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int identityIndex = identityField == null ? -1 : fieldNames.indexOf(identityField);
        Consumer<Function<String, Object>> each =
                r -> {
                    String key = key(r);
                    if (key == null) {
                        nullKeys.run();
                        return;
                    }
                    Object[] values = new Object[fieldNames.size()];
                    for (int i = 0; i < columns.size(); i++) {
                        values[i] = plain(r.apply(columns.get(i)));
                    }
                    System.arraycopy(constants, 0, values, columns.size(), constants.length);
                    String identity =
                            identityIndex < 0
                                    ? key
                                    : values[identityIndex] == null
                                            ? null
                                            : String.valueOf(values[identityIndex]);
                    rows.accept(new MappedRow(key, identity, hash(sha, values), values));
                };
        if (sync.source().isPostgres()) {
            PostgresSource.read(config, sync.source(), needed, each);
            return;
        }
        if (sync.source().query() != null && !sync.source().query().isBlank()) {
            QuerySource.read(config, sync.source().query(), needed, each);
            return;
        }
        String name = sync.source().table();
        TableIdentifier id = TableIdentifier.parse(name);
        if (!catalog.tableExists(id)) {
            throw new SourceException("source table " + name + " does not exist");
        }
        Table table = catalog.loadTable(id);
        Schema schema = table.schema();
        for (String c : needed) {
            if (schema.findField(c) == null) {
                throw new SourceException("source table " + name + " has no column '" + c + "'");
            }
        }
        try (CloseableIterable<Record> records =
                IcebergGenerics.read(table).select(needed.toArray(String[]::new)).build()) {
            for (Record r : records) {
                each.accept(r::getField);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read source table " + name, e);
        }
    }

    private String key(Function<String, Object> r) {
        List<String> pk = sync.primaryKey();
        if (pk.size() == 1) {
            Object v = r.apply(pk.get(0));
            return v == null ? null : String.valueOf(plain(v));
        }
        StringBuilder b = new StringBuilder();
        for (String c : pk) {
            Object v = r.apply(c);
            if (v == null) {
                return null;
            }
            if (b.length() > 0) {
                b.append('|');
            }
            b.append(String.valueOf(plain(v)).replace("|", "\\|"));
        }
        return b.toString();
    }

    /** A value as JSON carries it: numbers and booleans as they are, the rest as text. */
    static Object plain(Object v) {
        if (v == null
                || v instanceof String
                || v instanceof Long
                || v instanceof Integer
                || v instanceof Double
                || v instanceof Float
                || v instanceof Boolean
                || v instanceof BigDecimal) {
            return v;
        }
        // Timestamps as ISO-8601 with seconds always present (OffsetDateTime.toString drops zero
        // seconds, "10:00Z", which Salesforce's dateTime fields refuse): instants in UTC.
        if (v instanceof OffsetDateTime t) {
            return t.toInstant().toString();
        }
        if (v instanceof LocalDateTime t) {
            return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t);
        }
        if (v instanceof CharSequence || v instanceof Temporal) {
            return v.toString();
        }
        if (v instanceof ByteBuffer b) {
            return Base64.getEncoder().encodeToString(b.array());
        }
        return v.toString();
    }

    private String hash(MessageDigest sha, Object[] values) {
        sha.reset();
        for (int i = 0; i < values.length; i++) {
            sha.update(fieldNames.get(i).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            Object v = values[i];
            String text =
                    v == null
                            ? "\u0000null"
                            : v instanceof BigDecimal d
                                    ? d.stripTrailingZeros().toPlainString()
                                    : v.toString();
            sha.update(text.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 1);
        }
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(sha.digest())
                .substring(0, 22);
    }
}
