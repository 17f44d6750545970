/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;

/** The `sources` section. Placeholder until its module defines its keys. */
public record SourcesConfig(Boolean enabled) {

    public SourcesConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
    }

    void validate(Problems problems) {}

    SourcesConfig resolvePaths(Path baseDir) {
        return this;
    }
}
