/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

/**
 * Where a sync's rows come from: exactly one of an Iceberg table of the configured catalog, read
 * whole at its latest snapshot ({@code table: marts.customer_360}), or a SQL query over the catalog
 * ({@code query: "SELECT ... FROM marts.customer_360 WHERE ..."}), run as a Flink batch query.
 *
 * @param table {@code namespace.table}
 * @param query a Flink SQL {@code SELECT}; table names resolve in the configured catalog
 */
public record SyncSourceConfig(String table, String query) {

    void validate(Problems problems) {
        boolean hasTable = table != null && !table.isBlank();
        boolean hasQuery = query != null && !query.isBlank();
        if (hasTable == hasQuery) {
            problems.here(
                    "expected exactly one of table (namespace.table) or query (a SQL SELECT over"
                            + " the catalog)");
            return;
        }
        if (hasTable) {
            problems.require(
                    table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+"),
                    "table",
                    "expected namespace.table, got '" + table + "'");
        } else {
            String q = query.strip().toLowerCase(java.util.Locale.ROOT);
            problems.require(
                    q.startsWith("select") || q.startsWith("with"),
                    "query",
                    "expected a SELECT (or WITH ... SELECT) query");
        }
    }

    /** How the source is named in messages. */
    public String describe() {
        return table != null && !table.isBlank() ? table : "query";
    }
}
