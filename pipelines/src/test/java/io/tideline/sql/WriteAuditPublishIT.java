/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static io.tideline.sql.RawTables.customer;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.TidelineConfig;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Models from files, declared tests and write-audit-publish, on real parts: a mart added as one SQL
 * file (and its tests) with no Java change; a row that leaves a mart leaves PostgreSQL; a build
 * whose {@code error} test fails publishes nothing.
 */
@ExtendWith(TidelineExtension.class)
class WriteAuditPublishIT {

    static final TableIdentifier REVENUE_BY_PLAN = TableIdentifier.of("marts", "revenue_by_plan");

    @Test
    @Timeout(300)
    void aMartAddedAsOneSqlFileIsBuiltTestedPublishedAndServedAndRowsThatLeaveItLeaveServing(
            TestParts parts) throws Exception {
        // The repository's sql/ folder, plus one mart: its SQL file and its declared tests.
        Path sqlDir = copy(SqlLayerIT.SQL_DIR, parts.dir().resolve("sql"));
        Files.writeString(
                sqlDir.resolve("marts/revenue_by_plan.sql"),
                """
                -- Customers and their lifetime revenue per plan and currency (one currency each).
                SELECT
                  plan,
                  revenue_currency AS currency,
                  COUNT(*) AS customers,
                  CAST(SUM(lifetime_revenue) AS DECIMAL(18, 2)) AS revenue
                FROM customer_360
                WHERE revenue_currency IS NOT NULL AND revenue_currency <> 'MULTI'
                GROUP BY plan, revenue_currency
                """);
        Files.writeString(
                sqlDir.resolve("marts/revenue_by_plan.yaml"),
                """
                models:
                  revenue_by_plan:
                    key: [plan, currency]
                    serve: {table: serving.revenue_by_plan}
                    tests:
                      - unique: {columns: [plan, currency]}
                      - accepted_values: {column: plan, values: [free, pro, enterprise]}
                      - expression: {expression: "revenue >= 0", severity: warn}
                      - row_count: {min: 1, max_change: 50%}
                    columns:
                      currency: [not_null]
                """);
        TidelineConfig config = SqlLayerIT.config(parts, "    max-staleness: 7d\n", sqlDir);
        RawTables raw = SqlLayerIT.golden(config);
        SqlRunner runner = new SqlRunner(config, parts.flink(config));
        assertThat(runner.models().model("revenue_by_plan").dependsOn())
                .containsExactly("customer_360");

        SqlRunResult first = runner.runBatch();
        assertThat(first.passed()).as(first.summary()).isTrue();
        assertThat(first.failedChecks()).as(first.summary()).isEmpty();
        assertThat(first.checks().stream().map(CheckResult::name))
                .contains(
                        "unique__revenue_by_plan__plan_currency",
                        "accepted_values__revenue_by_plan__plan",
                        "expression__revenue_by_plan",
                        "row_count__revenue_by_plan",
                        "not_null__revenue_by_plan__currency")
                .hasSize(20);
        assertThat(first.published()).contains("revenue_by_plan", "customer_360");
        // Alice: enterprise, 100.00 EUR; Bob: free, 30.00 USD; Carol has no orders.
        assertThat(StreamingSqlIT.rows(raw, REVENUE_BY_PLAN))
                .containsExactly(
                        "currency=EUR|customers=1|plan=enterprise|revenue=100.00",
                        "currency=USD|customers=1|plan=free|revenue=30.00");
        assertThat(serving(parts, "SELECT * FROM serving.revenue_by_plan ORDER BY plan"))
                .containsExactly("enterprise|EUR|1|100.00", "free|USD|1|30.00");
        assertThat(raw.table(REVENUE_BY_PLAN).refs()).containsOnlyKeys("main");

        // Alice's country is corrected (FR -> DE), Bob moves to the pro plan: their old rows leave
        // daily_revenue and revenue_by_plan, in Iceberg and in PostgreSQL.
        raw.append(
                RawTables.CUSTOMERS,
                List.of(
                        customer(
                                1,
                                "alice@example.com",
                                "Alice",
                                "DE",
                                "enterprise",
                                "2024-03-30T00:00:00Z"),
                        customer(
                                2, "bob@example.com", "Bob", "US", "pro", "2024-03-30T00:00:00Z")));
        SqlRunResult second = runner.runBatch();
        assertThat(second.passed()).as(second.summary()).isTrue();
        assertThat(serving(parts, "SELECT * FROM serving.revenue_by_plan ORDER BY plan"))
                .containsExactly("enterprise|EUR|1|100.00", "pro|USD|1|30.00");
        assertThat(
                        serving(
                                parts,
                                "SELECT day, country, currency, net FROM serving.daily_revenue"
                                        + " ORDER BY day"))
                .containsExactly(
                        "2024-03-01|DE|EUR|100.00",
                        "2024-03-20|DE|EUR|50.00",
                        "2024-03-22|DE|EUR|-50.00",
                        "2024-03-25|US|USD|30.00");
        assertThat(StreamingSqlIT.rows(raw, SqlLayerIT.DAILY_REVENUE))
                .noneMatch(r -> r.contains("country=FR"))
                .hasSize(4);
    }

