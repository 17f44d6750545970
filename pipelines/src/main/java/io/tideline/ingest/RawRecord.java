/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

/**
 * One record as a source delivered it, before validation.
 *
 * @param source the source's name
 * @param position where it was read: {@code topic/partition/offset}, {@code file:line}, or {@code
 *     table/key@version}
 * @param ingestionTime when it reached us: the Kafka record timestamp, the file's modification
 *     time, the database read time (epoch milliseconds)
 * @param payload the bytes, never decoded on the way (bad bytes reach validation and the
 *     quarantine)
 * @param header for CSV records, the file's header line ({@code ""} when the names come from the
 *     configuration or the declared columns); null for JSON
 * @param kind {@link #RECORD}, {@link #TOO_LONG} (a file line over {@code max-record-bytes}, its
 *     first bytes in {@code payload}) or {@link #VANISHED_FILE} (a listed file gone before it was
 *     read: counted, not a record)
 * @param route for a source whose changes must stay in order per key (postgres-cdc): a hash of the
 *     record's key as the source read it, so that its validation can run in parallel while a key's
 *     records all take one path; 0 for every other source
 */
public record RawRecord(
        String source,
        String position,
        long ingestionTime,
        byte[] payload,
        String header,
        int kind,
        int route) {

    public static final int RECORD = 0;
    public static final int TOO_LONG = 1;
    public static final int VANISHED_FILE = 2;

    public RawRecord(
            String source, String position, long ingestionTime, byte[] payload, String header) {
        this(source, position, ingestionTime, payload, header, RECORD, 0);
    }

    public RawRecord(
            String source,
            String position,
            long ingestionTime,
            byte[] payload,
            String header,
            int kind) {
        this(source, position, ingestionTime, payload, header, kind, 0);
    }
}
