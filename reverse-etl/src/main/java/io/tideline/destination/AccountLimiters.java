/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import io.tideline.config.RateLimitConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client-side rate limit per API account, shared by every sync that delivers to it: a pacer and
 * a guard.
 *
 * <ul>
 *   <li>The <b>pacer</b>, a {@link Pacer}, spreads permits evenly, one every {@code per / requests}
 *       (exactly the limit's rate), and after a stall of the client (a GC pause, every thread held
 *       by slow answers) lets the calls catch up by at most a quarter of the window's requests,
 *       where a limiter that refreshes one permit per cycle loses every permit of the stall for
 *       good (that was ~8% of the rate in a 1M-row run: its G1 pauses). It is no fixed-window
 *       limiter: the APIs count in rolling windows (HubSpot's {@code TEN_SECONDLY_ROLLING}), and a
 *       fixed-window limiter can send twice the limit across a window boundary.
 *   <li>The <b>guard</b>, a {@link RollingWindow}, is what makes the limit exact. The API counts
 *       arrivals, not permits, and calls paced apart can still arrive together (a new connection, a
 *       pause of the process); the guard lets a call start only when fewer than {@code requests}
 *       calls are in flight or ended within the last {@code per}, which keeps every window of the
 *       server's at or under the limit by construction (the proof is in {@link RollingWindow}).
 * </ul>
 *
 * <p>No headroom is kept for the calls in flight: the pacer runs at the limit and the guard holds a
 * call back only when the window really is full.
 */
public final class AccountLimiters {

    /**
     * A rate limit as applied: every call takes a permit of the pacer, then a ticket of the guard,
     * which it releases when it ends.
     */
    public record Limit(Pacer pacer, RollingWindow guard) {}

    private static final Map<String, Limit> LIMITS = new ConcurrentHashMap<>();

    private AccountLimiters() {}

    /** The limit of an account, shared by every sync to it. */
    public static Limit forAccount(String account, RateLimitConfig limit) {
        return LIMITS.computeIfAbsent(key("account", account, limit), k -> create(k, limit));
    }

    /**
     * A sync's own cap under its account's limit, shared by the sync's runs (so that one run's last
     * calls count against the next run's first).
     */
    public static Limit forSync(String sync, RateLimitConfig limit) {
        return LIMITS.computeIfAbsent(key("sync", sync, limit), k -> create(k, limit));
    }

    private static String key(String kind, String name, RateLimitConfig limit) {
        return kind + ":" + name + "@" + limit.requests() + "/" + limit.per().toNanos() + "ns";
    }

    /** A limit of its own, shared with nobody. */
    public static Limit create(String name, RateLimitConfig limit) {
        return new Limit(
                new Pacer(cycle(limit), burst(limit)),
                new RollingWindow(limit.requests(), limit.per()));
    }

    /** The most permits the pacer lets calls catch up after a stall: a quarter of the window's. */
    public static int burst(RateLimitConfig limit) {
        return Math.max(1, limit.requests() / 4);
    }

    /** The time between two of the pacer's permits: {@code per / requests}. */
    public static Duration cycle(RateLimitConfig limit) {
        long cycle = limit.per().toNanos() / limit.requests();
        return Duration.ofNanos(Math.max(1_000, cycle));
    }
}
