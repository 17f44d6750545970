/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.dedup;

import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.CommitAgeGauge;
import io.tideline.ingest.metrics.RunCounters;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.flink.TableLoader;

/**
 * {@code dedup: first}: deduplicates rows by key within the dedup horizon (state TTL; in BATCH the
 * whole input is the horizon). The first delivery of a key is counted in {@code firstBucket}
 * ({@code accepted}, or {@code late} on the late path); every other is a {@code duplicate}. Which
 * delivery's row the table keeps does not depend on arrival order: the earliest by (ingestion time,
 * source position).
 *
 * <ul>
 *   <li>STREAMING: the first arrival is emitted at once; a later arrival that turns out earlier is
 *       emitted again and the upsert sink replaces the row.
 *   <li>BATCH: the key's earliest delivery is kept in state and emitted once, when the key ends
 *       (BATCH fires event-time timers per key), so the table receives one row per key.
 * </ul>
 *
 * <p>The first emission of each key also goes to {@link #firstDeliveries()}, the append-only change
 * log of the table: one row per key within the horizon.
 */
public final class FirstDeliveryWins extends KeyedProcessFunction<String, RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final Duration horizon;
    private final boolean batch;
    private final TableLoader table;
    private final int ingestionTime;
    private final int position;
    private final TypeInformation<RowData> rowType;
    private final OutputTag<RowData> firsts;
    private final Bucket firstBucket;
    private final RunCounters counters;
    private transient ValueState<Tuple2<Long, String>> kept;
    private transient ValueState<RowData> best;
    private transient CommitAgeGauge commitAge;

    /**
     * @param horizon how long a key is remembered (STREAMING)
     * @param batch BATCH: one emission per key, at its end
     * @param table the table, for the {@code lastCommitAgeMs} gauge (null: none)
     * @param firstBucket the bucket of a key's first delivery
     */
    public FirstDeliveryWins(
            String source,
            Duration horizon,
            boolean batch,
            TableLoader table,
            int ingestionTime,
            int position,
            TypeInformation<RowData> rowType,
            Bucket firstBucket) {
        this.source = source;
        this.horizon = horizon;
        this.batch = batch;
        this.table = table;
        this.ingestionTime = ingestionTime;
        this.position = position;
        this.rowType = rowType;
        this.firstBucket = firstBucket;
        this.firsts =
                new OutputTag<>(
                        "first-deliveries-" + source + "-" + firstBucket.metricName(), rowType);
        this.counters = new RunCounters(source, firstBucket, Bucket.DUPLICATES);
    }

    /** The first emission of each key, for the change log. */
    public OutputTag<RowData> firstDeliveries() {
        return firsts;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        counters.initializeState(context);
    }

    @Override
    public void open(OpenContext openContext) {
        counters.open(getRuntimeContext());
        ValueStateDescriptor<Tuple2<Long, String>> d =
                new ValueStateDescriptor<>("first-delivery", Types.TUPLE(Types.LONG, Types.STRING));
        if (!batch) {
            d.enableTimeToLive(
                    StateTtlConfig.newBuilder(horizon)
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
        }
        kept = getRuntimeContext().getState(d);
        if (batch) {
            best =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("best-delivery", rowType));
        }
        if (table != null && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            commitAge = new CommitAgeGauge(table.clone());
            RunCounters.metricGroup(getRuntimeContext(), source)
                    .gauge("lastCommitAgeMs", commitAge);
        }
    }

    @Override
    public void processElement(RowData row, Context ctx, Collector<RowData> out) throws Exception {
        long ingestion = row.getTimestamp(ingestionTime, 6).getMillisecond();
        String pos = row.getString(position).toString();
        Tuple2<Long, String> current = kept.value();
        if (current == null) {
            counters.inc(firstBucket);
            kept.update(Tuple2.of(ingestion, pos));
            if (batch) {
                best.update(row);
                ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            } else {
                out.collect(row);
                ctx.output(firsts, row);
            }
            return;
        }
        counters.inc(Bucket.DUPLICATES);
        if (earlier(ingestion, pos, current.f0, current.f1)) {
            kept.update(Tuple2.of(ingestion, pos));
            if (batch) {
                best.update(row);
            } else {
                out.collect(row);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RowData> out)
            throws Exception {
        RowData row = best.value();
        if (row != null) {
            out.collect(row);
            ctx.output(firsts, row);
            best.clear();
        }
    }

    /** A total order on deliveries: ingestion time, then position (shorter first, then text). */
    public static boolean earlier(long t1, String p1, long t2, String p2) {
        if (t1 != t2) {
            return t1 < t2;
        }
        if (p1.length() != p2.length()) {
            return p1.length() < p2.length();
        }
        return p1.compareTo(p2) < 0;
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
