/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import org.apache.iceberg.Schema;
import org.apache.iceberg.SerializableTable;
import org.apache.iceberg.Table;

/**
 * A keyed table as a plain append sees it: the same columns, without the identifier fields.
 * Iceberg's Flink sink takes a table's identifier fields as equality fields, and then shuffles the
 * rows by key and tracks every key it writes, even when nothing is upserted. A first BATCH load of
 * an empty keyed table, whose rows are one per key already, needs neither; given this view, the
 * sink appends. The commit goes to the real table (through its loader), whose schema is untouched.
 */
final class AppendView extends SerializableTable {

    private static final long serialVersionUID = 1L;

    private transient Schema withoutIdentifiers;

    AppendView(Table table) {
        super(table);
    }

    @Override
    public Schema schema() {
        if (withoutIdentifiers == null) {
            Schema schema = super.schema();
            withoutIdentifiers = new Schema(schema.schemaId(), schema.columns());
        }
        return withoutIdentifiers;
    }
}
