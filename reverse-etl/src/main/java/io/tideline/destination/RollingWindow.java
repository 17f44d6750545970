/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * An exact client-side guard for a rolling-window rate limit: the server never sees more than
 * {@code requests} arrivals in any window of length {@code per}, however the calls bunch on the
 * way, with no headroom kept for calls in flight.
 *
 * <p>Every call first {@link #acquire() acquires} a {@link Ticket} and {@link #release(Ticket)
 * releases} it when the call ends, whether the answer came, the call timed out or the transport
 * failed (in a {@code finally}). For every ticket granted the guard keeps an upper bound of when
 * the request could have reached the server: while the call is in flight the bound is not yet known
 * (+∞); once it is released, the bound is the time it was released ({@link System#nanoTime},
 * monotonic). A new ticket is granted at time {@code now} only when fewer than {@code requests}
 * tickets are either in flight or were released after {@code now - per}; otherwise the caller waits
 * (a condition wait, not a spin) until the oldest released ticket leaves the window or a ticket in
 * flight is released.
 *
 * <p><b>Why no window of the server's can hold more than {@code requests} arrivals.</b> Assume a
 * call's arrival at the server lies between its grant {@code g} and its release {@code e}. Suppose
 * a server window {@code (s - per, s]} saw {@code requests + 1} arrivals, and let {@code x} be the
 * call among them that was granted last. Each of the other {@code requests} calls {@code i} was
 * granted before {@code x} ({@code g_i <= g_x}) and arrived at {@code a_i > s - per >= g_x - per}
 * (since {@code s >= a_x >= g_x}), so {@code e_i >= a_i > g_x - per}: when {@code x} was granted,
 * each of them was either still in flight or released after {@code g_x - per}. That is {@code
 * requests} tickets counted against {@code x}, so {@code x} would not have been granted: a
 * contradiction. Grants and releases are decided and stamped under one lock, so "granted before"
 * and the timestamps agree.
 *
 * <p>The assumption holds for a call that got an answer (the request arrived before the answer was
 * sent), for a transport error, and in practice for a call abandoned on its timeout: on an HTTP/1.1
 * connection the request was written before we waited for the answer, so it reached the server (or
 * never will) before we gave up. It also takes the server's clock to run at the rate of ours over a
 * window, which holds for any real clock over seconds.
 *
 * <p>The price is that a released call keeps its place for {@code per} after it ended, not after it
 * arrived: with calls paced at exactly the limit the rate is about {@code requests / (per +
 * latency)}.
 */
public final class RollingWindow {

    private final int requests;
    private final long perNanos;
    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /** Release times still in the window, oldest first: a ring of at most {@code requests}. */
    private final long[] released;

    private int head;
    private int releasedCount;
    private int inFlight;
    private int waiting;

    /** A guard of at most {@code requests} arrivals in any window of length {@code per}. */
    public RollingWindow(int requests, Duration per) {
        this(requests, per, System::nanoTime);
    }

    /** The same, on a clock of the caller's (tests). */
    RollingWindow(int requests, Duration per, LongSupplier nanoTime) {
        if (requests < 1) {
            throw new IllegalArgumentException("requests must be at least 1, got " + requests);
        }
        if (per.isNegative() || per.isZero()) {
            throw new IllegalArgumentException("per must be positive, got " + per);
        }
        this.requests = requests;
        this.perNanos = per.toNanos();
        this.nanoTime = nanoTime;
        this.released = new long[requests];
    }

    /** One granted call: release it exactly once, when the call ends. */
    public final class Ticket {
        private final long grantedAt;
        private boolean done;

        private Ticket(long grantedAt) {
            this.grantedAt = grantedAt;
        }

        /** When it was granted ({@link System#nanoTime} of the guard's clock). */
        public long grantedAt() {
            return grantedAt;
        }

        private RollingWindow owner() {
            return RollingWindow.this;
        }
    }

    /**
     * Waits until a call may start, and grants it.
     *
     * @throws InterruptedException when the waiting thread is interrupted (nothing is granted)
     */
    public Ticket acquire() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            waiting++;
            try {
                while (true) {
                    long now = nanoTime.getAsLong();
                    Ticket t = grant(now);
                    if (t != null) {
                        return t;
                    }
                    if (releasedCount == 0) {
                        // every place is held by a call in flight: wait for one to end
                        changed.await();
                    } else {
                        // wait for the oldest ended call to leave the window (or a release)
                        changed.awaitNanos(released[head] + perNanos - now);
                    }
                }
            } finally {
                waiting--;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Grants a call if one may start now, without waiting; null otherwise. */
    public Ticket tryAcquire() {
        lock.lock();
        try {
            return grant(nanoTime.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends a granted call: its place stays taken until {@code per} after now. A second release of
     * one ticket does nothing.
     */
    public void release(Ticket ticket) {
        if (ticket.owner() != this) {
            throw new IllegalArgumentException("a ticket of another guard");
        }
        lock.lock();
        try {
            if (ticket.done) {
                return;
            }
            ticket.done = true;
            long now = nanoTime.getAsLong();
            evict(now);
            inFlight--;
            released[(head + releasedCount) % requests] = now;
            releasedCount++;
            // waiters that had no end in sight now have one
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Calls in flight plus calls that ended within the last {@code per}. */
    public int inWindow() {
        lock.lock();
        try {
            evict(nanoTime.getAsLong());
            return inFlight + releasedCount;
        } finally {
            lock.unlock();
        }
    }

    /** Calls granted and not yet released. */
    public int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Threads waiting in {@link #acquire()}. */
    public int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the waiters to look at the clock again (for a test's clock that jumped). */
    void clockMoved() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int requests() {
        return requests;
    }

    public Duration per() {
        return Duration.ofNanos(perNanos);
    }

    private Ticket grant(long now) {
        evict(now);
        if (inFlight + releasedCount >= requests) {
            return null;
        }
        inFlight++;
        return new Ticket(now);
    }

    /** Forgets the calls that ended at or before {@code now - per}. */
    private void evict(long now) {
        while (releasedCount > 0 && now - released[head] >= perNanos) {
            head = (head + 1) % requests;
            releasedCount--;
        }
    }

    @Override
    public String toString() {
        return "RollingWindow{" + requests + " per " + per() + "}";
    }
}
