/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;

/**
 * Where the embedded local parts keep their data: one folder, holding {@code kafka/}, {@code
 * postgres/}, {@code checkpoints/} and, by default, the warehouse.
 */
public record LocalConfig(String dataDir) {

    public static final String DEFAULT_DATA_DIR = ".tideline";

    public LocalConfig {
        dataDir = dataDir == null ? DEFAULT_DATA_DIR : dataDir;
    }

    public Path dataDirPath() {
        return Path.of(dataDir);
    }

    void validate(Problems problems) {
        problems.require(!dataDir.isBlank(), "data-dir", "expected a folder path, got ''");
    }

    LocalConfig resolvePaths(Path baseDir) {
        return new LocalConfig(baseDir.resolve(dataDir).normalize().toString());
    }
}
