/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideline.emulator.EmulatorOptions;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The one-shot command: exit codes, the printed table, the JSON report, dry runs. */
@ExtendWith(TidelineExtension.class)
class SyncCliIT {

    private static final String SYNCS =
            """
            destinations:
              crm:
                type: hubspot
                url: ${URL}
                token: ${file:saas-token.txt}
                rate-limit: {requests: 1000, per: 1s}
                timeout: 1s
                retry: {max-attempts: 2, initial-backoff: 10ms, max-backoff: 20ms}
            syncs:
              customers:
                source: {table: marts.customers}
                primary-key: customer_id
                mapping: {email: email, name: firstname, plan: plan}
                destination: crm
                alerts: {max-rejected-share: 0.05}
            """;

    private record Result(int code, String out, String err) {}

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                SyncCli.execute(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        System::getenv);
        return new Result(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void dryRunSendsNothingThenRunsAlertAndFailWithTheirExitCodes(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x").withRateLimit(1000, Duration.ofSeconds(1)))) {
            Path config = parts.dir().resolve("tideline.yaml");
            Files.writeString(config, f.yaml(SYNCS));
            f.configure(SYNCS);
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 40).forEach(i -> rows.add(TestTables.Customer.of(i)));
            rows.add(new TestTables.Customer(null, "nokey@example.com", "No key", "free", null));
            TestTables.write(f.catalog(), "marts.customers", rows);

            Result dry = cli("--config", config.toString(), "run", "customers", "--dry-run");
            assertThat(dry.code()).as(dry.err()).isEqualTo(SyncCli.OK);
            assertThat(dry.out())
                    .contains("dry run")
                    .contains("DRY-RUN")
                    .contains("/crm/v3/objects/contacts/batch/upsert")
                    .containsPattern("\"id\" : \"c\\d+@example.com\"")
                    .contains("invalid (null): null primary key");
            assertThat(f.emulator.calls()).as("a dry run sends nothing").isEmpty();

            Path report = parts.dir().resolve("report.json");
            Result run =
                    cli(
                            "--config",
                            config.toString(),
                            "run",
                            "customers",
                            "--report",
                            report.toString());
            assertThat(run.code()).as(run.out() + run.err()).isEqualTo(SyncCli.OK);
            assertThat(run.out())
                    .contains("SUCCEEDED")
                    .containsPattern("\\| queried +\\| +41 \\|")
                    .containsPattern("\\|   invalid +\\| +1 \\|")
                    .containsPattern("\\|     succeeded +\\| +40 \\|");
            JsonNode json = new ObjectMapper().readTree(Files.readString(report));
            assertThat(json.path("status").asText()).isEqualTo("succeeded");
            assertThat(json.path("counts").path("queried").asLong()).isEqualTo(41);
            assertThat(json.path("counts").path("sent").asLong()).isEqualTo(40);
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(40);

            // 3 of 40 rows become invalid emails: 7.5% rejected, above the 5% threshold
            rows.set(0, rows.get(0).withEmail("bad-1"));
            rows.set(1, rows.get(1).withEmail("bad-2"));
            rows.set(2, rows.get(2).withEmail("bad-3"));
            rows.set(3, rows.get(3).withPlan("pro"));
            for (int i = 4; i < 40; i++) {
                rows.set(i, rows.get(i).withPlan("team"));
            }
            TestTables.write(f.catalog(), "marts.customers", rows);
            Result alert = cli("--config", config.toString(), "run", "customers");
            assertThat(alert.code()).as(alert.out()).isEqualTo(SyncCli.ALERT);
            assertThat(alert.out())
                    .contains("ALERT: 7.5% of sent rows were rejected (threshold 5.0%)");

            f.emulator.setFaults(
                    new EmulatorOptions.Faults(0, 1.0, 0, 0, Duration.ofSeconds(1), Duration.ZERO));
            Result failed = cli("--config", config.toString(), "run", "customers");
            assertThat(failed.code()).as(failed.out()).isEqualTo(SyncCli.FAILED);
            assertThat(failed.out())
                    .contains("FAILED")
                    .contains("gave up after 2 attempts: HTTP 5");
            assertThat(f.count("SELECT count(*) FROM reverse_etl.runs WHERE status = 'failed'"))
                    .isEqualTo(1);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void rejectsAnInvalidFileAndUnknownSyncs(TestParts parts) throws Exception {
        try (Fixture f = new Fixture(parts, EmulatorOptions.defaults("x"))) {
            Path config = parts.dir().resolve("tideline.yaml");
            Files.writeString(
                    config, f.yaml(SYNCS.replace("destination: crm", "destination: crn")));
            Result bad = cli("--config", config.toString(), "run", "customers");
            assertThat(bad.code()).isEqualTo(SyncCli.CONFIG);
            assertThat(bad.err())
                    .contains("syncs.customers.destination: unknown destination 'crn'");

            Files.writeString(config, f.yaml(SYNCS));
            assertThat(cli("--config", config.toString(), "run", "nope").code())
                    .isEqualTo(SyncCli.USAGE);
            assertThat(cli("run").code()).isEqualTo(SyncCli.USAGE);
        }
    }
}
