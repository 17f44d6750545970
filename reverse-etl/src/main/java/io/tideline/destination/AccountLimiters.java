/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.tideline.config.RateLimitConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client-side {@link RateLimiter} per API account, shared by every sync that delivers to it.
 *
 * <p>Permits are spread evenly, one per {@code per / (requests - 1)}, never granted in a burst: the
 * APIs count in rolling windows (HubSpot's {@code TEN_SECONDLY_ROLLING}), and a fixed-window
 * limiter can send twice the limit across a window boundary. With one permit per cycle, any window
 * of length {@code per} holds at most {@code requests} permits.
 */
public final class AccountLimiters {

    private static final Map<String, RateLimiter> LIMITERS = new ConcurrentHashMap<>();

    private AccountLimiters() {}

    /** The limiter of an account; the first caller's limit sets it. */
    public static RateLimiter forAccount(String account, RateLimitConfig limit) {
        String key = account + "@" + limit.requests() + "/" + limit.per().toMillis();
        return LIMITERS.computeIfAbsent(key, k -> create(k, limit));
    }

    /** A limiter of its own (a sync's cap under its account's limit). */
    public static RateLimiter create(String name, RateLimitConfig limit) {
        long perNanos = limit.per().toNanos();
        long cycle = limit.requests() <= 1 ? perNanos : perNanos / (limit.requests() - 1);
        return RateLimiter.of(
                name,
                RateLimiterConfig.custom()
                        .limitForPeriod(1)
                        .limitRefreshPeriod(Duration.ofNanos(Math.max(1_000, cycle)))
                        .timeoutDuration(Duration.ofHours(1))
                        .build());
    }
}
