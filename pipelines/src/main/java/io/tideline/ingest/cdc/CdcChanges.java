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
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.Schema;

/**
 * Applies a postgres-cdc source's changes in the order they arrive: commit order per key, because
 * the reader routes every record of a key to one parallel instance of the validation and of this
 * function ({@link io.tideline.ingest.RawRecord#route()}), and the keyed table's sink then keys the
 * rows by the table's key. It keeps no keyed state. Every change goes to {@link #changes()} as an
 * appended row, for the change log. No deduplication: the source resumes exactly at its
 * checkpointed position, so nothing arrives twice.
 *
 * <p>For the keyed table, in one of two forms:
 *
 * <ul>
 *   <li><b>Upsert</b> (for an upsert sink, {@code inserts == false}): an insert, update or snapshot
 *       row as is, which the sink writes as a delete of its key and the row; a delete as a {@link
 *       RowKind#DELETE} of the key.
 *   <li><b>Changelog</b> (for a sink with equality fields and no upsert, {@code inserts == true}):
 *       a snapshot row as a plain {@link RowKind#INSERT}, with no delete, while the table is known
 *       to hold none of its keys: the table held no row when the job was submitted, and this
 *       attempt of the job did not restore a checkpoint (whose commits could hold an earlier
 *       attempt's snapshot rows). Any other row, as an {@link RowKind#UPDATE_BEFORE} then an {@link
 *       RowKind#UPDATE_AFTER} of the same values, a delete and the row as in an upsert. A fresh
 *       snapshot thus writes no equality delete (one per row before), and a reader of the table has
 *       none to apply. This form relies on the order of a key's rows, which STREAMING keeps; a
 *       BATCH sort by key does not keep the order of rows with the same key and time, so BATCH uses
 *       the upsert form.
 * </ul>
 */
public final class CdcChanges extends ProcessFunction<RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int opField;
    private final RunCounters counters;
    private final OutputTag<RowData> changes;
    private final Schema schema;
    private final boolean inserts;
    private transient RowData.FieldGetter[] fields;
    private transient boolean appendSnapshot;
    private transient StringData delete;
    private transient StringData snapshot;

    /**
     * @param inserts the changelog form: {@code true} when the keyed table held no row at the job's
     *     submission and the sink does not upsert; {@code false} for the upsert form
     */
    public CdcChanges(String source, Schema schema, int opField, boolean inserts) {
        this.source = source;
        this.opField = opField;
        this.inserts = inserts;
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
        appendSnapshot = inserts && !context.isRestored();
    }

    @Override
    public void open(OpenContext openContext) {
        counters.open(getRuntimeContext());
        fields = IngestTables.fieldGetters(schema);
        delete = StringData.fromString("delete");
        snapshot = StringData.fromString("snapshot");
    }

    @Override
    public void processElement(RowData row, Context ctx, Collector<RowData> out) {
        counters.inc(Bucket.ACCEPTED);
        ctx.output(changes, row);
        StringData op = row.getString(opField);
        if (delete.equals(op)) {
            out.collect(copy(row, RowKind.DELETE));
        } else if (!inserts || (appendSnapshot && snapshot.equals(op))) {
            out.collect(row);
        } else {
            out.collect(copy(row, RowKind.UPDATE_BEFORE));
            row.setRowKind(RowKind.UPDATE_AFTER);
            out.collect(row);
        }
    }

    private GenericRowData copy(RowData row, RowKind kind) {
        GenericRowData copy = new GenericRowData(kind, row.getArity());
        for (int i = 0; i < row.getArity(); i++) {
            copy.setField(i, fields[i].getFieldOrNull(row));
        }
        return copy;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        counters.snapshotState();
    }
}
