/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret given as {@code ${env:X}} never appears in output: the check runs in a child JVM with
 * the variable really set, and everything that JVM prints (its logs included) is searched.
 */
class SecretMaskingTest {

    private static final String SECRET = "tl-s3cr3t-7d1f9a";

    @TempDir Path dir;

    private static final String CONFIG =
            """
            kafka:
              bootstrap-servers: [broker:9092]
              secret-properties:
                sasl.jaas.config: ${env:TIDELINE_TEST_SECRET}
            postgres:
              host: db
              port: 5432
              password: ${env:TIDELINE_TEST_SECRET}
            catalog:
              type: rest
              uri: https://catalog.example
              secret-properties:
                token: ${env:TIDELINE_TEST_SECRET}
            """;

    private record Run(int exitCode, String output) {}

    private Run check(String yaml) throws Exception {
        Path file = dir.resolve("tideline.yaml");
        Files.writeString(file, yaml);
        ProcessBuilder pb =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                ConfigCheck.class.getName(),
                                file.toString())
                        .redirectErrorStream(true);
        pb.environment().put("TIDELINE_TEST_SECRET", SECRET);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(120)
    void aValidConfigurationIsLoggedAndPrintedMasked() throws Exception {
        Run run = check(CONFIG);
        assertThat(run.exitCode()).as(run.output()).isZero();
        // The record was logged (toString) and printed (YAML): the secret is in neither.
        assertThat(run.output())
                .contains("Loaded configuration", "password=******", "${env:TIDELINE_TEST_SECRET}")
                .doesNotContain(SECRET);
    }

    @Test
    @Timeout(120)
    void aRejectedConfigurationDoesNotLeakResolvedSecrets() throws Exception {
        Run run = check(CONFIG.replace("port: 5432", "port: nope"));
        assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("postgres.port").doesNotContain(SECRET);
    }

    @Test
    void toStringMasksEverySecretInTheModel() {
        TidelineConfig c =
                new ConfigLoader(name -> name.equals("TIDELINE_TEST_SECRET") ? SECRET : null)
                        .parse(CONFIG, "inline.yaml", dir);
        assertThat(c.postgres().password().reveal()).isEqualTo(SECRET);
        for (Object part : List.of(c, c.kafka(), c.postgres(), c.catalog())) {
            assertThat(part.toString()).doesNotContain(SECRET);
        }
        assertThat(ConfigLoader.toYaml(c)).doesNotContain(SECRET);
    }
}