    @Test
    @Timeout(300)
    void aBuildWhoseErrorTestFailsLeavesIcebergMainServingAndTheSyncSourceUnchanged(TestParts parts)
            throws Exception {
        TidelineConfig config = SqlLayerIT.config(parts, "    max-staleness: 7d\n");
        RawTables raw = SqlLayerIT.golden(config);
        SqlRunner runner = new SqlRunner(config, parts.flink(config));
        SqlRunResult good = runner.runBatch();
        assertThat(good.passed()).as(good.summary()).isTrue();

        Table c360 = raw.table(SqlLayerIT.CUSTOMER_360);
        long snapshotBefore = c360.currentSnapshot().snapshotId();
        long revenueSnapshotBefore =
                raw.table(SqlLayerIT.DAILY_REVENUE).currentSnapshot().snapshotId();
        List<String> servingBefore =
                serving(parts, "SELECT * FROM serving.customer_360 ORDER BY customer_id");
        // What reverse ETL's sync reads: marts.customer_360 as its main branch holds it.
        List<String> syncSourceBefore = StreamingSqlIT.rows(raw, SqlLayerIT.CUSTOMER_360);
        assertThat(servingBefore).hasSize(3);

        // A new customer without a plan, and Bob's plan changes: customer_360 would change, but
        // not_null__customer_360 (severity error) fails on the audit branch.
        raw.append(
                RawTables.CUSTOMERS,
                List.of(
                        customer(4, "dave@example.com", "Dave", "GB", null, "2024-03-30T00:00:00Z"),
                        customer(
                                2, "bob@example.com", "Bob", "US", "pro", "2024-03-30T00:00:00Z")));
        SqlRunResult bad = runner.runBatch();

        assertThat(bad.passed()).isFalse();
        assertThat(bad.published()).isEmpty();
        assertThat(bad.blockingChecks().stream().map(CheckResult::name))
                .containsExactly("not_null__customer_360");
        assertThat(bad.check("not_null__customer_360").samples())
                .singleElement()
                .asString()
                .contains("\"customer_id\":\"4\"");
        assertThat(bad.summary())
                .contains("NOT PUBLISHED")
                .contains("not_null__customer_360: FAILED, 1 violating row(s)")
                .contains("\"customer_id\":\"4\"");

        c360.refresh();
        assertThat(c360.currentSnapshot().snapshotId()).isEqualTo(snapshotBefore);
        assertThat(raw.table(SqlLayerIT.DAILY_REVENUE).currentSnapshot().snapshotId())
                .isEqualTo(revenueSnapshotBefore);
        assertThat(c360.refs()).containsOnlyKeys("main"); // the audit branch is gone
        assertThat(serving(parts, "SELECT * FROM serving.customer_360 ORDER BY customer_id"))
                .isEqualTo(servingBefore);
        assertThat(StreamingSqlIT.rows(raw, SqlLayerIT.CUSTOMER_360)).isEqualTo(syncSourceBefore);
        assertThat(bad.martRows()).containsEntry("customer_360", 3L);

        // Fixed at the source, the next build publishes (Dave and Bob's plan included).
        raw.append(
                RawTables.CUSTOMERS,
                List.of(
                        customer(
                                4,
                                "dave@example.com",
                                "Dave",
                                "GB",
                                "free",
                                "2024-03-30T01:00:00Z")));
        SqlRunResult fixed = runner.runBatch();
        assertThat(fixed.passed()).as(fixed.summary()).isTrue();
        assertThat(
                        serving(
                                parts,
                                "SELECT customer_id, plan FROM serving.customer_360 ORDER BY"
                                        + " customer_id"))
                .containsExactly("1|enterprise", "2|pro", "3|pro", "4|free");
    }

    static List<String> serving(TestParts parts, String query) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = parts.connect();
                ResultSet rs = c.createStatement().executeQuery(query)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<String> cols = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    cols.add(String.valueOf(rs.getObject(i)));
                }
                out.add(String.join("|", cols));
            }
        }
        return out;
    }

    static Path copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }
}
