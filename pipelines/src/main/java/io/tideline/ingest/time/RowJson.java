/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.time;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.tideline.ingest.IngestTables;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.List;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.iceberg.Schema;

/**
 * A row as a JSON object of its columns (timestamps ISO-8601 UTC, decimals exact), without the
 * lineage columns ({@code ingestion_time}, {@code processing_time}, {@code source_position}), which
 * the late table has as columns of its own.
 */
final class RowJson implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();

    private final Schema schema;
    private transient RowData.FieldGetter[] getters;
    private transient List<String> names;
    private transient boolean[] dates;

    RowJson(Schema schema) {
        this.schema = schema;
    }

    String write(RowData row) {
        if (getters == null) {
            getters = IngestTables.fieldGetters(schema);
            names = IngestTables.columnNames(schema);
            dates = new boolean[names.size()];
            for (int i = 0; i < dates.length; i++) {
                dates[i] =
                        schema.columns().get(i).type().typeId()
                                == org.apache.iceberg.types.Type.TypeID.DATE;
            }
        }
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            for (int i = 0; i < getters.length; i++) {
                String col = names.get(i);
                if (col.equals("ingestion_time")
                        || col.equals("processing_time")
                        || col.equals("source_position")) {
                    continue;
                }
                Object v = getters[i].getFieldOrNull(row);
                g.writeFieldName(names.get(i));
                if (v == null) {
                    g.writeNull();
                } else if (v instanceof TimestampData t) {
                    g.writeString(t.toInstant().toString());
                } else if (v instanceof DecimalData d) {
                    g.writeNumber(d.toBigDecimal().toPlainString());
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else if (v instanceof Integer n && dates[i]) {
                    g.writeString(LocalDate.ofEpochDay(n).toString());
                } else if (v instanceof Number n) {
                    g.writeNumber(n.toString());
                } else {
                    g.writeString(v.toString());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
