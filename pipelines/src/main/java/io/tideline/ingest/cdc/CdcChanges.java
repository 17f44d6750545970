/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.RunCounters;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.Schema;

/**
 * Applies a postgres-cdc source's changes, keyed by the table's key, in the order they arrive
 * (commit order: one reader, one path per key): an insert, update or snapshot row is an upsert of
 * the keyed table, a delete a {@link RowKind#DELETE} (the upsert sink deletes the key). Every
 * change goes to {@link #changes()} as an appended row, for the change log. No deduplication: the
 * source resumes exactly at its checkpointed position, so nothing arrives twice.
 */
public final class CdcChanges extends KeyedProcessFunction<String, RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int opField;
    private final RunCounters counters;
    private final OutputTag<RowData> changes;
    private final Schema schema;
    private transient RowData.FieldGetter[] fields;

    public CdcChanges(String source, Schema schema, int opField) {
        this.source = source;
        this.opField = opField;
        this.schema = schema;
        this.counters = new RunCounters(source, Bucket.ACCEPTED);
        this.changes = new OutputTag<>("changes-" + source, IngestTables.rowType(schema));
    }

    /** Every change, for the change log. */
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
        fields = IngestTables.fieldGetters(schema);
    }

    @Override
    public void processElement(RowData row, Context ctx, Collector<RowData> out) {
        counters.inc(Bucket.ACCEPTED);
        ctx.output(changes, row);
        if ("delete".equals(row.getString(opField).toString())) {
            GenericRowData delete = new GenericRowData(RowKind.DELETE, row.getArity());
            for (int i = 0; i < row.getArity(); i++) {
                delete.setField(i, fields[i].getFieldOrNull(row));
            }
            out.collect(delete);
        } else {
            out.collect(row);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        counters.snapshotState();
    }
}
