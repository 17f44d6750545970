/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import io.tideline.config.PostgresConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One postgres-cdc source of a BATCH run (a catch-up): where it starts, where it ends, and the
 * slot's confirmation once the run's Iceberg commits succeeded. BATCH has no checkpoints, so the
 * slot's confirmed position is the run's only memory: it moves to {@link #endLsn} after a
 * successful run and stays where it was after a failed one (the rerun repeats those changes).
 *
 * @param source the source's name
 * @param slot its replication slot
 * @param endLsn {@code pg_current_wal_lsn()} at planning: the run reads the transactions that
 *     committed before it
 * @param resumeFrom the slot's confirmed position to read from, or null to take the snapshot
 */
public record CdcCatchUp(String source, String slot, long endLsn, Long resumeFrom) {

    private static final Logger LOG = LoggerFactory.getLogger(CdcCatchUp.class);

    /**
     * Plans a catch-up: from the slot's confirmed position when the slot exists and the keyed table
     * holds a commit (an earlier run's snapshot), else the snapshot.
     */
    public static CdcCatchUp plan(
            String source, PostgresConfig postgres, String slot, boolean tableCommitted)
            throws SQLException {
        try (Connection db = connect(postgres)) {
            long end = endOfWal(db);
            Long confirmed = confirmed(db, slot);
            Long resume = confirmed != null && tableCommitted ? confirmed : null;
            LOG.info(
                    "{}: BATCH catch-up of slot {} {} up to {}",
                    source,
                    slot,
                    resume == null
                            ? "from a new snapshot"
                            : "from " + LogSequenceNumber.valueOf(resume),
                    LogSequenceNumber.valueOf(end));
            return new CdcCatchUp(source, slot, end, resume);
        }
    }

    /**
     * The end of the WAL at the run's start: the insert position, once the server has flushed there
     * (decoding reads flushed WAL only; a commit is flushed at once, or, with {@code
     * synchronous_commit=off}, by the WAL writer within moments). If it is not flushed within 10 s,
     * the flushed position: the rest is caught up by the next run.
     */
    static long endOfWal(Connection db) throws SQLException {
        long insert = lsn(db, "SELECT pg_current_wal_insert_lsn()::text");
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            long flushed = lsn(db, "SELECT pg_current_wal_flush_lsn()::text");
            if (flushed >= insert || System.currentTimeMillis() > deadline) {
                return Math.min(flushed, insert);
            }
            pause();
        }
    }

    private static long lsn(Connection db, String query) throws SQLException {
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return LogSequenceNumber.valueOf(rs.getString(1)).asLong();
        }
    }

    /** The slot's confirmed flush position, or null when there is no such slot. */
    public static Long confirmed(Connection db, String slot) throws SQLException {
        try (PreparedStatement st =
                db.prepareStatement(
                        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE"
                                + " slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String c = rs.getString(1);
                return c == null ? 0L : LogSequenceNumber.valueOf(c).asLong();
            }
        }
    }

    /**
     * After the job finished (its Iceberg commits done): moves the slot's confirmed position to
     * {@link #endLsn} (never backwards), so that the next run starts there and the server may
     * recycle the WAL before it.
     */
    public void confirm(PostgresConfig postgres) throws SQLException {
        String lsn = LogSequenceNumber.valueOf(endLsn).asString();
        try (Connection db = connect(postgres)) {
            for (int attempt = 0; ; attempt++) {
                try (PreparedStatement st =
                        db.prepareStatement(
                                "SELECT pg_replication_slot_advance(slot_name, ?::pg_lsn) FROM"
                                        + " pg_replication_slots WHERE slot_name = ? AND"
                                        + " confirmed_flush_lsn < ?::pg_lsn")) {
                    st.setString(1, lsn);
                    st.setString(2, slot);
                    st.setString(3, lsn);
                    st.executeQuery().close();
                    LOG.info("{}: slot {} confirmed to {}", source, slot, lsn);
                    return;
                } catch (SQLException e) {
                    // The reader's last connection may still be ending on the server.
                    if (attempt >= 500 || !String.valueOf(e.getMessage()).contains("active")) {
                        throw e;
                    }
                    pause();
                }
            }
        }
    }

    /**
     * After a failed run: a slot whose snapshot this run took is dropped (the snapshot was not
     * committed); a resumed slot is left where it was.
     */
    public void abandon(PostgresConfig postgres) {
        if (resumeFrom != null) {
            return;
        }
        try (Connection db = connect(postgres);
                PreparedStatement st =
                        db.prepareStatement(
                                "SELECT pg_drop_replication_slot(slot_name) FROM"
                                        + " pg_replication_slots WHERE slot_name = ? AND NOT"
                                        + " active")) {
            st.setString(1, slot);
            st.executeQuery().close();
        } catch (SQLException e) {
            LOG.warn(
                    "{}: could not drop slot {} after the failed snapshot run (the next run takes"
                            + " the snapshot again if the table holds no commit)",
                    source,
                    slot,
                    e);
        }
    }

    private static Connection connect(PostgresConfig postgres) throws SQLException {
        Connection db =
                DriverManager.getConnection(postgres.jdbcUrl(), postgres.connectionProperties());
        db.setAutoCommit(true);
        return db;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
