/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.dedup;

import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.CommitAgeGauge;
import io.tideline.ingest.metrics.RunCounters;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.flink.TableLoader;

/** A source without a key: every row is {@code accepted} (no duplicates), appended as it is. */
public final class CountAccepted extends RichMapFunction<RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final TableLoader table;
    private final RunCounters counters;
    private transient CommitAgeGauge commitAge;

    public CountAccepted(String source, TableLoader table) {
        this.source = source;
        this.table = table;
        this.counters = new RunCounters(source, Bucket.ACCEPTED, Bucket.DUPLICATES);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        counters.initializeState(context);
    }

    @Override
    public void open(OpenContext openContext) {
        counters.open(getRuntimeContext());
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            commitAge = new CommitAgeGauge(table.clone());
            RunCounters.metricGroup(getRuntimeContext(), source)
                    .gauge("lastCommitAgeMs", commitAge);
        }
    }

    @Override
    public RowData map(RowData row) {
        counters.inc(Bucket.ACCEPTED);
        return row;
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
