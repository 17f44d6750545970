/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.time.Duration;

/**
 * A request rate: at most {@code requests} calls in any window of length {@code per}.
 *
 * <p>Defaults follow the APIs: HubSpot Free/Starter allows 100 calls per rolling 10 s.
 */
public record RateLimitConfig(Integer requests, Duration per) {

    public RateLimitConfig {
        per = per == null ? Duration.ofSeconds(1) : per;
    }

    static RateLimitConfig defaultsFor(DestinationConfig.DestinationType type) {
        if (type == DestinationConfig.DestinationType.HUBSPOT) {
            return new RateLimitConfig(100, Duration.ofSeconds(10));
        }
        return new RateLimitConfig(25, Duration.ofSeconds(1));
    }

    void validate(Problems problems) {
        problems.require(
                requests != null && requests >= 1,
                "requests",
                "expected a whole number of requests ≥ 1");
        problems.require(
                per.toMillis() >= 1, "per", "expected a positive duration such as 1s or 10s");
    }
}
