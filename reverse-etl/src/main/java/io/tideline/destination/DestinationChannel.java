/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.tideline.config.DestinationConfig;
import io.tideline.config.RateLimitConfig;
import io.tideline.config.RetryPolicyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * One sync's way to its destination, with the resilience around each call:
 *
 * <ul>
 *   <li><b>isolation</b>: calls run on the destination's own pool of {@code concurrency} threads (a
 *       bulkhead), so a slow API holds only its own threads, never another destination's;
 *   <li><b>rate limiting</b>: every attempt takes a permit of the account's {@link RateLimiter}
 *       (and of the sync's own, if it has one);
 *   <li><b>retries</b>: 429, 5xx and timeouts are retried with exponential backoff and jitter,
 *       never sooner than the API's {@code Retry-After} or rate-limit reset;
 *   <li><b>circuit breaking</b>: the destination's {@link CircuitBreaker} opens when most recent
 *       calls fail (5xx, timeouts; not 429), and the run stops cleanly;
 *   <li><b>isolating bad records</b>: a batch the API rejects as a whole (409, 400) is split in
 *       halves until each bad record stands alone and is rejected with the API's reason.
 * </ul>
 */
public final class DestinationChannel {

    private static final Map<String, ExecutorService> POOLS = new ConcurrentHashMap<>();
    private static final Map<String, CircuitBreaker> BREAKERS = new ConcurrentHashMap<>();

    private final Destination destination;
    private final ExecutorService pool;
    private final RateLimiter accountLimiter;
    private final RateLimiter syncLimiter;
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong splits = new AtomicLong();

    /**
     * @param name the destination's name (its pool and breaker are shared by every sync to it)
     * @param syncLimit the sync's own cap, or null
     */
    public DestinationChannel(
            String name,
            DestinationConfig config,
            Destination destination,
            RateLimitConfig syncLimit,
            String syncName) {
        this.destination = destination;
        this.pool =
                POOLS.computeIfAbsent(
                        name + "@" + config.url() + "#" + config.concurrency(),
                        k -> {
                            AtomicInteger n = new AtomicInteger();
                            return Executors.newFixedThreadPool(
                                    config.concurrency(),
                                    r -> {
                                        Thread t =
                                                new Thread(
                                                        r,
                                                        "dest-" + name + "-" + n.incrementAndGet());
                                        t.setDaemon(true);
                                        return t;
                                    });
                        });
        this.accountLimiter =
                AccountLimiters.forAccount(
                        config.accountOr(name), config.rateLimit(), config.concurrency());
        this.syncLimiter =
                syncLimit == null
                        ? null
                        : AccountLimiters.create(
                                "sync-" + syncName, syncLimit, config.concurrency());
        this.breaker =
                BREAKERS.computeIfAbsent(
                        name + "@" + config.url(), k -> CircuitBreaker.of(name, breakerConfig()));
        this.retry = Retry.of("sync-" + syncName, retryConfig(config.retry()));
        retry.getEventPublisher().onRetry(e -> retries.incrementAndGet());
    }

    static CircuitBreakerConfig breakerConfig() {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(10)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .recordException(e -> e instanceof CallException.Retryable r && !r.throttled())
                .build();
    }

    static RetryConfig retryConfig(RetryPolicyConfig policy) {
        long initial = policy.initialBackoff().toMillis();
        long max = policy.maxBackoff().toMillis();
        IntervalBiFunction<Object> interval =
                (attempt, either) -> {
                    long base =
                            Math.min(max, (long) (initial * Math.pow(2, Math.max(0, attempt - 1))));
                    long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
                    long hint = 0;
                    if (either != null
                            && either.isLeft()
                            && either.getLeft() instanceof CallException.Retryable r) {
                        hint = r.retryAfter().toMillis();
                    }
                    return Math.max(jittered, hint);
                };
        return RetryConfig.custom()
                .maxAttempts(policy.maxAttempts())
                .intervalBiFunction(interval)
                .retryOnException(e -> e instanceof CallException.Retryable)
                .build();
    }

    public Destination destination() {
        return destination;
    }

    /** The run was stopped before this batch was sent. */
    public static final class Stopped extends Exception {
        public Stopped() {
            super("the run stopped before this batch was sent", null, false, false);
        }
    }

    /**
     * Delivers one batch on the destination's pool. The future fails with {@link Stopped} when
     * {@code stop} turned true before the batch went out, with {@link CallException} when the call
     * failed for good (retries used up, fatal), or with {@link CallNotPermittedException} when the
     * circuit is open.
     */
    public CompletableFuture<List<RecordOutcome>> submit(
            Operation op, List<OutboundRecord> batch, BooleanSupplier stop) {
        CompletableFuture<List<RecordOutcome>> f = new CompletableFuture<>();
        pool.execute(
                () -> {
                    try {
                        f.complete(deliver(op, batch, stop));
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    }
                });
        return f;
    }

    private List<RecordOutcome> deliver(
            Operation op, List<OutboundRecord> batch, BooleanSupplier stop) throws Exception {
        try {
            return call(op, batch, stop);
        } catch (CallException.RejectedBatch e) {
            if (batch.size() > 1 && destination.splitsRejectedBatches()) {
                splits.incrementAndGet();
                int half = batch.size() / 2;
                List<RecordOutcome> out =
                        new ArrayList<>(deliver(op, batch.subList(0, half), stop));
                out.addAll(deliver(op, batch.subList(half, batch.size()), stop));
                return out;
            }
            List<RecordOutcome> out = new ArrayList<>();
            batch.forEach(r -> out.add(RecordOutcome.rejected(r.key(), e.getMessage())));
            return out;
        }
    }

    private List<RecordOutcome> call(Operation op, List<OutboundRecord> batch, BooleanSupplier stop)
            throws Exception {
        return retry.executeCallable(
                () -> {
                    if (stop.getAsBoolean()) {
                        throw new Stopped();
                    }
                    RateLimiter.waitForPermission(accountLimiter);
                    if (syncLimiter != null) {
                        RateLimiter.waitForPermission(syncLimiter);
                    }
                    calls.incrementAndGet();
                    try {
                        return breaker.executeCallable(() -> destination.send(op, batch));
                    } catch (CallException.Retryable e) {
                        if (e.throttled()) {
                            throttled.incrementAndGet();
                        }
                        throw e;
                    }
                });
    }

    /** Calls made (attempts, retries included). */
    public long calls() {
        return calls.get();
    }

    public long retries() {
        return retries.get();
    }

    public long throttled() {
        return throttled.get();
    }

    /** Rejected batches split to isolate their bad records. */
    public long splits() {
        return splits.get();
    }

    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    /** Resets a destination's circuit breaker (for an operator, or between tests). */
    public static void resetBreaker(String destinationName) {
        BREAKERS.forEach(
                (k, b) -> {
                    if (k.startsWith(destinationName + "@")) {
                        b.reset();
                    }
                });
    }
}
