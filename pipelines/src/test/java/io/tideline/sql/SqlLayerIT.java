/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The SQL layer on real parts: Iceberg tables, the shared MiniCluster and PostgreSQL. */
@ExtendWith(TidelineExtension.class)
class SqlLayerIT {

    static final Path SQL_DIR = Path.of("..", "sql").toAbsolutePath().normalize();

    static final TableIdentifier CUSTOMER_360 = TableIdentifier.of("marts", "customer_360");
    static final TableIdentifier DAILY_REVENUE = TableIdentifier.of("marts", "daily_revenue");
    static final TableIdentifier FUNNEL_HOURLY = TableIdentifier.of("marts", "funnel_hourly");

    /**
     * The test's configuration: its own database and warehouse, the SQL folder of the repository,
     * the golden reference instant and the given check thresholds. No Kafka: the SQL layer does not
     * use it.
     */
    static TidelineConfig config(TestParts parts, String checksYaml) {
        return config(parts, checksYaml, SQL_DIR);
    }

    /** As {@link #config(TestParts, String)}, on another SQL folder. */
    static TidelineConfig config(TestParts parts, String checksYaml, Path sqlDir) {
        String yaml =
                String.join(
                        "\n",
                        "postgres:",
                        "  embedded: false",
                        "  host: " + parts.postgres().host(),
                        "  port: " + parts.postgres().port(),
                        "  database: " + parts.database(),
                        "catalog:",
                        "  name: tideline",
                        "  type: hadoop",
                        "  warehouse: warehouse",
                        "flink:",
                        "  parallelism: 2",
                        "  checkpoint-interval: 1s",
                        "  settings:",
                        "    restart-strategy.fixed-delay.delay: 100 ms",
                        "sql:",
                        "  dir: " + sqlDir,
                        "  as-of: " + GoldenData.AS_OF,
                        "  checks:",
                        checksYaml);
        return new ConfigLoader(System::getenv).parse(yaml, "sql-test.yaml", parts.dir());
    }

    static RawTables golden(TidelineConfig config) {
        RawTables raw = new RawTables(config).create();
        raw.append(RawTables.CUSTOMERS, GoldenData.customers());
        raw.append(RawTables.ORDERS, GoldenData.orders());
        raw.append(RawTables.EVENTS, GoldenData.events());
        return raw;
    }

