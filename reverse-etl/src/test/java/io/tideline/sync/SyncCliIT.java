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
                    .contains("ALERT: 7.5% of sent rows were newly rejected (threshold 5.0%)");

            // invalid emails are parked: a rerun in which nothing changed sends nothing, exits 0
            int callsBefore = f.emulator.calls().size();
            Result quiet = cli("--config", config.toString(), "run", "customers");
            assertThat(quiet.code()).as(quiet.out()).isEqualTo(SyncCli.OK);
            assertThat(quiet.out())
                    .containsPattern("\\|   held \\(parked\\) +\\| +3 \\|")
                    .containsPattern("\\|   sent +\\| +0 \\|")
                    .doesNotContain("ALERT");
            assertThat(f.emulator.calls()).hasSize(callsBefore);

            // an operator requeues them: the next run sends exactly those 3 again
            Result requeue = cli("--config", config.toString(), "requeue", "customers");
            assertThat(requeue.code()).as(requeue.err()).isEqualTo(SyncCli.OK);
            assertThat(requeue.out()).contains("Requeued 3 parked rows of sync customers");
            Result again = cli("--config", config.toString(), "run", "customers");
            assertThat(again.code()).as(again.out()).isEqualTo(SyncCli.OK);
            assertThat(again.out()).containsPattern("\\|   sent +\\| +3 \\|");
            assertThat(
                            f
                                    .emulator
                                    .calls()
                                    .subList(callsBefore, f.emulator.calls().size())
                                    .stream()
                                    .flatMap(c -> c.keys().stream())
                                    .toList())
                    .as("the three requeued rows, updated by their HubSpot ids")
                    .hasSize(3);
            rows.set(0, rows.get(0).withPlan("enterprise"));
            TestTables.write(f.catalog(), "marts.customers", rows);

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
            assertThat(cli("--config", config.toString(), "requeue").code())
                    .isEqualTo(SyncCli.USAGE);

            // the CLI connects to a running PostgreSQL: no host is a configuration error
            Path noHost = parts.dir().resolve("no-host.yaml");
            Files.writeString(
                    noHost,
                    f.yaml(SYNCS)
                            .replaceAll("(?m)^  (embedded|host|port): .*\\n", "")
                            .replace("postgres:\n", "postgres:\n  user: postgres\n"));
            Result noServer = cli("--config", noHost.toString(), "run", "customers");
            assertThat(noServer.code()).as(noServer.err()).isEqualTo(SyncCli.CONFIG);
            assertThat(noServer.err()).contains("postgres.host: required").doesNotContain("null");
        }
    }
}
