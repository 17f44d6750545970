/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command, in-process, at a small size, on real embedded parts: the whole chain
 * runs and every figure of its summary adds up.
 */
class LocalPlatformIT {

    @TempDir Path dir;

    private record Run(int exitCode, String output) {}

    private static Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = LocalPlatform.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    /** The documented local configuration, copied next to the test with its paths made absolute. */
    private Path exampleConfig() throws Exception {
        String yaml =
                Files.readString(Path.of("tideline.yaml"))
                        .replace(
                                "dir: ../../sql",
                                "dir: " + Path.of("../../sql").toAbsolutePath().normalize());
        Files.copy(Path.of("emulator.token"), dir.resolve("emulator.token"));
        Path config = dir.resolve("tideline.yaml");
        Files.writeString(config, yaml);
        return config;
    }

    @Test
    @Timeout(400)
    void runsTheWholeChainAndEveryFigureAddsUp() throws Exception {
        Path json = dir.resolve("summary.json");
        Run run =
                run(
                        "--config", exampleConfig().toString(),
                        "--customers", "60",
                        "--events", "900",
                        "--orders", "120",
                        "--summary-json", json.toString());

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("RESULT: OK", "flink_ui", "stopped");

        JsonNode s = new ObjectMapper().readTree(json.toFile());
        assertThat(s.path("ok").asBoolean()).isTrue();
        JsonNode generated = s.path("generated");

        // Ingestion: per source, read = accepted + quarantined + late + duplicates, and the
        // figures match what the generator made.
        for (String source : new String[] {"events", "orders", "customers"}) {
            JsonNode c = s.path("ingestion").path(source);
            assertThat(c.path("read").asLong())
                    .as(source)
                    .isEqualTo(
                            c.path("accepted").asLong()
                                    + c.path("quarantined").asLong()
                                    + c.path("late").asLong()
                                    + c.path("duplicates").asLong())
                    .isPositive();
        }
        JsonNode events = s.path("ingestion").path("events");
        assertThat(events.path("read").asLong()).isEqualTo(generated.path("events_sent").asLong());
        assertThat(events.path("duplicates").asLong())
                .isEqualTo(generated.path("duplicate_events").asLong())
                .isPositive();
        assertThat(events.path("quarantined").asLong())
                .isEqualTo(generated.path("bad_events").asLong())
                .isPositive();
        assertThat(events.path("late").asLong())
                .isEqualTo(generated.path("late_events").asLong())
                .isPositive();
        assertThat(s.path("ingestion").path("orders").path("quarantined").asLong())
                .isEqualTo(generated.path("bad_order_rows").asLong());
        assertThat(s.path("ingestion").path("customers").path("accepted").asLong())
                .isEqualTo(
                        generated.path("customers").asLong()
                                - generated.path("bad_customers").asLong());

        // Change data capture: the customer deleted after the first ingestion is the one change
        // of the catch-up run.
        JsonNode catchUp = s.path("ingestion").path("customers_catch_up");
        assertThat(generated.path("deleted_customer").asLong()).isPositive();
        assertThat(catchUp.path("read").asLong()).isEqualTo(1);
        assertThat(catchUp.path("accepted").asLong()).isEqualTo(1);
        assertThat(s.path("checks"))
                .anySatisfy(
                        c ->
                                assertThat(c.path("name").asText())
                                        .contains("landing.customers", "deleted customer is gone"))
                .anySatisfy(
                        c ->
                                assertThat(c.path("name").asText())
                                        .contains("marts.customer_360", "deleted customer is gone"))
                .anySatisfy(
                        c ->
                                assertThat(c.path("name").asText())
                                        .contains("serving.customer_360", "deleted customer"));

        // Marts: one customer_360 row per accepted customer still in PostgreSQL; the others are
        // not empty.
        assertThat(s.path("marts").path("customer_360").asLong())
                .isEqualTo(s.path("ingestion").path("customers").path("accepted").asLong() - 1);
        assertThat(s.path("marts").path("daily_revenue").asLong()).isPositive();
        assertThat(s.path("marts").path("funnel_hourly").asLong()).isPositive();
        assertThat(s.path("quality"))
                .isNotEmpty()
                .allSatisfy(
                        q -> assertThat(q.path("passed").asBoolean()).as(q.toString()).isTrue());

        // The sync: its counts add up, and the emulator ends with customer_360 minus the rejected
        // rows.
        JsonNode sync = s.path("sync");
        assertThat(sync.path("queried").asLong())
                .isEqualTo(s.path("marts").path("customer_360").asLong());
        assertThat(sync.path("queried").asLong())
                .isEqualTo(
                        sync.path("invalid").asLong()
                                + sync.path("unchanged").asLong()
                                + sync.path("sent").asLong());
        assertThat(sync.path("sent").asLong())
                .isEqualTo(sync.path("succeeded").asLong() + sync.path("rejected").asLong());
        assertThat(sync.path("destination_records").asLong())
                .isEqualTo(sync.path("expected_records").asLong())
                .isEqualTo(sync.path("queried").asLong() - sync.path("rejected").asLong());
        assertThat(s.path("checks"))
                .allSatisfy(
                        c -> assertThat(c.path("passed").asBoolean()).as(c.toString()).isTrue());
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
    void aConfigurationWithoutTheSyncSaysWhatIsMissing() throws Exception {
        Path config = dir.resolve("nosync.yaml");
        Files.writeString(config, "catalog:\n  warehouse: w\n");
        Run run = run("--config", config.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output())
                .contains(config.toString(), "syncs.customers-to-hubspot: required");
    }

    @Test
    void aBadOptionExitsTwoWithUsage() {
        Run run = run("--events", "many");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output())
                .contains("--events expects a positive whole number, got 'many'", "usage:");
    }
}
