/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static io.tideline.ingest.IngestTables.Quarantine.*;

import io.tideline.ingest.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/** Builds {@code landing.quarantine} rows. */
public final class QuarantineRows {

    private QuarantineRows() {}

    public static GenericRowData of(RawRecord record, Rejection rejection, long now) {
        GenericRowData row = new GenericRowData(ARITY);
        byte[] payload = record.payload();
        row.setField(SOURCE, StringData.fromString(record.source()));
        row.setField(SOURCE_POSITION, StringData.fromString(record.position()));
        // Lossy for invalid UTF-8 (U+FFFD): the exact bytes are kept in raw_payload_base64.
        row.setField(
                RAW_PAYLOAD, StringData.fromString(new String(payload, StandardCharsets.UTF_8)));
        row.setField(ERROR_CODE, StringData.fromString(rejection.code().name()));
        row.setField(ERROR_MESSAGE, StringData.fromString(rejection.message()));
        row.setField(INGESTION_TIME, TimestampData.fromEpochMillis(record.ingestionTime()));
        row.setField(QUARANTINED_AT, TimestampData.fromEpochMillis(now));
        row.setField(
                RAW_PAYLOAD_BASE64,
                Payloads.isUtf8(payload)
                        ? null
                        : StringData.fromString(Base64.getEncoder().encodeToString(payload)));
        return row;
    }
}
