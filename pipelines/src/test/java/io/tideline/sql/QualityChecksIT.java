/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static io.tideline.sql.RawTables.customer;
import static io.tideline.sql.RawTables.event;
import static io.tideline.sql.RawTables.order;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.TidelineConfig;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every data-quality check fails on data crafted to violate it, and names the violating rows. (Each
 * passes on the clean golden data: {@code SqlLayerIT}.)
 */
@ExtendWith(TidelineExtension.class)
class QualityChecksIT {

    @Test
    @Timeout(240)
    void everyCheckFailsOnDataCraftedToViolateIt(TestParts parts) throws Exception {
        // Thresholds: any mart under 1000 rows is too small, data older than 48 h is stale.
        TidelineConfig config =
                SqlLayerIT.config(
                        parts,
                        "    min-rows: 1000\n"
                                + "    max-staleness: 48h\n"
                                + "    outlier-stddevs: 4\n"
                                + "    outlier-window: 30d\n"
                                + "    outlier-min-samples: 5\n");
        RawTables raw = new RawTables(config).create();
        raw.append(
                RawTables.CUSTOMERS,
                List.of(
                        customer(
                                1,
                                "alice@example.com",
                                "Alice",
                                "FR",
                                "pro",
                                "2024-01-01T00:00:00Z"),
                        // not null: no plan
                        customer(2, "bob@example.com", "Bob", "US", null, "2024-01-02T00:00:00Z")));
        raw.append(
                RawTables.ORDERS,
                List.of(
                        order(
                                "o1",
                                "alice@example.com",
                                "10.00",
                                "EUR",
                                "paid",
                                "2024-03-10T00:00:00Z",
                                "2024-03-10T00:00:00Z"),
                        // accepted values: an unknown status
                        order(
                                "o2",
                                "alice@example.com",
                                "5.00",
                                "EUR",
                                "lost",
                                "2024-03-11T00:00:00Z",
                                "2024-03-11T00:00:00Z"),
                        // not null: no amount
                        order(
                                "o3",
                                "alice@example.com",
                                null,
                                "EUR",
                                "paid",
                                "2024-03-12T00:00:00Z",
                                "2024-03-12T00:00:00Z"),
                        // relationships: nobody has this e-mail address
                        order(
                                "o4",
                                "ghost@example.com",
                                "7.00",
                                "EUR",
                                "paid",
                                "2024-03-13T00:00:00Z",
                                "2024-03-13T00:00:00Z"),
                        // accepted values: not an ISO-4217 code
                        order(
                                "o5",
                                "bob@example.com",
                                "8.00",
                                "E1R",
                                "paid",
                                "2024-03-14T00:00:00Z",
                                "2024-03-14T00:00:00Z")));
        List<Record> events = new ArrayList<>();
        String[] usual = {"10.00", "11.00", "12.00", "10.00", "11.00", "12.00"};
        for (int i = 0; i < usual.length; i++) {
            events.add(
                    event(
                            "d" + (i + 1),
                            "order_placed",
                            "1",
                            null,
                            "2024-03-10T0" + i + ":00:00Z",
                            usual[i],
                            "EUR",
                            "od" + (i + 1)));
        }
        // outlier: 1000.00 after six orders of 10 to 12 (mean 11, standard deviation 0.82)
        events.add(
                event(
                        "d7",
                        "order_placed",
                        "1",
                        null,
                        "2024-03-15T00:00:00Z",
                        "1000.00",
                        "EUR",
                        "od7"));
        // accepted values: an unknown event type
        events.add(event("d9", "purchase", "1", null, "2024-03-15T01:00:00Z", null, null, null));
        // relationships: an order of an unknown customer
        events.add(
                event(
                        "d10",
                        "order_placed",
                        "77",
                        null,
                        "2024-03-16T00:00:00Z",
                        "20.00",
                        "EUR",
                        "od10"));
        // not null: a refund without its money
        events.add(
                event(
                        "d11",
                        "order_refunded",
                        "1",
                        null,
                        "2024-03-17T00:00:00Z",
                        null,
                        null,
                        "od1"));
        // accepted values: not an ISO-4217 code
        events.add(
                event(
                        "d12",
                        "order_placed",
                        "1",
                        null,
                        "2024-03-18T00:00:00Z",
                        "10.00",
                        "EURO",
                        "od12"));
        // unique: the same event twice
        events.add(event("d13", "page_view", "1", null, "2024-03-19T00:00:00Z", null, null, null));
        events.add(event("d13", "page_view", "1", null, "2024-03-19T00:00:00Z", null, null, null));
        raw.append(RawTables.EVENTS, events);

        SqlRunner runner = new SqlRunner(config, parts.flink(config));
        SqlRunResult built = runner.runBatch(List.of(), false);
        assertThat(built.checks()).isEmpty();
        assertThat(built.martRows()).containsEntry("customer_360", 2L);

        // Marts damaged after the build: a customer twice, a customer that does not exist, a
        // revenue row twice; and a customer that arrived after the build (no customer_360 row).
        List<Record> c360 = raw.rows(SqlLayerIT.CUSTOMER_360);
        Record alice =
                c360.stream()
                        .filter(r -> r.getField("customer_id").equals(1L))
                        .findFirst()
                        .orElseThrow();
        Record ghost = alice.copy();
        ghost.setField("customer_id", 999L);
        raw.append(SqlLayerIT.CUSTOMER_360, List.of(alice.copy(), ghost));
        raw.append(
                SqlLayerIT.DAILY_REVENUE,
                List.of(raw.rows(SqlLayerIT.DAILY_REVENUE).get(0).copy()));
        raw.append(
                RawTables.CUSTOMERS,
                List.of(
                        customer(
                                3,
                                "carol@example.com",
                                "Carol",
                                "DE",
                                "pro",
                                "2024-01-03T00:00:00Z")));

        List<CheckResult> results = runner.runChecks(RuntimeExecutionMode.BATCH, "batch-crafted");
        Map<String, CheckResult> byName =
                results.stream().collect(Collectors.toMap(CheckResult::name, c -> c));
        assertThat(byName).hasSize(15);
        assertThat(results).allSatisfy(c -> assertThat(c.passed()).as(c.name()).isFalse());

        assertViolations(byName, "unique__customer_360__customer_id", 1, "\"customer_id\":\"1\"");
        assertViolations(
                byName, "unique__daily_revenue__day_country_currency", 1, "\"row_count\":\"2\"");
        assertViolations(byName, "unique__landing_events__event_id", 1, "\"event_id\":\"d13\"");
        assertViolations(byName, "not_null__customer_360", 1, "\"customer_id\":\"2\"");
        assertViolations(byName, "not_null__orders", 1, "\"order_id\":\"o3\"");
        assertViolations(byName, "not_null__order_events", 1, "\"event_id\":\"d11\"");
        assertViolations(byName, "accepted_values__event_type", 1, "\"event_type\":\"purchase\"");
        assertViolations(byName, "accepted_values__order_status", 1, "\"status\":\"lost\"");
        assertViolations(
                byName,
                "accepted_values__currency",
                2,
                "\"currency\":\"E1R\"",
                "\"currency\":\"EURO\"");
        assertViolations(
                byName,
                "relationships__customer_360__customers",
                2,
                "\"customer_id\":\"999\"",
                "\"customer_id\":\"3\"");
        assertViolations(byName, "relationships__orders__customers", 1, "\"order_id\":\"o4\"");
        assertViolations(
                byName, "relationships__order_events__customers", 1, "\"event_id\":\"d10\"");
        assertViolations(
                byName,
                "row_count__marts",
                3,
                "\"model\":\"customer_360\"",
                "\"model\":\"daily_revenue\"",
                "\"model\":\"funnel_hourly\"");
        assertViolations(
                byName,
                "freshness__landing",
                2,
                "\"model\":\"landing.events\"",
                "\"model\":\"landing.orders\"");
        // Only d7: the usual orders (d6 is judged on five before it) and the later ones are not.
        assertViolations(byName, "outliers__order_amount", 1, "\"event_id\":\"d7\"");

        // Stored with the check's name, one row per violating row.
        long stored =
                raw.rows(SqlRunner.VIOLATIONS).stream()
                        .filter(r -> "batch-crafted".equals(r.getField("run_id")))
                        .count();
        assertThat(stored).isEqualTo(results.stream().mapToLong(CheckResult::violations).sum());
        assertThat(
                        raw.rows(SqlRunner.VIOLATIONS).stream()
                                .filter(
                                        r ->
                                                "outliers__order_amount"
                                                        .equals(r.getField("check_name")))
                                .map(r -> (String) r.getField("violation")))
                .singleElement()
                .asString()
                .contains("\"amount\":\"1000.00\"")
                .contains("\"trailing_rows\":\"6\"");
    }

    private static void assertViolations(
            Map<String, CheckResult> byName, String check, long count, String... fragments) {
        CheckResult r = byName.get(check);
        assertThat(r).as(check).isNotNull();
        assertThat(r.violations()).as(r.toString()).isEqualTo(count);
        for (String fragment : fragments) {
            assertThat(r.samples()).as(r.toString()).anyMatch(s -> s.contains(fragment));
        }
    }
}