    @Test
    @Timeout(240)
    void batchBuildsTheHandComputedMartsEveryCheckPassesAndTheSqlClientReadsThem(TestParts parts)
            throws Exception {
        TidelineConfig config = config(parts, "    max-staleness: 7d\n");
        RawTables raw = golden(config);

        SqlRunner runner = new SqlRunner(config, parts.flink(config));
        SqlRunResult result = runner.runBatch();

        assertThat(result.martRows())
                .containsEntry("customer_360", 3L)
                .containsEntry("daily_revenue", 4L)
                .containsEntry("funnel_hourly", 3L);
        assertGoldenCustomer360(byKey(raw.rows(CUSTOMER_360), r -> r.getField("customer_id")));
        assertGoldenDailyRevenue(raw.rows(DAILY_REVENUE));
        assertGoldenFunnel(raw.rows(FUNNEL_HOURLY));
        assertGoldenServing(parts);

        assertThat(result.checks()).hasSize(15);
        assertThat(result.checks())
                .allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
        assertThat(result.passed()).isTrue();

        // The same files in the real Flink SQL client: the init file (variables substituted),
        // then what an analyst types first (SHOW TABLES, an unquoted query on the ingested
        // namespace, as the README shows them), then a query file as it is, over the marts just
        // built.
        Path script = parts.dir().resolve("analyst.sql");
        Files.writeString(
                script,
                String.join(
                                "\n",
                                "SET 'sql-client.execution.result-mode' = 'TABLEAU';",
                                "SET 'execution.runtime-mode' = 'batch';",
                                "SHOW TABLES;",
                                "SELECT 'ingested' AS what, COUNT(*) AS n FROM landing.customers;",
                                "SELECT 'current' AS what, COUNT(*) AS n FROM customers;",
                                "")
                        + Files.readString(SQL_DIR.resolve("queries/revenue_by_country.sql")));
        String output = SqlClientProcess.run(parts.dir(), runner.clientInitScript(), script);
        assertThat(output)
                .contains("Successfully initialized from sql script")
                .doesNotContain("[ERROR]");
        // SHOW TABLES lists the ingested tables: init.sql made their namespace current.
        assertThat(output).contains("table name");
        for (String table :
                List.of(
                        "customers",
                        "orders",
                        "events",
                        "customers_changelog",
                        "orders_changelog",
                        "events_changelog")) {
            assertThat(output).containsPattern("\\|\\s+" + table + "\\s+\\|");
        }
        // landing.customers, unquoted (raw.customers was a ParseException: RAW is reserved),
        // and the same table by its bare name: every customer row appended above.
        int customers = GoldenData.customers().size();
        assertThat(output)
                .containsPattern("\\|\\s+ingested\\s+\\|\\s+" + customers + "\\s+\\|")
                .containsPattern("\\|\\s+current\\s+\\|\\s+" + customers + "\\s+\\|");
        // FR EUR: 100.00 + 50.00 - 50.00 over 2 orders; US USD: 30.00, 1 order.
        assertThat(output)
                .containsPattern("\\|\\s+FR\\s+\\|\\s+EUR\\s+\\|\\s+100\\.00\\s+\\|\\s+2\\s+\\|");
        assertThat(output)
                .containsPattern("\\|\\s+US\\s+\\|\\s+USD\\s+\\|\\s+30\\.00\\s+\\|\\s+1\\s+\\|");
        assertThat(output).contains("2 rows in set");
    }

    // ---- hand-computed expectations (as of 2024-03-31T00:00:00Z) ----

    static void assertGoldenCustomer360(Map<Object, Record> c360) {
        assertThat(c360).containsOnlyKeys(1L, 2L, 3L);

        Record alice = c360.get(1L);
        assertThat(alice.getField("email")).isEqualTo("alice@example.com");
        assertThat(alice.getField("name")).isEqualTo("Alice");
        assertThat(alice.getField("country")).isEqualTo("FR");
        assertThat(alice.getField("plan")).isEqualTo("enterprise"); // the later version wins
        assertThat(alice.getField("first_order_at")).isEqualTo(ts("2024-03-01T10:00:00Z"));
        assertThat(alice.getField("last_order_at")).isEqualTo(ts("2024-03-20T09:40:00Z"));
        assertThat(alice.getField("order_count")).isEqualTo(2L);
        // 100.00 (o1) + 50.00 (o2) - 50.00 (o2 refunded)
        assertThat(alice.getField("lifetime_revenue")).isEqualTo(new BigDecimal("100.00"));
        assertThat(alice.getField("revenue_currency")).isEqualTo("EUR");
        assertThat(alice.getField("lifetime_revenue_by_currency"))
                .isEqualTo("{\"EUR\":\"100.00\"}");
        assertThat(alice.getField("events_7d")).isEqualTo(1L); // e7 on 03-28
        assertThat(alice.getField("events_30d")).isEqualTo(7L); // e12, e2, e3, e4, e5, e6, e7
        assertThat(alice.getField("active_days_30d")).isEqualTo(4L); // 03-01, 03-20, 03-22, 03-28
        assertThat(alice.getField("last_seen_at")).isEqualTo(ts("2024-03-28T08:00:00Z"));
        // 50 * 4/20 + 30 * 1/10 + 20 (ordered in the last 30 days) = 10 + 3 + 20
        assertThat(alice.getField("engagement_score")).isEqualTo(33);
        assertThat(alice.getField("as_of")).isEqualTo(ts(GoldenData.AS_OF));

        Record bob = c360.get(2L);
        assertThat(bob.getField("country")).isEqualTo("US");
        assertThat(bob.getField("plan")).isEqualTo("free");
        assertThat(bob.getField("first_order_at")).isEqualTo(ts("2024-03-25T09:00:00Z"));
        assertThat(bob.getField("last_order_at")).isEqualTo(ts("2024-03-25T09:00:00Z"));
        assertThat(bob.getField("order_count")).isEqualTo(1L);
        assertThat(bob.getField("lifetime_revenue")).isEqualTo(new BigDecimal("30.00"));
        assertThat(bob.getField("revenue_currency")).isEqualTo("USD");
        assertThat(bob.getField("events_7d")).isEqualTo(1L); // e10 on 03-25
        assertThat(bob.getField("events_30d")).isEqualTo(3L); // e8, e9, e10 (not e11, February)
        assertThat(bob.getField("active_days_30d")).isEqualTo(2L); // 03-20, 03-25
        assertThat(bob.getField("last_seen_at")).isEqualTo(ts("2024-03-25T09:00:00Z"));
        // 50 * 2/20 + 30 * 1/10 + 20 = 5 + 3 + 20
        assertThat(bob.getField("engagement_score")).isEqualTo(28);

        Record carol = c360.get(3L);
        assertThat(carol.getField("email")).isEqualTo("carol@example.com");
        assertThat(carol.getField("country")).isEqualTo("DE");
        assertThat(carol.getField("first_order_at")).isNull();
        assertThat(carol.getField("order_count")).isEqualTo(0L);
        assertThat(carol.getField("lifetime_revenue")).isEqualTo(new BigDecimal("0.00"));
        assertThat(carol.getField("revenue_currency")).isNull();
        assertThat(carol.getField("lifetime_revenue_by_currency")).isEqualTo("{}");
        assertThat(carol.getField("events_7d")).isEqualTo(0L);
        assertThat(carol.getField("events_30d")).isEqualTo(0L);
        assertThat(carol.getField("active_days_30d")).isEqualTo(0L);
        assertThat(carol.getField("last_seen_at")).isNull();
        assertThat(carol.getField("engagement_score")).isEqualTo(0);
    }

