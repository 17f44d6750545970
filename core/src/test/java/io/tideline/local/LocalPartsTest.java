/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalPartsTest {

    @Test
    void relativeFileSecretsOfTheWrittenBackConfigurationBecomeAbsolute() {
        String yaml =
                "token: \"${file:emulator.token}\"\n"
                        + "other: \"${file:/run/secrets/pg}\"\n"
                        + "env: \"${env:PGPASSWORD}\"\n";
        String out = LocalParts.absoluteFileReferences(yaml, Path.of("/work/deploy/local"));
        assertThat(out)
                .contains("${file:/work/deploy/local/emulator.token}")
                .contains("${file:/run/secrets/pg}")
                .contains("${env:PGPASSWORD}");
    }
}
