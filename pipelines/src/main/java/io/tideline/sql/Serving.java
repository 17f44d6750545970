/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import io.tideline.config.PostgresConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * PostgreSQL serving, derived from a model's schema and its {@code serve} settings: the table's
 * DDL, the Flink JDBC table the STREAMING build (and the SQL client) upserts through, and the BATCH
 * publication, one transaction per table that leaves PostgreSQL holding exactly the published
 * snapshot (rows that left the mart are deleted). Timestamps are {@code timestamp} holding UTC (the
 * Flink JDBC connector cannot write {@code timestamptz}).
 */
final class Serving {

    private Serving() {}

    private static final int BATCH = 5000;

    /** The PostgreSQL DDL of a served model's table (idempotent). */
    static List<String> postgresDdl(SqlModel model, ResolvedSchema schema) {
        String table = model.serve().table();
        List<String> cols = new ArrayList<>();
        for (Column c : schema.getColumns()) {
            cols.add(pg(c.getName()) + " " + postgresType(c.getDataType().getLogicalType()));
        }
        if (!model.serve().key().isEmpty()) {
            cols.add(
                    "PRIMARY KEY ("
                            + model.serve().key().stream()
                                    .map(Serving::pg)
                                    .collect(Collectors.joining(", "))
                            + ")");
        }
        return List.of(
                "CREATE SCHEMA IF NOT EXISTS " + table.substring(0, table.indexOf('.')),
                "CREATE TABLE IF NOT EXISTS "
                        + table
                        + " (\n  "
                        + String.join(",\n  ", cols)
                        + "\n)");
    }

    /** The Flink table {@code serving_<model>} over the PostgreSQL table (JDBC connector). */
    static String flinkTable(SqlModel model, ResolvedSchema schema) {
        List<String> cols = new ArrayList<>();
        for (Column c : schema.getColumns()) {
            LogicalType t = c.getDataType().getLogicalType();
            boolean key = model.serve().key().contains(c.getName());
            cols.add(SqlTests.q(c.getName()) + " " + flinkServingType(t, key));
        }
        if (!model.serve().key().isEmpty()) {
            cols.add(
                    "PRIMARY KEY ("
                            + model.serve().key().stream()
                                    .map(SqlTests::q)
                                    .collect(Collectors.joining(", "))
                            + ") NOT ENFORCED");
        }
        return "CREATE TEMPORARY TABLE serving_"
                + model.name()
                + " (\n  "
                + String.join(",\n  ", cols)
                + "\n) WITH (\n  'connector' = 'jdbc',\n  'url' = '${PG_URL}',\n  'table-name' = '"
                + model.serve().table()
                + "',\n  'username' = '${PG_USER}',\n  'password' = '${PG_PASSWORD}'\n)";
    }

    /** {@code INSERT INTO serving_<model> SELECT ...}: the model, timestamps as UTC wall time. */
    static String flinkInsert(SqlModel model, ResolvedSchema schema, String from) {
        List<String> cols = new ArrayList<>();
        for (Column c : schema.getColumns()) {
            LogicalType t = c.getDataType().getLogicalType();
            String name = SqlTests.q(c.getName());
            cols.add(
                    t instanceof LocalZonedTimestampType z
                            ? "CAST(" + name + " AS TIMESTAMP(" + z.getPrecision() + ")) AS " + name
                            : name);
        }
        return "INSERT INTO serving_"
                + model.name()
                + " SELECT "
                + String.join(", ", cols)
                + " FROM "
                + from;
    }

    private static String flinkServingType(LogicalType t, boolean key) {
        LogicalType n = t.copy(!key);
        if (n instanceof LocalZonedTimestampType z) {
            return "TIMESTAMP(" + z.getPrecision() + ")" + (key ? " NOT NULL" : "");
        }
        return n.asSerializableString();
    }

    static String postgresType(LogicalType t) {
        LogicalTypeRoot root = t.getTypeRoot();
        return switch (root) {
            case BIGINT -> "BIGINT";
            case INTEGER -> "INTEGER";
            case SMALLINT, TINYINT -> "SMALLINT";
            case BOOLEAN -> "BOOLEAN";
            case DOUBLE -> "DOUBLE PRECISION";
            case FLOAT -> "REAL";
            case DECIMAL ->
                    "NUMERIC("
                            + ((DecimalType) t).getPrecision()
                            + ", "
                            + ((DecimalType) t).getScale()
                            + ")";
            case DATE -> "DATE";
            case TIME_WITHOUT_TIME_ZONE -> "TIME";
            case TIMESTAMP_WITHOUT_TIME_ZONE, TIMESTAMP_WITH_LOCAL_TIME_ZONE -> "TIMESTAMP";
            case BINARY, VARBINARY -> "BYTEA";
            default -> "TEXT";
        };
    }

