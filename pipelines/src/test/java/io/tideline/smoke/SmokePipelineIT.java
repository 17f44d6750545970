/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The smoke pipeline across a real broker, a real Iceberg table and a real PostgreSQL. */
@ExtendWith(TidelineExtension.class)
class SmokePipelineIT {

    @Test
    @Timeout(300)
    void kafkaToIcebergThenAJdbcUpsertIntoPostgres(TestParts parts) throws Exception {
        SmokePipeline pipeline = new SmokePipeline(parts.config(), parts.flink());
        String topic = parts.topic("smoke");
        parts.kafka().createTopic(topic, 2);

        SmokePipeline.Result first = pipeline.run(topic, 300);

        assertThat(first.icebergRows()).isEqualTo(300);
        assertThat(first.icebergMatches()).isTrue();
        assertThat(first.postgresTotals())
                .containsOnlyKeys("signup", "add_to_cart", "order_placed");
        assertThat(first.postgresTotals()).isEqualTo(first.expectedTotals());
        assertThat(
                        first.postgresTotals().values().stream()
                                .mapToLong(SmokePipeline.Totals::count)
                                .sum())
                .isEqualTo(300);
        assertThat(first.ok()).isTrue();

        // Checked here with plain JDBC too, independently of the pipeline's own read-back.
        try (Connection c = parts.connect();
                ResultSet rs =
                        c.createStatement()
                                .executeQuery(
                                        "SELECT n, total FROM smoke_kind_totals WHERE kind ="
                                                + " 'signup'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(100);
            assertThat(rs.getBigDecimal(2))
                    .isEqualTo(first.expectedTotals().get("signup").amount());
            assertThat(rs.getBigDecimal(2)).isGreaterThan(BigDecimal.ZERO);
        }

        // A second run, on another topic, upserts over the first: still one row per kind, now
        // holding the second run's totals.
        String again = parts.topic("smoke-again");
        parts.kafka().createTopic(again, 2);
        SmokePipeline.Result second = pipeline.run(again, 30);
        assertThat(second.icebergRows()).isEqualTo(30);
        assertThat(second.ok()).isTrue();
        try (Connection c = parts.connect();
                ResultSet rs =
                        c.createStatement()
                                .executeQuery("SELECT count(*), sum(n) FROM smoke_kind_totals")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(3);
            assertThat(rs.getLong(2)).isEqualTo(30);
        }
    }
}
