/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.dedup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What makes a BATCH rerun idempotent: drops the rows a table already holds, recognised by their
 * delivery: the source position (plus, for file drops, the file's modification time, so that a file
 * rewritten in place is new), for the rows of one source. A second identical backfill thus writes
 * nothing, and every table, append-only ones included, stays row for row as the first run left it.
 * Only in BATCH; a STREAMING job relies on its checkpoints instead.
 *
 * <p>The table's deliveries are loaded once per subtask at start, as 64-bit hashes in an
 * open-addressing set (16 bytes per row at most); a hash collision (about 1 in 10^19 per pair)
 * would drop a new row.
 */
public final class SkipCommitted extends RichFilterFunction<RowData> {

    private static final long serialVersionUID = 1L;

    private final TableLoader table;
    private final String source;
    private final boolean sourceColumn;
    private final int positionField;
    private final int ingestionField;
    private transient LongSet seen;

    /**
     * @param source the source whose rows are compared
     * @param sourceColumn whether the table is shared and has a {@code source} column
     * @param positionField the row's {@code source_position}
     * @param ingestionField the row's {@code ingestion_time}, part of the delivery; -1 if not
     */
    public SkipCommitted(
            TableLoader table,
            String source,
            boolean sourceColumn,
            int positionField,
            int ingestionField) {
        this.table = table;
        this.source = source;
        this.sourceColumn = sourceColumn;
        this.positionField = positionField;
        this.ingestionField = ingestionField;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        seen = new LongSet();
        try (TableLoader loader = table.clone()) {
            loader.open();
            Table t = loader.loadTable();
            if (t.currentSnapshot() == null) {
                return;
            }
            var scan = IcebergGenerics.read(t).select(columns());
            if (sourceColumn) {
                scan = scan.where(Expressions.equal("source", source));
            }
            try (CloseableIterable<Record> rows = scan.build()) {
                for (Record r : rows) {
                    Object p = r.getField("source_position");
                    if (p == null) {
                        continue;
                    }
                    long ms = Long.MIN_VALUE;
                    if (ingestionField >= 0) {
                        Object t0 = r.getField("ingestion_time");
                        ms =
                                t0 == null
                                        ? Long.MIN_VALUE
                                        : ((OffsetDateTime) t0).toInstant().toEpochMilli();
                    }
                    seen.add(hash(p.toString(), ms));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String[] columns() {
        java.util.List<String> c = new java.util.ArrayList<>(java.util.List.of("source_position"));
        if (ingestionField >= 0) {
            c.add("ingestion_time");
        }
        if (sourceColumn) {
            c.add("source");
        }
        return c.toArray(new String[0]);
    }

    @Override
    public boolean filter(RowData row) {
        if (seen.isEmpty()) {
            return true;
        }
        long ms =
                ingestionField >= 0 && !row.isNullAt(ingestionField)
                        ? row.getTimestamp(ingestionField, 6).getMillisecond()
                        : Long.MIN_VALUE;
        return !seen.contains(hash(row.getString(positionField).toString(), ms));
    }

    static long hash(String position, long ms) {
        long h = 0xcbf29ce484222325L;
        for (byte b : position.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= ms;
        h *= 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 31);
    }

    /** A set of longs, open addressing, no boxing. */
    static final class LongSet {
        private long[] slots = new long[16];
        private boolean hasZero;
        private int size;

        boolean isEmpty() {
            return size == 0 && !hasZero;
        }

        void add(long v) {
            if (v == 0) {
                hasZero = true;
                return;
            }
            if ((size + 1) * 2 > slots.length) {
                long[] old = slots;
                slots = new long[old.length * 2];
                size = 0;
                for (long o : old) {
                    if (o != 0) {
                        add(o);
                    }
                }
            }
            int mask = slots.length - 1;
            int i = (int) (v ^ (v >>> 32)) & mask;
            while (slots[i] != 0) {
                if (slots[i] == v) {
                    return;
                }
                i = (i + 1) & mask;
            }
            slots[i] = v;
            size++;
        }

        boolean contains(long v) {
            if (v == 0) {
                return hasZero;
            }
            int mask = slots.length - 1;
            int i = (int) (v ^ (v >>> 32)) & mask;
            while (slots[i] != 0) {
                if (slots[i] == v) {
                    return true;
                }
                i = (i + 1) & mask;
            }
            return false;
        }
    }
}
