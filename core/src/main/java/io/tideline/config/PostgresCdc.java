/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules of {@code kind: postgres-cdc} sources: the change columns every such table has after
 * its declared columns ({@code op}, {@code lsn}, {@code commit_time}), and the validation of the
 * kind's keys.
 */
public final class PostgresCdc {

    private PostgresCdc() {}

    /** {@code snapshot}, {@code insert}, {@code update} or {@code delete}. */
    public static final String OP = "op";

    /** The commit LSN of the change's transaction, as a number (the snapshot's LSN for a read). */
    public static final String LSN = "lsn";

    /** When the change's transaction committed (when the snapshot was taken, for a read). */
    public static final String COMMIT_TIME = "commit_time";

    /** The change columns, as the columns they are (identity matters: see {@link #validate}). */
    static final Map<String, ColumnConfig> CHANGE_COLUMNS = changeColumns();

    private static Map<String, ColumnConfig> changeColumns() {
        Map<String, ColumnConfig> m = new LinkedHashMap<>();
        m.put(OP, new ColumnConfig("string", null, null, null, null, null, null));
        m.put(LSN, new ColumnConfig("bigint", null, null, null, null, null, null));
        m.put(COMMIT_TIME, new ColumnConfig("timestamp", null, null, null, null, null, null));
        return m;
    }

    /** The names of the change columns. */
    public static List<String> changeColumnNames() {
        return List.copyOf(CHANGE_COLUMNS.keySet());
    }

    /** Whether a column of a source is one of the change columns this kind adds. */
    public static boolean isChangeColumn(String name, ColumnConfig c) {
        return CHANGE_COLUMNS.get(name) == c;
    }

    /** A source's columns as declared: without the change columns this kind adds. */
    public static final class DeclaredColumns
            extends com.fasterxml.jackson.databind.util.StdConverter<
                    Map<String, ColumnConfig>, Map<String, ColumnConfig>> {
        @Override
        public Map<String, ColumnConfig> convert(Map<String, ColumnConfig> columns) {
            LinkedHashMap<String, ColumnConfig> out = new LinkedHashMap<>();
            columns.forEach(
                    (n, c) -> {
                        if (!isChangeColumn(n, c)) {
                            out.put(n, c);
                        }
                    });
            return out;
        }
    }

    static void addChangeColumns(LinkedHashMap<String, ColumnConfig> columns) {
        CHANGE_COLUMNS.forEach(columns::putIfAbsent);
    }

    /** {@code tideline_<name>}, in the characters PostgreSQL allows in a slot name. */
    public static String defaultName(String source) {
        return "tideline_" + source.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    static void validate(SourceConfig s, Problems p) {
        if (s.sourceTable() == null) {
            p.add(
                    "source-table",
                    "required for kind postgres-cdc: the table to capture, such as app.customers");
        } else if (!s.sourceTable().matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
            p.add(
                    "source-table",
                    "expected a table name such as app.customers, got '" + s.sourceTable() + "'");
        }
        CHANGE_COLUMNS
                .keySet()
                .forEach(
                        n -> {
                            if (!isChangeColumn(n, s.columnsInOrder().get(n))) {
                                p.at("columns")
                                        .at(n)
                                        .here(
                                                "reserved: kind postgres-cdc adds the change"
                                                        + " columns "
                                                        + CHANGE_COLUMNS.keySet()
                                                        + "; map the source column to another"
                                                        + " name with from: "
                                                        + n);
                            }
                        });
        if (s.key().isEmpty()) {
            p.add(
                    "key",
                    "required for kind postgres-cdc: the source table's primary key (or replica"
                            + " identity) columns, so that updates and deletes find their row");
        }
        if (s.dedup() == SourceConfig.Dedup.LATEST || s.version() != null) {
            p.add(
                    "dedup",
                    "not for kind postgres-cdc: changes are applied in commit order, each exactly"
                            + " once");
        }
        if (s.eventTime() != null) {
            p.add("event-time", "not for kind postgres-cdc: changes are applied in commit order");
        }
        s.columnsInOrder()
                .forEach(
                        (n, c) -> {
                            if (c == null || isChangeColumn(n, c) || s.key().contains(n)) {
                                return;
                            }
                            if (c.isRequired() || c.requiredWith() != null) {
                                p.at("columns")
                                        .at(n)
                                        .here(
                                                "required is only for key columns of kind"
                                                    + " postgres-cdc: a delete carries the key"
                                                    + " alone (use the source table's NOT NULL)");
                            }
                        });
        if (!s.requireOneOf().isEmpty()) {
            p.add("require-one-of", "not for kind postgres-cdc: a delete carries the key alone");
        }
        for (Map.Entry<String, String> e :
                Map.of(
                                "slot",
                                String.valueOf(s.slot()),
                                "publication",
                                String.valueOf(s.publication()))
                        .entrySet()) {
            boolean given = !e.getValue().equals("null");
            if (given && !e.getValue().matches("[a-z0-9_]{1,63}")) {
                p.add(
                        e.getKey(),
                        "expected a name of lower-case letters, digits and _ (at most 63), got '"
                                + e.getValue()
                                + "'");
            }
        }
    }
}
