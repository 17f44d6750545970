/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideline.config.SqlChecksConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models from files: names, dependencies, cycles, selection and the declared tests. */
class SqlModelsTest {

    private static final Set<String> SOURCES = Set.of("src_events", "src_orders", "src_customers");

    @Test
    void theDemoFolderIsSixModelsInDependencyOrderWithItsFifteenChecks() {
        SqlModels models = SqlModels.load(SqlLayerIT.SQL_DIR, SOURCES);
        List<String> order = new ArrayList<>(models.models().keySet());
        assertThat(order)
                .containsExactlyInAnyOrder(
                        "stg_customers",
                        "stg_events",
                        "stg_orders",
                        "customer_360",
                        "daily_revenue",
                        "funnel_hourly");
        for (SqlModel m : models.models().values()) {
            for (String dep : m.dependsOn()) {
                assertThat(order.indexOf(dep))
                        .as(m.name() + " after " + dep)
                        .isLessThan(order.indexOf(m.name()));
            }
        }
        assertThat(models.model("customer_360").dependsOn())
                .containsExactlyInAnyOrder("stg_customers", "stg_orders", "stg_events");
        assertThat(models.model("daily_revenue").dependsOn())
                .containsExactlyInAnyOrder("stg_customers", "stg_events");
        assertThat(models.model("stg_events").dependsOn()).isEmpty();
        assertThat(models.tables().stream().map(SqlModel::name))
                .containsExactly("customer_360", "daily_revenue", "funnel_hourly");
        assertThat(models.model("daily_revenue").serve())
                .isEqualTo(
                        new SqlModel.Serve(
                                "serving.daily_revenue", List.of("day", "country", "currency")));

        List<String> names =
                new SqlTests(models, SqlChecksConfig.defaults())
                                .checks(
                                        t -> t,
                                        t -> null,
                                        List.of(
                                                SqlLayerIT.SQL_DIR.resolve(
                                                        "checks/accepted_values__currency.sql")),
                                        q -> q)
                                .stream()
                                .map(SqlTests.Check::name)
                                .toList();
        assertThat(names)
                .hasSize(15)
                .contains(
                        "unique__landing_events__event_id",
                        "freshness__landing",
                        "row_count__marts",
                        "outliers__order_amount",
                        "relationships__customer_360__customers",
                        "accepted_values__currency");
    }

    @Test
    void theSourceTablesFollowTheIngestionNamespace() {
        assertThat(
                        SqlModels.load(SqlLayerIT.SQL_DIR, SOURCES).tests().stream()
                                .filter(SqlModels.DeclaredTest::source)
                                .map(SqlModels.DeclaredTest::target)
                                .distinct())
                .containsExactly("landing.events", "landing.orders");
        SqlModels bronze =
                SqlModels.load(
                        SqlLayerIT.SQL_DIR,
                        SOURCES,
                        new SqlVariables().put("INGESTION_NAMESPACE", "bronze"));
        assertThat(
                        bronze.tests().stream()
                                .filter(SqlModels.DeclaredTest::source)
                                .map(SqlModels.DeclaredTest::target)
                                .distinct())
                .containsExactly("bronze.events", "bronze.orders");
    }

    @Test
    void selectionPicksAModelOrAModelAndEverythingDownstream() {
        SqlModels models = SqlModels.load(SqlLayerIT.SQL_DIR, SOURCES);
        assertThat(models.select(List.of("daily_revenue"))).containsExactly("daily_revenue");
        assertThat(models.select(List.of("stg_orders+")))
                .containsExactly("stg_orders", "customer_360");
        assertThat(models.select(List.of("stg_customers+")))
                .containsExactlyInAnyOrder("stg_customers", "customer_360", "daily_revenue");
        assertThat(models.select(List.of())).hasSize(6);
        assertThatThrownBy(() -> models.select(List.of("weekly_churn+")))
                .hasMessageContaining("no model named 'weekly_churn'");
    }

    @Test
    void aCycleBetweenTwoModelsIsRefusedAtLoadNamingBothFiles(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("marts"));
        Files.writeString(dir.resolve("marts/a.sql"), "SELECT x FROM b");
        Files.writeString(dir.resolve("marts/b.sql"), "-- b reads a\nSELECT x FROM a AS upstream");
        assertThatThrownBy(() -> SqlModels.load(dir, SOURCES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cycle")
                .hasMessageContaining("marts/a.sql")
                .hasMessageContaining("marts/b.sql");
    }

    @Test
    void anUnknownReferenceIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("marts"));
        Files.writeString(
                dir.resolve("marts/churn.sql"),
                "WITH recent AS (SELECT * FROM src_events WHERE EXTRACT(DAY FROM event_ts) > 1)\n"
                        + "SELECT r.* FROM recent AS r JOIN stg_accounts AS a ON a.id = r.id"
                        + " WHERE r.x IS DISTINCT FROM a.y");
        assertThatThrownBy(() -> SqlModels.load(dir, SOURCES))
                .hasMessageContaining("marts/churn.sql")
                .hasMessageContaining("'stg_accounts'")
                .hasMessageNotContaining("'event_ts'")
                .hasMessageNotContaining("'recent'");
    }

    @Test
    void settingsAndTestsAreCheckedAtLoad(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("marts"));
        Files.writeString(dir.resolve("marts/m.sql"), "SELECT * FROM landing.events");
        Files.writeString(dir.resolve("models.yaml"), "models:\n  m:\n    materialised: table\n");
        assertThatThrownBy(() -> SqlModels.load(dir, SOURCES))
                .hasMessageContaining("models.m: unknown key 'materialised'");
        Files.writeString(
                dir.resolve("models.yaml"), "models:\n  m:\n    tests: [{not_nul: {column: x}}]\n");
        assertThatThrownBy(() -> SqlModels.load(dir, SOURCES))
                .hasMessageContaining("unknown test 'not_nul'");
        Files.writeString(dir.resolve("models.yaml"), "models:\n  gone:\n    key: [x]\n");
        assertThatThrownBy(() -> SqlModels.load(dir, SOURCES))
                .hasMessageContaining("models.gone: no such model");
        Files.writeString(dir.resolve("marts/n.sql"), "SELECT * FROM marts.m");
        Files.delete(dir.resolve("models.yaml"));
        assertThatThrownBy(() -> SqlModels.load(dir, SOURCES))
                .hasMessageContaining("marts/n.sql: references the table marts.m");
    }
}
