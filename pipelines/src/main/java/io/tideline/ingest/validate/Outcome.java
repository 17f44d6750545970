/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import org.apache.flink.table.data.GenericRowData;

/** The outcome of validating one record, reused from record to record: a row, or a rejection. */
public final class Outcome {

    /** The row in its table's layout, when accepted. */
    public GenericRowData row;

    /** Why the record was refused, when it was. */
    public ErrorCode code;

    public String message;

    /** Fields dropped by {@code unknown-fields: ignore} in this record. */
    public int ignoredFields;

    public boolean ok() {
        return code == null;
    }
}