    static void assertGoldenDailyRevenue(List<Record> rows) {
        Map<String, String> byKey = new TreeMap<>();
        for (Record r : rows) {
            byKey.put(
                    r.getField("day") + "|" + r.getField("country") + "|" + r.getField("currency"),
                    r.getField("gross")
                            + " "
                            + r.getField("refunds")
                            + " "
                            + r.getField("net")
                            + " "
                            + r.getField("order_count"));
        }
        assertThat(byKey)
                .containsExactlyEntriesOf(
                        new TreeMap<>(
                                Map.of(
                                        "2024-03-01|FR|EUR", "100.00 0.00 100.00 1",
                                        "2024-03-20|FR|EUR", "50.00 0.00 50.00 1",
                                        "2024-03-22|FR|EUR", "0.00 50.00 -50.00 0",
                                        "2024-03-25|US|USD", "30.00 0.00 30.00 1")));
        assertThat(rows.get(0).getField("day")).isInstanceOf(LocalDate.class);
    }

    static void assertGoldenFunnel(List<Record> rows) {
        Map<Object, Record> byHour = byKey(rows, r -> r.getField("hour"));
        assertThat(byHour)
                .containsOnlyKeys(
                        ts("2024-03-01T10:00:00Z"),
                        ts("2024-03-20T09:00:00Z"),
                        ts("2024-03-25T09:00:00Z"));
        Record h = byHour.get(ts("2024-03-20T09:00:00Z"));
        assertThat(h.getField("signups")).isEqualTo(2L); // customers 1 and 2
        assertThat(h.getField("add_to_cart")).isEqualTo(2L);
        assertThat(h.getField("checkouts")).isEqualTo(1L);
        assertThat(h.getField("orders")).isEqualTo(1L);
        assertThat(h.getField("signup_to_cart")).isEqualTo(new BigDecimal("1.0000"));
        assertThat(h.getField("cart_to_checkout")).isEqualTo(new BigDecimal("0.5000"));
        assertThat(h.getField("checkout_to_order")).isEqualTo(new BigDecimal("1.0000"));
        assertThat(h.getField("signup_to_order")).isEqualTo(new BigDecimal("0.5000"));
        Record lone = byHour.get(ts("2024-03-25T09:00:00Z"));
        assertThat(lone.getField("signups")).isEqualTo(0L);
        assertThat(lone.getField("orders")).isEqualTo(1L);
        assertThat(lone.getField("signup_to_cart")).isNull();
        assertThat(lone.getField("checkout_to_order")).isNull();
    }

