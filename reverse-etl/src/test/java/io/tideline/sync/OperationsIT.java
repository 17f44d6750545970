/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.ReceivedCall;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 14: a sync an operations team can leave running. Every test runs against the emulator over
 * real HTTP and the ledger in a real PostgreSQL, and checks what the emulator received and holds.
 */
@ExtendWith(TidelineExtension.class)
class OperationsIT {

    private static String hubspot(String name, String rate, String extra) {
        return """
        destinations:
          %s:
            type: hubspot
            url: ${URL}
            token: ${file:saas-token.txt}
            rate-limit: %s
            timeout: 1s
            concurrency: 4
            retry: {max-attempts: 8, initial-backoff: 10ms, max-backoff: 200ms}
        %s
        """
                .formatted(name, rate, extra);
    }

    private static String sync(String destination, String mode, int batch, String extra) {
        return """
        syncs:
          customers:
            source: {table: marts.customers}
            primary-key: customer_id
            mapping: {email: email, name: firstname, plan: plan}
            mode: %s
            destination: %s
            batch-size: %d
        %s
        """
                .formatted(mode, destination, batch, extra);
    }

    private static List<TestTables.Customer> customers(int n) {
        List<TestTables.Customer> rows = new ArrayList<>();
        LongStream.rangeClosed(1, n).forEach(i -> rows.add(TestTables.Customer.of(i)));
        return rows;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aLimitAboveTheAccountsAdaptsToItsHeadersAndFinishesInOneRun(TestParts parts)
            throws Exception {
        // configured for 20 calls/s; the account allows 10/s and says so in its headers
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x").withRateLimit(10, Duration.ofSeconds(1)))) {
            f.configure(
                    hubspot("hubspot-adaptive", "{requests: 20, per: 1s}", "")
                            + sync("hubspot-adaptive", "upsert", 10, ""));
            TestTables.write(f.catalog(), "marts.customers", customers(600));
            RunReport report = f.run("customers");

            assertThat(report.status()).as(report.toTable()).isEqualTo("succeeded");
            assertThat(report.counts().pending()).isZero();
            assertThat(report.counts().succeeded()).isEqualTo(600);
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(600);
            List<ReceivedCall> calls = f.emulator.calls();
            double firstThrottled =
                    calls.stream()
                            .filter(c -> c.status() == 429)
                            .mapToDouble(ReceivedCall::atMillis)
                            .min()
                            .orElse(0);
            assertThat(
                            f.emulator.maxCallsInAnyWindow(
                                    "hubspot", Duration.ofSeconds(1), firstThrottled))
                    .as("calls per 1 s window after the first 429 (%s)", firstThrottled)
                    .isLessThanOrEqualTo(10);
            // the counters are the wire's
            assertThat(report.counts().calls()).isEqualTo(calls.size());
            assertThat(report.throttled())
                    .isEqualTo(calls.stream().filter(c -> c.status() == 429).count());
            assertThat(report.counts().batches()).isEqualTo(60);
            assertThat(report.counts().calls())
                    .isEqualTo(report.counts().batches() + report.counts().retries());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void a429DoesNotUseUpABatchsAttempts(TestParts parts) throws Exception {
        // half of all calls are throttled, and a batch has a single attempt: 429s only slow it
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(10_000, Duration.ofSeconds(1))
                                .withFaults(
                                        new EmulatorOptions.Faults(
                                                0.5,
                                                0,
                                                0,
                                                0,
                                                Duration.ofSeconds(1),
                                                Duration.ZERO)))) {
            f.configure(
                    hubspot("hubspot-429", "{requests: 1000, per: 1s}", "")
                                    .replace("max-attempts: 8", "max-attempts: 1")
                            + sync("hubspot-429", "upsert", 10, ""));
            TestTables.write(f.catalog(), "marts.customers", customers(200));
            RunReport report = f.run("customers");
            assertThat(report.status()).as(report.toTable()).isEqualTo("succeeded");
            assertThat(report.counts().succeeded()).isEqualTo(200);
            long throttled = f.emulator.calls().stream().filter(c -> c.status() == 429).count();
            assertThat(throttled).isGreaterThanOrEqualTo(10);
            assertThat(report.throttled()).isEqualTo(throttled);
            assertThat(report.counts().retries()).isEqualTo(throttled);
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(200);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thirtyPercent5xxAndSlowAnswersDeliverEveryRowExactlyOnceInOneRun(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(10_000, Duration.ofSeconds(1))
                                .withFaults(
                                        new EmulatorOptions.Faults(
                                                        0,
                                                        0.3,
                                                        0,
                                                        0,
                                                        Duration.ofSeconds(1),
                                                        Duration.ZERO)
                                                .withSlow(0.1, Duration.ofMillis(600))))) {
            // the default breaker: no circuit-breaker keys
            f.configure(
                    hubspot("hubspot-flaky", "{requests: 1000, per: 1s}", "")
                            + sync("hubspot-flaky", "upsert", 20, ""));
            List<TestTables.Customer> rows = customers(3000);
            TestTables.write(f.catalog(), "marts.customers", rows);
            RunReport report = f.run("customers");

            assertThat(report.status()).as(report.toTable()).isEqualTo("succeeded");
            assertThat(report.counts().pending()).isZero();
            assertThat(report.counts().succeeded()).isEqualTo(3000);
            List<ReceivedCall> calls = f.emulator.calls();
            assertThat(calls.stream().filter(c -> "injected-5xx".equals(c.fault())).count())
                    .isGreaterThan(calls.size() / 4);
            // every row written exactly once (5xx are not applied; slow answers are, once)
            Map<String, Integer> writes = f.emulator.writeCounts("hubspot");
            assertThat(writes).hasSize(3000);
            assertThat(writes.values()).containsOnly(1);
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(3000);
            assertThat(report.counts().calls()).isEqualTo(calls.size());
            assertThat(report.counts().calls())
                    .isEqualTo(report.counts().batches() + report.counts().retries());
            assertThat(report.counts().batches()).isEqualTo(150);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aRejectedRowIsSentAtMostNTimesOverNPlusFiveRunsAndQuietRerunsDoNotAlert(TestParts parts)
            throws Exception {
        int n = 3;
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(10_000, Duration.ofSeconds(1)))) {
            f.configure(
                    hubspot("hubspot-reject", "{requests: 1000, per: 1s}", "")
                            + sync(
                                    "hubspot-reject",
                                    "update-only",
                                    10,
                                    "    rejections: {max-attempts: " + n + "}"));
            List<TestTables.Customer> rows = customers(10);
            rows.set(9, rows.get(9).withEmail("not-an-email")); // content: parked at once
            TestTables.write(f.catalog(), "marts.customers", rows);
            // customer 9 does not exist yet: update-only's not-found is retried, N times at most
            for (int i = 1; i <= 8; i++) {
                f.emulator.seedHubspotObject("contacts", Map.of("email", "c" + i + "@example.com"));
            }
            List<RunReport> reports = new ArrayList<>();
            for (int run = 1; run <= n + 5; run++) {
                RunReport r = f.run("customers");
                assertThat(r.status()).isEqualTo("succeeded");
                assertThat(r.counts().addUp()).as(r.toTable()).isTrue();
                reports.add(r);
            }
            Map<String, Long> sent =
                    f.emulator.calls().stream()
                            .flatMap(c -> c.keys().stream())
                            .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
            assertThat(sent.get("not-an-email")).isEqualTo(1);
            assertThat(sent.get("c9@example.com")).isEqualTo(n);
            // run 1: 2 of 10 newly rejected (20%) alerts; later runs reject nothing new: quiet
            assertThat(reports.get(0).alerts()).anyMatch(a -> a.contains("newly rejected"));
            assertThat(reports.get(0).counts().newRejected()).isEqualTo(2);
            for (RunReport r : reports.subList(1, reports.size())) {
                assertThat(r.alerts()).as(r.toTable()).isEmpty();
                assertThat(r.counts().newRejected()).isZero();
            }
            assertThat(reports.get(n - 1).counts().parked()).isEqualTo(1);
            RunReport last = reports.get(reports.size() - 1);
            assertThat(last.counts().sent()).isZero();
            assertThat(last.counts().held()).isEqualTo(2);
            assertThat(f.count("SELECT count(*) FROM reverse_etl.rejections WHERE parked"))
                    .isEqualTo(2);
            assertThat(f.strings("SELECT attempts FROM reverse_etl.rejections WHERE row_key = '9'"))
                    .containsExactly(String.valueOf(n));
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theMirrorGuardRefusesMassDeletesAndAnEmptySourceUnlessOverridden(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(10_000, Duration.ofSeconds(1)))) {
            try (Connection c = parts.connect();
                    Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA serving");
                s.execute(
                        "CREATE TABLE serving.customers (customer_id bigint PRIMARY KEY, email"
                                + " text, plan text, updated_at timestamptz)");
                s.execute(
                        "INSERT INTO serving.customers SELECT i, 'c' || i || '@example.com',"
                                + " 'free', timestamptz '2026-01-01 10:00:00+00' FROM"
                                + " generate_series(1, 100) i");
            }
            f.configure(
                    """
                    destinations:
                      hook:
                        type: webhook
                        url: ${URL}/webhook/m
                        token: ${file:saas-token.txt}
                        rate-limit: {requests: 1000, per: 1s}
                        batch-size: 50
                    syncs:
                      mirror:
                        source: {postgres-table: serving.customers}
                        primary-key: customer_id
                        mapping: {email: email, plan: plan, updated_at: updated}
                        mode: mirror
                        destination: hook
                    """);
            RunReport first = f.run("mirror");
            assertThat(first.status()).as(first.toTable()).isEqualTo("succeeded");
            assertThat(f.emulator.webhookRecords("m")).hasSize(100);
            assertThat(f.emulator.webhookRecords("m").get("7"))
                    .containsEntry("email", "c7@example.com")
                    .containsEntry("updated", "2026-01-01T10:00:00Z");

            // the same diff as an Iceberg source: one changed row, one sent
            execute(parts, "UPDATE serving.customers SET plan = 'pro' WHERE customer_id = 3");
            RunReport changed = f.run("mirror");
            assertThat(changed.counts().sent()).isEqualTo(1);
            assertThat(changed.counts().unchanged()).isEqualTo(99);
            assertThat(f.emulator.webhookRecords("m").get("3")).containsEntry("plan", "pro");

            // 20 of 100 rows leave: 20% is above max-delete-share 10%, refused, nothing sent
            execute(parts, "DELETE FROM serving.customers WHERE customer_id > 80");
            execute(parts, "UPDATE serving.customers SET plan = 'team' WHERE customer_id = 4");
            int callsBefore = f.emulator.calls().size();
            RunReport refused = f.run("mirror");
            assertThat(refused.status()).isEqualTo("failed");
            assertThat(refused.reason())
                    .contains("refused by the mirror guard")
                    .contains("remove 20 of the 100 records")
                    .contains("--allow-mass-delete");
            assertThat(refused.counts().pending()).isEqualTo(1);
            assertThat(refused.counts().addUp()).isTrue();
            assertThat(f.emulator.calls()).hasSize(callsBefore);
            assertThat(f.emulator.webhookRecords("m")).hasSize(100);

            // the explicit override deletes them
            RunReport overridden =
                    f.engine()
                            .run(
                                    "mirror",
                                    SyncEngine.RunOptions.defaults()
                                            .out(f.out)
                                            .allowMassDelete(true));
            assertThat(overridden.status()).isEqualTo("succeeded");
            assertThat(overridden.counts().deleted()).isEqualTo(20);
            assertThat(f.emulator.webhookRecords("m")).hasSize(80);

            // an empty source (an upstream bug) is refused even under the share
            execute(parts, "DELETE FROM serving.customers");
            RunReport empty = f.run("mirror");
            assertThat(empty.status()).isEqualTo("failed");
            assertThat(empty.reason()).contains("is empty");
            assertThat(f.emulator.webhookRecords("m")).hasSize(80);
        }
    }

