/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.postgres;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.tideline.ingest.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
 * Reads a table or query by its cursor columns ({@code WHERE (c1, c2) > (?, ?) ORDER BY c1, c2
 * LIMIT batch-size}), one page at a time, each row as a JSON object of its columns (timestamps as
 * ISO-8601 UTC instants, {@code json}/{@code jsonb} as JSON, uuids and other types as text). The
 * cursor advances with every row emitted and is the checkpointed state. Bounded: stops at the first
 * empty page. Unbounded: polls again after the poll interval.
 *
 * <p>The position of a row is {@code <table>/<key values>@<version>} (the cursor values when the
 * source has no version). A row whose transaction commits after a later cursor value was read is
 * missed (the usual limit of cursor-based change capture; see pipelines/README.md).
 */
final class CursorReader implements SourceReader<RawRecord, CursorSplit> {

    private static final Calendar UTC = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
    private static final JsonFactory JSON = new JsonFactory();

    /** What to read and how. */
    record Settings(
            String source,
            String url,
            Properties connection,
            String table,
            String query,
            List<String> columns,
            List<String> cursor,
            List<String> key,
            String version,
            long pollIntervalMs,
            int pageSize)
            implements Serializable {

        String label() {
            return table != null ? table : source;
        }
    }

    private final Settings s;
    private final boolean bounded;
    private final ArrayDeque<Row> page = new ArrayDeque<>();
    private CursorSplit split;
    private boolean noMoreSplits;
    private boolean exhausted;
    private long nextPollAt;
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private Connection db;

    private record Row(List<Object> cursor, RawRecord record) {}

    CursorReader(Settings settings, boolean bounded) {
        this.s = settings;
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
                    nextPollAt = System.currentTimeMillis() + s.pollIntervalMs();
                }
            }
        }
        Row row = page.poll();
        if (row != null) {
            output.collect(row.record());
            split = new CursorSplit(split.table(), row.cursor());
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

    private static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    String sql(boolean atStart) {
        StringBuilder q = new StringBuilder("SELECT ");
        if (s.columns() == null) {
            q.append('*');
        } else {
            List<String> cols = new ArrayList<>(s.columns());
            for (String c : s.cursor()) {
                if (!cols.contains(c)) {
                    cols.add(c);
                }
            }
            for (int i = 0; i < cols.size(); i++) {
                q.append(i == 0 ? "" : ", ").append(quote(cols.get(i)));
            }
        }
        q.append(" FROM ").append(s.table() != null ? s.table() : "(" + s.query() + ") AS q");
        String order = String.join(", ", s.cursor().stream().map(CursorReader::quote).toList());
        if (!atStart) {
            q.append(" WHERE (").append(order).append(") > (");
            for (int i = 0; i < s.cursor().size(); i++) {
                q.append(i == 0 ? "?" : ", ?");
            }
            q.append(')');
        }
        q.append(" ORDER BY ").append(order).append(" LIMIT ?");
        return q.toString();
    }

    private void fetchPage() throws SQLException, IOException {
        long readTime = System.currentTimeMillis();
        try (PreparedStatement st = connection().prepareStatement(sql(split.atStart()))) {
            int p = 1;
            for (Object v : split.cursor()) {
                if (v instanceof Timestamp t) {
                    st.setTimestamp(p++, t, UTC);
                } else {
                    st.setObject(p++, v);
                }
            }
            st.setInt(p, s.pageSize());
            try (ResultSet rs = st.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    page.add(toRow(rs, meta, readTime));
                }
            }
        } catch (SQLException e) {
            closeConnection();
            throw e;
        }
    }

    private Row toRow(ResultSet rs, ResultSetMetaData meta, long readTime)
            throws SQLException, IOException {
        int n = meta.getColumnCount();
        List<String> names = new ArrayList<>(n);
        List<Object> values = new ArrayList<>(n);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            for (int i = 1; i <= n; i++) {
                String name = meta.getColumnLabel(i);
                int type = meta.getColumnType(i);
                Object v;
                if (type == Types.TIMESTAMP || type == Types.TIMESTAMP_WITH_TIMEZONE) {
                    v = rs.getTimestamp(i, UTC);
                } else {
                    v = rs.getObject(i);
                }
                names.add(name);
                values.add(v);
                g.writeFieldName(name);
                String typeName = meta.getColumnTypeName(i);
                if (v == null) {
                    g.writeNull();
                } else if (v instanceof Timestamp t) {
                    g.writeString(t.toInstant().toString());
                } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
                    g.writeNumber(((Number) v).longValue());
                } else if (v instanceof BigDecimal d) {
                    g.writeNumber(d.toPlainString());
                } else if (v instanceof Double || v instanceof Float) {
                    g.writeNumber(((Number) v).doubleValue());
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else if (v instanceof java.sql.Date d) {
                    g.writeString(d.toLocalDate().toString());
                } else if ("json".equals(typeName) || "jsonb".equals(typeName)) {
                    g.writeRawValue(v.toString());
                } else {
                    g.writeString(v.toString());
                }
            }
            g.writeEndObject();
        }
        List<Object> cursor = new ArrayList<>(s.cursor().size());
        for (String c : s.cursor()) {
            Object v = values.get(names.indexOf(c));
            cursor.add(v instanceof Short sh ? Integer.valueOf(sh) : v);
        }
        StringBuilder position = new StringBuilder(s.label()).append('/');
        List<String> keyCols = s.key().isEmpty() ? s.cursor() : s.key();
        for (int i = 0; i < keyCols.size(); i++) {
            position.append(i == 0 ? "" : ",")
                    .append(text(values.get(names.indexOf(keyCols.get(i)))));
        }
        position.append('@');
        if (s.version() != null) {
            position.append(text(values.get(names.indexOf(s.version()))));
        } else {
            for (int i = 0; i < cursor.size(); i++) {
                position.append(i == 0 ? "" : ",").append(text(cursor.get(i)));
            }
        }
        return new Row(
                cursor,
                new RawRecord(
                        s.source(), position.toString(), readTime, bytes.toByteArray(), null));
    }

    private static String text(Object v) {
        if (v == null) {
            return "null";
        }
        return v instanceof Timestamp t ? t.toInstant().toString() : v.toString();
    }

    private Connection connection() throws SQLException {
        if (db == null || db.isClosed()) {
            db = DriverManager.getConnection(s.url(), s.connection());
            db.setReadOnly(true);
            try (Statement st = db.createStatement()) {
                st.execute("SET TIME ZONE 'UTC'");
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