    static void assertGoldenServing(TestParts parts) throws Exception {
        try (Connection c = parts.connect()) {
            ResultSet rs =
                    c.createStatement()
                            .executeQuery(
                                    "SELECT customer_id, plan, order_count, lifetime_revenue,"
                                            + " revenue_currency, events_30d, engagement_score,"
                                            + " last_seen_at FROM serving.customer_360 ORDER BY"
                                            + " customer_id");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(1);
            assertThat(rs.getString(2)).isEqualTo("enterprise");
            assertThat(rs.getLong(3)).isEqualTo(2);
            assertThat(rs.getBigDecimal(4)).isEqualTo(new BigDecimal("100.00"));
            assertThat(rs.getString(5)).isEqualTo("EUR");
            assertThat(rs.getLong(6)).isEqualTo(7);
            assertThat(rs.getInt(7)).isEqualTo(33);
            // UTC wall-clock time (timestamp without time zone)
            assertThat(rs.getObject(8, java.time.LocalDateTime.class))
                    .isEqualTo(java.time.LocalDateTime.parse("2024-03-28T08:00:00"));
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(7)).isEqualTo(28);
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(3);
            assertThat(rs.next()).isFalse();

            rs =
                    c.createStatement()
                            .executeQuery(
                                    "SELECT day, country, currency, gross, refunds, net,"
                                            + " order_count FROM serving.daily_revenue ORDER BY"
                                            + " day");
            StringBuilder revenue = new StringBuilder();
            while (rs.next()) {
                revenue.append(rs.getDate(1).toLocalDate())
                        .append(' ')
                        .append(rs.getString(2))
                        .append(' ')
                        .append(rs.getString(3))
                        .append(' ')
                        .append(rs.getBigDecimal(4))
                        .append(' ')
                        .append(rs.getBigDecimal(5))
                        .append(' ')
                        .append(rs.getBigDecimal(6))
                        .append(' ')
                        .append(rs.getLong(7))
                        .append('\n');
            }
            assertThat(revenue.toString())
                    .isEqualTo(
                            "2024-03-01 FR EUR 100.00 0.00 100.00 1\n"
                                    + "2024-03-20 FR EUR 50.00 0.00 50.00 1\n"
                                    + "2024-03-22 FR EUR 0.00 50.00 -50.00 0\n"
                                    + "2024-03-25 US USD 30.00 0.00 30.00 1\n");

            rs =
                    c.createStatement()
                            .executeQuery(
                                    "SELECT signups, add_to_cart, checkouts, orders,"
                                            + " cart_to_checkout FROM serving.funnel_hourly WHERE"
                                            + " hour = '2024-03-20 09:00:00'");
            assertThat(rs.next()).isTrue();
            assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                    .containsExactly(2L, 2L, 1L, 1L);
            assertThat(rs.getBigDecimal(5)).isEqualTo(new BigDecimal("0.5000"));
            rs = c.createStatement().executeQuery("SELECT count(*) FROM serving.funnel_hourly");
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(3);
        }
    }

    static OffsetDateTime ts(String iso) {
        return RawTables.ts(iso);
    }

    static Map<Object, Record> byKey(List<Record> rows, Function<Record, Object> key) {
        Map<Object, Record> out = new java.util.HashMap<>();
        for (Record r : rows) {
            Object k = key.apply(r);
            if (k instanceof OffsetDateTime t) {
                k = t.withOffsetSameInstant(java.time.ZoneOffset.UTC);
            }
            assertThat(out.put(k, r)).as("duplicate key %s", k).isNull();
        }
        return out;
    }
}
