/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static io.tideline.sql.RawTables.customer;
import static io.tideline.sql.RawTables.deletedCustomer;
import static io.tideline.sql.RawTables.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.TidelineConfig;
import io.tideline.ingest.FlinkRestMetrics;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The STREAMING build keeps the marts current, and ends where a BATCH rebuild does. */
@ExtendWith(TidelineExtension.class)
class StreamingSqlIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    @Timeout(240)
    void streamingKeepsTheMartsCurrentAndEndsWhereBatchDoes(TestParts parts) throws Exception {
        TidelineConfig config = SqlLayerIT.config(parts, "    max-staleness: 7d\n");
        // The history is in two snapshots per table, as ingestion leaves it after two commits: a
        // streaming build started later must read both (the current table, then what comes).
        RawTables raw = new RawTables(config).create();
        inTwoSnapshots(raw, RawTables.CUSTOMERS, GoldenData.customers());
        inTwoSnapshots(raw, RawTables.ORDERS, GoldenData.orders());
        inTwoSnapshots(raw, RawTables.EVENTS, GoldenData.events());
        SqlRunner runner = new SqlRunner(config, parts.flink(config));

        Map<String, List<String>> streamed;
        try (StreamingBuild build = runner.startStreaming()) {
            // Windows close when the watermark passes them: the golden data's last event (a page
            // view on 03-28) moves it past every golden window.
            Conditions.eventually(
                    WAIT,
                    "the streaming marts hold the hand-computed values",
                    () -> {
                        assertThat(build.status()).isEqualTo(JobStatus.RUNNING);
                        SqlLayerIT.assertGoldenCustomer360(
                                SqlLayerIT.byKey(
                                        raw.rows(SqlLayerIT.CUSTOMER_360),
                                        r -> r.getField("customer_id")));
                        SqlLayerIT.assertGoldenDailyRevenue(raw.rows(SqlLayerIT.DAILY_REVENUE));
                        SqlLayerIT.assertGoldenFunnel(raw.rows(SqlLayerIT.FUNNEL_HOURLY));
                    });
            Conditions.eventually(
                    WAIT,
                    "PostgreSQL serving holds them too",
                    () -> SqlLayerIT.assertGoldenServing(parts));

            // Kept current: a new order for Bob, Bob's plan changes; both upserted in place. (An
            // anonymous page view after the order closes its day.)
            raw.append(
                    RawTables.EVENTS,
                    List.of(
                            event(
                                    "e20",
                                    "order_placed",
                                    "2",
                                    null,
                                    "2024-03-29T10:00:00Z",
                                    "20.00",
                                    "USD",
                                    "o4"),
                            event(
                                    "w2",
                                    "page_view",
                                    null,
                                    "a9",
                                    "2024-03-30T12:00:00Z",
                                    null,
                                    null,
                                    null)));
            raw.append(
                    RawTables.CUSTOMERS,
                    List.of(
                            customer(
                                    2,
                                    "bob@example.com",
                                    "Bob",
                                    "US",
                                    "pro",
                                    "2024-03-29T00:00:00Z")));
            Conditions.eventually(
                    WAIT,
                    "the new order and the plan change reach the marts and PostgreSQL",
                    () -> {
                        Record bob =
                                SqlLayerIT.byKey(
                                                raw.rows(SqlLayerIT.CUSTOMER_360),
                                                r -> r.getField("customer_id"))
                                        .get(2L);
                        assertThat(bob.getField("plan")).isEqualTo("pro");
                        assertThat(bob.getField("events_7d")).isEqualTo(2L);
                        assertThat(bob.getField("active_days_30d")).isEqualTo(3L);
                        // 50 * 3/20 + 30 * 2/10 + 20 = 7.5 + 6 + 20, rounded half up
                        assertThat(bob.getField("engagement_score")).isEqualTo(34);
                        assertThat(rows(raw, SqlLayerIT.DAILY_REVENUE))
                                .contains(
                                        "country=US|currency=USD|day=2024-03-29|gross=20.00"
                                                + "|net=20.00|order_count=1|refunds=0.00");
                        assertThat(rows(raw, SqlLayerIT.CUSTOMER_360)).hasSize(3);
                        try (Connection c = parts.connect();
                                ResultSet rs =
                                        c.createStatement()
                                                .executeQuery(
                                                        "SELECT net FROM serving.daily_revenue"
                                                                + " WHERE day = '2024-03-29'")) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getBigDecimal(1)).isEqualTo(new BigDecimal("20.00"));
                        }
                    });

            // A customer deleted in the source (a postgres-cdc delete in the change log) leaves
            // customer_360 and its served copy; the others stay.
            raw.append(RawTables.CUSTOMERS, List.of(deletedCustomer(3, "2024-03-29T12:00:00Z")));
            Conditions.eventually(
                    WAIT,
                    "the deleted customer is gone from customer_360 and PostgreSQL",
                    () -> {
                        assertThat(
                                        SqlLayerIT.byKey(
                                                        raw.rows(SqlLayerIT.CUSTOMER_360),
                                                        r -> r.getField("customer_id"))
                                                .keySet())
                                .containsExactlyInAnyOrder(1L, 2L);
                        try (Connection c = parts.connect();
                                ResultSet rs =
                                        c.createStatement()
                                                .executeQuery(
                                                        "SELECT customer_id FROM"
                                                            + " serving.customer_360 ORDER BY 1")) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getLong(1)).isEqualTo(1L);
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getLong(1)).isEqualTo(2L);
                            assertThat(rs.next()).isFalse();
                        }
                    });

            // An event twice in the change log (an ingestion job restarted without its state
            // re-appends what it reads again) counts once (events_7d would be 4 if counted
            // twice); a later event shows the repeated one was read.
            RawTables.append(
                    raw.table(RawTables.changelog(RawTables.EVENTS)),
                    List.of(
                                    event(
                                            "e20",
                                            "order_placed",
                                            "2",
                                            null,
                                            "2024-03-29T10:00:00Z",
                                            "20.00",
                                            "USD",
                                            "o4"))
                            .iterator());
            raw.append(
                    RawTables.EVENTS,
                    List.of(
                            event(
                                    "e21",
                                    "page_view",
                                    "2",
                                    null,
                                    "2024-03-30T13:00:00Z",
                                    null,
                                    null,
                                    null)));
            Conditions.eventually(
                    WAIT,
                    "the later event counted, the repeated one not",
                    () -> {
                        Record bob =
                                SqlLayerIT.byKey(
                                                raw.rows(SqlLayerIT.CUSTOMER_360),
                                                r -> r.getField("customer_id"))
                                        .get(2L);
                        assertThat(bob.getField("events_7d")).isEqualTo(3L);
                        assertThat(rows(raw, SqlLayerIT.DAILY_REVENUE))
                                .contains(
                                        "country=US|currency=USD|day=2024-03-29|gross=20.00"
                                                + "|net=20.00|order_count=1|refunds=0.00");
                    });
            // A late event accepted by ingestion (within sources.allowed-lateness, 1 h here)
            // reaches
            // the windowed marts, as a BATCH rebuild counts it. The watermark trails the newest
            // event by the allowed lateness: after a page view at 00:30, an order at 23:50 the day
            // before is 40 minutes late. With a watermark of a few seconds, day 03-30 would already
            // be closed and the order dropped from daily_revenue.
            raw.append(
                    RawTables.EVENTS,
                    List.of(
                            event(
                                    "l1",
                                    "page_view",
                                    "2",
                                    null,
                                    "2024-03-31T00:30:00Z",
                                    null,
                                    null,
                                    null)));
            Conditions.eventually(
                    WAIT,
                    "the page view after midnight is in the marts",
                    () ->
                            assertThat(
                                            SqlLayerIT.byKey(
                                                            raw.rows(SqlLayerIT.CUSTOMER_360),
                                                            r -> r.getField("customer_id"))
                                                    .get(2L)
                                                    .getField("last_seen_at"))
                                    .isEqualTo(SqlLayerIT.ts("2024-03-31T00:30:00Z")));
            raw.append(
                    RawTables.EVENTS,
                    List.of(
                            event(
                                    "late1",
                                    "order_placed",
                                    "2",
                                    null,
                                    "2024-03-30T23:50:00Z",
                                    "15.00",
                                    "USD",
                                    "o5")));
            // Read before the next event: files committed together may be read by parallel
            // readers in any order (events_7d counts it: it is before the as-of instant).
            Conditions.eventually(
                    WAIT,
                    "the late order is read",
                    () ->
                            assertThat(
                                            SqlLayerIT.byKey(
                                                            raw.rows(SqlLayerIT.CUSTOMER_360),
                                                            r -> r.getField("customer_id"))
                                                    .get(2L)
                                                    .getField("events_7d"))
                                    .isEqualTo(4L));
            // A later event moves the watermark past the end of 03-30 (plus the lateness).
            raw.append(
                    RawTables.EVENTS,
                    List.of(
                            event(
                                    "l2",
                                    "page_view",
                                    "2",
                                    null,
                                    "2024-03-31T02:00:00Z",
                                    null,
                                    null,
                                    null)));
            Conditions.eventually(
                    WAIT,
                    "the late order reaches daily_revenue",
                    () ->
                            assertThat(rows(raw, SqlLayerIT.DAILY_REVENUE))
                                    .contains(
                                            "country=US|currency=USD|day=2024-03-30|gross=15.00"
                                                    + "|net=15.00|order_count=1|refunds=0.00"));
            streamed = allMarts(raw);

            // A failing check does not stop the job: it raises the job's metric (read by the
            // alert rules of deploy/prometheus) and logs an alert.
            raw.append(
                    RawTables.EVENTS,
                    List.of(
                            event(
                                    "bad1",
                                    "purchase",
                                    null,
                                    "a9",
                                    "2024-03-30T12:00:01Z",
                                    null,
                                    null,
                                    null)));
            List<CheckResult> checks = build.checkNow();
            assertThat(checks.stream().filter(c -> !c.passed()).map(CheckResult::name))
                    .containsExactly("accepted_values__event_type");
            assertThat(build.alerts()).isEqualTo(1);
            assertThat(build.failuresByCheck())
                    .containsExactly(Map.entry("accepted_values__event_type", 1L));
            assertThat(build.status()).isEqualTo(JobStatus.RUNNING);
            // The metric is the job's own, so the cluster's reporter (Prometheus) carries it.
            FlinkRestMetrics metrics = new FlinkRestMetrics(parts.flink(config));
            Conditions.eventually(
                    WAIT,
                    "the STREAMING job's quality metrics show the failing check",
                    () -> {
                        assertThat(metrics.sum(build.jobId(), "tideline.quality.failingChecks"))
                                .isEqualTo(1);
                        assertThat(
                                        metrics.sum(
                                                build.jobId(),
                                                ".accepted_values__event_type.violations"))
                                .isEqualTo(1);
                        assertThat(
                                        metrics.sum(
                                                build.jobId(),
                                                ".unique__customer_360__customer_id.violations"))
                                .isZero();
                        assertThat(
                                        metrics.sum(
                                                build.jobId(),
                                                "tideline.quality.lastCheckAgeSeconds"))
                                .isBetween(0L, 600L);
                    });
        }

        // The same raw data rebuilt in BATCH gives the same marts, row for row.
        SqlRunResult batch = runner.runBatch(List.of(), false);
        assertThat(batch.martRows())
                .containsEntry("customer_360", 2L)
                .containsEntry("daily_revenue", 6L);
        assertThat(allMarts(raw)).isEqualTo(streamed);
    }

    private static void inTwoSnapshots(RawTables raw, TableIdentifier id, List<Record> rows) {
        int half = rows.size() / 2;
        raw.append(id, rows.subList(0, half));
        raw.append(id, rows.subList(half, rows.size()));
    }

    static Map<String, List<String>> allMarts(RawTables raw) {
        Map<String, List<String>> out = new TreeMap<>();
        for (TableIdentifier t :
                List.of(
                        SqlLayerIT.CUSTOMER_360,
                        SqlLayerIT.DAILY_REVENUE,
                        SqlLayerIT.FUNNEL_HOURLY)) {
            out.put(t.name(), rows(raw, t));
        }
        return out;
    }

    /** Rows as sorted {@code column=value|...} lines, timestamps in UTC. */
    static List<String> rows(RawTables raw, TableIdentifier table) {
        List<Types.NestedField> columns = raw.table(table).schema().columns();
        return raw.rows(table).stream()
                .map(
                        r ->
                                columns.stream()
                                        .sorted((a, b) -> a.name().compareTo(b.name()))
                                        .map(f -> f.name() + "=" + text(r.getField(f.name())))
                                        .collect(Collectors.joining("|")))
                .sorted()
                .toList();
    }

    private static String text(Object v) {
        if (v instanceof OffsetDateTime t) {
            return t.withOffsetSameInstant(ZoneOffset.UTC).toString();
        }
        return String.valueOf(v);
    }
}
