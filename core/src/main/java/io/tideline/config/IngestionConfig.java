/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.time.Duration;

/**
 * The {@code ingestion} section: the defaults every source of the {@code sources} section shares,
 * in one place.
 *
 * @param enabled whether the ingestion job runs at all
 * @param namespace the Iceberg namespace of the ingested tables (a source's table defaults to
 *     {@code <namespace>.<source name>}), of the quarantine and of the late table
 * @param watermark bounded out-of-orderness and idleness of the event-time watermarks
 * @param allowedLateness the default of a source's {@code allowed-lateness}: a row is late when its
 *     ingestion time minus its event time exceeds it
 * @param maxFuture a timestamp further than this ahead of the record's ingestion time is refused
 *     ({@code FUTURE_TIMESTAMP})
 * @param dedupHorizon how long a key is remembered by {@code dedup: first} (state TTL)
 * @param maxFieldLength the longest text value a column may hold, in characters (a column's {@code
 *     max-length} check may lower it)
 * @param quarantineTable the quarantine table's name in the namespace
 * @param lateTable the late rows' table's name in the namespace
 */
public record IngestionConfig(
        Boolean enabled,
        String namespace,
        WatermarkConfig watermark,
        Duration allowedLateness,
        Duration maxFuture,
        Duration dedupHorizon,
        Integer maxFieldLength,
        String quarantineTable,
        String lateTable) {

    /** The namespace of the ingested tables when the file names none. */
    public static final String DEFAULT_NAMESPACE = "landing";

    private static final String NAME = "[A-Za-z_][A-Za-z0-9_]*";

    public IngestionConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        namespace = namespace == null ? DEFAULT_NAMESPACE : namespace;
        watermark = watermark == null ? new WatermarkConfig(null, null) : watermark;
        allowedLateness = allowedLateness == null ? Duration.ofHours(1) : allowedLateness;
        maxFuture = maxFuture == null ? Duration.ofDays(1) : maxFuture;
        dedupHorizon = dedupHorizon == null ? Duration.ofDays(7) : dedupHorizon;
        maxFieldLength = maxFieldLength == null ? 1024 : maxFieldLength;
        quarantineTable = quarantineTable == null ? "quarantine" : quarantineTable;
        lateTable = lateTable == null ? "late_events" : lateTable;
    }

    /** Every key at its default. */
    public static IngestionConfig defaults() {
        return new IngestionConfig(null, null, null, null, null, null, null, null, null);
    }

    void validate(Problems problems) {
        problems.require(
                namespace.matches(NAME),
                "namespace",
                "expected an Iceberg namespace name (letters, digits, _), got '" + namespace + "'");
        watermark.validate(problems.at("watermark"));
        Durations.requireNonNegative(problems, "allowed-lateness", allowedLateness);
        Durations.requireAtLeast(problems, "max-future", maxFuture, Duration.ofSeconds(1));
        Durations.requireAtLeast(problems, "dedup-horizon", dedupHorizon, Duration.ofSeconds(1));
        problems.require(
                maxFieldLength >= 1 && maxFieldLength <= 1_000_000,
                "max-field-length",
                "expected a number of characters from 1 to 1000000, got " + maxFieldLength);
        problems.require(
                quarantineTable.matches(NAME),
                "quarantine-table",
                "expected a table name (letters, digits, _), got '" + quarantineTable + "'");
        problems.require(
                lateTable.matches(NAME),
                "late-table",
                "expected a table name (letters, digits, _), got '" + lateTable + "'");
    }

    public IngestionConfig withEnabled(boolean on) {
        return new IngestionConfig(
                on,
                namespace,
                watermark,
                allowedLateness,
                maxFuture,
                dedupHorizon,
                maxFieldLength,
                quarantineTable,
                lateTable);
    }
}
