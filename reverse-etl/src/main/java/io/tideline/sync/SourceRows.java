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
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
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
    private final String[] names;
    private final boolean uniqueFieldNames;

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
        names = fieldNames.toArray(String[]::new);
        uniqueFieldNames = new HashSet<>(fieldNames).size() == names.length;
    }

    List<String> fieldNames() {
        return fieldNames;
    }

    /**
     * Destination field → value, for one row, in the order of {@link #fieldNames}: a read-only view
     * of the row's values (a run holds one per row it sends, so it copies nothing), or a copy when
     * two fields share a name (the later value wins, as in a map built field by field).
     */
    Map<String, Object> fields(Object[] values) {
        if (uniqueFieldNames) {
            return new RowFields(names, values);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put(fieldNames.get(i), values[i]);
        }
        return m;
    }

    /** A row's fields as a read-only map over its names and values (null values allowed). */
    static final class RowFields extends AbstractMap<String, Object> {
        private final String[] names;
        private final Object[] values;

        RowFields(String[] names, Object[] values) {
            this.names = names;
            this.values = values;
        }

        @Override
        public int size() {
            return names.length;
        }

        private int indexOf(Object key) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public boolean containsKey(Object key) {
            return indexOf(key) >= 0;
        }

        @Override
        public Object get(Object key) {
            int i = indexOf(key);
            return i < 0 ? null : values[i];
        }

        @Override
        public void forEach(BiConsumer<? super String, ? super Object> action) {
            for (int i = 0; i < names.length; i++) {
                action.accept(names[i], values[i]);
            }
        }

        @Override
        public Set<Map.Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return names.length;
                }

                @Override
                public Iterator<Map.Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return i < names.length;
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            if (i >= names.length) {
                                throw new NoSuchElementException();
                            }
                            Map.Entry<String, Object> e =
                                    new AbstractMap.SimpleImmutableEntry<>(names[i], values[i]);
                            i++;
                            return e;
                        }
                    };
                }
            };
        }
    }

    /**
     * Reads every row.
     *
     * @param rows gets each row whose key columns are all set
     * @param nullKeys gets a count for each row with a null key column
     */
    void read(Catalog catalog, TidelineConfig config, Consumer<MappedRow> rows, Runnable nullKeys) {
        Consumer<Function<String, Object>> each = mapper(rows, nullKeys);
        if (sync.source().isPostgres()) {
            PostgresSource.read(config, sync.source(), needed(), each);
            return;
        }
        if (isQuery()) {
            QuerySource.read(config, sync.source().query(), needed(), each);
            return;
        }
        scan(pin(catalog), needed(), each);
    }

    /**
     * Whether the source is an Iceberg table, which can be {@link #pin pinned} to one snapshot and
     * read twice with the same rows (a PostgreSQL source or a query cannot, outside one
     * transaction).
     */
    boolean pinnable() {
        return !sync.source().isPostgres() && !isQuery();
    }

    private boolean isQuery() {
        return sync.source().query() != null && !sync.source().query().isBlank();
    }

    /** An Iceberg source table at one snapshot: every read of it sees the same rows. */
    static final class Pinned {
        private final Table table;
        private final Long snapshotId;

        private Pinned(Table table, Long snapshotId) {
            this.table = table;
            this.snapshotId = snapshotId;
        }

        /**
         * How many rows the snapshot holds by its summary ({@code total-records}, which counts the
         * data files' rows: an upper bound when the table has deletes), or 0 when it does not say.
         * A capacity hint, never a count.
         */
        int expectedRows() {
            if (snapshotId == null) {
                return 0;
            }
            String total = table.snapshot(snapshotId).summary().get("total-records");
            try {
                return total == null ? 0 : (int) Math.min(Long.parseLong(total), 50_000_000L);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    /** The source table at its current snapshot, its needed columns checked. */
    Pinned pin(Catalog catalog) {
        String name = sync.source().table();
        TableIdentifier id = TableIdentifier.parse(name);
        if (!catalog.tableExists(id)) {
            throw new SourceException("source table " + name + " does not exist");
        }
        Table table = catalog.loadTable(id);
        Schema schema = table.schema();
        for (String c : needed()) {
            if (schema.findField(c) == null) {
                throw new SourceException("source table " + name + " has no column '" + c + "'");
            }
        }
        Snapshot current = table.currentSnapshot();
        return new Pinned(table, current == null ? null : current.snapshotId());
    }

    /** Reads every row of a pinned source. */
    void read(Pinned pinned, Consumer<MappedRow> rows, Runnable nullKeys) {
        scan(pinned, needed(), mapper(rows, nullKeys));
    }

    /**
     * Reads only the key and the identity of every row of a pinned source (the key and identity
     * columns: a fraction of a full read), as {@link #read} computes them.
     *
     * @param keys gets each row's key and identity (null when the identity field is null)
     * @param nullKeys gets a count for each row with a null key column
     */
    void readKeys(Pinned pinned, BiConsumer<String, String> keys, Runnable nullKeys) {
        int identityIndex = identityIndex();
        List<String> cols = new ArrayList<>(sync.primaryKey());
        if (identityIndex >= 0
                && identityIndex < columns.size()
                && !cols.contains(columns.get(identityIndex))) {
            cols.add(columns.get(identityIndex));
        }
        scan(
                pinned,
                cols,
                true,
                r -> {
                    String key = key(r);
                    if (key == null) {
                        nullKeys.run();
                        return;
                    }
                    String identity;
                    if (identityIndex < 0) {
                        identity = key;
                    } else {
                        Object v =
                                identityIndex < columns.size()
                                        ? plain(r.apply(columns.get(identityIndex)))
                                        : constants[identityIndex - columns.size()];
                        identity = v == null ? null : String.valueOf(v);
                    }
                    keys.accept(key, identity);
                });
    }

    private void scan(Pinned pinned, List<String> cols, Consumer<Function<String, Object>> each) {
        scan(pinned, cols, false, each);
    }

    /**
     * @param reuse whether a record may be reused for the next row (only when {@code each} keeps no
     *     reference to it)
     */
    private void scan(
            Pinned pinned,
            List<String> cols,
            boolean reuse,
            Consumer<Function<String, Object>> each) {
        IcebergGenerics.ScanBuilder scan =
                IcebergGenerics.read(pinned.table).select(cols.toArray(String[]::new));
        if (reuse) {
            scan = scan.reuseContainers();
        }
        if (pinned.snapshotId != null) {
            scan = scan.useSnapshot(pinned.snapshotId);
        }
        try (CloseableIterable<Record> records = scan.build()) {
            for (Record r : records) {
                each.accept(r::getField);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read source table " + sync.source().table(), e);
        }
    }

    private List<String> needed() {
        List<String> needed = new ArrayList<>(sync.primaryKey());
        for (String c : columns) {
            if (!needed.contains(c)) {
                needed.add(c);
            }
        }
        return needed;
    }

    private int identityIndex() {
        return identityField == null ? -1 : fieldNames.indexOf(identityField);
    }

    /** Maps each row read to a {@link MappedRow}, or counts it when its key is null. */
    private Consumer<Function<String, Object>> mapper(Consumer<MappedRow> rows, Runnable nullKeys) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int identityIndex = identityIndex();
        StringBuilder hashText = new StringBuilder(256);
        return r -> {
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
            rows.accept(new MappedRow(key, identity, hash(sha, hashText, names, values), values));
        };
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

    /**
     * The row's content hash: SHA-256 over, for each field, its name's UTF-8 bytes, 0, its value's
     * text's UTF-8 bytes, 1 (the ledger keeps it: these bytes must not change). Encoded once, as
     * one string of those characters (U+0000 and U+0001 are the bytes 0 and 1 in UTF-8, and no
     * surrogate pair can form across them), so that a row costs one update, not one per part.
     */
    static String hash(MessageDigest sha, StringBuilder b, String[] names, Object[] values) {
        b.setLength(0);
        for (int i = 0; i < values.length; i++) {
            b.append(names[i]).append('\u0000');
            Object v = values[i];
            if (v == null) {
                b.append("\u0000null");
            } else if (v instanceof BigDecimal d) {
                b.append(d.stripTrailingZeros().toPlainString());
            } else {
                b.append(v.toString());
            }
            b.append('\u0001');
        }
        sha.reset();
        byte[] digest = sha.digest(b.toString().getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
    }
}
