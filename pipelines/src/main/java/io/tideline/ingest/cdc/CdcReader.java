/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.tideline.config.PostgresCdc;
import io.tideline.ingest.RawRecord;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.MetricGroup;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one table's changes from PostgreSQL's logical replication (pgoutput, through pgjdbc's
 * replication API), each as a JSON object of the row's columns plus {@code op}, {@code lsn} and
 * {@code commit_time}.
 *
 * <p><b>Snapshot, then stream.</b> Without a position, the reader creates the slot with {@code
 * CREATE_REPLICATION_SLOT ... LOGICAL pgoutput EXPORT_SNAPSHOT}, reads the table in a {@code
 * REPEATABLE READ} transaction on that exported snapshot ({@code SET TRANSACTION SNAPSHOT}), then
 * streams from the slot's consistent point: every transaction committed before that point is in the
 * snapshot and none after it, so the two meet with no gap and no overlap.
 *
 * <p><b>Position.</b> The split holds the end LSN of the last transaction emitted whole and, inside
 * a transaction, its commit LSN and the number of its changes emitted: the checkpointed state. A
 * restored reader streams from that LSN and skips what it already emitted. The slot's confirmed
 * flush position is advanced only in {@link #notifyCheckpointComplete}, to the position of that
 * checkpoint, so the server keeps every change a restore could still need.
 */
final class CdcReader implements SourceReader<RawRecord, CdcSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(CdcReader.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final int FETCH_SIZE = 10_000;

    /** What to read. */
    record Settings(
            String source,
            String url,
            Properties connection,
            String schema,
            String table,
            String slot,
            String publication,
            long endLsn,
            List<String> keyColumns)
            implements Serializable {

        /** Whether this is a bounded (BATCH, catch-up) read, up to {@link #endLsn}. */
        boolean bounded() {
            return endLsn > 0;
        }

        String label() {
            return schema + "." + table;
        }
    }

    private final Settings s;
    private final SourceReaderContext context;
    private CdcSplit split;
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private final TreeMap<Long, Long> positions = new TreeMap<>();

    private Connection replication;
    private PGReplicationStream stream;
    private Connection snapshotDb;
    private ResultSet snapshotRows;
    private String[] snapshotTypes;
    private String[] snapshotNames;
    private long snapshotLsn;
    private String snapshotTime;
    private long snapshotCount;

    /**
     * Per snapshot column: whether its text goes into the route (a key column of a routable type).
     */
    private boolean[] snapshotRoute;

    /** The position of every snapshot row but its number, built once (not per row). */
    private String snapshotPosition;

    /** The relations pgoutput described, by id, each with the columns that make its route. */
    private final Map<Integer, Described> relations = new HashMap<>();

    /** A relation, and per column whether its text goes into the route. */
    private record Described(PgOutput.Relation relation, boolean[] routed) {}

    private long txLsn;

    /**
     * The position of every change of the transaction but its number, built once per transaction.
     */
    private String txPosition;

    /** The transaction's commit time as the change records write it, built once per transaction. */
    private String txTime;

    private boolean txSkip;
    private boolean inTx;
    private int txSeen;

    /** Where {@link #json} writes each record; reset before each. */
    private final com.fasterxml.jackson.core.util.ByteArrayBuilder jsonBytes =
            new com.fasterxml.jackson.core.util.ByteArrayBuilder(512);

    private JsonGenerator json;

    private Connection metricsDb;
    private Connection peekDb;
    private ResultSet peekRows;
    private boolean ended;
    private long emitted;
    private long nextMetricsAt;
    private volatile long lagBytes = -1;
    private volatile long lastCommitMillis = -1;
    private volatile long truncates;

    CdcReader(Settings settings, SourceReaderContext context) {
        this.s = settings;
        this.context = context;
    }

    @Override
    public void start() {
        MetricGroup g = context.metricGroup().addGroup("tideline").addGroup("source", s.source());
        g.gauge("slotLagBytes", () -> lagBytes);
        g.gauge(
                "lastSourceCommitAgeMs",
                () -> lastCommitMillis < 0 ? -1L : System.currentTimeMillis() - lastCommitMillis);
        g.gauge("truncates", () -> truncates);
    }

    @Override
    public InputStatus pollNext(ReaderOutput<RawRecord> output) throws Exception {
        if (split == null) {
            return waitFor(new CompletableFuture<>());
        }
        if (ended) {
            return InputStatus.END_OF_INPUT;
        }
        if (metricsDb == null) {
            open();
        }
        if (snapshotRows != null) {
            return snapshotRow(output);
        }
        if (s.bounded()) {
            return peekRow(output);
        }
        metrics();
        ByteBuffer msg = stream.readPending();
        if (msg == null) {
            // Between transactions, with everything received handled: the server has sent every
            // transaction that committed before its last reported position, so the position can
            // move there (an idle table's slot would otherwise hold WAL of other tables' traffic).
            long received = stream.getLastReceiveLSN().asLong();
            if (!inTx && received > split.lsn() && split.txLsn() == 0) {
                split = new CdcSplit(split.slot(), true, received, 0, 0);
            }
            return waitFor(
                    CompletableFuture.runAsync(
                            () -> {},
                            CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS)));
        }
        handle(PgOutput.decode(msg), stream.getLastReceiveLSN().asLong(), output);
        return InputStatus.MORE_AVAILABLE;
    }

    private InputStatus waitFor(CompletableFuture<Void> future) {
        available = future;
        return InputStatus.NOTHING_AVAILABLE;
    }

    private void open() throws SQLException {
        Properties p = new Properties();
        p.putAll(s.connection());
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        metricsDb = DriverManager.getConnection(s.url(), s.connection());
        metricsDb.setAutoCommit(true);
        Long confirmed = freeSlot();
        if (!split.snapshotDone()) {
            replication = DriverManager.getConnection(s.url(), p);
            if (confirmed != null) {
                LOG.info(
                        "{}: slot {} exists but the snapshot was not completed in this job's"
                                + " state; dropping it and taking the snapshot again",
                        s.source(),
                        s.slot());
                try (PreparedStatement st =
                        metricsDb.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                    st.setString(1, s.slot());
                    st.execute();
                }
            }
            String snapshot;
            try (Statement st = replication.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "CREATE_REPLICATION_SLOT "
                                            + CdcPreflight.quote(s.slot())
                                            + " LOGICAL pgoutput EXPORT_SNAPSHOT")) {
                rs.next();
                snapshotLsn = LogSequenceNumber.valueOf(rs.getString(2)).asLong();
                snapshot = rs.getString(3);
            }
            // Microseconds, as PostgreSQL's commit times and the Iceberg column are.
            snapshotTime = Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
            snapshotPosition =
                    s.label() + "/snapshot/" + LogSequenceNumber.valueOf(snapshotLsn) + "/";
            LOG.info(
                    "{}: slot {} created at {}; reading the snapshot of {}",
                    s.source(),
                    s.slot(),
                    LogSequenceNumber.valueOf(snapshotLsn),
                    s.label());
            snapshotDb = DriverManager.getConnection(s.url(), s.connection());
            snapshotDb.setAutoCommit(false);
            try (Statement st = snapshotDb.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshot + "'");
            }
            Statement st = snapshotDb.createStatement();
            st.setFetchSize(FETCH_SIZE);
            snapshotRows =
                    st.executeQuery(
                            "SELECT * FROM "
                                    + CdcPreflight.quote(s.schema())
                                    + "."
                                    + CdcPreflight.quote(s.table()));
            ResultSetMetaData meta = snapshotRows.getMetaData();
            snapshotNames = new String[meta.getColumnCount()];
            snapshotTypes = new String[meta.getColumnCount()];
            snapshotRoute = new boolean[meta.getColumnCount()];
            for (int i = 0; i < snapshotNames.length; i++) {
                snapshotNames[i] = meta.getColumnName(i + 1);
                snapshotTypes[i] = meta.getColumnTypeName(i + 1);
                snapshotRoute[i] =
                        s.keyColumns().contains(snapshotNames[i])
                                && PgOutput.routable(snapshotTypes[i]);
            }
            return;
        }
        if (confirmed == null) {
            throw new IllegalStateException(
                    "sources."
                            + s.source()
                            + ": replication slot "
                            + s.slot()
                            + " is gone, so the changes after LSN "
                            + LogSequenceNumber.valueOf(split.lsn())
                            + " are lost to this job. Fix: start the job without its state (it"
                            + " takes a new snapshot)");
        }
        if (confirmed > split.lsn()) {
            throw new IllegalStateException(
                    "sources."
                            + s.source()
                            + ": slot "
                            + s.slot()
                            + " confirmed LSN "
                            + LogSequenceNumber.valueOf(confirmed)
                            + ", past the restored position "
                            + LogSequenceNumber.valueOf(split.lsn())
                            + " (an older checkpoint or savepoint?): the changes between are lost"
                            + " to this job. Fix: restore the latest checkpoint, or start without"
                            + " state");
        }
        if (s.bounded()) {
            startPeek();
        } else {
            replication = DriverManager.getConnection(s.url(), p);
            startStream(split.lsn());
        }
    }

    /**
     * Bounded: the slot's changes from its confirmed position up to the end LSN, read with {@code
     * pg_logical_slot_peek_binary_changes} (the transactions that committed before it, whole, in
     * commit order; the slot does not move: the driver confirms it after the Iceberg commit).
     */
    private void startPeek() throws SQLException {
        if (replication != null) {
            replication.close(); // releases the slot (and ends the exported snapshot)
            replication = null;
        }
        if (s.endLsn() <= split.lsn()) {
            LOG.info(
                    "{}: nothing to catch up on slot {} (at {}, end {})",
                    s.source(),
                    s.slot(),
                    LogSequenceNumber.valueOf(split.lsn()),
                    LogSequenceNumber.valueOf(s.endLsn()));
            ended = true;
            return;
        }
        peekDb = DriverManager.getConnection(s.url(), s.connection());
        peekDb.setAutoCommit(false);
        PreparedStatement st =
                peekDb.prepareStatement(
                        "SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes(?,"
                                + " ?::pg_lsn, NULL, 'proto_version', '1', 'publication_names',"
                                + " ?)");
        st.setFetchSize(FETCH_SIZE);
        st.setString(1, s.slot());
        st.setString(2, LogSequenceNumber.valueOf(s.endLsn()).asString());
        st.setString(3, s.publication());
        peekRows = st.executeQuery();
        LOG.info(
                "{}: catching up slot {} from {} to {}",
                s.source(),
                s.slot(),
                LogSequenceNumber.valueOf(split.lsn()),
                LogSequenceNumber.valueOf(s.endLsn()));
    }

    private InputStatus peekRow(ReaderOutput<RawRecord> output) throws Exception {
        if (ended) {
            return InputStatus.END_OF_INPUT;
        }
        if (!peekRows.next()) {
            peekRows.getStatement().close();
            peekDb.commit();
            peekDb.close();
            peekDb = null;
            peekRows = null;
            ended = true;
            LOG.info("{}: caught up to {}", s.source(), LogSequenceNumber.valueOf(s.endLsn()));
            return InputStatus.END_OF_INPUT;
        }
        long lsn = LogSequenceNumber.valueOf(peekRows.getString(1)).asLong();
        handle(PgOutput.decode(ByteBuffer.wrap(peekRows.getBytes(2))), lsn, output);
        return InputStatus.MORE_AVAILABLE;
    }

    /**
     * Emits one change. Bounded, with its place in this run as its timestamp: a BATCH job sorts a
     * keyed input by key and timestamp, so a key's changes keep their commit order.
     */
    private void emit(ReaderOutput<RawRecord> output, RawRecord record) {
        if (s.bounded()) {
            output.collect(record, emitted++);
        } else {
            output.collect(record);
        }
    }

    /**
     * Ends a connection of an earlier attempt that still holds the slot; returns the slot's
     * confirmed flush LSN, or null when there is no slot.
     */
    private Long freeSlot() throws SQLException {
        for (int attempt = 0; ; attempt++) {
            Long confirmed = null;
            Integer pid = null;
            boolean exists = false;
            try (PreparedStatement st =
                    metricsDb.prepareStatement(
                            "SELECT confirmed_flush_lsn::text, active_pid, database,"
                                    + " current_database() FROM pg_replication_slots WHERE"
                                    + " slot_name = ?")) {
                st.setString(1, s.slot());
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        if (!java.util.Objects.equals(rs.getString(3), rs.getString(4))) {
                            throw new CdcPreflight.CdcSetupException(
                                    "sources."
                                            + s.source()
                                            + ": replication slot "
                                            + s.slot()
                                            + " belongs to database "
                                            + rs.getString(3)
                                            + " (slot names are shared by the whole server)."
                                            + " Fix: give this source another slot: name");
                        }
                        exists = true;
                        String c = rs.getString(1);
                        confirmed = c == null ? 0L : LogSequenceNumber.valueOf(c).asLong();
                        int p = rs.getInt(2);
                        pid = rs.wasNull() ? null : p;
                    }
                }
            }
            if (!exists) {
                return null;
            }
            if (pid == null) {
                return confirmed;
            }
            if (attempt > 50) {
                throw new IllegalStateException(
                        "slot " + s.slot() + " stays in use by server process " + pid);
            }
            try (PreparedStatement st =
                    metricsDb.prepareStatement("SELECT pg_terminate_backend(?)")) {
                st.setInt(1, pid);
                st.execute();
            }
            try {
                Thread.sleep(100); // the server ends the process asynchronously
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private void startStream(long from) throws SQLException {
        stream =
                replication
                        .unwrap(PGConnection.class)
                        .getReplicationAPI()
                        .replicationStream()
                        .logical()
                        .withSlotName(s.slot())
                        .withStartPosition(LogSequenceNumber.valueOf(from))
                        .withSlotOption("proto_version", "1")
                        .withSlotOption("publication_names", s.publication())
                        .withStatusInterval(10, TimeUnit.SECONDS)
                        .start();
        LOG.info(
                "{}: streaming slot {} from {}",
                s.source(),
                s.slot(),
                LogSequenceNumber.valueOf(from));
    }

    private InputStatus snapshotRow(ReaderOutput<RawRecord> output) throws Exception {
        if (!snapshotRows.next()) {
            snapshotRows.getStatement().close();
            snapshotDb.commit();
            snapshotDb.close();
            snapshotRows = null;
            snapshotDb = null;
            LOG.info("{}: snapshot done, {} rows", s.source(), snapshotCount);
            split = new CdcSplit(split.slot(), true, snapshotLsn, 0, 0);
            if (s.bounded()) {
                startPeek();
            } else {
                startStream(snapshotLsn);
            }
            return InputStatus.MORE_AVAILABLE;
        }
        int route = 0;
        JsonGenerator g = startJson();
        for (int i = 0; i < snapshotNames.length; i++) {
            g.writeFieldName(snapshotNames[i]);
            String value = snapshotRows.getString(i + 1);
            if (snapshotRoute[i]) {
                route = route(route, value);
            }
            PgOutput.writeValue(g, snapshotTypes[i], value);
        }
        byte[] payload = endJson("snapshot", snapshotLsn, snapshotTime);
        emit(
                output,
                new RawRecord(
                        s.source(),
                        snapshotPosition + snapshotCount++,
                        System.currentTimeMillis(),
                        payload,
                        null,
                        RawRecord.RECORD,
                        route));
        return InputStatus.MORE_AVAILABLE;
    }

    private void handle(PgOutput.Message m, long receivedLsn, ReaderOutput<RawRecord> output)
            throws IOException {
        if (m instanceof PgOutput.Begin b) {
            txLsn = b.finalLsn();
            txPosition = s.label() + "/" + LogSequenceNumber.valueOf(txLsn) + "/";
            txTime = b.commitTime().toString();
            txSeen = 0;
            inTx = true;
            // Committed before the restored position: emitted already, whole.
            txSkip = txLsn < split.lsn();
        } else if (m instanceof PgOutput.Commit c) {
            if (!txSkip) {
                split = new CdcSplit(split.slot(), true, c.endLsn(), 0, 0);
            }
            lastCommitMillis = c.commitTime().toEpochMilli();
            txSkip = false;
            inTx = false;
        } else if (m instanceof PgOutput.RelationMessage r) {
            List<PgOutput.Column> cols = r.relation().columns();
            boolean[] routed = new boolean[cols.size()];
            for (int i = 0; i < routed.length; i++) {
                routed[i] =
                        s.keyColumns().contains(cols.get(i).name())
                                && PgOutput.ROUTABLE_KEY_TYPES.containsKey(cols.get(i).typeOid());
            }
            relations.put(r.relation().id(), new Described(r.relation(), routed));
        } else if (m instanceof PgOutput.Change c) {
            change(c, output);
        } else if (m instanceof PgOutput.Truncate t) {
            for (int id : t.relationIds()) {
                Described d = relations.get(id);
                PgOutput.Relation r = d == null ? null : d.relation();
                if (r != null && ours(r)) {
                    truncates++;
                    LOG.warn(
                            "{}: table {} was truncated (commit LSN {}): the rows are not removed"
                                    + " from the Iceberg table; see pipelines/README.md (truncate)",
                            s.source(),
                            s.label(),
                            LogSequenceNumber.valueOf(txLsn));
                }
            }
        }
        // origin, type, message: nothing to emit
    }

    /**
     * Begins a JSON record (its object opened) with this reader's generator, created once: a
     * generator per record cost a third of the reader's time (its buffers and their thread-local
     * recycler).
     */
    private JsonGenerator startJson() throws IOException {
        if (json == null) {
            json = JSON.createGenerator(jsonBytes);
            json.setRootValueSeparator(null);
        }
        jsonBytes.reset();
        json.writeStartObject();
        return json;
    }

    /**
     * Ends the record {@link #startJson()} began with its change columns, and returns its bytes.
     */
    private byte[] endJson(String op, long lsn, String commitTime) throws IOException {
        json.writeStringField(PostgresCdc.OP, op);
        json.writeNumberField(PostgresCdc.LSN, lsn);
        json.writeStringField(PostgresCdc.COMMIT_TIME, commitTime);
        json.writeEndObject();
        json.flush();
        return jsonBytes.toByteArray();
    }

    /**
     * Adds a key column's text to a route. The snapshot and the stream send a key's columns in the
     * same order (the table's), with the same text for the routable types.
     */
    private static int route(int route, String value) {
        return 31 * route + (value == null ? 0 : value.hashCode());
    }

    private boolean ours(PgOutput.Relation r) {
        return r.namespace().equals(s.schema()) && r.name().equals(s.table());
    }

    private void change(PgOutput.Change c, ReaderOutput<RawRecord> output) throws IOException {
        Described d = relations.get(c.relationId());
        PgOutput.Relation r = d == null ? null : d.relation();
        if (r == null) {
            throw new IllegalStateException(
                    "pgoutput sent a change of relation "
                            + c.relationId()
                            + " before its Relation");
        }
        if (!ours(r) || txSkip) {
            return;
        }
        int seq = txSeen++;
        if (txLsn == split.txLsn() && seq < split.txEmitted()) {
            return; // emitted before the restore
        }
        boolean[] routed = d.routed();
        int route = 0;
        JsonGenerator g = startJson();
        List<PgOutput.Column> cols = r.columns();
        String[] values = c.values();
        boolean delete = c.op().equals("delete");
        for (int i = 0; i < cols.size() && i < values.length; i++) {
            PgOutput.Column col = cols.get(i);
            if (routed[i]) {
                route = route(route, values[i]);
            }
            if (delete && values[i] == null && !col.key()) {
                continue; // not part of the old key: absent, not null
            }
            if (values[i] == PgOutput.UNCHANGED) {
                continue;
            }
            g.writeFieldName(col.name());
            PgOutput.writeValue(g, PgOutput.TYPES.get(col.typeOid()), values[i]);
        }
        byte[] payload = endJson(c.op(), txLsn, txTime);
        emit(
                output,
                new RawRecord(
                        s.source(),
                        txPosition + seq,
                        System.currentTimeMillis(),
                        payload,
                        null,
                        RawRecord.RECORD,
                        route));
        split = new CdcSplit(split.slot(), true, split.lsn(), txLsn, seq + 1);
    }

    /** Slot lag, at most every 5 s, from a connection of its own. */
    private void metrics() {
        long now = System.currentTimeMillis();
        if (now < nextMetricsAt) {
            return;
        }
        nextMetricsAt = now + 5000;
        try (PreparedStatement st =
                metricsDb.prepareStatement(
                        "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint FROM"
                                + " pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, s.slot());
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    lagBytes = rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            LOG.debug("{}: slot lag unavailable", s.source(), e);
        }
    }

    @Override
    public List<CdcSplit> snapshotState(long checkpointId) {
        if (split == null) {
            return List.of();
        }
        if (split.snapshotDone()) {
            positions.put(checkpointId, split.lsn());
        }
        return List.of(split);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        Map.Entry<Long, Long> done = positions.floorEntry(checkpointId);
        if (done == null) {
            return;
        }
        positions.headMap(checkpointId, true).clear();
        if (stream != null && !stream.isClosed()) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(done.getValue());
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
            stream.forceUpdateStatus();
        }
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public void addSplits(List<CdcSplit> splits) {
        if (!splits.isEmpty()) {
            split = splits.get(0);
            available.complete(null);
        }
    }

    @Override
    public void notifyNoMoreSplits() {}

    @Override
    public void close() {
        for (AutoCloseable c :
                new AutoCloseable[] {stream, snapshotDb, peekDb, replication, metricsDb, json}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }
}
