/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlConfigTest {

    private final ConfigLoader loader = new ConfigLoader(Map.of("FX_TOKEN", "fx-token-value")::get);
    private final Path base = Path.of("/etc/tideline");

    private TidelineConfig parse(String yaml) {
        return loader.parse("catalog:\n  warehouse: wh\n" + yaml, "tideline.yaml", base);
    }

    @Test
    void defaultsBuildEveryModelFromTheSqlFolderNextToTheFile() {
        SqlConfig sql = parse("").sql();
        assertThat(sql.enabled()).isTrue();
        assertThat(sql.dirPath()).isEqualTo(Path.of("/etc/tideline/sql"));
        assertThat(sql.select()).isEmpty(); // every model of the folder
        assertThat(sql.asOfInstant()).isNull();
        assertThat(sql.checks().enabled()).isTrue();
        assertThat(sql.checks().minRows()).isEqualTo(1);
        assertThat(sql.checks().maxStaleness()).isEqualTo(Duration.ofDays(2));
        assertThat(sql.checks().outlierStddevs()).isEqualTo(4.0);
        assertThat(sql.checks().failBatch()).isTrue();
    }

    @Test
    void readsEveryKey() {
        SqlConfig sql =
                parse(
                                """
                                sql:
                                  dir: ../../sql
                                  select: [customer_360, stg_orders+]
                                  as-of: 2024-03-31T00:00:00Z
                                  variables:
                                    REPORTING_NOTE: hello
                                  secret-variables:
                                    FX_API_TOKEN: ${env:FX_TOKEN}
                                  checks:
                                    min-rows: 10
                                    max-staleness: 36h
                                    outlier-stddevs: 3.5
                                    outlier-window: 14d
                                    outlier-min-samples: 8
                                    interval: 30s
                                    fail-batch: false
                                """)
                        .sql();
        assertThat(sql.dirPath()).isEqualTo(Path.of("/sql"));
        assertThat(sql.select()).containsExactly("customer_360", "stg_orders+");
        assertThat(sql.asOfInstant()).isEqualTo(Instant.parse("2024-03-31T00:00:00Z"));
        assertThat(sql.variables()).containsEntry("REPORTING_NOTE", "hello");
        assertThat(sql.secretVariables().get("FX_API_TOKEN").reveal()).isEqualTo("fx-token-value");
        assertThat(sql.toString()).doesNotContain("fx-token-value");
        assertThat(sql.checks().minRows()).isEqualTo(10);
        assertThat(sql.checks().maxStaleness()).isEqualTo(Duration.ofHours(36));
        assertThat(sql.checks().outlierStddevs()).isEqualTo(3.5);
        assertThat(sql.checks().outlierWindow()).isEqualTo(Duration.ofDays(14));
        assertThat(sql.checks().outlierMinSamples()).isEqualTo(8);
        assertThat(sql.checks().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(sql.checks().failBatch()).isFalse();
        assertThat(
                        ConfigLoader.toYaml(
                                parse("sql:\n  secret-variables:\n    T: ${env:FX_TOKEN}\n")))
                .contains("${env:FX_TOKEN}")
                .doesNotContain("fx-token-value");
    }

    @Test
    void reportsEveryProblemWithItsPath() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        """
                                        sql:
                                          dir: ""
                                          select: [customer_360, "weekly churn+"]
                                          as-of: yesterday
                                          variables:
                                            lower_case: x
                                            CATALOG: y
                                          checks:
                                            min-rows: -1
                                            max-staleness: 90m
                                            outlier-stddevs: 0
                                            outlier-window: 12h
                                            outlier-min-samples: 1
                                            interval: 10ms
                                        """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tideline.yaml")
                .hasMessageContaining("sql.dir: expected a folder")
                .hasMessageContaining(
                        "sql.select[1]: expected a model name, optionally followed by +")
                .hasMessageContaining("sql.as-of: expected an ISO-8601 instant")
                .hasMessageContaining("sql.variables.lower_case: expected a variable name")
                .hasMessageContaining("sql.variables.CATALOG: is set by the runner itself")
                .hasMessageContaining("sql.checks.min-rows: expected 0 or more, got -1")
                .hasMessageContaining("sql.checks.max-staleness: expected whole hours")
                .hasMessageContaining("sql.checks.outlier-stddevs: expected a number above 0")
                .hasMessageContaining("sql.checks.outlier-window: expected whole days")
                .hasMessageContaining("sql.checks.outlier-min-samples: expected 2 or more")
                .hasMessageContaining("sql.checks.interval: expected at least 1s");
    }

    @Test
    void refusesUnknownKeysAndLiteralSecrets() {
        assertThatThrownBy(() -> parse("sql:\n  checks:\n    min-row: 3\n"))
                .hasMessageContaining("sql.checks.min-row: unknown key 'min-row'");
        assertThatThrownBy(() -> parse("sql:\n  secret-variables:\n    T: plain-text\n"))
                .hasMessageContaining("sql.secret-variables.T");
    }

    @Test
    void theOneArgumentConstructorKeepsTheDefaults() {
        SqlConfig sql = new SqlConfig(false);
        assertThat(sql.enabled()).isFalse();
        assertThat(sql.select()).isEmpty();
        assertThat(sql.withSelect(List.of("daily_revenue")).select())
                .containsExactly("daily_revenue");
    }
}
