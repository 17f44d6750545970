/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.bench;

import io.tideline.config.Durations;
import java.time.Duration;

/** Configuration lines the benchmarks share. */
final class BenchYaml {

    private BenchYaml() {}

    /**
     * A Hadoop catalog on its own warehouse folder and a Flink section (parallelism 2) whose
     * checkpoints go next to it, as YAML lines ending in a newline.
     */
    static String lakeAndFlink(String warehouse, Duration interval) {
        return String.join(
                "\n",
                "catalog:",
                "  name: tideline",
                "  type: hadoop",
                "  warehouse: " + warehouse,
                "flink:",
                "  parallelism: 2",
                "  checkpoint-interval: " + Durations.format(interval),
                "  checkpoint-dir: checkpoints-" + warehouse,
                "");
    }
}
