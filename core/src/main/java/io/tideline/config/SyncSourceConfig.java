/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

/**
 * Where a sync's rows come from: an Iceberg table of the configured catalog, read whole at the
 * latest snapshot ({@code table: marts.customer_360}).
 *
 * @param table {@code namespace.table}
 * @param query a SQL query over the catalog; not supported yet (reverse-etl does not carry the
 *     Flink planner): the key exists so that a file using it is rejected with a reason
 */
public record SyncSourceConfig(String table, String query) {

    void validate(Problems problems) {
        if (query != null) {
            problems.add(
                    "query",
                    "SQL query sources are not supported yet: expected table: namespace.table"
                            + " (materialize the query as a mart with the SQL layer)");
        }
        if (table == null || table.isBlank()) {
            if (query == null) {
                problems.add("table", "required: expected namespace.table");
            }
        } else {
            problems.require(
                    table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+"),
                    "table",
                    "expected namespace.table, got '" + table + "'");
        }
    }
}
