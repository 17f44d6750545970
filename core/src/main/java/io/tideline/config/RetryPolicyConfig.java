/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.time.Duration;

/**
 * Retries of one call that failed ({@code 5xx}) or timed out: exponential backoff with jitter from
 * {@code initialBackoff} up to {@code maxBackoff}, longer when the API says when to come back, at
 * most {@code maxAttempts} attempts. A {@code 429} is not a failed attempt: it pauses the account's
 * limiter (for {@code Retry-After} or the API's interval) and the call is sent again, for at most
 * {@code maxThrottledWait} in all per batch.
 */
public record RetryPolicyConfig(
        Integer maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration maxThrottledWait) {

    public RetryPolicyConfig(Integer maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        this(maxAttempts, initialBackoff, maxBackoff, null);
    }

    public RetryPolicyConfig {
        maxAttempts = maxAttempts == null ? 8 : maxAttempts;
        initialBackoff = initialBackoff == null ? Duration.ofMillis(200) : initialBackoff;
        maxBackoff = maxBackoff == null ? Duration.ofSeconds(30) : maxBackoff;
        maxThrottledWait = maxThrottledWait == null ? Duration.ofMinutes(15) : maxThrottledWait;
    }

    void validate(Problems problems) {
        problems.require(maxAttempts >= 1 && maxAttempts <= 100, "max-attempts", "expected 1..100");
        problems.require(
                initialBackoff.toMillis() >= 1, "initial-backoff", "expected a positive duration");
        problems.require(
                maxBackoff.compareTo(initialBackoff) >= 0,
                "max-backoff",
                "expected a duration ≥ initial-backoff");
        problems.require(
                !maxThrottledWait.isNegative(), "max-throttled-wait", "expected a duration ≥ 0");
    }
}
