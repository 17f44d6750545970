/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.metrics;

import java.util.Locale;

/**
 * Where each record read ends up. For every run and source: {@code accepted + quarantined + late +
 * duplicates == read}.
 */
public enum Bucket {
    READ,
    ACCEPTED,
    QUARANTINED,
    LATE,
    DUPLICATES;

    /** The metric and accumulator name: {@code read}, {@code accepted}, ... */
    public String metricName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
