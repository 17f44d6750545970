/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideline.config.RateLimitConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rolling-window guard, on a clock the test moves by hand. */
class RollingWindowTest {

    /** A clock that stands still until the test moves it, and counts one thread's reads. */
    private static final class ManualClock implements LongSupplier {
        final AtomicLong now = new AtomicLong(1_000_000_000L);
        final AtomicLong reads = new AtomicLong();
        volatile Thread watched;

        @Override
        public long getAsLong() {
            if (Thread.currentThread() == watched) {
                reads.incrementAndGet();
            }
            return now.get();
        }

        void advance(long nanos) {
            now.addAndGet(nanos);
        }
    }

    /** One granted call: when it was granted and, once it ended, when it ended. */
    private static final class Call {
        final long granted;
        long ended = Long.MAX_VALUE;

        Call(long granted) {
            this.granted = granted;
        }
    }

    /**
     * The most calls that could have reached the server within one window of length {@code per},
     * whatever their arrivals between grant and end: for each grant time {@code s} (a maximum is
     * always at one), the calls granted up to it that had not ended by {@code s - per}.
     */
    private static int worstWindow(List<Call> calls, long per) {
        int worst = 0;
        for (Call x : calls) {
            long s = x.granted;
            int n = 0;
            for (Call c : calls) {
                if (c.granted <= s && (c.ended == Long.MAX_VALUE || c.ended - (s - per) > 0)) {
                    n++;
                }
            }
            worst = Math.max(worst, n);
        }
        return worst;
    }

    @Test
    void callsThatEndAtOnceGetExactlyTheLimitInEveryWindow() {
        ManualClock clock = new ManualClock();
        long per = 1_000;
        RollingWindow guard = new RollingWindow(5, Duration.ofNanos(per), clock);
        List<Call> calls = new ArrayList<>();
        long start = clock.now.get();
        // ten windows' time, one nanosecond at a time: take every grant there is
        for (long t = 0; t < 10 * per; t++) {
            RollingWindow.Ticket ticket;
            while ((ticket = guard.tryAcquire()) != null) {
                Call c = new Call(clock.now.get());
                guard.release(ticket);
                c.ended = clock.now.get();
                calls.add(c);
            }
            clock.advance(1);
        }
        assertThat(worstWindow(calls, per)).isEqualTo(5);
        // and no headroom: the full limit in each of the ten windows
        assertThat(calls).hasSize(50);
        for (int w = 0; w < 10; w++) {
            long from = start + w * per;
            assertThat(calls.stream().filter(c -> c.granted >= from && c.granted < from + per))
                    .as("grants in window %d", w)
                    .hasSize(5);
        }
    }