    static String pg(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /**
     * Makes the PostgreSQL table hold exactly the rows of {@code snapshotId} of the model's table,
     * in one transaction: the rows go to a temporary table, rows whose key left the mart are
     * deleted, the others upserted. Readers see the old rows until the commit, then the new ones.
     *
     * @return the rows the PostgreSQL table holds now
     */
    static long publish(PostgresConfig pg, SqlModel model, Table table, Long snapshotId) {
        List<String> columns = table.schema().columns().stream().map(f -> f.name()).toList();
        String target = model.serve().table();
        List<String> key = model.serve().key();
        String colList = columns.stream().map(Serving::pg).collect(Collectors.joining(", "));
        Properties props = pg.connectionProperties();
        props.setProperty("reWriteBatchedInserts", "true");
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), props)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(
                        "CREATE TEMPORARY TABLE tideline_publish (LIKE "
                                + target
                                + ") ON COMMIT DROP");
            }
            long rows = 0;
            if (snapshotId != null) {
                String placeholders =
                        columns.stream().map(x -> "?").collect(Collectors.joining(", "));
                try (PreparedStatement ins =
                                c.prepareStatement(
                                        "INSERT INTO tideline_publish ("
                                                + colList
                                                + ") VALUES ("
                                                + placeholders
                                                + ")");
                        CloseableIterable<Record> records =
                                IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
                    for (Record r : records) {
                        for (int i = 0; i < columns.size(); i++) {
                            ins.setObject(i + 1, jdbc(r.getField(columns.get(i))));
                        }
                        ins.addBatch();
                        if (++rows % BATCH == 0) {
                            ins.executeBatch();
                        }
                    }
                    ins.executeBatch();
                }
            }
            try (Statement s = c.createStatement()) {
                if (key.isEmpty()) {
                    s.execute("DELETE FROM " + target);
                    s.execute(
                            "INSERT INTO "
                                    + target
                                    + " ("
                                    + colList
                                    + ") SELECT "
                                    + colList
                                    + " FROM tideline_publish");
                } else {
                    String match =
                            key.stream()
                                    .map(k -> "n." + pg(k) + " = o." + pg(k))
                                    .collect(Collectors.joining(" AND "));
                    s.execute(
                            "DELETE FROM "
                                    + target
                                    + " AS o WHERE NOT EXISTS (SELECT 1 FROM tideline_publish AS n"
                                    + " WHERE "
                                    + match
                                    + ")");
                    List<String> rest = columns.stream().filter(x -> !key.contains(x)).toList();
                    String onConflict =
                            rest.isEmpty()
                                    ? "DO NOTHING"
                                    : "DO UPDATE SET "
                                            + rest.stream()
                                                    .map(x -> pg(x) + " = EXCLUDED." + pg(x))
                                                    .collect(Collectors.joining(", "))
                                            + " WHERE ("
                                            + rest.stream()
                                                    .map(x -> "o." + pg(x))
                                                    .collect(Collectors.joining(", "))
                                            + ") IS DISTINCT FROM ("
                                            + rest.stream()
                                                    .map(x -> "EXCLUDED." + pg(x))
                                                    .collect(Collectors.joining(", "))
                                            + ")";
                    s.execute(
                            "INSERT INTO "
                                    + target
                                    + " AS o ("
                                    + colList
                                    + ") SELECT "
                                    + colList
                                    + " FROM tideline_publish ON CONFLICT ("
                                    + key.stream()
                                            .map(Serving::pg)
                                            .collect(Collectors.joining(", "))
                                    + ") "
                                    + onConflict);
                }
            }
            c.commit();
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot publish "
                            + model.tableName()
                            + " to PostgreSQL "
                            + target
                            + ": "
                            + e.getMessage(),
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object jdbc(Object v) {
        if (v instanceof OffsetDateTime t) {
            return t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        }
        if (v instanceof java.nio.ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }
        return v;
    }

    /** Runs DDL against PostgreSQL. */
    static void execute(PostgresConfig pg, List<String> statements) {
        if (statements.isEmpty()) {
            return;
        }
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.connectionProperties());
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create the serving tables in " + pg.jdbcUrl() + ": " + e.getMessage(),
                    e);
        }
    }
}
