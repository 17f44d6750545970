/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.time;

import static io.tideline.ingest.IngestTables.Events.*;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.RunCounters;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sends late events to the {@link #LATE} side output ({@code raw.late_events}), with their
 * lateness. An event is late when {@code ingestion_time - event_time > allowed lateness}: its own
 * ingestion time, not the watermark, decides, so BATCH (whose watermark is perfect) and STREAMING
 * agree on every record. Counts {@code late}; the {@code behindWatermark} counter tells, for
 * information only, how many on-time events arrived behind the current watermark.
 */
public final class RouteLateEvents extends ProcessFunction<RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<RowData> LATE =
            new OutputTag<>("late", IngestTables.rowType(IngestTables.LATE_EVENTS_SCHEMA));

    private final long allowedLatenessMs;
    private final RunCounters counters = new RunCounters("events", Bucket.LATE);
    private transient Counter behindWatermark;
    private transient RowData.FieldGetter[] fields;

    public RouteLateEvents(long allowedLatenessMs) {
        this.allowedLatenessMs = allowedLatenessMs;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        counters.initializeState(context);
    }

    @Override
    public void open(OpenContext openContext) {
        counters.open(getRuntimeContext());
        behindWatermark =
                RunCounters.metricGroup(getRuntimeContext(), "events").counter("behindWatermark");
        fields = IngestTables.fieldGetters(IngestTables.EVENTS_SCHEMA);
    }

    /** How late an event is, in milliseconds: its ingestion time minus its event time. */
    public static long latenessMs(RowData event) {
        return event.getTimestamp(INGESTION_TIME, 6).getMillisecond()
                - event.getTimestamp(EVENT_TIME, 6).getMillisecond();
    }

    @Override
    public void processElement(RowData event, Context ctx, Collector<RowData> out) {
        long lateness = latenessMs(event);
        if (lateness > allowedLatenessMs) {
            counters.inc(Bucket.LATE);
            GenericRowData late = new GenericRowData(ARITY + 1);
            for (int i = 0; i < ARITY; i++) {
                late.setField(i, fields[i].getFieldOrNull(event));
            }
            late.setField(LATENESS_MS, lateness);
            ctx.output(LATE, late);
            return;
        }
        if (event.getTimestamp(EVENT_TIME, 6).getMillisecond()
                < ctx.timerService().currentWatermark()) {
            behindWatermark.inc();
        }
        out.collect(event);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        counters.snapshotState();
    }
}
