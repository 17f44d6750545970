/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

/**
 * The mutable scratch state of one record's validation, reused from record to record by one
 * subtask: the record's ingestion time and the first problem found (the one of the lowest column,
 * so that the error reported does not depend on the order of the fields in the input).
 */
final class Ctx {

    long ingestionTime;
    final long maxFutureMs;
    final int maxFieldLength;

    ErrorCode code;
    String message;
    int errorColumn;

    Ctx(long maxFutureMs, int maxFieldLength) {
        this.maxFutureMs = maxFutureMs;
        this.maxFieldLength = maxFieldLength;
    }

    void reset(long ingestionTime) {
        this.ingestionTime = ingestionTime;
        this.code = null;
        this.message = null;
        this.errorColumn = Integer.MAX_VALUE;
    }

    /** Records a problem of column {@code column}; the lowest column's first problem is kept. */
    Object fail(int column, ErrorCode code, String message) {
        if (column < errorColumn) {
            this.errorColumn = column;
            this.code = code;
            this.message = message;
        }
        return Converter.FAILED;
    }

    /** A problem of the whole record (malformed input): it wins over every column's. */
    void failRecord(ErrorCode code, String message) {
        if (errorColumn != -1) {
            this.errorColumn = -1;
            this.code = code;
            this.message = message;
        }
    }

    boolean failed() {
        return code != null;
    }

    static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
