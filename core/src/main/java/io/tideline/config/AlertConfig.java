/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

/**
 * When a run is an alert (the one-shot command exits non-zero, the scheduler logs an error). Fatal
 * errors always are.
 *
 * @param maxRejectedShare rejected / sent above this share alerts ({@code 0.05} by default)
 * @param minVolumeShare queried below this share of the last successful run's queried alerts (a
 *     volume drop); {@code 0} turns it off, the default is {@code 0.5}
 */
public record AlertConfig(Double maxRejectedShare, Double minVolumeShare) {

    public AlertConfig {
        maxRejectedShare = maxRejectedShare == null ? 0.05 : maxRejectedShare;
        minVolumeShare = minVolumeShare == null ? 0.5 : minVolumeShare;
    }

    void validate(Problems problems) {
        problems.require(
                maxRejectedShare >= 0 && maxRejectedShare <= 1,
                "max-rejected-share",
                "expected a share between 0 and 1, got " + maxRejectedShare);
        problems.require(
                minVolumeShare >= 0 && minVolumeShare <= 1,
                "min-volume-share",
                "expected a share between 0 and 1, got " + minVolumeShare);
    }
}
