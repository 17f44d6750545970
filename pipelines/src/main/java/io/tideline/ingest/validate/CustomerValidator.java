/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static io.tideline.ingest.IngestTables.Customers.*;

import io.tideline.config.SourcesConfig;
import io.tideline.ingest.RawRecord;
import org.apache.flink.table.data.GenericRowData;

/** Rows of the operational {@code customers} table into {@code raw.customers} rows. */
public final class CustomerValidator extends RecordValidator {

    private static final long serialVersionUID = 1L;

    public CustomerValidator(SourcesConfig sources) {
        super(sources);
    }

    @Override
    GenericRowData toRow(Fields f, RawRecord record, long processingTime) {
        Long id = f.whole("id", true);
        String email = f.email("email", true);
        String name = f.text("name", false);
        String country = f.country("country", false);
        String plan = f.text("plan", false);
        var createdAt = f.timestamp("created_at", false);
        var updatedAt = f.timestamp("updated_at", true);
        GenericRowData row = new GenericRowData(ARITY);
        row.setField(ID, id);
        row.setField(EMAIL, str(email));
        row.setField(NAME, str(name));
        row.setField(COUNTRY, str(country));
        row.setField(PLAN, str(plan));
        row.setField(CREATED_AT, ts(createdAt));
        row.setField(UPDATED_AT, ts(updatedAt));
        row.setField(INGESTION_TIME, ts(record.ingestionTime()));
        row.setField(PROCESSING_TIME, ts(processingTime));
        row.setField(SOURCE_POSITION, str(record.position()));
        return row;
    }
}
