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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Change detection at scale, through a signed webhook, in mirror mode. */
@ExtendWith(TidelineExtension.class)
class DiffIT {

    private static final int ROWS = 100_000;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sendsExactlyTheChangedRowsAndDeletesTheRowsThatLeft(TestParts parts) throws Exception {
        java.nio.file.Files.writeString(parts.dir().resolve("webhook-secret.txt"), "signing-key-1");
        EmulatorOptions options =
                EmulatorOptions.defaults("x")
                        .withRateLimit(10_000, Duration.ofSeconds(1))
                        .withWebhook(5000, "signing-key-1");
        try (Fixture f = new Fixture(parts, options)) {
            f.configure(
                    """
                    destinations:
                      events-hook:
                        type: webhook
                        url: ${URL}/webhook/customers
                        token: ${file:saas-token.txt}
                        signing-secret: ${file:webhook-secret.txt}
                        headers: {X-Source: tideline}
                        batch-size: 5000
                        rate-limit: {requests: 1000, per: 1s}
                    syncs:
                      customers-hook:
                        source: {table: marts.customers}
                        primary-key: [customer_id]
                        mapping: {email: email, plan: plan, lifetime_value: ltv}
                        mode: mirror
                        mirror: {removal: delete}
                        destination: events-hook
                    """);
            List<TestTables.Customer> rows = new ArrayList<>(ROWS);
            for (long i = 1; i <= ROWS; i++) {
                rows.add(TestTables.Customer.of(i));
            }
            TestTables.write(f.catalog(), "marts.customers", rows);

            RunReport first = f.run("customers-hook");
            assertThat(first.status()).isEqualTo("succeeded");
            assertThat(first.counts().sent()).isEqualTo(ROWS);
            assertThat(f.emulator.webhookRecords("customers")).hasSize(ROWS);

            // 1% of the rows change
            Set<String> changed = new HashSet<>();
            for (int i = 0; i < ROWS; i += 100) {
                rows.set(i, rows.get(i).withPlan("pro"));
                changed.add(String.valueOf(rows.get(i).id()));
            }
            TestTables.write(f.catalog(), "marts.customers", rows);
            int before = f.emulator.calls().size();
            RunReport second = f.run("customers-hook");
            assertThat(second.counts().queried()).isEqualTo(ROWS);
            assertThat(second.counts().sent()).isEqualTo(1000);
            assertThat(second.counts().unchanged()).isEqualTo(ROWS - 1000);
            assertThat(second.counts().deleted()).isZero();
            assertThat(second.counts().addUp()).isTrue();
            List<ReceivedCall> calls =
                    f.emulator.calls().subList(before, f.emulator.calls().size());
            List<String> keys = calls.stream().flatMap(c -> c.keys().stream()).toList();
            assertThat(keys).hasSize(1000);
            assertThat(new HashSet<>(keys)).isEqualTo(changed);
            assertThat(f.emulator.webhookRecords("customers").get("101"))
                    .containsEntry("plan", "pro");

            // 500 rows leave the source: mirror mode deletes them
            List<TestTables.Customer> remaining = rows.subList(500, ROWS);
            TestTables.write(f.catalog(), "marts.customers", remaining);
            before = f.emulator.calls().size();
            RunReport third = f.run("customers-hook");
            assertThat(third.counts().queried()).isEqualTo(ROWS - 500);
            assertThat(third.counts().sent()).isZero();
            assertThat(third.counts().deleted()).isEqualTo(500);
            assertThat(f.emulator.calls().subList(before, f.emulator.calls().size()))
                    .allMatch(c -> c.operation().equals("delete"));
            Map<String, Map<String, Object>> held = f.emulator.webhookRecords("customers");
            assertThat(held)
                    .hasSize(ROWS - 500)
                    .doesNotContainKey("1")
                    .doesNotContainKey("500")
                    .containsKey("501");
            assertThat(f.count("SELECT count(*) FROM reverse_etl.sync_state"))
                    .isEqualTo(ROWS - 500);
            Set<String> ids =
                    remaining.stream().map(c -> String.valueOf(c.id())).collect(Collectors.toSet());
            assertThat(held.keySet()).isEqualTo(ids);
        }
    }
}
