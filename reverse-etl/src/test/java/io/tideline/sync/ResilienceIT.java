/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideline.config.ConfigLoader;
import io.tideline.destination.DestinationChannel;
import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.ReceivedCall;
import io.tideline.ledger.Counts;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Faults, a crash, the rate limit, the circuit breaker and secrets, against the emulator. */
@ExtendWith(TidelineExtension.class)
class ResilienceIT {

    private static String yaml(String destination, int requests, String per, int batch) {
        return """
        destinations:
          %s:
            type: hubspot
            url: ${URL}
            token: ${file:saas-token.txt}
            rate-limit: {requests: %d, per: %s}
            timeout: 400ms
            concurrency: 4
            retry: {max-attempts: 10, initial-backoff: 10ms, max-backoff: 100ms}
        syncs:
          customers:
            source: {table: marts.customers}
            primary-key: customer_id
            mapping: {email: email, name: firstname, plan: plan}
            destination: %s
            batch-size: %d
        """
                .formatted(destination, requests, per, destination, batch);
    }

    private static List<TestTables.Customer> customers(int n) {
        List<TestTables.Customer> rows = new ArrayList<>();
        LongStream.rangeClosed(1, n).forEach(i -> rows.add(TestTables.Customer.of(i)));
        return rows;
    }

