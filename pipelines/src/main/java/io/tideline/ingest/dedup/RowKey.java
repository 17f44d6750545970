/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.dedup;

import io.tideline.ingest.IngestTables;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.Schema;

/**
 * A row's key as text: its key columns' values (one column: the value as it is; several: joined by
 * U+0001). With no key columns, the row's source position (every delivery its own key).
 */
public final class RowKey implements KeySelector<RowData, String> {

    private static final long serialVersionUID = 1L;

    private final Schema schema;
    private final int[] columns;
    private final int position;
    private transient RowData.FieldGetter[] getters;

    public RowKey(Schema schema, int[] columns, int position) {
        this.schema = schema;
        this.columns = columns;
        this.position = position;
    }

    @Override
    public String getKey(RowData row) {
        if (columns.length == 0) {
            return row.getString(position).toString();
        }
        if (getters == null) {
            getters = IngestTables.fieldGetters(schema);
        }
        if (columns.length == 1) {
            return String.valueOf(getters[columns[0]].getFieldOrNull(row));
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
            if (i > 0) {
                s.append('\u0001');
            }
            s.append(getters[columns[i]].getFieldOrNull(row));
        }
        return s.toString();
    }
}
