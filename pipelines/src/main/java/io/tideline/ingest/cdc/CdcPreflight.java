/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import io.tideline.config.PostgresConfig;
import io.tideline.config.SourceConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a postgres-cdc source needs of its server, checked when the job starts, each refusal naming
 * the setting or table and the fix: {@code wal_level=logical}, the REPLICATION privilege, a table
 * that exists and has a primary key (or a replica identity) covering the source's key. Creates the
 * publication when it is missing (and adds the table to it when it lacks it).
 */
public final class CdcPreflight {

    private CdcPreflight() {}

    /** The table as the server names it. */
    public record Table(String schema, String name) {
        String qualified() {
            return quote(schema) + "." + quote(name);
        }

        String label() {
            return schema + "." + name;
        }
    }

    /** Refused at start: the message names what is missing and the fix. */
    public static final class CdcSetupException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CdcSetupException(String message) {
            super(message);
        }
    }

    static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /**
     * Checks everything and ensures the publication.
     *
     * @param keyColumns the source columns of the source's key
     */
    public static Table check(
            String source, PostgresConfig pg, SourceConfig s, List<String> keyColumns)
            throws SQLException {
        String at = "sources." + source + " (kind postgres-cdc): ";
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.connectionProperties())) {
            String walLevel = one(c, "SHOW wal_level");
            if (!"logical".equals(walLevel)) {
                throw new CdcSetupException(
                        at
                                + "PostgreSQL at "
                                + pg.host()
                                + ":"
                                + pg.port()
                                + " runs with wal_level="
                                + walLevel
                                + "; logical replication needs wal_level=logical. Fix: ALTER"
                                + " SYSTEM SET wal_level = logical; then restart PostgreSQL"
                                + " (max_replication_slots and max_wal_senders must be at least"
                                + " 1)");
            }
            String user = one(c, "SELECT current_user");
            String canReplicate =
                    one(
                            c,
                            "SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname"
                                    + " = current_user");
            if (!"true".equals(canReplicate)) {
                throw new CdcSetupException(
                        at
                                + "user "
                                + user
                                + " lacks the REPLICATION privilege, which a replication slot"
                                + " needs. Fix: ALTER ROLE "
                                + quote(user)
                                + " WITH REPLICATION;");
            }
            Table table;
            char identity;
            long oid;
            try (PreparedStatement st =
                    c.prepareStatement(
                            "SELECT n.nspname, c.relname, c.relreplident, c.oid FROM pg_class c"
                                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid"
                                    + " = to_regclass(?)")) {
                st.setString(1, s.sourceTable());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new CdcSetupException(
                                at
                                        + "table "
                                        + s.sourceTable()
                                        + " does not exist in database "
                                        + pg.database()
                                        + ". Fix: create it, or correct source-table");
                    }
                    table = new Table(rs.getString(1), rs.getString(2));
                    identity = rs.getString(3).charAt(0);
                    oid = rs.getLong(4);
                }
            }
            List<String> identityColumns = identityColumns(c, oid, identity);
            String fix =
                    " Fix: ALTER TABLE "
                            + table.label()
                            + " ADD PRIMARY KEY ("
                            + String.join(", ", keyColumns)
                            + "); or ALTER TABLE "
                            + table.label()
                            + " REPLICA IDENTITY FULL;";
            if (identityColumns == null) {
                throw new CdcSetupException(
                        at
                                + "table "
                                + table.label()
                                + (identity == 'n'
                                        ? " has REPLICA IDENTITY NOTHING"
                                        : " has no primary key (nor another replica identity)")
                                + ", so PostgreSQL cannot say which row an update or delete"
                                + " changed."
                                + fix);
            }
            List<String> missing = new ArrayList<>(keyColumns);
            missing.removeAll(identityColumns);
            if (!missing.isEmpty()) {
                throw new CdcSetupException(
                        at
                                + "the key columns "
                                + missing
                                + " are not in the replica identity "
                                + identityColumns
                                + " of table "
                                + table.label()
                                + ", so a delete would not carry them. Fix: make key the"
                                + " table's primary key columns "
                                + identityColumns
                                + ", or ALTER TABLE "
                                + table.label()
                                + " REPLICA IDENTITY FULL;");
            }
            ensurePublication(c, s.publicationOr(source), table, at);
            return table;
        }
    }

    /** The replica identity's columns; every column for FULL; null when there is none. */
    private static List<String> identityColumns(Connection c, long oid, char identity)
            throws SQLException {
        String sql;
        switch (identity) {
            case 'f' ->
                    sql =
                            "SELECT attname FROM pg_attribute WHERE attrelid = ? AND attnum > 0 AND"
                                    + " NOT attisdropped";
            case 'd' ->
                    sql =
                            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid ="
                                + " i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?"
                                + " AND i.indisprimary";
            case 'i' ->
                    sql =
                            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid ="
                                + " i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?"
                                + " AND i.indisreplident";
            default -> {
                return null;
            }
        }
        List<String> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out.isEmpty() ? null : out;
    }

    private static void ensurePublication(Connection c, String publication, Table t, String at)
            throws SQLException {
        boolean exists;
        try (PreparedStatement st =
                c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            st.setString(1, publication);
            try (ResultSet rs = st.executeQuery()) {
                exists = rs.next();
            }
        }
        try (Statement st = c.createStatement()) {
            if (!exists) {
                st.execute(
                        "CREATE PUBLICATION " + quote(publication) + " FOR TABLE " + t.qualified());
                return;
            }
            try (PreparedStatement q =
                    c.prepareStatement(
                            "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname"
                                    + " = ? AND tablename = ?")) {
                q.setString(1, publication);
                q.setString(2, t.schema());
                q.setString(3, t.name());
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        st.execute(
                                "ALTER PUBLICATION "
                                        + quote(publication)
                                        + " ADD TABLE "
                                        + t.qualified());
                    }
                }
            }
        } catch (SQLException e) {
            throw new CdcSetupException(
                    at
                            + "cannot create or extend publication "
                            + publication
                            + " for table "
                            + t.label()
                            + ": "
                            + e.getMessage()
                            + ". Fix: run CREATE PUBLICATION "
                            + publication
                            + " FOR TABLE "
                            + t.label()
                            + "; as the table's owner");
        }
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
