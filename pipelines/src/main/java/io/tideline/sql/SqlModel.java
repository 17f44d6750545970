/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One model of the SQL layer: a {@code .sql} file under {@code staging/} or {@code marts/} holding
 * one query, named after its file, with its settings from {@code models.yaml}.
 *
 * @param name the file's name without {@code .sql}; other models reference it by this name
 * @param file the file
 * @param query the query, comments removed, variables not yet substituted
 * @param table whether it is materialized as an Iceberg table ({@code materialized: table}); a view
 *     otherwise (computed where it is used)
 * @param database the Iceberg database of its table ({@code marts} by default)
 * @param key the columns that identify a row (the table's primary key, Iceberg identifier fields)
 * @param partitionBy the table's partition columns (each must be in the key: upserts need it)
 * @param serve where PostgreSQL serves it; null when it is not served
 * @param streaming whether the STREAMING build keeps it current
 * @param audit whether a BATCH build writes it through write-audit-publish (default true)
 * @param dependsOn the models its query references
 */
public record SqlModel(
        String name,
        Path file,
        String query,
        boolean table,
        String database,
        List<String> key,
        List<String> partitionBy,
        Serve serve,
        boolean streaming,
        boolean audit,
        Set<String> dependsOn) {

    /**
     * Where a model is served in PostgreSQL.
     *
     * @param table the PostgreSQL table, {@code schema.table}
     * @param key its primary key (the model's key by default)
     */
    public record Serve(String table, List<String> key) {}

    /** The Iceberg table's name, {@code database.name}. */
    public String tableName() {
        return database + "." + name;
    }

    /** The Iceberg table as Flink SQL writes it, quoted. */
    public String tableSql() {
        return "`" + database + "`.`" + name + "`";
    }
}