    @Test
    void noWindowCanSeeMoreThanTheLimitWhateverTheCallsDo() {
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            ManualClock clock = new ManualClock();
            int requests = 1 + random.nextInt(8);
            long per = 100 + random.nextInt(1_000);
            RollingWindow guard = new RollingWindow(requests, Duration.ofNanos(per), clock);
            List<Call> calls = new ArrayList<>();
            List<Call> open = new ArrayList<>();
            List<RollingWindow.Ticket> tickets = new ArrayList<>();
            for (int step = 0; step < 2_000; step++) {
                int action = random.nextInt(3);
                if (action == 0) {
                    clock.advance(random.nextInt((int) per / 3 + 1));
                } else if (action == 1) {
                    RollingWindow.Ticket t = guard.tryAcquire();
                    if (t == null) {
                        // refused only when the window really is full
                        assertThat(guard.inWindow()).isEqualTo(requests);
                    } else {
                        Call c = new Call(t.grantedAt());
                        calls.add(c);
                        open.add(c);
                        tickets.add(t);
                    }
                } else if (!open.isEmpty()) {
                    int i = random.nextInt(open.size());
                    guard.release(tickets.remove(i));
                    open.remove(i).ended = clock.now.get();
                }
            }
            assertThat(calls).as("round %d made calls", round).isNotEmpty();
            assertThat(worstWindow(calls, per))
                    .as("round %d: %d per %d ns", round, requests, per)
                    .isLessThanOrEqualTo(requests);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aCallInFlightHoldsBackTheNextGrantUntilItEndsAndLeavesTheWindow() throws Exception {
        ManualClock clock = new ManualClock();
        long per = TimeUnit.HOURS.toNanos(1);
        RollingWindow guard = new RollingWindow(2, Duration.ofNanos(per), clock);
        RollingWindow.Ticket a = guard.acquire();
        RollingWindow.Ticket b = guard.acquire();
        guard.release(b);
        clock.advance(per); // b has left the window; a is still in flight
        RollingWindow.Ticket c = guard.acquire();

        CompletableFuture<RollingWindow.Ticket> third = new CompletableFuture<>();
        Thread waiter =
                new Thread(
                        () -> {
                            try {
                                third.complete(guard.acquire());
                            } catch (Throwable e) {
                                third.completeExceptionally(e);
                            }
                        },
                        "waiter");
        clock.watched = waiter;
        // each step: note the waiter's clock reads, act, then see it look again and park again
        long reads = clock.reads.get();
        waiter.start();
        awaitParkedAfter(waiter, clock, reads);
        assertThat(guard.waiting()).isEqualTo(1);
        assertThat(third).isNotDone();

        // a call in flight counts however long it takes
        reads = clock.reads.get();
        clock.advance(10 * per);
        guard.clockMoved();
        awaitParkedAfter(waiter, clock, reads);
        assertThat(third).isNotDone();

        // once it ends it still counts for one window from its end
        reads = clock.reads.get();
        guard.release(a);
        long ended = clock.now.get();
        awaitParkedAfter(waiter, clock, reads);
        assertThat(third).isNotDone();

        long second = TimeUnit.SECONDS.toNanos(1);
        reads = clock.reads.get();
        clock.advance(per - second);
        guard.clockMoved();
        awaitParkedAfter(waiter, clock, reads);
        assertThat(third).isNotDone();

        clock.advance(second);
        guard.clockMoved();
        RollingWindow.Ticket granted = third.get(10, TimeUnit.SECONDS);
        assertThat(granted.grantedAt()).isEqualTo(ended + per);
        assertThat(guard.inFlight()).isEqualTo(2);
        assertThat(guard.waiting()).isZero();
        guard.release(c);
        guard.release(granted);
        waiter.join();
    }

    @Test
    void aTicketIsReleasedOnceAndOnlyByItsOwnGuard() throws Exception {
        ManualClock clock = new ManualClock();
        RollingWindow guard = new RollingWindow(1, Duration.ofSeconds(1), clock);
        RollingWindow other = new RollingWindow(1, Duration.ofSeconds(1), clock);
        RollingWindow.Ticket t = guard.acquire();
        assertThat(guard.tryAcquire()).isNull();
        assertThatThrownBy(() -> other.release(t)).isInstanceOf(IllegalArgumentException.class);
        guard.release(t);
        guard.release(t);
        assertThat(guard.inFlight()).isZero();
        assertThat(guard.inWindow()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1).toNanos());
        assertThat(guard.inWindow()).isZero();
        assertThat(guard.tryAcquire()).isNotNull();
    }

    @Test
    void theAccountPacerRunsAtExactlyTheLimitAndTheLimitIsSharedPerAccount() {
        RateLimitConfig limit = new RateLimitConfig(100, Duration.ofSeconds(1));
        assertThat(AccountLimiters.cycle(limit)).isEqualTo(Duration.ofMillis(10));
        AccountLimiters.Limit a = AccountLimiters.forAccount("rolling-window-test", limit);
        assertThat(AccountLimiters.forAccount("rolling-window-test", limit)).isSameAs(a);
        assertThat(AccountLimiters.forSync("rolling-window-test", limit)).isNotSameAs(a);
        assertThat(a.guard().requests()).isEqualTo(100);
        assertThat(a.guard().per()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.pacer().cycle()).isEqualTo(Duration.ofMillis(10));
        assertThat(a.pacer().burst()).isEqualTo(25);
    }

    /**
     * Waits until the waiter has looked at the clock since {@code reads} and parked again: it
     * decided, under the guard's lock, that it may not start yet.
     */
    private static void awaitParkedAfter(Thread waiter, ManualClock clock, long reads) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Thread.State state = waiter.getState();
            boolean parked = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
            if (clock.reads.get() > reads && parked) {
                return;
            }
            assertThat(waiter.isAlive()).as("the waiter is still waiting").isTrue();
            assertThat(System.nanoTime()).as("the waiter parked in time").isLessThan(deadline);
            Thread.yield();
        }
    }
}