    private static void execute(TestParts parts, String sql) throws Exception {
        try (Connection c = parts.connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void insertModeUnderTimeoutsAfterTheServerAppliedTheCallLeavesNoDuplicate(TestParts parts)
            throws Exception {
        // a third of the calls are applied, then answered after the client's timeout
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(10_000, Duration.ofSeconds(1))
                                .withFaults(
                                        new EmulatorOptions.Faults(
                                                0,
                                                0,
                                                0.2,
                                                0,
                                                Duration.ofMillis(1500),
                                                Duration.ZERO)))) {
            f.configure(
                    hubspot("hubspot-insert", "{requests: 1000, per: 1s}", "")
                                    .replace("timeout: 1s", "timeout: 500ms")
                            + sync("hubspot-insert", "insert-only", 10, ""));
            List<TestTables.Customer> rows = customers(200);
            TestTables.write(f.catalog(), "marts.customers", rows);
            List<RunReport> reports = new ArrayList<>();
            for (int run = 0; run < 6; run++) {
                RunReport r = f.run("customers");
                reports.add(r);
                if (f.count("SELECT count(*) FROM reverse_etl.sync_state") == 200) {
                    break;
                }
            }
            assertThat(f.count("SELECT count(*) FROM reverse_etl.sync_state"))
                    .as(reports.stream().map(RunReport::toTable).collect(Collectors.joining()))
                    .isEqualTo(200);
            // timed-out creates were not retried within their run...
            assertThat(reports.get(0).rejectedSamples())
                    .anyMatch(s -> s.reason().startsWith("outcome unknown"));
            // ...the next run sent them as upserts on the email (idempotent), which found the
            // records the lost creates had made: no duplicate, no record created twice
            assertThat(f.emulator.calls())
                    .anyMatch(c -> c.operation().equals("upsert") && c.applied());
            Map<String, Long> creates =
                    f.emulator.calls().stream()
                            .filter(c -> c.operation().equals("create") && c.applied())
                            .flatMap(c -> c.keys().stream())
                            .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
            assertThat(creates.values()).containsOnly(1L);
            Map<String, Map<String, Object>> objects = f.emulator.hubspotObjects("contacts");
            assertThat(objects).hasSize(200);
            Set<Object> emails =
                    objects.values().stream().map(o -> o.get("email")).collect(Collectors.toSet());
            assertThat(emails).hasSize(200);
            Set<String> ids =
                    new HashSet<>(f.strings("SELECT destination_id FROM reverse_etl.sync_state"));
            assertThat(ids).isEqualTo(objects.keySet());
        }
    }
}
