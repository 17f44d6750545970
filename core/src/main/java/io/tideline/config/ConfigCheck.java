/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ConfigCheck FILE}: loads and validates a configuration, then prints it with secrets as
 * their references. Exits 0 when it is valid, 2 with every problem listed when it is not.
 */
public final class ConfigCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigCheck.class);

    private ConfigCheck() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ConfigCheck <tideline.yaml>");
            System.exit(2);
        }
        try {
            TidelineConfig config = ConfigLoader.fromEnvironment().load(Path.of(args[0]));
            LOG.info("Loaded configuration {}: {}", args[0], config);
            System.out.println("# " + args[0] + " is valid. Effective configuration:");
            System.out.print(ConfigLoader.toYaml(config));
        } catch (ConfigException e) {
            LOG.error("Configuration rejected", e);
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }
}
