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
 * <p>Permits are spread evenly, one per cycle, never granted in a burst: the APIs count in rolling
 * windows (HubSpot's {@code TEN_SECONDLY_ROLLING}), and a fixed-window limiter can send twice the
 * limit across a window boundary. With one permit per cycle, any window of length {@code per} holds
 * at most {@code per / cycle + 1} permits.
 *
 * <p>The API counts arrivals, not permits: calls that got their permits in successive cycles can
 * arrive together (a new connection, a pause of the process), so the cycle keeps a headroom of the
 * calls that can be in flight at once plus the one granted as they land: {@code cycle = per /
 * (requests - concurrency - 1)} (at least half the limit is used). 100 requests/s with 4 calls in
 * flight sends at most 95 per second.
 */
public final class AccountLimiters {

    private static final Map<String, RateLimiter> LIMITERS = new ConcurrentHashMap<>();

    private AccountLimiters() {}

    /** The limiter of an account; the first caller's limit sets it. */
    public static RateLimiter forAccount(String account, RateLimitConfig limit, int inFlight) {
        String key = account + "@" + limit.requests() + "/" + limit.per().toMillis();
        return LIMITERS.computeIfAbsent(key, k -> create(k, limit, inFlight));
    }

    /** A limiter of its own (a sync's cap under its account's limit). */
    public static RateLimiter create(String name, RateLimitConfig limit, int inFlight) {
        return RateLimiter.of(
                name,
                RateLimiterConfig.custom()
                        .limitForPeriod(1)
                        .limitRefreshPeriod(cycle(limit, inFlight))
                        .timeoutDuration(Duration.ofHours(1))
                        .build());
    }

    /** The time between two permits. */
    public static Duration cycle(RateLimitConfig limit, int inFlight) {
        long perNanos = limit.per().toNanos();
        int r = limit.requests();
        long permits = Math.max((r + 1) / 2, r - inFlight - 1);
        long cycle = permits <= 1 ? perNanos : perNanos / permits;
        return Duration.ofNanos(Math.max(1_000, cycle));
    }
}
