/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;

/** The `sql` section. Placeholder until its module defines its keys. */
public record SqlConfig(Boolean enabled) {

    public SqlConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
    }

    void validate(Problems problems) {}

    SqlConfig resolvePaths(Path baseDir) {
        return this;
    }
}
