/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.SaasEmulator;
import io.tideline.schedule.SyncScheduler;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TidelineExtension.class)
class SchedulerIT {

    record RunRow(String sync, String status, String reason, Instant started, Instant finished) {}

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void neverOverlapsRunsOfOneSyncSaysWhyAndKeepsASlowDestinationFromBlockingOthers(
            TestParts parts) throws Exception {
        // the slow API answers after 1.5 s and holds none of the records an update-only sync
        // updates: every record is rejected (not found, retried by later runs), so every run has
        // work to do
        EmulatorOptions slow =
                EmulatorOptions.defaults("x")
                        .withRateLimit(10_000, Duration.ofSeconds(1))
                        .withFaults(
                                new EmulatorOptions.Faults(
                                        0,
                                        0,
                                        0,
                                        0,
                                        Duration.ofSeconds(5),
                                        Duration.ofMillis(1500)));
        try (Fixture f = new Fixture(parts, slow);
                SaasEmulator fast =
                        SaasEmulator.start(
                                EmulatorOptions.defaults(f.token)
                                        .withRateLimit(10_000, Duration.ofSeconds(1)))) {
            f.configure(
                    """
                    destinations:
                      slow-crm:
                        type: hubspot
                        url: ${URL}
                        token: ${file:saas-token.txt}
                        rate-limit: {requests: 1000, per: 1s}
                        timeout: 5s
                      fast-hook:
                        type: webhook
                        url: %s/webhook/fast
                        token: ${file:saas-token.txt}
                        rate-limit: {requests: 1000, per: 1s}
                    syncs:
                      to-slow:
                        source: {table: marts.customers}
                        primary-key: customer_id
                        mapping: {email: email, plan: plan}
                        mode: update-only
                        destination: slow-crm
                        batch-size: 10
                        schedule: {interval: 1s}
                        rejections: {max-attempts: 1000}
                      to-fast:
                        source: {table: marts.customers}
                        primary-key: customer_id
                        mapping: {email: email, plan: plan}
                        destination: fast-hook
                        schedule: {interval: 1s}
                    """
                            .formatted(fast.baseUri()));
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 20).forEach(i -> rows.add(TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", rows);

            // two scheduler processes share the ledger, as two replicas would
            try (SyncScheduler a =
                            new SyncScheduler(
                                            f.engine(),
                                            Clock.systemUTC(),
                                            Duration.ofMillis(100),
                                            f.out)
                                    .start();
                    SyncScheduler b =
                            new SyncScheduler(
                                            f.engine(),
                                            Clock.systemUTC(),
                                            Duration.ofMillis(100),
                                            f.out)
                                    .start()) {
                Await.until(
                        "three finished runs of to-slow and a skipped one",
                        Duration.ofSeconds(60),
                        () ->
                                runs(f, "to-slow").stream()
                                                        .filter(
                                                                r ->
                                                                        r.finished() != null
                                                                                && !r.status()
                                                                                        .equals(
                                                                                                "skipped"))
                                                        .count()
                                                >= 3
                                        && runs(f, "to-slow").stream()
                                                .anyMatch(r -> r.status().equals("skipped")));
            }
            List<RunRow> slowRuns =
                    runs(f, "to-slow").stream()
                            .filter(r -> !r.status().equals("skipped") && r.finished() != null)
                            .toList();
            for (int i = 0; i < slowRuns.size(); i++) {
                for (int j = i + 1; j < slowRuns.size(); j++) {
                    RunRow x = slowRuns.get(i);
                    RunRow y = slowRuns.get(j);
                    assertThat(
                                    x.finished().isBefore(y.started())
                                            || y.finished().isBefore(x.started()))
                            .as("runs %s and %s overlap", x, y)
                            .isTrue();
                }
            }
            assertThat(slowRuns)
                    .allSatisfy(
                            r ->
                                    assertThat(Duration.between(r.started(), r.finished()))
                                            .isGreaterThan(Duration.ofMillis(1400)));
            List<RunRow> skipped =
                    runs(f, "to-slow").stream().filter(r -> r.status().equals("skipped")).toList();
            assertThat(skipped)
                    .allSatisfy(
                            r ->
                                    assertThat(r.reason())
                                            .matches(
                                                    ".*(is already running: (run \\d+ .*is still"
                                                        + " running|another run holds its"
                                                        + " lock.*)|previous run in this scheduler"
                                                        + " is still going).*"));

            List<RunRow> fastRuns =
                    runs(f, "to-fast").stream()
                            .filter(r -> r.status().equals("succeeded"))
                            .toList();
            assertThat(fastRuns)
                    .anySatisfy(
                            fr ->
                                    assertThat(slowRuns)
                                            .anyMatch(
                                                    sr ->
                                                            fr.started().isAfter(sr.started())
                                                                    && fr.finished()
                                                                            .isBefore(
                                                                                    sr
                                                                                            .finished())));
            assertThat(fast.webhookRecords("fast")).hasSize(20);
        }
    }

    private static List<RunRow> runs(Fixture f, String sync) throws Exception {
        List<RunRow> out = new ArrayList<>();
        try (Connection c = f.parts.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT sync_name, status, reason, started_at, finished_at FROM"
                                        + " reverse_etl.runs WHERE sync_name = '"
                                        + sync
                                        + "' ORDER BY run_id")) {
            while (rs.next()) {
                out.add(
                        new RunRow(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getTimestamp(4).toInstant(),
                                rs.getTimestamp(5) == null
                                        ? null
                                        : rs.getTimestamp(5).toInstant()));
            }
        } catch (java.sql.SQLException e) {
            if (e.getMessage().contains("does not exist")) {
                return out;
            }
            throw e;
        }
        return out;
    }
}
