/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waits until a condition holds, checking it every 250 ms, and fails with its last failure. */
final class Conditions {

    private Conditions() {}

    /** Runs {@code assertion} until it stops throwing, for at most {@code timeout}. */
    static void eventually(Duration timeout, String what, ThrowingRunnable assertion) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last;
        while (true) {
            try {
                assertion.run();
                return;
            } catch (Exception | AssertionError e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not true within " + timeout + ": " + what, last);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
