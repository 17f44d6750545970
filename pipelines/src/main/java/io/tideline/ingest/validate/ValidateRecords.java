/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.RawRecord;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.RunCounters;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Validates every record of one source: valid ones go on in their table's layout, the others to the
 * {@link #QUARANTINE} side output. Counts {@code read} and {@code quarantined}.
 */
public final class ValidateRecords extends ProcessFunction<RawRecord, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<RowData> QUARANTINE =
            new OutputTag<>("quarantine", IngestTables.rowType(IngestTables.QUARANTINE_SCHEMA));

    private final RecordValidator validator;
    private final RunCounters counters;

    public ValidateRecords(String source, RecordValidator validator) {
        this.validator = validator;
        // Only events can be late (counted where lateness is decided); the other sources expose a
        // late counter that stays 0, so that every source has the same five metrics.
        this.counters =
                source.equals("events")
                        ? new RunCounters(source, Bucket.READ, Bucket.QUARANTINED)
                        : new RunCounters(source, Bucket.READ, Bucket.QUARANTINED, Bucket.LATE);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        counters.initializeState(context);
    }

    @Override
    public void open(OpenContext openContext) {
        counters.open(getRuntimeContext());
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<RowData> out) {
        counters.inc(Bucket.READ);
        long now = System.currentTimeMillis();
        Validated v = validator.validate(record, now);
        if (v.ok()) {
            out.collect(v.row());
        } else {
            counters.inc(Bucket.QUARANTINED);
            ctx.output(QUARANTINE, QuarantineRows.of(record, v.rejection(), now));
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        counters.snapshotState();
    }
}
