/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.time.Duration;

/**
 * The operational customers table in PostgreSQL ({@code sources.customers}), read through the
 * {@code postgres} section's connection. A STREAMING job reads it incrementally by its {@code
 * updated_at} cursor.
 *
 * @param enabled whether the customers are ingested
 * @param table the table, {@code schema.table}
 * @param pollInterval how often a STREAMING job asks for rows changed since its cursor
 * @param batchSize the most rows one poll fetches
 */
public record CustomersSourceConfig(
        Boolean enabled, String table, Duration pollInterval, Integer batchSize) {

    public CustomersSourceConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        table = table == null ? "app.customers" : table;
        pollInterval = pollInterval == null ? Duration.ofSeconds(5) : pollInterval;
        batchSize = batchSize == null ? 1000 : batchSize;
    }

    void validate(Problems problems) {
        problems.require(
                table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?"),
                "table",
                "expected a table name such as app.customers, got '" + table + "'");
        Durations.requireAtLeast(problems, "poll-interval", pollInterval, Duration.ofMillis(100));
        problems.require(
                batchSize >= 1 && batchSize <= 100_000,
                "batch-size",
                "expected a number of rows from 1 to 100000, got " + batchSize);
    }
}
