/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.dedup;

import static io.tideline.ingest.IngestTables.Events.*;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.CommitAgeGauge;
import io.tideline.ingest.metrics.RunCounters;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
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
 * Deduplicates events by {@code event_id} (the key) within the dedup horizon (state TTL; in BATCH
 * the whole input is the horizon). The first delivery is {@code accepted}; every other is a {@code
 * duplicate}. Which delivery's row the table keeps does not depend on arrival order: the earliest
 * by (ingestion time, source position). When a duplicate turns out earlier than the kept one (as
 * can happen in BATCH, where input is sorted by key and event time) it is emitted again and the
 * upsert sink replaces the row, so both modes keep the same row.
 *
 * <p>Each event id's first delivery also goes to the side output {@link #FIRST_DELIVERIES}, the
 * append-only change log of {@code raw.events}: a later re-emission changes only the lineage
 * columns, so the change log holds one row per event id within the horizon.
 */
public final class FirstDeliveryWins extends KeyedProcessFunction<String, RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    /** The first delivery of each event id, for {@code raw.events_changelog}. */
    public static final OutputTag<RowData> FIRST_DELIVERIES =
            new OutputTag<>("first-deliveries", IngestTables.rowType(IngestTables.EVENTS_SCHEMA));

    private final Duration horizon;
    private final boolean expire;
    private final TableLoader table;
    private final RunCounters counters =
            new RunCounters("events", Bucket.ACCEPTED, Bucket.DUPLICATES);
    private transient ValueState<Tuple2<Long, String>> kept;
    private transient CommitAgeGauge commitAge;

    /**
     * @param horizon how long an event id is remembered
     * @param expire whether state expires (STREAMING); BATCH keeps it for the run
     * @param table the events table, for the {@code lastCommitAgeMs} gauge
     */
    public FirstDeliveryWins(Duration horizon, boolean expire, TableLoader table) {
        this.horizon = horizon;
        this.expire = expire;
        this.table = table;
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
        if (expire) {
            d.enableTimeToLive(
                    StateTtlConfig.newBuilder(horizon)
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
        }
        kept = getRuntimeContext().getState(d);
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            commitAge = new CommitAgeGauge(table.clone());
            RunCounters.metricGroup(getRuntimeContext(), "events")
                    .gauge("lastCommitAgeMs", commitAge);
        }
    }

    @Override
    public void processElement(RowData event, Context ctx, Collector<RowData> out)
            throws Exception {
        long ingestion = event.getTimestamp(INGESTION_TIME, 6).getMillisecond();
        String position = event.getString(SOURCE_POSITION).toString();
        Tuple2<Long, String> current = kept.value();
        if (current == null) {
            counters.inc(Bucket.ACCEPTED);
            kept.update(Tuple2.of(ingestion, position));
            out.collect(event);
            ctx.output(FIRST_DELIVERIES, event);
            return;
        }
        counters.inc(Bucket.DUPLICATES);
        if (earlier(ingestion, position, current.f0, current.f1)) {
            kept.update(Tuple2.of(ingestion, position));
            out.collect(event);
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
