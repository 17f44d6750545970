/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import io.tideline.config.SyncSourceConfig;
import io.tideline.config.TidelineConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A sync source in the configured PostgreSQL: a table or view ({@code postgres-table:
 * serving.customer_360}) or a query ({@code postgres-query: SELECT ...}). Only the columns the sync
 * needs are selected (for a query, from it as a subquery), streamed with a fetch size, in one
 * read-only transaction: a consistent snapshot of the source.
 */
final class PostgresSource {

    private PostgresSource() {}

    static void read(
            TidelineConfig config,
            SyncSourceConfig source,
            List<String> columns,
            Consumer<Function<String, Object>> rows) {
        String select =
                columns.stream().map(PostgresSource::quote).collect(Collectors.joining(", "));
        String from =
                source.postgresTable() != null && !source.postgresTable().isBlank()
                        ? qualified(source.postgresTable())
                        : "(" + stripSemicolon(source.postgresQuery()) + ") AS source";
        String sql = "SELECT " + select + " FROM " + from;
        try (Connection c =
                DriverManager.getConnection(
                        config.postgres().jdbcUrl(), config.postgres().connectionProperties())) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (PreparedStatement p = c.prepareStatement(sql)) {
                p.setFetchSize(10_000);
                try (ResultSet rs = p.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    Map<String, Integer> index = new HashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        index.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
                    }
                    while (rs.next()) {
                        rows.accept(
                                column -> {
                                    try {
                                        Integer i = index.get(column.toLowerCase(Locale.ROOT));
                                        return value(rs, md, i);
                                    } catch (SQLException e) {
                                        throw new SourceRows.SourceException(
                                                "cannot read column '" + column + "': " + e);
                                    }
                                });
                    }
                }
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw new SourceRows.SourceException(
                    "cannot read the PostgreSQL source "
                            + source.describe()
                            + ": "
                            + e.getMessage());
        }
    }

    /** Values as the Iceberg reader gives them: instants as offsets, timestamps as local times. */
    private static Object value(ResultSet rs, ResultSetMetaData md, int i) throws SQLException {
        int type = md.getColumnType(i);
        String typeName = md.getColumnTypeName(i);
        Object v;
        if (type == Types.TIMESTAMP_WITH_TIMEZONE || "timestamptz".equalsIgnoreCase(typeName)) {
            v = rs.getObject(i, OffsetDateTime.class);
        } else if (type == Types.TIMESTAMP) {
            v = rs.getObject(i, java.time.LocalDateTime.class);
        } else if (type == Types.DATE) {
            v = rs.getObject(i, java.time.LocalDate.class);
        } else if (type == Types.SMALLINT || type == Types.TINYINT) {
            v = rs.getObject(i) == null ? null : rs.getInt(i);
        } else if (type == Types.REAL) {
            v = rs.getObject(i) == null ? null : rs.getFloat(i);
        } else {
            v = rs.getObject(i);
        }
        return rs.wasNull() ? null : v;
    }

    private static String stripSemicolon(String query) {
        String q = query.strip();
        while (q.endsWith(";")) {
            q = q.substring(0, q.length() - 1).strip();
        }
        return q;
    }

    private static String qualified(String name) {
        return java.util.Arrays.stream(name.split("\\."))
                .map(PostgresSource::quote)
                .collect(Collectors.joining("."));
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
