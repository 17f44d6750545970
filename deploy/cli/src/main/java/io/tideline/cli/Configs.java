/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import io.tideline.config.ConfigException;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import java.nio.file.Path;

/** Loading the configuration a command was given; an invalid one ends it with exit code 78. */
final class Configs {

    private Configs() {}

    static TidelineConfig load(Path file) {
        try {
            return ConfigLoader.fromEnvironment().load(file);
        } catch (ConfigException e) {
            throw new CliException(Tideline.CONFIG, e.getMessage());
        }
    }

    /**
     * Refuses a configuration whose Kafka or PostgreSQL is embedded (started by the local platform
     * only) when the command needs it running.
     */
    static void requireRunning(TidelineConfig config, Path file, boolean kafka, boolean postgres) {
        String part = null;
        if (kafka && config.kafka().embedded()) {
            part = "Kafka";
        } else if (postgres && config.postgres().embedded()) {
            part = "PostgreSQL";
        }
        if (part != null) {
            throw new CliException(
                    Tideline.UNAVAILABLE,
                    file
                            + " has an embedded "
                            + part
                            + ", which only the local platform starts: run `tideline local up"
                            + " --config "
                            + file
                            + "` and give this command the configuration it writes (the default"
                            + " when no --config is given)");
        }
    }
}
