/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A sync whose source is a SQL query over the catalog, run as a Flink batch query. */
@ExtendWith(TidelineExtension.class)
class QuerySourceIT {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void syncsTheRowsOfASqlQuery(TestParts parts) throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x").withRateLimit(1000, Duration.ofSeconds(1)))) {
            f.configure(
                    """
                    destinations:
                      hook:
                        type: webhook
                        url: ${URL}/webhook/vip
                        token: ${file:saas-token.txt}
                        rate-limit: {requests: 100, per: 1s}
                    syncs:
                      vips:
                        source:
                          query: >
                            SELECT customer_id, email, UPPER(plan) AS plan_code
                            FROM marts.customers WHERE customer_id <= 10
                        primary-key: customer_id
                        mapping: {email: email, plan_code: plan}
                        destination: hook
                    """);
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 30).forEach(i -> rows.add(TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", rows);

            RunReport report = f.run("vips");
            assertThat(report.status()).as(report.toTable()).isEqualTo("succeeded");
            assertThat(report.counts().queried()).isEqualTo(10);
            Map<String, Map<String, Object>> held = f.emulator.webhookRecords("vip");
            assertThat(held).hasSize(10).containsKey("10").doesNotContainKey("11");
            assertThat(held.get("3"))
                    .containsEntry("plan", "FREE")
                    .containsEntry("email", "c3@example.com");

            RunReport again = f.run("vips");
            assertThat(again.counts().unchanged()).isEqualTo(10);
            assertThat(again.counts().sent()).isZero();
        }
    }
}