    /** Thrown by a listener to stop a run as a dead process would. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void faultsAndACrashMidwayEndWithExactlyTheSourceAndNoResend(TestParts parts) throws Exception {
        EmulatorOptions options =
                EmulatorOptions.defaults("x")
                        .withRateLimit(10_000, Duration.ofSeconds(1))
                        .withFaults(EmulatorOptions.Faults.calls(0.2, Duration.ofMillis(900)));
        try (Fixture f = new Fixture(parts, options)) {
            f.configure(yaml("hubspot-faulty", 10_000, "1s", 40));
            List<TestTables.Customer> rows = customers(2000);
            TestTables.write(f.catalog(), "marts.customers", rows);

            SyncEngine.RunListener crashAfterFifteen =
                    new SyncEngine.RunListener() {
                        @Override
                        public void batchSaved(long runId, int batchesSaved, Counts soFar) {
                            if (batchesSaved == 15) {
                                throw new SimulatedCrash();
                            }
                        }
                    };
            assertThatThrownBy(
                            () ->
                                    f.engine()
                                            .run(
                                                    "customers",
                                                    SyncEngine.RunOptions.defaults()
                                                            .out(f.out)
                                                            .listener(crashAfterFifteen)))
                    .isInstanceOf(SimulatedCrash.class);

            Set<String> savedEmails =
                    new HashSet<>(f.strings("SELECT identity FROM reverse_etl.sync_state"));
            assertThat(savedEmails).hasSizeGreaterThanOrEqualTo(600).hasSizeLessThan(2000);
            assertThat(f.strings("SELECT status FROM reverse_etl.runs")).containsExactly("running");
            int callsBefore = f.emulator.calls().size();

            RunReport rerun = f.run("customers");
            assertThat(rerun.status()).as(rerun.toTable()).isEqualTo("succeeded");
            assertThat(rerun.counts().addUp()).isTrue();
            assertThat(rerun.counts().unchanged()).isEqualTo(savedEmails.size());
            assertThat(rerun.counts().sent()).isEqualTo(2000 - savedEmails.size());
            assertThat(rerun.counts().succeeded()).isEqualTo(2000 - savedEmails.size());
            assertThat(rerun.retries()).as("the faults were retried").isPositive();

            List<ReceivedCall> rerunCalls =
                    f.emulator.calls().subList(callsBefore, f.emulator.calls().size());
            assertThat(
                            f.emulator.calls().stream()
                                    .map(ReceivedCall::fault)
                                    .collect(Collectors.toSet()))
                    .as(
                            f.emulator.calls().stream()
                                    .map(c -> c.fault() + "/" + c.status())
                                    .collect(Collectors.groupingBy(x -> x, Collectors.counting()))
                                    .toString())
                    .contains("injected-429", "injected-5xx", "injected-timeout");
            Set<String> resent =
                    rerunCalls.stream().flatMap(c -> c.keys().stream()).collect(Collectors.toSet());
            assertThat(resent)
                    .as("the rerun sends nothing already delivered")
                    .doesNotContainAnyElementsOf(savedEmails);

            Map<String, Map<String, Object>> objects = f.emulator.hubspotObjects("contacts");
            assertThat(
                            objects.values().stream()
                                    .map(o -> (String) o.get("email"))
                                    .collect(Collectors.toList()))
                    .containsExactlyInAnyOrderElementsOf(
                            rows.stream().map(TestTables.Customer::email).toList());
            assertThat(objects.values())
                    .allSatisfy(
                            o ->
                                    assertThat(o.get("firstname"))
                                            .isEqualTo(
                                                    "Customer "
                                                            + ((String) o.get("email"))
                                                                    .replaceAll("\\D", "")));
            assertThat(f.strings("SELECT status FROM reverse_etl.runs ORDER BY run_id"))
                    .containsExactly("abandoned", "succeeded");
            // the abandoned run's counts add up: what it had not delivered is pending
            assertThat(
                            f.strings(
                                    "SELECT queried || '=' || (invalid + unchanged + held + sent +"
                                            + " pending) || ',' || (sent > 0) FROM reverse_etl.runs"
                                            + " WHERE status = 'abandoned'"))
                    .containsExactly("2000=2000,true");
            // every counter is the wire's: the calls the emulator received are the calls counted
            assertThat(rerun.counts().calls())
                    .isEqualTo(rerunCalls.size())
                    .isEqualTo(rerun.counts().batches() + rerun.counts().retries());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void neverExceedsTheRateLimitInAnyWindow(TestParts parts) throws Exception {
        EmulatorOptions options =
                EmulatorOptions.defaults("x").withRateLimit(20, Duration.ofSeconds(1));
        try (Fixture f = new Fixture(parts, options)) {
            f.configure(yaml("hubspot-rate", 20, "1s", 10));
            TestTables.write(f.catalog(), "marts.customers", customers(600));
            long start = System.nanoTime();
            RunReport report = f.run("customers");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(report.status()).isEqualTo("succeeded");
            assertThat(f.emulator.calls()).hasSize(60);
            assertThat(f.emulator.calls()).noneMatch(c -> c.status() == 429);
            assertThat(f.emulator.maxCallsInAnyWindow("hubspot", Duration.ofSeconds(1)))
                    .isLessThanOrEqualTo(20);
            assertThat(60 / seconds).as("calls per second").isGreaterThan(8);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anOpenCircuitStopsTheRunCleanlyWithItsProgressSavedAndSecretsStayHidden(TestParts parts)
            throws Exception {
        StringWriter logs = new StringWriter();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        WriterAppender appender =
                WriterAppender.createAppender(
                        PatternLayout.newBuilder().withPattern("%p %c - %m%n%ex").build(),
                        null,
                        logs,
                        "capture",
                        false,
                        true);
        appender.start();
        ctx.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        ctx.updateLoggers();
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(10_000, Duration.ofSeconds(1)))) {
            // a breaker that opens soon, stays open 3 s, and a run that waits for it 1 s at most
            f.configure(
                    yaml("hubspot-breaker", 10_000, "1s", 10)
                            .replace(
                                    "    retry: {",
                                    "    circuit-breaker: {failure-rate: 0.5, window: 20,"
                                            + " minimum-calls: 10, open-for: 3s, max-open-wait:"
                                            + " 1s}\n    retry: {"));
            List<TestTables.Customer> rows = customers(400);
            rows.set(0, rows.get(0).withEmail("broken"));
            TestTables.write(f.catalog(), "marts.customers", rows);
            SyncEngine.RunListener outage =
                    new SyncEngine.RunListener() {
                        @Override
                        public void batchSaved(long runId, int batchesSaved, Counts soFar) {
                            if (batchesSaved == 5) {
                                f.emulator.setFaults(
                                        new EmulatorOptions.Faults(
                                                0,
                                                1.0,
                                                0,
                                                0,
                                                Duration.ofSeconds(1),
                                                Duration.ZERO));
                            }
                        }
                    };
            RunReport failed =
                    f.engine()
                            .run(
                                    "customers",
                                    SyncEngine.RunOptions.defaults().out(f.out).listener(outage));
            assertThat(failed.status()).isEqualTo("failed");
            assertThat(failed.reason())
                    .contains("circuit breaker")
                    .contains("stayed open longer than circuit-breaker.max-open-wait (1s)");
            assertThat(failed.counts().addUp()).isTrue();
            // the refused calls never reached the wire, and are not counted as calls
            assertThat(failed.counts().calls()).isEqualTo(f.emulator.calls().size());
            assertThat(failed.counts().pending()).isPositive();
            assertThat(failed.alerts()).anyMatch(a -> a.contains("run failed"));
            long saved = f.count("SELECT count(*) FROM reverse_etl.sync_state");
            assertThat(saved).isGreaterThanOrEqualTo(40).isEqualTo(failed.counts().succeeded());
            assertThat(f.strings("SELECT status || ':' || reason FROM reverse_etl.runs"))
                    .singleElement()
                    .asString()
                    .startsWith("failed:")
                    .contains("circuit breaker");

            f.emulator.setFaults(EmulatorOptions.Faults.NONE);
            DestinationChannel.resetBreaker("hubspot-breaker");
            RunReport rerun = f.run("customers");
            assertThat(rerun.status()).isEqualTo("succeeded");
            assertThat(rerun.counts().unchanged()).isEqualTo(saved);
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(399);

            // the token appears nowhere: logs, printed tables, reports, ledger, configuration text
            String ledger =
                    String.join("\n", f.strings("SELECT r::text FROM reverse_etl.runs r"))
                            + String.join(
                                    "\n", f.strings("SELECT r::text FROM reverse_etl.rejections r"))
                            + String.join(
                                    "\n",
                                    f.strings("SELECT s::text FROM reverse_etl.sync_state s"));
            assertThat(ledger).contains("broken").contains("circuit breaker");
            String config =
                    f.engine().config().toString() + ConfigLoader.toYaml(f.engine().config());
            assertThat(config).contains("hubspot-breaker");
            assertThat(logs.toString()).contains("Run 1 of sync customers");
            for (String text :
                    List.of(
                            logs.toString(),
                            f.printed.toString(),
                            failed.toJson(),
                            rerun.toJson(),
                            ledger,
                            config)) {
                assertThat(text).doesNotContain(f.token);
            }
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender("capture");
            ctx.updateLoggers();
        }
    }
}
