/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's run command, in-process, on a small size: every part embedded, for real. */
class LocalPlatformIT {

    @TempDir Path dir;

    private record Run(int exitCode, String output) {}

    private static Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = LocalPlatform.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(300)
    void runsTheSmokePipelineOnEmbeddedPartsAndPrintsASummary() throws Exception {
        String example = Files.readString(Path.of("tideline.yaml"));
        Path config = dir.resolve("tideline.yaml");
        Files.writeString(config, example);

        Run run = run("--config", config.toString(), "--records", "120");

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output())
                .contains("records produced to Kafka", "120")
                .containsPattern(
                        "rows in Iceberg tideline\\.smoke\\.events\\s+120\\s+exactly the records"
                                + " produced")
                .contains("result", "OK", "stopped")
                .doesNotContain("MISMATCH");
        assertThat(dir.resolve("target/tideline/warehouse/smoke/events/metadata")).isDirectory();
    }

    @Test
    void aBadConfigurationExitsTwoNamingThePath() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "catalog:\n  type: hive\n  warehouse: w\n");
        Run run = run("--config", config.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output())
                .contains(
                        config.toString(), "catalog.type", "expected one of [hadoop, jdbc, rest]");
    }

    @Test
    void aBadOptionExitsTwoWithUsage() {
        Run run = run("--records", "many");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output())
                .contains("--records expects a positive whole number, got 'many'", "usage:");
    }
}
