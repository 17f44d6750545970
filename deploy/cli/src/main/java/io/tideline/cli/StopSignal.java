/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a request to stop, instead of the JVM's shutdown: the command then
 * stops its jobs with a savepoint, prints the final counts, and exits itself. (Were the JVM shut
 * down by the signal, Flink's own shutdown hooks would close the cluster under the savepoint.)
 */
final class StopSignal {

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile String received;

    static StopSignal install() {
        StopSignal s = new StopSignal();
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(
                    new Signal(name),
                    sig -> {
                        if (s.received != null) {
                            // A second Ctrl-C: stop now, without the savepoint.
                            Runtime.getRuntime().halt(130);
                        }
                        s.received = "SIG" + sig.getName();
                        s.stop.countDown();
                    });
        }
        return s;
    }

    /** Waits up to {@code interval}; true when a stop was asked for. */
    boolean await(Duration interval) throws InterruptedException {
        return stop.await(interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    String received() {
        return received;
    }
}
