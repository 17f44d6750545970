/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ledger;

import io.tideline.config.PostgresConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The reverse-ETL ledger in PostgreSQL schema {@code reverse_etl}:
 *
 * <ul>
 *   <li>{@code sync_state}: per sync and row key, the hash of the mapped fields last delivered, the
 *       destination's id of the record and the identifier it was delivered under;
 *   <li>{@code runs}: one row per run, with its status, timings, counts and JSON report;
 *   <li>{@code rejections}: the rows the destination rejected, with the reason and the number of
 *       attempts, until they succeed.
 * </ul>
 *
 * One instance holds one connection; it also holds the sync's run lock (a session advisory lock).
 */
public final class Ledger implements AutoCloseable {

    /** A delivered row's state. */
    public record State(String hash, String destinationId, String identity) {}

    /** An open rejection. */
    public record Rejection(
            String operation,
            String reason,
            int attempts,
            boolean parked,
            String rowHash,
            Instant nextAttemptAt) {

        /** Whether a row with this rejection waits: parked for the same content, or backing off. */
        public boolean holds(String currentHash, Instant now) {
            boolean sameContent = rowHash == null || rowHash.equals(currentHash);
            if (!sameContent) {
                return false;
            }
            return parked || (nextAttemptAt != null && nextAttemptAt.isAfter(now));
        }
    }

    /** A row the destination accepted in this batch. */
    public record Delivered(String key, String hash, String destinationId, String identity) {}

    /**
     * A row the destination rejected in this batch.
     *
     * @param rowHash the hash of the content rejected (null for a removal)
     * @param attempts the row's rejections in a row for this content, this one included
     * @param parked whether the row is parked: not sent again until its content changes or it is
     *     requeued
     * @param nextAttemptAt when a later run may send it again (null: the next run)
     */
    public record Rejected(
            String key,
            String operation,
            String reason,
            String rowHash,
            int attempts,
            boolean parked,
            Instant nextAttemptAt) {}

    private static final String DDL =
            """
            CREATE SCHEMA IF NOT EXISTS reverse_etl;
            CREATE TABLE IF NOT EXISTS reverse_etl.sync_state (
              sync_name text NOT NULL,
              row_key text NOT NULL,
              row_hash text NOT NULL,
              destination_id text,
              identity text,
              last_run_id bigint,
              synced_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (sync_name, row_key));
            CREATE TABLE IF NOT EXISTS reverse_etl.runs (
              run_id bigserial PRIMARY KEY,
              sync_name text NOT NULL,
              destination text,
              mode text,
              trigger text,
              dry_run boolean NOT NULL DEFAULT false,
              status text NOT NULL,
              reason text,
              started_at timestamptz NOT NULL DEFAULT now(),
              finished_at timestamptz,
              queried bigint NOT NULL DEFAULT 0,
              invalid bigint NOT NULL DEFAULT 0,
              unchanged bigint NOT NULL DEFAULT 0,
              sent bigint NOT NULL DEFAULT 0,
              succeeded bigint NOT NULL DEFAULT 0,
              rejected bigint NOT NULL DEFAULT 0,
              retried bigint NOT NULL DEFAULT 0,
              deleted bigint NOT NULL DEFAULT 0,
              pending bigint NOT NULL DEFAULT 0,
              calls bigint NOT NULL DEFAULT 0,
              report jsonb);
            CREATE INDEX IF NOT EXISTS runs_by_sync ON reverse_etl.runs (sync_name, run_id);
            CREATE TABLE IF NOT EXISTS reverse_etl.rejections (
              sync_name text NOT NULL,
              row_key text NOT NULL,
              operation text NOT NULL,
              reason text NOT NULL,
              attempts int NOT NULL,
              first_rejected_at timestamptz NOT NULL DEFAULT now(),
              last_rejected_at timestamptz NOT NULL DEFAULT now(),
              last_run_id bigint,
              PRIMARY KEY (sync_name, row_key));
            ALTER TABLE reverse_etl.rejections
              ADD COLUMN IF NOT EXISTS parked boolean NOT NULL DEFAULT false,
              ADD COLUMN IF NOT EXISTS row_hash text,
              ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz;
            ALTER TABLE reverse_etl.runs
              ADD COLUMN IF NOT EXISTS held bigint NOT NULL DEFAULT 0,
              ADD COLUMN IF NOT EXISTS parked bigint NOT NULL DEFAULT 0,
              ADD COLUMN IF NOT EXISTS batches bigint NOT NULL DEFAULT 0,
              ADD COLUMN IF NOT EXISTS retries bigint NOT NULL DEFAULT 0;
            """;

