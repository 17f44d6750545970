/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.dedup;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.CommitAgeGauge;
import io.tideline.ingest.metrics.RunCounters;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.TableLoader;

/**
 * Keeps the latest version of each key (orders by {@code order_id}, customers by {@code id}): a
 * version with a later {@code updated_at} than the kept one is {@code accepted} and upserted; an
 * older one, or the same one delivered again, is a {@code duplicate} and dropped. Two different
 * versions with the same {@code updated_at} are ordered by a hash of their content, and two
 * deliveries of the same version by (ingestion time, source position), so the row kept does not
 * depend on arrival order and both modes keep the same one.
 */
public final class LatestVersionWins<K> extends KeyedProcessFunction<K, RowData, RowData>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final Schema schema;
    private final int updatedAt;
    private final int[] contentFields;
    private final TableLoader table;
    private final RunCounters counters;
    private final int ingestionTime;
    private final int sourcePosition;
    private transient ValueState<Tuple4<Long, Long, Long, String>> kept;
    private transient RowData.FieldGetter[] fields;
    private transient CommitAgeGauge commitAge;

    /**
     * @param source the source name, for counters
     * @param schema the table's schema (the rows' layout)
     * @param updatedAt position of {@code updated_at}
     * @param contentFields positions of the business columns (not the ingestion, processing time or
     *     source position) whose content tells versions apart
     * @param table the table, for the {@code lastCommitAgeMs} gauge
     */
    public LatestVersionWins(
            String source,
            Schema schema,
            int updatedAt,
            int[] contentFields,
            int ingestionTime,
            int sourcePosition,
            TableLoader table) {
        this.source = source;
        this.schema = schema;
        this.updatedAt = updatedAt;
        this.contentFields = contentFields;
        this.ingestionTime = ingestionTime;
        this.sourcePosition = sourcePosition;
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
        kept =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "latest-version",
                                        Types.TUPLE(
                                                Types.LONG, Types.LONG, Types.LONG, Types.STRING)));
        fields = IngestTables.fieldGetters(schema);
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            commitAge = new CommitAgeGauge(table.clone());
            RunCounters.metricGroup(getRuntimeContext(), source)
                    .gauge("lastCommitAgeMs", commitAge);
        }
    }

    @Override
    public void processElement(RowData row, Context ctx, Collector<RowData> out) throws Exception {
        long version =
                row.getTimestamp(updatedAt, 6).toInstant().toEpochMilli() * 1000
                        + row.getTimestamp(updatedAt, 6).getNanoOfMillisecond() / 1000;
        long hash = contentHash(row);
        long ingestion = row.getTimestamp(ingestionTime, 6).getMillisecond();
        String position = row.getString(sourcePosition).toString();
        Tuple4<Long, Long, Long, String> current = kept.value();
        Tuple4<Long, Long, Long, String> candidate = Tuple4.of(version, hash, ingestion, position);
        if (current == null || version > current.f0) {
            counters.inc(Bucket.ACCEPTED);
            kept.update(candidate);
            out.collect(row);
            return;
        }
        counters.inc(Bucket.DUPLICATES);
        boolean wins =
                version == current.f0
                        && (hash > current.f1
                                || (hash == current.f1
                                        && FirstDeliveryWins.earlier(
                                                ingestion, position, current.f2, current.f3)));
        if (wins) {
            // Not a new version: the same version's winner by content, then by delivery.
            kept.update(candidate);
            out.collect(row);
        }
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
