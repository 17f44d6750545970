/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.SourcesConfig;
import io.tideline.ingest.RawRecord;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * Validates and standardises one source's records into its table's row layout. Implementations are
 * pure: the same record gives the same row (but for the processing time), in both modes.
 */
public abstract class RecordValidator implements Serializable {

    private static final long serialVersionUID = 1L;

    protected final int maxFieldLength;
    protected final long maxFutureMs;

    protected RecordValidator(SourcesConfig sources) {
        this.maxFieldLength = sources.maxFieldLength();
        this.maxFutureMs = sources.maxFuture().toMillis();
    }

    /** The row, or why the record is refused. */
    public final Validated validate(RawRecord record, long processingTime) {
        try {
            String text = Payloads.utf8(record.payload());
            ObjectNode object =
                    record.header() != null
                            ? Payloads.csvObject(record.header(), text)
                            : Payloads.jsonObject(text);
            Fields fields = new Fields(object, maxFieldLength, record.ingestionTime(), maxFutureMs);
            return Validated.accepted(toRow(fields, record, processingTime));
        } catch (Invalid e) {
            return Validated.rejected(e.code, e.getMessage());
        }
    }

    abstract GenericRowData toRow(Fields fields, RawRecord record, long processingTime);

    static StringData str(String s) {
        return s == null ? null : StringData.fromString(s);
    }

    static TimestampData ts(Instant t) {
        return t == null ? null : TimestampData.fromInstant(t);
    }

    static TimestampData ts(long epochMillis) {
        return TimestampData.fromEpochMillis(epochMillis);
    }

    static DecimalData money(BigDecimal d) {
        return d == null ? null : DecimalData.fromBigDecimal(d, 18, 2);
    }
}
