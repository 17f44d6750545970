/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The entry point of the embedded broker's own JVM: formats the KRaft storage once, then runs
 * {@code kafka.Kafka}. It exits when its standard input closes, so the broker never outlives the
 * process that started it, even one that was killed.
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {}

    /**
     * @param args the {@code server.properties} path and the cluster id
     */
    public static void main(String[] args) throws Exception {
        Thread watchdog =
                new Thread(
                        () -> {
                            InputStream in = System.in;
                            try {
                                while (in.read() != -1) {
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

        Path properties = Path.of(args[0]);
        Path logDir = Path.of(args[2]);
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            int rc =
                    kafka.tools.StorageTool.execute(
                            new String[] {
                                "format",
                                "-t",
                                args[1],
                                "-c",
                                properties.toString(),
                                "--ignore-formatted"
                            },
                            System.out);
            if (rc != 0) {
                System.err.println("Formatting the KRaft storage failed with exit code " + rc);
                System.exit(rc);
            }
        }
        kafka.Kafka.main(new String[] {properties.toString()});
    }
}
