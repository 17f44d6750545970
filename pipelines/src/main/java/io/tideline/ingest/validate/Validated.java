/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import org.apache.flink.table.data.RowData;

/** The outcome of validating one record: a row in the table's layout, or a rejection. */
public record Validated(RowData row, Rejection rejection) {

    public static Validated accepted(RowData row) {
        return new Validated(row, null);
    }

    public static Validated rejected(ErrorCode code, String message) {
        return new Validated(null, new Rejection(code, message));
    }

    public boolean ok() {
        return row != null;
    }
}
