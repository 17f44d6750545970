/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.ReceivedCall;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A sync from an Iceberg table is streamed: its keys are read first, then the calls go out while
 * the rows are read. What a planned run decides (invalid rows, the mirror guard, the counts) stays
 * the same.
 */
@ExtendWith(TidelineExtension.class)
class StreamedSyncIT {

    private static String yaml(String mode) {
        return """
        destinations:
          hubspot:
            type: hubspot
            url: ${URL}
            token: ${file:saas-token.txt}
            object: contacts
            id-property: email
            rate-limit: {requests: 1000, per: 1s}
            timeout: 2s
            retry: {max-attempts: 6, initial-backoff: 10ms, max-backoff: 200ms}
        syncs:
          s:
            source: {table: marts.customers}
            primary-key: customer_id
            mapping: {email: email, name: firstname, plan: plan}
            mode: %s
            destination: hubspot
            batch-size: 10
        """
                .formatted(mode);
    }

    private static Fixture fixture(TestParts parts) {
        return new Fixture(
                parts, EmulatorOptions.defaults("x").withRateLimit(1000, Duration.ofSeconds(1)));
    }

    @AfterEach
    void restoreQueue() {
        SyncEngine.streamQueue = 256;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theFirstCallsGoOutBeforeTheSourceIsReadToItsEnd(TestParts parts) throws Exception {
        // 2 batches may wait ahead of the sender: the reader of 200 batches cannot reach the end
        // of the source before calls have landed (no timing involved)
        SyncEngine.streamQueue = 2;
        try (Fixture f = fixture(parts)) {
            f.configure(yaml("upsert"));
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 2000).forEach(i -> rows.add(TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", rows);
            AtomicInteger callsWhenRead = new AtomicInteger(-1);
            RunReport first =
                    f.engine()
                            .run(
                                    "s",
                                    SyncEngine.RunOptions.defaults()
                                            .out(f.out)
                                            .listener(
                                                    new SyncEngine.RunListener() {
                                                        @Override
                                                        public void sourceRead(
                                                                long runId, long read) {
                                                            callsWhenRead.set(
                                                                    f.emulator.calls().size());
                                                        }
                                                    }));
            assertThat(first.status()).as(first.toTable()).isEqualTo("succeeded");
            assertThat(callsWhenRead.get())
                    .as("calls the emulator had received when the source was read")
                    .isPositive()
                    .isLessThan(200);
            assertThat(first.counts().queried()).isEqualTo(2000);
            assertThat(first.counts().succeeded()).isEqualTo(2000);
            assertThat(first.counts().calls()).isEqualTo(200).isEqualTo(f.emulator.calls().size());
            assertThat(first.counts().addUp()).isTrue();
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(2000);
            // every row went exactly once
            List<String> keys =
                    f.emulator.calls().stream().flatMap(c -> c.keys().stream()).toList();
            assertThat(keys).hasSize(2000).doesNotHaveDuplicates();

            // a rerun reads, finds nothing changed and sends nothing
            RunReport again = f.run("s");
            assertThat(again.counts().unchanged()).isEqualTo(2000);
            assertThat(again.counts().sent()).isZero();
            assertThat(f.emulator.calls()).hasSize(200);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void invalidRowsAreFoundOverTheWholeSourceAsAPlannedRunFindsThem(TestParts parts)
            throws Exception {
        SyncEngine.streamQueue = 2;
        try (Fixture f = fixture(parts)) {
            f.configure(yaml("upsert"));
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 300).forEach(i -> rows.add(TestTables.Customer.of(i)));
            // the second row of a key, and the second row of an email, come last: a row already
            // streamed would be sent if only the rows read so far were checked
            rows.add(TestTables.Customer.of(5).withPlan("pro"));
            rows.add(TestTables.Customer.of(301).withEmail("c7@example.com"));
            rows.add(TestTables.Customer.of(302).withEmail(null));
            rows.add(new TestTables.Customer(null, "nokey@example.com", "x", "free", null));
            TestTables.write(f.catalog(), "marts.customers", rows);

            RunReport dry =
                    f.engine().run("s", SyncEngine.RunOptions.defaults().out(f.out).dryRun(true));
            RunReport streamed = f.run("s");
            assertThat(streamed.status()).as(streamed.toTable()).isEqualTo("succeeded");
            // keys 5 (twice), 7 and 301 (one email), 302 (no email), one null key
            assertThat(streamed.counts().invalid()).isEqualTo(6).isEqualTo(dry.counts().invalid());
            assertThat(streamed.invalidSamples()).isEqualTo(dry.invalidSamples());
            assertThat(streamed.counts().queried()).isEqualTo(304);
            assertThat(streamed.counts().succeeded()).isEqualTo(300 - 2);
            assertThat(streamed.counts().addUp()).isTrue();
            List<String> emails =
                    f.emulator.hubspotObjects("contacts").values().stream()
                            .map(o -> (String) o.get("email"))
                            .toList();
            assertThat(emails)
                    .hasSize(298)
                    .doesNotContain("c5@example.com", "c7@example.com", "nokey@example.com");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theMirrorGuardDecidesBeforeAnyCallAndTheOverrideDeletesAfterTheRead(TestParts parts)
            throws Exception {
        SyncEngine.streamQueue = 2;
        try (Fixture f = fixture(parts)) {
            f.configure(yaml("mirror"));
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 100).forEach(i -> rows.add(TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", rows);
            assertThat(f.run("s").status()).isEqualTo("succeeded");
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(100);

            // 20 of 100 rows leave and 50 change: the changed rows could stream at once, but the
            // guard refuses the run before any call, with the planned run's counts and reason
            List<TestTables.Customer> kept = new ArrayList<>();
            LongStream.rangeClosed(1, 80)
                    .forEach(
                            i ->
                                    kept.add(
                                            i <= 50
                                                    ? TestTables.Customer.of(i).withPlan("pro")
                                                    : TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", kept);
            int callsBefore = f.emulator.calls().size();
            RunReport refused = f.run("s");
            assertThat(refused.status()).isEqualTo("failed");
            assertThat(refused.reason())
                    .contains("refused by the mirror guard")
                    .contains("remove 20 of the 100 records");
            assertThat(refused.counts().pending()).isEqualTo(50);
            assertThat(refused.counts().queried()).isEqualTo(80);
            assertThat(refused.counts().addUp()).isTrue();
            assertThat(f.emulator.calls())
                    .as("nothing sent, no upsert either")
                    .hasSize(callsBefore);
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(100);

            // the override streams the 50 changes, then deletes the 20 once the read has ended
            AtomicInteger callsWhenRead = new AtomicInteger(-1);
            RunReport overridden =
                    f.engine()
                            .run(
                                    "s",
                                    SyncEngine.RunOptions.defaults()
                                            .out(f.out)
                                            .allowMassDelete(true)
                                            .listener(
                                                    new SyncEngine.RunListener() {
                                                        @Override
                                                        public void sourceRead(
                                                                long runId, long read) {
                                                            callsWhenRead.set(
                                                                    f.emulator.calls().size());
                                                        }
                                                    }));
            assertThat(overridden.status()).as(overridden.toTable()).isEqualTo("succeeded");
            assertThat(overridden.counts().succeeded()).isEqualTo(50);
            assertThat(overridden.counts().deleted()).isEqualTo(20);
            assertThat(overridden.counts().addUp()).isTrue();
            List<ReceivedCall> calls =
                    f.emulator.calls().subList(callsBefore, f.emulator.calls().size());
            Map<Boolean, Long> deletesBeforeRead =
                    calls.subList(0, callsWhenRead.get() - callsBefore).stream()
                            .collect(
                                    Collectors.partitioningBy(
                                            c -> "archive".equals(c.operation()),
                                            Collectors.counting()));
            assertThat(deletesBeforeRead.get(true)).as("no removal before the read ended").isZero();
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(80);
        }
    }
}
