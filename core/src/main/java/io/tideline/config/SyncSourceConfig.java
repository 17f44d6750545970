/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;

/**
 * Where a sync's rows come from: exactly one of
 *
 * <ul>
 *   <li>{@code table}: an Iceberg table of the configured catalog, read whole at its latest
 *       snapshot ({@code table: marts.customer_360});
 *   <li>{@code query}: a Flink SQL query over the catalog, run as a Flink batch query;
 *   <li>{@code postgres-table}: a table or view of the configured PostgreSQL ({@code
 *       postgres-table: serving.customer_360});
 *   <li>{@code postgres-query}: a SQL {@code SELECT} run on the configured PostgreSQL.
 * </ul>
 *
 * The rows go through the same mapping, validation and diff whichever the source.
 *
 * @param table {@code namespace.table}
 * @param query a Flink SQL {@code SELECT}; table names resolve in the configured catalog
 * @param postgresTable {@code schema.table} (or {@code table}) in PostgreSQL
 * @param postgresQuery a PostgreSQL {@code SELECT}
 */
public record SyncSourceConfig(
        String table, String query, String postgresTable, String postgresQuery) {

    public SyncSourceConfig(String table, String query) {
        this(table, query, null, null);
    }

    private static boolean given(String s) {
        return s != null && !s.isBlank();
    }

    void validate(Problems problems) {
        int given =
                (given(table) ? 1 : 0)
                        + (given(query) ? 1 : 0)
                        + (given(postgresTable) ? 1 : 0)
                        + (given(postgresQuery) ? 1 : 0);
        if (given != 1) {
            problems.here(
                    "expected exactly one of table (an Iceberg namespace.table), query (a SQL"
                            + " SELECT over the catalog), postgres-table (schema.table) or"
                            + " postgres-query (a PostgreSQL SELECT)");
            return;
        }
        if (given(table)) {
            problems.require(
                    table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+"),
                    "table",
                    "expected namespace.table, got '" + table + "'");
        } else if (given(postgresTable)) {
            problems.require(
                    postgresTable.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?"),
                    "postgres-table",
                    "expected schema.table or table, got '" + postgresTable + "'");
        } else {
            String key = given(query) ? "query" : "postgres-query";
            String q = (given(query) ? query : postgresQuery).strip().toLowerCase(Locale.ROOT);
            problems.require(
                    q.startsWith("select") || q.startsWith("with"),
                    key,
                    "expected a SELECT (or WITH ... SELECT) query");
        }
    }

    /**
     * Whether the rows come from PostgreSQL. Not a key: a written-back configuration ({@link
     * ConfigLoader#toYaml}) must not hold it.
     */
    @JsonIgnore
    public boolean isPostgres() {
        return given(postgresTable) || given(postgresQuery);
    }

    /** How the source is named in messages. */
    public String describe() {
        if (given(table)) {
            return table;
        }
        if (given(postgresTable)) {
            return "postgres:" + postgresTable;
        }
        return given(postgresQuery) ? "postgres query" : "query";
    }
}