    private final Connection connection;

    private Ledger(Connection connection) {
        this.connection = connection;
    }

    /** Opens a connection to the configured PostgreSQL and creates the schema if needed. */
    public static Ledger open(PostgresConfig postgres) {
        java.util.Optional<String> noServer = postgres.serverProblem();
        if (noServer.isPresent()) {
            throw new LedgerException(
                    "cannot open the reverse-ETL ledger: " + noServer.get(), null);
        }
        try {
            Properties props = postgres.connectionProperties();
            props.setProperty("reWriteBatchedInserts", "true");
            props.setProperty("ApplicationName", "tideline-reverse-etl");
            Connection c = DriverManager.getConnection(postgres.jdbcUrl(), props);
            Ledger ledger = new Ledger(c);
            ledger.createSchema();
            return ledger;
        } catch (SQLException e) {
            throw new LedgerException(
                    "cannot open the reverse-ETL ledger at " + postgres.jdbcUrl(), e);
        }
    }

    /** A failure to read or write the ledger: an outage, never bad data. */
    public static final class LedgerException extends RuntimeException {
        LedgerException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void createSchema() throws SQLException {
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            // Serializes concurrent first runs: CREATE ... IF NOT EXISTS races otherwise.
            s.execute("SELECT pg_advisory_xact_lock(hashtext('reverse_etl.ddl'))");
            s.execute(DDL);
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    // ------------------------------------------------------------------ lock

    /**
     * Takes the sync's run lock (a session advisory lock, released when this ledger closes or the
     * process dies). Empty when it was taken; otherwise the reason the sync cannot run now.
     */
    public Optional<String> tryLock(String sync) {
        try (PreparedStatement p =
                connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            p.setString(1, "reverse_etl.run:" + sync);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return Optional.empty();
                }
            }
            String holder = "another run holds its lock (starting or finishing)";
            try (PreparedStatement q =
                    connection.prepareStatement(
                            "SELECT run_id, started_at FROM reverse_etl.runs WHERE sync_name = ?"
                                    + " AND status = 'running' ORDER BY run_id DESC LIMIT 1")) {
                q.setString(1, sync);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        holder =
                                "run "
                                        + rs.getLong(1)
                                        + " (started "
                                        + rs.getTimestamp(2).toInstant()
                                        + ") is still running";
                    }
                }
            }
            return Optional.of("sync '" + sync + "' is already running: " + holder);
        } catch (SQLException e) {
            throw new LedgerException("cannot take the run lock of sync " + sync, e);
        }
    }

    // ------------------------------------------------------------------ runs

    /**
     * Records the start of a run. Runs of the sync still marked running (the lock is held, so their
     * process died) become {@code abandoned}.
     */
    public long startRun(
            String sync, String destination, String mode, String trigger, boolean dryRun) {
        try {
            try (PreparedStatement p =
                    connection.prepareStatement(
                            "UPDATE reverse_etl.runs SET status = 'abandoned', finished_at = now(),"
                                + " reason = 'the process running it stopped before it finished',"
                                    // the rows it had not delivered when it died are pending, so
                                    // that queried = invalid + unchanged + held + sent + pending
                                    + " pending = greatest(0, queried - invalid - unchanged - held"
                                    + " - sent) WHERE sync_name = ? AND status = 'running'")) {
                p.setString(1, sync);
                p.executeUpdate();
            }
            try (PreparedStatement p =
                    connection.prepareStatement(
                            "INSERT INTO reverse_etl.runs (sync_name, destination, mode, trigger,"
                                + " dry_run, status) VALUES (?, ?, ?, ?, ?, 'running') RETURNING"
                                + " run_id")) {
                p.setString(1, sync);
                p.setString(2, destination);
                p.setString(3, mode);
                p.setString(4, trigger);
                p.setBoolean(5, dryRun);
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot record the start of a run of " + sync, e);
        }
    }

    /** Records a due run that could not start, with the reason. */
    public long recordSkipped(
            String sync, String destination, String trigger, String reason, String reportJson) {
        try (PreparedStatement p =
                connection.prepareStatement(
                        "INSERT INTO reverse_etl.runs (sync_name, destination, trigger, status,"
                            + " reason, finished_at, report) VALUES (?, ?, ?, 'skipped', ?, now(),"
                            + " ?::jsonb) RETURNING run_id")) {
            p.setString(1, sync);
            p.setString(2, destination);
            p.setString(3, trigger);
            p.setString(4, reason);
            p.setString(5, reportJson);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot record a skipped run of " + sync, e);
        }
    }

    /** Records the end of a run, with its final counts and JSON report. */
    public void finishRun(
            long runId, String status, String reason, Counts counts, String reportJson) {
        try (PreparedStatement p =
                connection.prepareStatement(
                        "UPDATE reverse_etl.runs SET status = ?, reason = ?, finished_at = now(),"
                            + " queried = ?, invalid = ?, unchanged = ?, sent = ?, succeeded = ?,"
                            + " rejected = ?, retried = ?, deleted = ?, pending = ?, calls = ?,"
                            + " held = ?, parked = ?, batches = ?, retries = ?, report = ?::jsonb"
                            + " WHERE run_id = ?")) {
            p.setString(1, status);
            p.setString(2, reason);
            int i = setCounts(p, 3, counts);
            p.setString(i, reportJson);
            p.setLong(i + 1, runId);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new LedgerException("cannot record the end of run " + runId, e);
        }
    }

    private static int setCounts(PreparedStatement p, int i, Counts c) throws SQLException {
        p.setLong(i++, c.queried());
        p.setLong(i++, c.invalid());
        p.setLong(i++, c.unchanged());
        p.setLong(i++, c.sent());
        p.setLong(i++, c.succeeded());
        p.setLong(i++, c.rejected());
        p.setLong(i++, c.retried());
        p.setLong(i++, c.deleted());
        p.setLong(i++, c.pending());
        p.setLong(i++, c.calls());
        p.setLong(i++, c.held());
        p.setLong(i++, c.parked());
        p.setLong(i++, c.batches());
        p.setLong(i++, c.retries());
        return i;
    }

    /** The number of rows the last successful, non-dry run queried. */
    public Optional<Long> lastSuccessfulQueried(String sync) {
        try (PreparedStatement p =
                connection.prepareStatement(
                        "SELECT queried FROM reverse_etl.runs WHERE sync_name = ? AND status ="
                                + " 'succeeded' AND NOT dry_run ORDER BY run_id DESC LIMIT 1")) {
            p.setString(1, sync);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot read the runs of " + sync, e);
        }
    }

    // ------------------------------------------------------------------ state

    /** The delivered state of every row of a sync. */
    public Map<String, State> loadState(String sync) {
        Map<String, State> out = new HashMap<>();
        try {
            connection.setAutoCommit(false);
            try (PreparedStatement p =
                    connection.prepareStatement(
                            "SELECT row_key, row_hash, destination_id, identity FROM"
                                    + " reverse_etl.sync_state WHERE sync_name = ?")) {
                p.setFetchSize(10_000);
                p.setString(1, sync);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.put(
                                rs.getString(1),
                                new State(rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            } finally {
                connection.commit();
                connection.setAutoCommit(true);
            }
            return out;
        } catch (SQLException e) {
            throw new LedgerException("cannot read the state of " + sync, e);
        }
    }

    /** The open rejections of a sync. */
    public Map<String, Rejection> loadRejections(String sync) {
        Map<String, Rejection> out = new HashMap<>();
        try (PreparedStatement p =
                connection.prepareStatement(
                        "SELECT row_key, operation, reason, attempts, parked, row_hash,"
                                + " next_attempt_at FROM reverse_etl.rejections WHERE sync_name ="
                                + " ?")) {
            p.setString(1, sync);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    Timestamp next = rs.getTimestamp(7);
                    out.put(
                            rs.getString(1),
                            new Rejection(
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getInt(4),
                                    rs.getBoolean(5),
                                    rs.getString(6),
                                    next == null ? null : next.toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new LedgerException("cannot read the rejections of " + sync, e);
        }
    }

    /**
     * Saves one batch's outcome in one transaction: the delivered rows' state, the rejected rows,
     * the removed rows, and the run's counts so far. A crash after this loses nothing of the batch.
     * The open rejections of the delivered and removed rows are cleared.
     */
    public void saveBatch(
            long runId,
            String sync,
            List<Delivered> delivered,
            List<Rejected> rejected,
            List<String> removed,
            Counts counts) {
        List<String> cleared = new java.util.ArrayList<>(removed);
        delivered.forEach(d -> cleared.add(d.key()));
        saveBatch(runId, sync, delivered, rejected, removed, cleared, counts);
    }

    /**
     * The same, clearing the open rejections of {@code clearRejections} only: the delivered and
     * removed rows that may have one. A run that knows which rows had a rejection when it read them
     * ({@link #loadRejections}, under the sync's lock, so that no other run adds any meanwhile)
     * passes those, and a first sync of a million rows does not look a million keys up for nothing.
     */
    public void saveBatch(
            long runId,
            String sync,
            List<Delivered> delivered,
            List<Rejected> rejected,
            List<String> removed,
            List<String> clearRejections,
            Counts counts) {
        try {
            connection.setAutoCommit(false);
            if (!delivered.isEmpty()) {
                try (PreparedStatement p =
                        connection.prepareStatement(
                                "INSERT INTO reverse_etl.sync_state (sync_name, row_key, row_hash,"
                                    + " destination_id, identity, last_run_id, synced_at) VALUES"
                                    + " (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sync_name, row_key) DO"
                                    + " UPDATE SET row_hash = excluded.row_hash, destination_id ="
                                    + " coalesce(excluded.destination_id,"
                                    + " reverse_etl.sync_state.destination_id), identity ="
                                    + " excluded.identity, last_run_id = excluded.last_run_id,"
                                    + " synced_at = excluded.synced_at")) {
                    Timestamp now = Timestamp.from(Instant.now());
                    for (Delivered d : delivered) {
                        p.setString(1, sync);
                        p.setString(2, d.key());
                        p.setString(3, d.hash());
                        p.setString(4, d.destinationId());
                        p.setString(5, d.identity());
                        p.setLong(6, runId);
                        p.setTimestamp(7, now);
                        p.addBatch();
                    }
                    p.executeBatch();
                }
            }
            if (!clearRejections.isEmpty()) {
                deleteKeys("reverse_etl.rejections", sync, clearRejections);
            }
            if (!removed.isEmpty()) {
                deleteKeys("reverse_etl.sync_state", sync, removed);
            }
            if (!rejected.isEmpty()) {
                try (PreparedStatement p =
                        connection.prepareStatement(
                                "INSERT INTO reverse_etl.rejections (sync_name, row_key, operation,"
                                    + " reason, attempts, last_run_id, parked, row_hash,"
                                    + " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON"
                                    + " CONFLICT (sync_name, row_key) DO UPDATE SET operation ="
                                    + " excluded.operation, reason = excluded.reason, attempts ="
                                    + " excluded.attempts, last_rejected_at = now(), last_run_id ="
                                    + " excluded.last_run_id, parked = excluded.parked, row_hash ="
                                    + " excluded.row_hash, next_attempt_at ="
                                    + " excluded.next_attempt_at")) {
                    for (Rejected r : rejected) {
                        p.setString(1, sync);
                        p.setString(2, r.key());
                        p.setString(3, r.operation());
                        p.setString(4, r.reason());
                        p.setInt(5, r.attempts());
                        p.setLong(6, runId);
                        p.setBoolean(7, r.parked());
                        p.setString(8, r.rowHash());
                        p.setTimestamp(
                                9,
                                r.nextAttemptAt() == null
                                        ? null
                                        : Timestamp.from(r.nextAttemptAt()));
                        p.addBatch();
                    }
                    p.executeBatch();
                }
            }
            try (PreparedStatement p =
                    connection.prepareStatement(
                            "UPDATE reverse_etl.runs SET queried = ?, invalid = ?, unchanged = ?,"
                                + " sent = ?, succeeded = ?, rejected = ?, retried = ?, deleted ="
                                + " ?, pending = ?, calls = ?, held = ?, parked = ?, batches = ?,"
                                + " retries = ? WHERE run_id = ?")) {
                int i = setCounts(p, 1, counts);
                p.setLong(i, runId);
                p.executeUpdate();
            }
            connection.commit();
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is gone: the batch was not saved either way
            }
            throw new LedgerException("cannot save a batch of run " + runId, e);
        } finally {
            try {
                connection.setAutoCommit(true);
            } catch (SQLException ignored) {
                // a broken connection: the next call reports it
            }
        }
    }

    private void deleteKeys(String table, String sync, List<String> keys) throws SQLException {
        try (PreparedStatement p =
                connection.prepareStatement(
                        "DELETE FROM " + table + " WHERE sync_name = ? AND row_key = ANY (?)")) {
            p.setString(1, sync);
            p.setArray(2, connection.createArrayOf("text", keys.toArray()));
            p.executeUpdate();
        }
    }

    /**
     * Requeues a sync's parked rows (an operator fixed the cause): the next run sends them again,
     * with their attempts counted from zero. Returns how many were requeued.
     */
    public int requeue(String sync) {
        try (PreparedStatement p =
                connection.prepareStatement(
                        "UPDATE reverse_etl.rejections SET parked = false, attempts = 0,"
                                + " next_attempt_at = NULL WHERE sync_name = ? AND (parked OR"
                                + " next_attempt_at IS NOT NULL)")) {
            p.setString(1, sync);
            return p.executeUpdate();
        } catch (SQLException e) {
            throw new LedgerException("cannot requeue the parked rows of " + sync, e);
        }
    }

    /** Saves a run's counts so far (before its first batch: an abandoned run's counts add up). */
    public void saveCounts(long runId, Counts counts) {
        try (PreparedStatement p =
                connection.prepareStatement(
                        "UPDATE reverse_etl.runs SET queried = ?, invalid = ?, unchanged = ?,"
                                + " sent = ?, succeeded = ?, rejected = ?, retried = ?, deleted ="
                                + " ?, pending = ?, calls = ?, held = ?, parked = ?, batches = ?,"
                                + " retries = ? WHERE run_id = ?")) {
            int i = setCounts(p, 1, counts);
            p.setLong(i, runId);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new LedgerException("cannot save the counts of run " + runId, e);
        }
    }

    /** The connection, for queries of the caller's own (read-only use). */
    public Connection connection() {
        return connection;
    }

    @Override
    public void close() {
        try {
            // release the run lock before closing: the server drops a closed session's locks
            // only once it has processed the disconnect, and the next run may already ask
            try (Statement s = connection.createStatement()) {
                s.execute("SELECT pg_advisory_unlock_all()");
            } catch (SQLException ignored) {
                // a broken connection: closing (or the server) releases the lock
            }
            connection.close();
        } catch (SQLException e) {
            // closing releases the lock either way
        }
    }
}
