/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static io.tideline.ingest.IngestTables.Orders.*;

import io.tideline.config.SourcesConfig;
import io.tideline.ingest.RawRecord;
import java.util.Set;
import org.apache.flink.table.data.GenericRowData;

/** Billing export rows (CSV or JSON lines) into {@code raw.orders} rows. */
public final class OrderValidator extends RecordValidator {

    private static final long serialVersionUID = 1L;

    static final Set<String> KNOWN =
            Set.of(
                    "order_id",
                    "customer_email",
                    "amount",
                    "currency",
                    "status",
                    "created_at",
                    "updated_at");

    public OrderValidator(SourcesConfig sources) {
        super(sources);
    }

    @Override
    GenericRowData toRow(Fields f, RawRecord record, long processingTime) {
        String orderId = f.text("order_id", true);
        String email = f.email("customer_email", true);
        var amount = f.money("amount", true);
        String currency = f.currency("currency", true);
        String status = f.code("status", true);
        var createdAt = f.timestamp("created_at", false);
        var updatedAt = f.timestamp("updated_at", true);
        String extra = f.extras(KNOWN);
        GenericRowData row = new GenericRowData(ARITY);
        row.setField(ORDER_ID, str(orderId));
        row.setField(CUSTOMER_EMAIL, str(email));
        row.setField(AMOUNT, money(amount));
        row.setField(CURRENCY, str(currency));
        row.setField(STATUS, str(status));
        row.setField(CREATED_AT, ts(createdAt));
        row.setField(UPDATED_AT, ts(updatedAt));
        row.setField(EXTRA_FIELDS, str(extra));
        row.setField(INGESTION_TIME, ts(record.ingestionTime()));
        row.setField(PROCESSING_TIME, ts(processingTime));
        row.setField(SOURCE_POSITION, str(record.position()));
        return row;
    }
}
