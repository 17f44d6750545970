/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;

/** One entry of the `destinations` section. Placeholder until reverse-etl defines its keys. */
public record DestinationConfig(Boolean enabled) {

    public DestinationConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
    }

    void validate(Problems problems) {}

    DestinationConfig resolvePaths(Path baseDir) {
        return this;
    }
}
