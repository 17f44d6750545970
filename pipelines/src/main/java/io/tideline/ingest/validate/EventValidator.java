/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static io.tideline.ingest.IngestTables.Events.*;

import io.tideline.config.SourcesConfig;
import io.tideline.ingest.RawRecord;
import java.math.BigDecimal;
import java.util.Set;
import org.apache.flink.table.data.GenericRowData;

/** Product events (Kafka, JSON) into {@code raw.events} rows. */
public final class EventValidator extends RecordValidator {

    private static final long serialVersionUID = 1L;

    static final Set<String> KNOWN =
            Set.of(
                    "event_id",
                    "event_type",
                    "customer_id",
                    "anonymous_id",
                    "occurred_at",
                    "amount",
                    "currency",
                    "properties");

    public EventValidator(SourcesConfig sources) {
        super(sources);
    }

    @Override
    GenericRowData toRow(Fields f, RawRecord record, long processingTime) {
        String eventId = f.text("event_id", true);
        String eventType = f.code("event_type", true);
        String customerId = f.text("customer_id", false);
        String anonymousId = f.text("anonymous_id", false);
        if (customerId == null && anonymousId == null) {
            throw new Invalid(
                    ErrorCode.MISSING_FIELD, "'customer_id' or 'anonymous_id' is required");
        }
        var eventTime = f.timestamp("occurred_at", true);
        BigDecimal amount = f.money("amount", false);
        String currency = f.currency("currency", amount != null);
        String properties = f.jsonObject("properties");
        String extra = f.extras(KNOWN);
        GenericRowData row = new GenericRowData(ARITY);
        row.setField(EVENT_ID, str(eventId));
        row.setField(EVENT_TYPE, str(eventType));
        row.setField(CUSTOMER_ID, str(customerId));
        row.setField(ANONYMOUS_ID, str(anonymousId));
        row.setField(EVENT_TIME, ts(eventTime));
        row.setField(AMOUNT, money(amount));
        row.setField(CURRENCY, str(currency));
        row.setField(PROPERTIES, str(properties));
        row.setField(EXTRA_FIELDS, str(extra));
        row.setField(INGESTION_TIME, ts(record.ingestionTime()));
        row.setField(PROCESSING_TIME, ts(processingTime));
        row.setField(SOURCE_POSITION, str(record.position()));
        return row;
    }
}
