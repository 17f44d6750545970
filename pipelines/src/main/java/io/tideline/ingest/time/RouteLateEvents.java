/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.time;

import static io.tideline.ingest.IngestTables.Late;

import io.tideline.ingest.IngestTables;
import io.tideline.ingest.dedup.RowKey;
import io.tideline.ingest.metrics.RunCounters;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.iceberg.Schema;

/**
 * Sends late rows to the {@link #LATE} side output (the late table), as {@code (source, key,
 * position, event time, lateness, ingestion and processing time, the row as JSON)}. A row is late
 * when {@code ingestion_time - event_time > allowed lateness}: its own ingestion time, not the
 * watermark, decides, so BATCH (whose watermark is perfect) and STREAMING agree on every record.
 * Late rows are counted where they are deduplicated ({@code late}: the first late delivery of a
 * key; a re-delivery is a duplicate). The {@code behindWatermark} counter tells, for information
 * only, how many on-time rows arrived behind the current watermark.
 */
public final class RouteLateEvents extends ProcessFunction<RowData, RowData> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<RowData> LATE =
            new OutputTag<>("late", IngestTables.rowType(IngestTables.LATE_SCHEMA));

    private final String source;
    private final int eventTime;
    private final int ingestionTime;
    private final int position;
    private final long allowedLatenessMs;
    private final RowKey key;
    private final RowJson json;
    private transient Counter behindWatermark;
    private transient StringData sourceName;

    public RouteLateEvents(
            String source,
            Schema schema,
            int[] keyColumns,
            int eventTime,
            int ingestionTime,
            int position,
            long allowedLatenessMs) {
        this.source = source;
        this.eventTime = eventTime;
        this.ingestionTime = ingestionTime;
        this.position = position;
        this.allowedLatenessMs = allowedLatenessMs;
        this.key = new RowKey(schema, keyColumns, position);
        this.json = new RowJson(schema);
    }

    @Override
    public void open(OpenContext openContext) {
        behindWatermark =
                RunCounters.metricGroup(getRuntimeContext(), source).counter("behindWatermark");
        sourceName = StringData.fromString(source);
    }

    @Override
    public void processElement(RowData row, Context ctx, Collector<RowData> out) {
        if (row.isNullAt(eventTime)) {
            out.collect(row);
            return;
        }
        long eventMs = row.getTimestamp(eventTime, 6).getMillisecond();
        long lateness = row.getTimestamp(ingestionTime, 6).getMillisecond() - eventMs;
        if (lateness > allowedLatenessMs) {
            GenericRowData late = new GenericRowData(Late.ARITY);
            late.setField(Late.SOURCE, sourceName);
            late.setField(Late.KEY, StringData.fromString(key.getKey(row)));
            late.setField(Late.SOURCE_POSITION, row.getString(position));
            late.setField(Late.EVENT_TIME, row.getTimestamp(eventTime, 6));
            late.setField(Late.LATENESS_MS, lateness);
            late.setField(Late.INGESTION_TIME, row.getTimestamp(ingestionTime, 6));
            late.setField(Late.PROCESSING_TIME, row.getTimestamp(ingestionTime + 1, 6));
            late.setField(Late.PAYLOAD, StringData.fromString(json.write(row)));
            ctx.output(LATE, late);
            return;
        }
        if (eventMs < ctx.timerService().currentWatermark()) {
            behindWatermark.inc();
        }
        out.collect(row);
    }
}
