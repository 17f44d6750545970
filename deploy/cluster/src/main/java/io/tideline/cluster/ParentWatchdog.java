/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cluster;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * {@code ParentWatchdog MAIN_CLASS ARGS...}: runs {@code MAIN_CLASS} and exits when standard input
 * closes, so that a cluster process never outlives the process that started it.
 */
public final class ParentWatchdog {

    private ParentWatchdog() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog =
                new Thread(
                        () -> {
                            try {
                                while (System.in.read() != -1) {
                                    // The parent never writes; EOF means it is gone.
                                }
                            } catch (IOException ignored) {
                                // Same as EOF.
                            }
                            System.exit(0);
                        },
                        "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }
}
