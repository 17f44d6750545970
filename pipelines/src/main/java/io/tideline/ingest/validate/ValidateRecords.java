/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.RawRecord;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.RunCounters;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates every record of one source with its compiled {@link RecordPlan}: valid ones go on in
 * their table's layout, the others to the {@link #QUARANTINE} side output. Counts {@code read} and
 * {@code quarantined} (and a {@code late} that stays 0 for a source without event time, so every
 * source has the same five metrics); the metrics {@code unknownFields} (fields dropped by {@code
 * unknown-fields: ignore}) and {@code vanishedFiles} (listed files gone before they were read).
 */
public final class ValidateRecords extends ProcessFunction<RawRecord, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ValidateRecords.class);

    public static final OutputTag<RowData> QUARANTINE =
            new OutputTag<>("quarantine", IngestTables.rowType(IngestTables.QUARANTINE_SCHEMA));

    private final String source;
    private final RecordPlan plan;
    private final RunCounters counters;
    private transient Outcome outcome;
    private transient Counter unknownFields;
    private transient Counter vanishedFiles;

    /**
     * @param countsLate whether this operator exposes the source's {@code late} count (for a source
     *     without event time, whose late count is always 0)
     */
    public ValidateRecords(String source, RecordPlan plan, boolean countsLate) {
        this.source = source;
        this.plan = plan;
        this.counters =
                countsLate
                        ? new RunCounters(source, Bucket.READ, Bucket.QUARANTINED, Bucket.LATE)
                        : new RunCounters(source, Bucket.READ, Bucket.QUARANTINED);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        counters.initializeState(context);
    }

    @Override
    public void open(OpenContext openContext) {
        counters.open(getRuntimeContext());
        outcome = new Outcome();
        unknownFields =
                RunCounters.metricGroup(getRuntimeContext(), source).counter("unknownFields");
        vanishedFiles =
                RunCounters.metricGroup(getRuntimeContext(), source).counter("vanishedFiles");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<RowData> out) {
        if (record.kind() == RawRecord.VANISHED_FILE) {
            vanishedFiles.inc();
            LOG.warn("{}: {} vanished after it was listed; skipped", source, record.position());
            return;
        }
        counters.inc(Bucket.READ);
        long now = System.currentTimeMillis();
        plan.validate(record, now, outcome);
        if (outcome.ignoredFields > 0) {
            unknownFields.inc(outcome.ignoredFields);
        }
        if (outcome.ok()) {
            out.collect(outcome.row);
        } else {
            counters.inc(Bucket.QUARANTINED);
            ctx.output(
                    QUARANTINE,
                    QuarantineRows.of(record, new Rejection(outcome.code, outcome.message), now));
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        counters.snapshotState();
    }
}
