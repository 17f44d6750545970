/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import io.github.resilience4j.bulkhead.ThreadPoolBulkhead;
import io.github.resilience4j.bulkhead.ThreadPoolBulkheadConfig;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * One sync's way to its destination, with the resilience around each call:
 *
 * <ul>
 *   <li><b>isolation</b>: calls run on the destination's own Resilience4j {@link
 *       ThreadPoolBulkhead} of {@code concurrency} threads and a bounded queue, shared by every
 *       sync to it, so a slow API holds only its own threads, never another destination's. {@link
 *       #submit} waits while the destination already holds {@link #capacity()} batches (running or
 *       queued), so the bulkhead's queue never overflows;
 *   <li><b>rate limiting</b>: every attempt takes a permit of the account's pacer (a {@link
 *       RateLimiter} that spreads calls evenly at the limit's rate) and a ticket of its exact
 *       rolling-window guard ({@link RollingWindow}), released when the call ends; the sync's own
 *       cap, if it has one, adds a pacer and a guard of its own ({@link AccountLimiters});
 *   <li><b>timeouts</b>: each call's exchange runs under the destination's Resilience4j {@code
 *       TimeLimiter} ({@link HttpCalls#exchange}), cancelled when no answer came in time;
 *   <li><b>retries</b>: 429, 5xx and timeouts are retried with exponential backoff and jitter,
 *       never sooner than the API's {@code Retry-After} or rate-limit reset;
 *   <li><b>circuit breaking</b>: the destination's {@link CircuitBreaker} opens when most recent
 *       calls fail (5xx, timeouts; not 429), and the run stops cleanly;
 *   <li><b>isolating bad records</b>: a batch the API rejects as a whole (409, 400) is split in
 *       halves until each bad record stands alone and is rejected with the API's reason.
 * </ul>
 *
 * <p>Resilience4j creates the bulkhead's threads as non-daemon threads, and they live as long as
 * the process: a program that used a destination ends with {@code System.exit} (as {@code SyncCli}
 * does), not by returning from {@code main}.
 */
public final class DestinationChannel {

    /** Batches a destination holds at once, running or queued, per thread of its bulkhead. */
    static final int QUEUED_PER_THREAD = 4;

    private static final Map<String, Lane> LANES = new ConcurrentHashMap<>();
    private static final Map<String, CircuitBreaker> BREAKERS = new ConcurrentHashMap<>();

    /**
     * A destination's bulkhead, and the slots that keep its queue from overflowing: a batch takes a
     * slot before it is handed to the bulkhead and gives it back when its work is done. There are
     * as many slots as the queue holds, so even if every batch holding a slot were still queued the
     * queue would have room: {@code BulkheadFullException} cannot happen.
     */
    private record Lane(ThreadPoolBulkhead bulkhead, Semaphore slots, int capacity) {
        static Lane of(String name, int concurrency) {
            int capacity = QUEUED_PER_THREAD * concurrency;
            ThreadPoolBulkhead bulkhead =
                    ThreadPoolBulkhead.of(
                            "dest-" + name,
                            ThreadPoolBulkheadConfig.custom()
                                    .maxThreadPoolSize(concurrency)
                                    .coreThreadPoolSize(concurrency)
                                    .queueCapacity(capacity)
                                    .writableStackTraceEnabled(false)
                                    .build());
            return new Lane(bulkhead, new Semaphore(capacity, true), capacity);
        }
    }

    private final Destination destination;
    private final Lane lane;
    private final AccountLimiters.Limit accountLimit;
    private final AccountLimiters.Limit syncLimit;
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong splits = new AtomicLong();

    /**
     * @param name the destination's name (its bulkhead and breaker are shared by every sync to it)
     * @param syncLimit the sync's own cap, or null
     */
    public DestinationChannel(
            String name,
            DestinationConfig config,
            Destination destination,
            RateLimitConfig syncLimit,
            String syncName) {
        this.destination = destination;
        this.lane =
                LANES.computeIfAbsent(
                        name + "@" + config.url() + "#" + config.concurrency(),
                        k -> Lane.of(name, config.concurrency()));
        this.accountLimit = AccountLimiters.forAccount(config.accountOr(name), config.rateLimit());
        this.syncLimit = syncLimit == null ? null : AccountLimiters.forSync(syncName, syncLimit);
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
     * The most batches the destination holds at once, running or queued, for all its syncs: {@link
     * #submit} waits beyond it. A sync that keeps no more than this in flight never waits on
     * itself.
     */
    public int capacity() {
        return lane.capacity();
    }

    /**
     * Delivers one batch on the destination's bulkhead, first waiting while the destination holds
     * {@link #capacity()} batches already. The future fails with {@link Stopped} when {@code stop}
     * turned true before the batch went out, with {@link CallException} when the call failed for
     * good (retries used up, fatal), or with {@link CallNotPermittedException} when the circuit is
     * open.
     *
     * @throws InterruptedException when interrupted while waiting (the batch was not submitted)
     */
    public CompletableFuture<List<RecordOutcome>> submit(
            Operation op, List<OutboundRecord> batch, BooleanSupplier stop)
            throws InterruptedException {
        Semaphore slots = lane.slots();
        slots.acquire();
        CompletableFuture<List<RecordOutcome>> f = new CompletableFuture<>();
        try {
            lane.bulkhead()
                    .submit(
                            () -> {
                                List<RecordOutcome> outcomes = null;
                                Throwable error = null;
                                try {
                                    outcomes = deliver(op, batch, stop);
                                } catch (Throwable t) {
                                    error = t;
                                } finally {
                                    // before the future completes: its sync may submit again
                                    slots.release();
                                }
                                if (error != null) {
                                    f.completeExceptionally(error);
                                } else {
                                    f.complete(outcomes);
                                }
                            });
        } catch (RuntimeException e) {
            // BulkheadFullException cannot happen (see Lane); never keep a slot if it does
            slots.release();
            f.completeExceptionally(e);
        }
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
                    // the pacers spread the calls evenly; the guards make the limits exact
                    RateLimiter.waitForPermission(accountLimit.pacer());
                    if (syncLimit != null) {
                        RateLimiter.waitForPermission(syncLimit.pacer());
                    }
                    if (stop.getAsBoolean()) {
                        throw new Stopped();
                    }
                    // the account's guard is shared by every sync: take it last, hold it least
                    RollingWindow.Ticket syncTicket =
                            syncLimit == null ? null : syncLimit.guard().acquire();
                    try {
                        RollingWindow.Ticket ticket = accountLimit.guard().acquire();
                        try {
                            calls.incrementAndGet();
                            return breaker.executeCallable(() -> destination.send(op, batch));
                        } catch (CallException.Retryable e) {
                            if (e.throttled()) {
                                throttled.incrementAndGet();
                            }
                            throw e;
                        } finally {
                            // the call has ended (answer, timeout or transport error)
                            accountLimit.guard().release(ticket);
                        }
                    } finally {
                        if (syncTicket != null) {
                            syncLimit.guard().release(syncTicket);
                        }
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
