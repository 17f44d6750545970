/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Spreads calls at a limit's rate, one permit every {@code cycle}, and lets calls that fell behind
 * the schedule catch up by at most {@code burst} permits (a virtual scheduling, or GCRA, pacer).
 *
 * <p>The pacer keeps the time {@code next} at which the schedule's next permit is due. A caller at
 * {@code now} is given the time {@code max(now, next - (burst - 1) * cycle)} to start, and {@code
 * next} moves to {@code max(next, now) + cycle}. While callers keep up, they go exactly one {@code
 * cycle} apart. When they could not keep up (a stop-the-world pause of the process, every thread
 * busy with a slow answer), the permits of the stall are not all lost, as they are with a limiter
 * that refreshes one permit per cycle: up to {@code burst} of them go at once, then the schedule
 * resumes. Over any interval of length {@code t}, the pacer grants at most {@code t / cycle +
 * burst} permits.
 *
 * <p>The pacer is what keeps calls evenly spread; it does not make a limit exact (calls paced apart
 * can still arrive together), and it does not need to: every call also takes a ticket of its
 * account's {@link RollingWindow}, which holds every server window to the limit whatever the pacer
 * lets through (see {@link AccountLimiters}).
 */
public final class Pacer {

    private final long cycleNanos;
    private final long toleranceNanos;
    private final int burst;
    private final LongSupplier nanoTime;

    /** When the schedule's next permit is due ({@link System#nanoTime} of the pacer's clock). */
    private long next;

    /** A pacer of one permit every {@code cycle}, catching up at most {@code burst} permits. */
    public Pacer(Duration cycle, int burst) {
        this(cycle, burst, System::nanoTime);
    }

    /** The same, on a clock of the caller's (tests). */
    Pacer(Duration cycle, int burst, LongSupplier nanoTime) {
        if (cycle.isNegative() || cycle.isZero()) {
            throw new IllegalArgumentException("cycle must be positive, got " + cycle);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, got " + burst);
        }
        this.cycleNanos = cycle.toNanos();
        this.burst = burst;
        this.toleranceNanos = (burst - 1) * cycleNanos;
        this.nanoTime = nanoTime;
        // no credit at the start: the first calls are spread one cycle apart
        this.next = nanoTime.getAsLong() + toleranceNanos;
    }

    /**
     * Takes the next permit: returns when the caller may start ({@link System#nanoTime} of the
     * pacer's clock), without waiting. The permit is the caller's however long it then waits.
     */
    synchronized long reserve() {
        long now = nanoTime.getAsLong();
        long at = Math.max(now, next - toleranceNanos);
        next = Math.max(next, now) + cycleNanos;
        return at;
    }

    /**
     * Waits for the next permit.
     *
     * @throws InterruptedException when interrupted while waiting (the permit is spent)
     */
    public void acquire() throws InterruptedException {
        long at = reserve();
        while (true) {
            long left = at - nanoTime.getAsLong();
            if (left <= 0) {
                return;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    public Duration cycle() {
        return Duration.ofNanos(cycleNanos);
    }

    public int burst() {
        return burst;
    }

    @Override
    public String toString() {
        return "Pacer{1 per " + cycle() + ", burst " + burst + "}";
    }
}
