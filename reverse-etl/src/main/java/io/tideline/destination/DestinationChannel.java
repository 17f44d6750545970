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
import java.util.concurrent.TimeUnit;
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
 *   <li><b>rate limiting</b>: every attempt takes a permit of the account's pacer (a {@link Pacer}
 *       that spreads calls evenly at the limit's rate) and a ticket of its exact rolling-window
 *       guard ({@link RollingWindow}), released when the call ends; the sync's own cap, if it has
 *       one, adds a pacer and a guard of its own ({@link AccountLimiters});
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

    /**
     * What an API account said about itself, shared by every channel to it: the rate it reported
     * (applied on top of the configured limit when it is lower) and when its limiter is paused
     * after a 429.
     */
    static final class AccountState {
        private final String account;
        private final RateLimitConfig configured;
        private volatile Destination.RateReport report;
        private volatile AccountLimiters.Limit reported;
        private final AtomicLong pausedUntil = new AtomicLong(System.nanoTime());

        AccountState(String account, RateLimitConfig configured) {
            this.account = account;
            this.configured = configured;
        }

        /** Applies a reported rate: the lower of it and the configured one holds. */
        void adapt(Destination.RateReport r) {
            if (r == null || r.requests() < 1 || r.per().isZero() || r.equals(report)) {
                return;
            }
            synchronized (this) {
                if (r.equals(report)) {
                    return;
                }
                report = r;
                double reportedRate = r.requests() / (double) r.per().toNanos();
                double configuredRate = configured.requests() / (double) configured.per().toNanos();
                if (reportedRate >= configuredRate) {
                    reported = null;
                } else {
                    reported =
                            AccountLimiters.create(
                                    "reported:" + account,
                                    new RateLimitConfig(r.requests(), r.per()));
                }
            }
        }

        /** The server's lower limit, or null when the configured one is the lower. */
        AccountLimiters.Limit reported() {
            return reported;
        }

        /** Pauses the account's calls until {@code wait} from now (never shortens a pause). */
        void pause(Duration wait) {
            long until = System.nanoTime() + wait.toNanos();
            pausedUntil.accumulateAndGet(until, (a, b) -> a - b >= 0 ? a : b);
        }

        /** Waits while the account is paused; false when {@code stop} turned true meanwhile. */
        boolean awaitResume(BooleanSupplier stop) throws InterruptedException {
            while (true) {
                long left = pausedUntil.get() - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                if (stop.getAsBoolean()) {
                    return false;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
            }
        }
    }

    private static final Map<String, AccountState> ACCOUNTS = new ConcurrentHashMap<>();

    /**
     * A create whose outcome is unknown (no answer in time): not retried, since sending it again
     * could create the record twice. Its records are rejected for the next run to resolve (a
     * HubSpot create then meets a 409 with the existing id, and updates it).
     */
    public static final String OUTCOME_UNKNOWN = "outcome unknown";

    static final class OutcomeUnknown extends Exception {
        OutcomeUnknown(String message) {
            super(message, null, false, false);
        }
    }

    private final Destination destination;
    private final Lane lane;
    private final AccountLimiters.Limit accountLimit;
    private final AccountState account;
    private final AccountLimiters.Limit syncLimit;
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final Duration maxThrottledWait;
    private final Duration maxOpenWait;
    private final AtomicLong openDeadline = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong splits = new AtomicLong();
    private final AtomicLong conflictsResolved = new AtomicLong();
    private final AtomicLong breakerWaits = new AtomicLong();

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
                        name + "@" + config.url().written() + "#" + config.concurrency(),
                        k -> Lane.of(name, config.concurrency()));
        String accountName = config.accountOr(name);
        this.accountLimit = AccountLimiters.forAccount(accountName, config.rateLimit());
        this.account =
                ACCOUNTS.computeIfAbsent(
                        accountName + "@" + config.rateLimit(),
                        k -> new AccountState(accountName, config.rateLimit()));
        this.syncLimit = syncLimit == null ? null : AccountLimiters.forSync(syncName, syncLimit);
        DestinationConfig.CircuitBreakerPolicy policy = config.circuitBreaker();
        this.breaker =
                BREAKERS.computeIfAbsent(
                        name + "@" + config.url().written() + "#" + policy,
                        k -> CircuitBreaker.of(name, breakerConfig(policy)));
        this.retry = Retry.of("sync-" + syncName, retryConfig(config.retry()));
        this.maxThrottledWait = config.retry().maxThrottledWait();
        this.maxOpenWait = policy.maxOpenWait();
    }

    static CircuitBreakerConfig breakerConfig(DestinationConfig.CircuitBreakerPolicy policy) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(policy.window())
                .minimumNumberOfCalls(policy.minimumCalls())
                .failureRateThreshold((float) (policy.failureRate() * 100))
                .waitDurationInOpenState(policy.openFor())
                .permittedNumberOfCallsInHalfOpenState(Math.min(10, policy.window()))
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
     * good (retries used up, fatal), or with {@link CallNotPermittedException} when the circuit
     * stayed open longer than the run may wait.
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
        } catch (OutcomeUnknown e) {
            List<RecordOutcome> out = new ArrayList<>();
            batch.forEach(r -> out.add(RecordOutcome.rejected(r.key(), e.getMessage())));
            return out;
        } catch (CallException.RejectedBatch e) {
            if (batch.size() > 1 && destination.splitsRejectedBatches()) {
                splits.incrementAndGet();
                int half = batch.size() / 2;
                List<RecordOutcome> out =
                        new ArrayList<>(deliver(op, batch.subList(0, half), stop));
                out.addAll(deliver(op, batch.subList(half, batch.size()), stop));
                return out;
            }
            if (batch.size() == 1 && op == Operation.INSERT && e.existingId() != null) {
                // a create met a record that already holds the identifier (our own earlier create
                // whose answer was lost, or one made elsewhere): update that record instead
                OutboundRecord r = batch.get(0);
                conflictsResolved.incrementAndGet();
                return deliver(
                        Operation.UPDATE_BY_ID,
                        List.of(
                                new OutboundRecord(
                                        r.key(), r.identity(), e.existingId(), r.fields())),
                        stop);
            }
            List<RecordOutcome> out = new ArrayList<>();
            batch.forEach(
                    r ->
                            out.add(
                                    e.permanent()
                                            ? RecordOutcome.parked(r.key(), e.getMessage())
                                            : RecordOutcome.rejected(r.key(), e.getMessage())));
            return out;
        }
    }

    private List<RecordOutcome> call(Operation op, List<OutboundRecord> batch, BooleanSupplier stop)
            throws Exception {
        boolean[] first = {true};
        return retry.executeCallable(() -> attempt(op, batch, stop, first));
    }

    /**
     * One attempt of the retry policy: sends the batch, and sends it again after each 429 (the
     * account paused for the API's Retry-After or interval) without using up an attempt, for at
     * most {@code max-throttled-wait}; waits while the circuit is open, for at most {@code
     * max-open-wait} of the run.
     */
    private List<RecordOutcome> attempt(
            Operation op, List<OutboundRecord> batch, BooleanSupplier stop, boolean[] first)
            throws Exception {
        long throttledSince = 0;
        while (true) {
            if (stop.getAsBoolean() || !account.awaitResume(stop)) {
                throw new Stopped();
            }
            // the pacers spread the calls evenly; the guards make the limits exact
            accountLimit.pacer().acquire();
            AccountLimiters.Limit reported = account.reported();
            if (reported != null) {
                reported.pacer().acquire();
            }
            if (syncLimit != null) {
                syncLimit.pacer().acquire();
            }
            if (stop.getAsBoolean()) {
                throw new Stopped();
            }
            CallException.Retryable throttle = null;
            CallNotPermittedException open = null;
            // the account's guards are shared by every sync: take them last, hold them least
            RollingWindow.Ticket syncTicket =
                    syncLimit == null ? null : syncLimit.guard().acquire();
            try {
                RollingWindow.Ticket reportedTicket =
                        reported == null ? null : reported.guard().acquire();
                try {
                    RollingWindow.Ticket ticket = accountLimit.guard().acquire();
                    try {
                        List<RecordOutcome> outcomes =
                                breaker.executeCallable(
                                        () -> {
                                            // counted only when it goes on the wire
                                            calls.incrementAndGet();
                                            if (first[0]) {
                                                first[0] = false;
                                                batches.incrementAndGet();
                                            } else {
                                                retries.incrementAndGet();
                                            }
                                            return destination.send(op, batch);
                                        });
                        account.adapt(destination.reportedRate());
                        return outcomes;
                    } catch (CallNotPermittedException e) {
                        // nothing went out; wait below, once the tickets are released
                        open = e;
                    } catch (CallException.Retryable e) {
                        account.adapt(destination.reportedRate());
                        if (!e.throttled()) {
                            if (e.outcomeUnknown() && !destination.idempotent(op)) {
                                throw new OutcomeUnknown(
                                        OUTCOME_UNKNOWN
                                                + " ("
                                                + e.getMessage()
                                                + "): a create is not retried, so that it"
                                                + " cannot create the record twice; the next run"
                                                + " resolves it");
                            }
                            throw e;
                        }
                        throttled.incrementAndGet();
                        throttle = e;
                    } finally {
                        // the call has ended (answer, timeout or transport error)
                        accountLimit.guard().release(ticket);
                    }
                } finally {
                    if (reportedTicket != null) {
                        reported.guard().release(reportedTicket);
                    }
                }
            } finally {
                if (syncTicket != null) {
                    syncLimit.guard().release(syncTicket);
                }
            }
            if (open != null) {
                awaitBreaker(open, stop);
                continue;
            }
            // a 429: pause the account for what the API asked, then send again
            account.pause(
                    throttle.retryAfter().isZero() ? Duration.ofSeconds(1) : throttle.retryAfter());
            long now = System.nanoTime();
            if (throttledSince == 0) {
                throttledSince = now;
            } else if (now - throttledSince > maxThrottledWait.toNanos()) {
                throw throttle;
            }
        }
    }

    /**
     * Waits for an open circuit to let calls through again, for at most {@code max-open-wait} from
     * the first time this run found it open; past that, the run stops with its progress saved.
     */
    private void awaitBreaker(CallNotPermittedException e, BooleanSupplier stop) throws Exception {
        long now = System.nanoTime();
        openDeadline.compareAndSet(0, now + maxOpenWait.toNanos());
        if (now - openDeadline.get() >= 0) {
            throw e;
        }
        breakerWaits.incrementAndGet();
        long until = Math.min(openDeadline.get(), now + 100_000_000L);
        while (System.nanoTime() - until < 0) {
            if (stop.getAsBoolean()) {
                throw new Stopped();
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** Calls that went on the wire (first attempts, retries and 429s included). */
    public long calls() {
        return calls.get();
    }

    /**
     * Deliveries whose first call went out: the run's batches, plus the halves of split batches and
     * the updates that resolved a create's conflict. {@code calls = batches + retries}.
     */
    public long batches() {
        return batches.get();
    }

    /** Calls that sent a delivery again (after a 5xx, a timeout or a 429). */
    public long retries() {
        return retries.get();
    }

    /** Creates that met an existing record (HubSpot 409) and updated it instead. */
    public long conflictsResolved() {
        return conflictsResolved.get();
    }

    /** Times a call waited for the open circuit to let calls through again. */
    public long breakerWaits() {
        return breakerWaits.get();
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
