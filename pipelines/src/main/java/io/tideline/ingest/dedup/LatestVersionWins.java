/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.dedup;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.CommitAgeGauge;
import io.tideline.ingest.metrics.RunCounters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.TableLoader;

/**
 * {@code dedup: latest}: keeps the newest version of each key. A delivery whose {@code version} is
 * newer than the kept one is {@code accepted}; an older one (stale) or the same one delivered again
 * is a {@code duplicate}. Two different contents with the same version are ordered by a hash of
 * their content, two deliveries of the same content by (ingestion time, source position), so the
 * row kept does not depend on arrival order.
 *
 * <p>Deliveries are judged in delivery order in both modes: STREAMING as they arrive; BATCH
 * collects a key's deliveries and, when the key ends, replays them sorted by (ingestion time,
 * source position), so a stale version counts as a duplicate in both. Every row emitted goes to
 * {@link #changes()} (the change log); the table (main output) gets every emission in STREAMING,
 * and the key's final row only in BATCH.
 */
public final class LatestVersionWins extends KeyedProcessFunction<String, RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final Schema schema;
    private final int versionField;
    private final boolean versionIsTime;
    private final int[] contentFields;
    private final TableLoader table;
    private final RunCounters counters;
    private final int ingestionTime;
    private final int sourcePosition;
    private final boolean batch;
    private final TypeInformation<RowData> rowType;
    private final OutputTag<RowData> changes;
    private transient ValueState<Tuple4<Long, Long, Long, String>> kept;
    private transient ListState<RowData> pending;
    private transient RowData.FieldGetter[] fields;
    private transient CommitAgeGauge commitAge;

    public LatestVersionWins(
            String source,
            Schema schema,
            int versionField,
            boolean versionIsTime,
            int[] contentFields,
            int ingestionTime,
            int sourcePosition,
            TableLoader table,
            boolean batch) {
        this.source = source;
        this.schema = schema;
        this.versionField = versionField;
        this.versionIsTime = versionIsTime;
        this.contentFields = contentFields;
        this.ingestionTime = ingestionTime;
        this.sourcePosition = sourcePosition;
        this.table = table;
        this.batch = batch;
        this.rowType = IngestTables.rowType(schema);
        this.changes = new OutputTag<>("versions-" + source, rowType);
        this.counters = new RunCounters(source, Bucket.ACCEPTED, Bucket.DUPLICATES);
    }

    /** Every version emitted, for the change log. */
    public OutputTag<RowData> changes() {
        return changes;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        counters.initializeState(context);
    }

    @Override
    public void open(OpenContext openContext) {
        counters.open(getRuntimeContext());
        kept =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "latest-version",
                                        Types.TUPLE(
                                                Types.LONG, Types.LONG, Types.LONG, Types.STRING)));
        if (batch) {
            pending =
                    getRuntimeContext()
                            .getListState(new ListStateDescriptor<>("deliveries", rowType));
        }
        fields = IngestTables.fieldGetters(schema);
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            commitAge = new CommitAgeGauge(table.clone());
            RunCounters.metricGroup(getRuntimeContext(), source)
                    .gauge("lastCommitAgeMs", commitAge);
        }
    }

    @Override
    public void processElement(RowData row, Context ctx, Collector<RowData> out) throws Exception {
        if (batch) {
            pending.add(row);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            return;
        }
        if (judge(row)) {
            out.collect(row);
            ctx.output(changes, row);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RowData> out)
            throws Exception {
        List<RowData> rows = new ArrayList<>();
        for (RowData r : pending.get()) {
            rows.add(r);
        }
        pending.clear();
        rows.sort(
                Comparator.comparingLong(
                                (RowData r) -> r.getTimestamp(ingestionTime, 6).getMillisecond())
                        .thenComparing(
                                (RowData r) -> r.getString(sourcePosition).toString(),
                                (a, b) ->
                                        a.length() != b.length()
                                                ? Integer.compare(a.length(), b.length())
                                                : a.compareTo(b)));
        RowData last = null;
        for (RowData r : rows) {
            if (judge(r)) {
                ctx.output(changes, r);
                last = r;
            }
        }
        if (last != null) {
            out.collect(last);
        }
    }

    /** Whether this delivery becomes the key's row (counted either way). */
    private boolean judge(RowData row) throws Exception {
        long version;
        if (versionIsTime) {
            var ts = row.getTimestamp(versionField, 6);
            version = ts.getMillisecond() * 1000 + ts.getNanoOfMillisecond() / 1000;
        } else {
            Object v = fields[versionField].getFieldOrNull(row);
            version = v == null ? Long.MIN_VALUE : ((Number) v).longValue();
        }
        long hash = contentHash(row);
        long ingestion = row.getTimestamp(ingestionTime, 6).getMillisecond();
        String position = row.getString(sourcePosition).toString();
        Tuple4<Long, Long, Long, String> current = kept.value();
        Tuple4<Long, Long, Long, String> candidate = Tuple4.of(version, hash, ingestion, position);
        if (current == null || version > current.f0) {
            counters.inc(Bucket.ACCEPTED);
            kept.update(candidate);
            return true;
        }
        counters.inc(Bucket.DUPLICATES);
        boolean wins =
                version == current.f0
                        && (hash > current.f1
                                || (hash == current.f1
                                        && FirstDeliveryWins.earlier(
                                                ingestion, position, current.f2, current.f3)));
        if (wins) {
            kept.update(candidate);
        }
        return wins;
    }

    /** 64-bit FNV-1a over the text of the content fields. */
    private long contentHash(RowData row) {
        long h = 0xcbf29ce484222325L;
        for (int i : contentFields) {
            Object v = fields[i].getFieldOrNull(row);
            byte[] bytes = String.valueOf(v).getBytes(StandardCharsets.UTF_8);
            for (byte b : bytes) {
                h ^= b & 0xff;
                h *= 0x100000001b3L;
            }
            h ^= 0x1f;
            h *= 0x100000001b3L;
        }
        return h;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        counters.snapshotState();
    }

    @Override
    public void close() throws Exception {
        if (commitAge != null) {
            commitAge.close();
        }
    }
}
