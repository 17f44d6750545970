/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

/**
 * One record as a source delivered it, before any validation.
 *
 * @param source {@code events}, {@code orders} or {@code customers}
 * @param position where it came from: {@code topic/partition/offset}, {@code file:line} or {@code
 *     schema.table/id@updated_at}
 * @param ingestionTime epoch millis it reached the source: the Kafka record timestamp, the file's
 *     modification time, or the database read time
 * @param payload the bytes as delivered (one JSON object, or one CSV line)
 * @param header the CSV header line of the file, or null
 */
public record RawRecord(
        String source, String position, long ingestionTime, byte[] payload, String header) {}
