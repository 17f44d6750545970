/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.time.Duration;

/**
 * The {@code sql.checks} section: the thresholds of the data-quality checks in {@code sql/checks}.
 *
 * @param enabled whether the runner runs the checks after each build
 * @param minRows the row-count threshold: every mart holds at least this many rows
 * @param maxStaleness the freshness threshold: the newest event and order are at most this old at
 *     the reference instant ({@code sql.as-of}); whole hours
 * @param outlierStddevs an order amount is an outlier beyond this many standard deviations from the
 *     mean of its trailing window
 * @param outlierWindow the trailing window of the outlier check; whole days
 * @param outlierMinSamples orders the trailing window needs before the outlier check judges
 * @param interval in STREAMING, how often the checks run while the job keeps the marts current
 * @param failBatch in BATCH, whether a failing check fails the run (non-zero exit)
 */
public record SqlChecksConfig(
        Boolean enabled,
        Long minRows,
        Duration maxStaleness,
        Double outlierStddevs,
        Duration outlierWindow,
        Integer outlierMinSamples,
        Duration interval,
        Boolean failBatch) {

    public SqlChecksConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        minRows = minRows == null ? 1L : minRows;
        maxStaleness = maxStaleness == null ? Duration.ofDays(2) : maxStaleness;
        outlierStddevs = outlierStddevs == null ? 4.0 : outlierStddevs;
        outlierWindow = outlierWindow == null ? Duration.ofDays(30) : outlierWindow;
        outlierMinSamples = outlierMinSamples == null ? 5 : outlierMinSamples;
        interval = interval == null ? Duration.ofMinutes(1) : interval;
        failBatch = failBatch == null ? Boolean.TRUE : failBatch;
    }

    public static SqlChecksConfig defaults() {
        return new SqlChecksConfig(null, null, null, null, null, null, null, null);
    }

    void validate(Problems problems) {
        problems.require(minRows >= 0, "min-rows", "expected 0 or more, got " + minRows);
        problems.require(
                !maxStaleness.isNegative()
                        && maxStaleness.toHours() >= 1
                        && maxStaleness.toMinutesPart() == 0
                        && maxStaleness.toSecondsPart() == 0
                        && maxStaleness.toMillisPart() == 0,
                "max-staleness",
                "expected whole hours, at least 1h (for example 36h or 2d), got "
                        + Durations.format(maxStaleness));
        problems.require(
                outlierStddevs > 0 && !outlierStddevs.isInfinite(),
                "outlier-stddevs",
                "expected a number above 0, got " + outlierStddevs);
        problems.require(
                !outlierWindow.isNegative()
                        && outlierWindow.toDays() >= 1
                        && outlierWindow.equals(Duration.ofDays(outlierWindow.toDays())),
                "outlier-window",
                "expected whole days, at least 1d, got " + Durations.format(outlierWindow));
        problems.require(
                outlierMinSamples >= 2,
                "outlier-min-samples",
                "expected 2 or more (a standard deviation needs two values), got "
                        + outlierMinSamples);
        problems.require(
                interval.toMillis() >= 1000,
                "interval",
                "expected at least 1s, got " + Durations.format(interval));
    }
}
