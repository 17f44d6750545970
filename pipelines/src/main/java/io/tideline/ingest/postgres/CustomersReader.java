/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.postgres;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.ingest.RawRecord;
import io.tideline.ingest.validate.Payloads;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Calendar;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.core.io.InputStatus;

/**
 * Reads the customers table by its {@code (updated_at, id)} cursor, one page at a time, each row as
 * a JSON object. The cursor advances with every row emitted and is the checkpointed state. Bounded:
 * stops at the first empty page. Unbounded: polls again after the poll interval.
 *
 * <p>A row whose transaction commits after a later {@code updated_at} was read is missed (the usual
 * limit of cursor-based change capture; see pipelines/README.md).
 */
final class CustomersReader implements SourceReader<RawRecord, CursorSplit> {

    private static final Calendar UTC = Calendar.getInstance(TimeZone.getTimeZone("UTC"));

    private final String url;
    private final Properties connection;
    private final String table;
    private final long pollIntervalMs;
    private final int pageSize;
    private final boolean bounded;

    private final ArrayDeque<Row> page = new ArrayDeque<>();
    private CursorSplit split;
    private boolean noMoreSplits;
    private boolean exhausted;
    private long nextPollAt;
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private Connection db;

    private record Row(long updatedAtMicros, long id, RawRecord record) {}

    CustomersReader(
            String url,
            Properties connection,
            String table,
            long pollIntervalMs,
            int pageSize,
            boolean bounded) {
        this.url = url;
        this.connection = connection;
        this.table = table;
        this.pollIntervalMs = pollIntervalMs;
        this.pageSize = pageSize;
        this.bounded = bounded;
    }

    @Override
    public void start() {}

    @Override
    public InputStatus pollNext(ReaderOutput<RawRecord> output) throws Exception {
        if (split == null) {
            return noMoreSplits ? InputStatus.END_OF_INPUT : waitFor(new CompletableFuture<>());
        }
        if (page.isEmpty() && !exhausted && System.currentTimeMillis() >= nextPollAt) {
            fetchPage();
            if (page.isEmpty()) {
                if (bounded) {
                    exhausted = true;
                } else {
                    nextPollAt = System.currentTimeMillis() + pollIntervalMs;
                }
            }
        }
        Row row = page.poll();
        if (row != null) {
            output.collect(row.record());
            split = new CursorSplit(split.table(), row.updatedAtMicros(), row.id());
            return InputStatus.MORE_AVAILABLE;
        }
        if (exhausted) {
            return InputStatus.END_OF_INPUT;
        }
        long wait = Math.max(1, nextPollAt - System.currentTimeMillis());
        return waitFor(
                CompletableFuture.runAsync(
                        () -> {}, CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS)));
    }

    private InputStatus waitFor(CompletableFuture<Void> future) {
        available = future;
        return InputStatus.NOTHING_AVAILABLE;
    }

    private void fetchPage() throws SQLException {
        String columns = "id, email, name, country, plan, created_at, updated_at";
        String sql =
                split.atStart()
                        ? "SELECT "
                                + columns
                                + " FROM "
                                + table
                                + " ORDER BY updated_at, id LIMIT ?"
                        : "SELECT "
                                + columns
                                + " FROM "
                                + table
                                + " WHERE (updated_at, id) > (?, ?) ORDER BY updated_at, id"
                                + " LIMIT ?";
        long readTime = System.currentTimeMillis();
        try (PreparedStatement st = connection().prepareStatement(sql)) {
            int p = 1;
            if (!split.atStart()) {
                st.setTimestamp(p++, toTimestamp(split.updatedAtMicros()), UTC);
                st.setLong(p++, split.id());
            }
            st.setInt(p, pageSize);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    page.add(toRow(rs, readTime));
                }
            }
        } catch (SQLException e) {
            closeConnection();
            throw e;
        }
    }

    private Row toRow(ResultSet rs, long readTime) throws SQLException {
        long id = rs.getLong(1);
        Timestamp updated = rs.getTimestamp(7, UTC);
        Timestamp created = rs.getTimestamp(6, UTC);
        ObjectNode o = Payloads.JSON.createObjectNode();
        o.put("id", id);
        o.put("email", rs.getString(2));
        o.put("name", rs.getString(3));
        o.put("country", rs.getString(4));
        o.put("plan", rs.getString(5));
        o.put("created_at", created == null ? null : created.toInstant().toString());
        o.put("updated_at", updated == null ? null : updated.toInstant().toString());
        long micros = updated == null ? Long.MIN_VALUE + 1 : toMicros(updated.toInstant());
        String position = table + "/" + id + "@" + (updated == null ? "null" : updated.toInstant());
        return new Row(
                micros,
                id,
                new RawRecord(
                        "customers",
                        position,
                        readTime,
                        o.toString().getBytes(StandardCharsets.UTF_8),
                        null));
    }

    private static long toMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    private static Timestamp toTimestamp(long micros) {
        Instant t =
                Instant.ofEpochSecond(
                        Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1000);
        return Timestamp.from(t);
    }

    private Connection connection() throws SQLException {
        if (db == null || db.isClosed()) {
            db = DriverManager.getConnection(url, connection);
            db.setReadOnly(true);
            try (Statement s = db.createStatement()) {
                s.execute("SET TIME ZONE 'UTC'");
            }
        }
        return db;
    }

    private void closeConnection() {
        try {
            if (db != null) {
                db.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
        db = null;
    }

    @Override
    public List<CursorSplit> snapshotState(long checkpointId) {
        // Rows fetched but not yet emitted are fetched again after a restore.
        return split == null ? List.of() : List.of(split);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public void addSplits(List<CursorSplit> splits) {
        if (!splits.isEmpty()) {
            split = splits.get(0);
            page.clear();
            available.complete(null);
        }
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        available.complete(null);
    }

    @Override
    public void close() {
        closeConnection();
    }
}
