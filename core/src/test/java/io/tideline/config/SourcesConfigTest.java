/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourcesConfigTest {

    private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);
    private final Path base = Path.of("/etc/tideline");

    private TidelineConfig parse(String yaml) {
        return loader.parse(yaml, "/etc/tideline/tideline.yaml", base);
    }

    @Test
    void defaultsWhenTheSectionIsAbsent() {
        SourcesConfig s = parse("catalog:\n  warehouse: /data/wh\n").sources();
        assertThat(s.enabled()).isTrue();
        assertThat(s.events().topic()).isEqualTo("events");
        assertThat(s.events().groupId()).isEqualTo("tideline-ingest-events");
        assertThat(s.events().startingOffsets())
                .isEqualTo(EventsSourceConfig.StartingOffsets.COMMITTED);
        assertThat(s.orders().folder()).isEqualTo("/etc/tideline/drops/orders");
        assertThat(s.orders().formats())
                .containsExactly(
                        OrdersSourceConfig.DropFormat.CSV, OrdersSourceConfig.DropFormat.JSONL);
        assertThat(s.customers().table()).isEqualTo("app.customers");
        assertThat(s.watermark().outOfOrderness()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.watermark().idleness()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.allowedLateness()).isEqualTo(Duration.ofHours(1));
        assertThat(s.dedupHorizon()).isEqualTo(Duration.ofDays(7));
        assertThat(s.maxFieldLength()).isEqualTo(1024);
    }

    @Test
    void readsEveryKey() {
        SourcesConfig s =
                parse(
                                """
                                catalog:
                                  warehouse: /data/wh
                                sources:
                                  events:
                                    topic: product-events
                                    group-id: ingest
                                    starting-offsets: earliest
                                  orders:
                                    folder: ../drops
                                    formats: [jsonl]
                                    monitor-interval: 2s
                                  customers:
                                    enabled: false
                                    table: crm.people
                                    poll-interval: 500ms
                                    batch-size: 50
                                  watermark:
                                    out-of-orderness: 5s
                                    idleness: 0s
                                  allowed-lateness: 10m
                                  max-future: 2h
                                  dedup-horizon: 1d
                                  max-field-length: 200
                                """)
                        .sources();
        assertThat(s.events().topic()).isEqualTo("product-events");
        assertThat(s.events().groupId()).isEqualTo("ingest");
        assertThat(s.events().startingOffsets())
                .isEqualTo(EventsSourceConfig.StartingOffsets.EARLIEST);
        assertThat(s.orders().folder()).isEqualTo("/etc/drops");
        assertThat(s.orders().formats()).containsExactly(OrdersSourceConfig.DropFormat.JSONL);
        assertThat(s.orders().monitorInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.customers().enabled()).isFalse();
        assertThat(s.customers().table()).isEqualTo("crm.people");
        assertThat(s.customers().pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.customers().batchSize()).isEqualTo(50);
        assertThat(s.watermark().outOfOrderness()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.watermark().idleness()).isEqualTo(Duration.ZERO);
        assertThat(s.allowedLateness()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.maxFuture()).isEqualTo(Duration.ofHours(2));
        assertThat(s.dedupHorizon()).isEqualTo(Duration.ofDays(1));
        assertThat(s.maxFieldLength()).isEqualTo(200);
    }

    @Test
    void reportsEveryProblemWithItsPath() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        """
                                        catalog:
                                          warehouse: /data/wh
                                        sources:
                                          events:
                                            topic: "bad topic!"
                                            group-id: ""
                                          orders:
                                            formats: []
                                            monitor-interval: 10ms
                                          customers:
                                            table: "drop table;"
                                            batch-size: 0
                                          watermark:
                                            out-of-orderness: PT-5S
                                          dedup-horizon: 0s
                                          max-field-length: 0
                                        """))
                .isInstanceOf(ConfigException.class)
                .satisfies(
                        e -> {
                            List<String> paths =
                                    ((ConfigException) e)
                                            .problems().stream()
                                                    .map(ConfigException.Problem::path)
                                                    .toList();
                            assertThat(paths)
                                    .containsExactlyInAnyOrder(
                                            "sources.events.topic",
                                            "sources.events.group-id",
                                            "sources.orders.formats",
                                            "sources.orders.monitor-interval",
                                            "sources.customers.table",
                                            "sources.customers.batch-size",
                                            "sources.watermark.out-of-orderness",
                                            "sources.dedup-horizon",
                                            "sources.max-field-length");
                        })
                .hasMessageContaining("/etc/tideline/tideline.yaml")
                .hasMessageContaining("sources.orders.monitor-interval: expected at least 100ms")
                .hasMessageContaining("sources.customers.table: expected a table name");
    }

    @Test
    void namesAnUnknownKeyAndAWrongType() {
        assertThatThrownBy(() -> parse("sources:\n  events:\n    topik: x\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.events")
                .hasMessageContaining("unknown key 'topik'");
        assertThatThrownBy(() -> parse("sources:\n  orders:\n    formats: [xml]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.orders.formats")
                .hasMessageContaining("csv");
        assertThatThrownBy(() -> parse("sources:\n  allowed-lateness: soon\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.allowed-lateness")
                .hasMessageContaining("expected a duration");
    }

    @Test
    void theEnabledOnlyConstructorKeepsTheDefaults() {
        SourcesConfig s = new SourcesConfig(false);
        assertThat(s.enabled()).isFalse();
        assertThat(s.events().topic()).isEqualTo("events");
    }
}
