/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.platform;

import java.io.PrintStream;

/** Prints what the platform is doing, one step at a time, with elapsed seconds. */
final class Progress {

    private final PrintStream out;
    private final long start = System.nanoTime();
    private long stepStart = start;

    Progress(PrintStream out) {
        this.out = out;
    }

    void step(String what) {
        stepStart = System.nanoTime();
        out.printf("[%6.1fs] %s ...%n", elapsed(start), what);
        out.flush();
    }

    void done(String what) {
        out.printf("[%6.1fs]   done in %.1fs: %s%n", elapsed(start), elapsed(stepStart), what);
        out.flush();
    }

    private static double elapsed(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
