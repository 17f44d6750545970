/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.time.Duration;

/**
 * Event-time watermarks of the ingestion jobs ({@code ingestion.watermark}).
 *
 * @param outOfOrderness how far behind the highest event time seen the watermark trails
 * @param idleness after how long without records a source split stops holding the watermark back;
 *     {@code 0s} turns idleness detection off
 */
public record WatermarkConfig(Duration outOfOrderness, Duration idleness) {

    public WatermarkConfig {
        outOfOrderness = outOfOrderness == null ? Duration.ofSeconds(30) : outOfOrderness;
        idleness = idleness == null ? Duration.ofMinutes(1) : idleness;
    }

    void validate(Problems problems) {
        Durations.requireNonNegative(problems, "out-of-orderness", outOfOrderness);
        Durations.requireNonNegative(problems, "idleness", idleness);
    }
}
