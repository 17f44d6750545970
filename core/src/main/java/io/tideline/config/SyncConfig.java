/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;

/** One entry of the `syncs` section. Placeholder until reverse-etl defines its keys. */
public record SyncConfig(Boolean enabled) {

    public SyncConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
    }

    void validate(Problems problems) {}

    SyncConfig resolvePaths(Path baseDir) {
        return this;
    }
}
