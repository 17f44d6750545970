/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/** Waits on a condition with a deadline: checks it, pauses for a poll interval, checks again. */
public final class Await {

    private static final long POLL_NANOS = Duration.ofMillis(200).toNanos();

    private Await() {}

    /**
     * Returns as soon as {@code condition} holds.
     *
     * @throws AssertionError naming {@code what}, with the last exception the condition threw, when
     *     it still does not hold after {@code timeout}
     */
    public static void until(String what, Duration timeout, Callable<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError e =
                        new AssertionError("timed out after " + timeout + " waiting for " + what);
                if (last != null) {
                    e.initCause(last);
                }
                throw e;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
