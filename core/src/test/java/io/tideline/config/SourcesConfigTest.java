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

/** The {@code ingestion} and {@code sources} sections: defaults, every key, every problem. */
class SourcesConfigTest {

    private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);
    private final Path base = Path.of("/etc/tideline");

    private TidelineConfig parse(String yaml) {
        return loader.parse(yaml, "/etc/tideline/tideline.yaml", base);
    }

    private static List<String> paths(Throwable e) {
        return ((ConfigException) e)
                .problems().stream().map(ConfigException.Problem::path).toList();
    }

    @Test
    void defaultsWhenTheSectionsAreAbsent() {
        TidelineConfig c = parse("catalog:\n  warehouse: /data/wh\n");
        IngestionConfig i = c.ingestion();
        assertThat(c.sources()).isEmpty();
        assertThat(i.enabled()).isTrue();
        assertThat(i.namespace()).isEqualTo(IngestionConfig.DEFAULT_NAMESPACE).isEqualTo("landing");
        assertThat(i.watermark().outOfOrderness()).isEqualTo(Duration.ofSeconds(30));
        assertThat(i.watermark().idleness()).isEqualTo(Duration.ofMinutes(1));
        assertThat(i.allowedLateness()).isEqualTo(Duration.ofHours(1));
        assertThat(i.maxFuture()).isEqualTo(Duration.ofDays(1));
        assertThat(i.dedupHorizon()).isEqualTo(Duration.ofDays(7));
        assertThat(i.maxFieldLength()).isEqualTo(1024);
        assertThat(i.quarantineTable()).isEqualTo("quarantine");
        assertThat(i.lateTable()).isEqualTo("late_events");
    }

    @Test
    void readsEveryKindAndItsDefaults() {
        TidelineConfig c =
                parse(
                        """
                        catalog:
                          warehouse: /data/wh
                        ingestion:
                          namespace: bronze
                          allowed-lateness: 10m
                          max-field-length: 200
                        sources:
                          payments:
                            kind: kafka
                            topic: payments
                            key: [payment_id]
                            event-time: paid_at
                            allowed-lateness: 2h
                            unknown-fields: quarantine
                            partition-by: [payment_id, 'bucket(8, payment_id)']
                            columns:
                              payment_id: {type: string, required: true}
                              account:    {type: string, from: /account/id}
                              amount:     {type: 'decimal(12,4)', required: true, check: {min: 0}}
                              currency:   {type: string, standardize: [trim, upper], check: iso-currency}
                              paid_at:    {type: timestamp, format: epoch-seconds}
                              status:     {type: string, check: [{one-of: [paid, refunded]}, {max-length: 10}]}
                          drops:
                            kind: files
                            folder: ../drops
                            format: csv
                            delimiter: ";"
                            header: [a, b]
                            charset: ISO-8859-1
                            max-record-bytes: 4096
                            columns:
                              a: {type: int}
                              b: {type: date}
                          people:
                            kind: jdbc
                            query: SELECT * FROM crm.people
                            cursor: [updated_at, id]
                            key: [id]
                            version: updated_at
                            table: people_raw
                            poll-interval: 500ms
                            batch-size: 50
                            columns:
                              id:         {type: string, required: true}
                              updated_at: {type: timestamp, required: true}
                        """);
        assertThat(c.ingestion().namespace()).isEqualTo("bronze");
        assertThat(c.sources()).containsOnlyKeys("payments", "drops", "people");
        SourceConfig p = c.sources().get("payments");
        assertThat(p.kind()).isEqualTo(SourceConfig.Kind.KAFKA);
        assertThat(p.tableOr("bronze", "payments")).isEqualTo("bronze.payments");
        assertThat(p.groupIdOr("payments")).isEqualTo("tideline-ingest-payments");
        assertThat(p.dedup()).isEqualTo(SourceConfig.Dedup.FIRST);
        assertThat(p.allowedLatenessOr(c.ingestion().allowedLateness()))
                .isEqualTo(Duration.ofHours(2));
        assertThat(p.columnsInOrder().keySet())
                .containsExactly(
                        "payment_id", "account", "amount", "currency", "paid_at", "status");
        assertThat(p.columnsInOrder().get("amount").columnType())
                .isEqualTo(new ColumnType(ColumnType.Kind.DECIMAL, 12, 4));
        assertThat(p.columnsInOrder().get("status").checks()).hasSize(2);
        SourceConfig d = c.sources().get("drops");
        assertThat(d.folder()).isEqualTo("/etc/drops");
        assertThat(d.headerLine()).isFalse();
        assertThat(d.headerNames()).containsExactly("a", "b");
        assertThat(d.unknownFields()).isEqualTo(SourceConfig.UnknownFields.EXTRA);
        assertThat(d.temporaryNames()).isEqualTo(SourceConfig.DEFAULT_TEMPORARY_NAMES);
        SourceConfig j = c.sources().get("people");
        assertThat(j.dedup()).isEqualTo(SourceConfig.Dedup.LATEST);
        assertThat(j.unknownFields()).isEqualTo(SourceConfig.UnknownFields.IGNORE);
        assertThat(j.tableOr("bronze", "people")).isEqualTo("bronze.people_raw");
        assertThat(j.pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(j.batchSize()).isEqualTo(50);
    }

    @Test
    void theLocalPlatformsFileDeclaresTheDemoSources() {
        TidelineConfig c =
                loader.load(
                        Path.of(System.getProperty("user.dir"))
                                .resolve("../deploy/local/tideline.yaml"));
        assertThat(c.sources()).containsOnlyKeys("events", "orders", "customers");
        assertThat(c.sources().get("customers").columnsInOrder().get("id").columnType().kind())
                .isEqualTo(ColumnType.Kind.BIGINT);
        assertThat(c.sources().get("orders").tableOr(c.ingestion().namespace(), "orders"))
                .isEqualTo("landing.orders");
    }

    @Test
    void reportsEveryProblemAtOnceWithItsPath() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        """
                                        catalog:
                                          warehouse: /data/wh
                                        ingestion:
                                          namespace: "bad ns"
                                          dedup-horizon: 0s
                                          max-field-length: 0
                                        sources:
                                          payments:
                                            kind: kafka
                                            topic: "bad topic!"
                                            key: [payment_id]
                                            dedup: latest
                                            partition-by: [day(paid_at)]
                                            columns:
                                              payment_id: {type: string}
                                              amount:     {type: 'decimal(50,2)'}
                                              paid_at:    {type: timestamp, format: "yyyy-MM-dd"}
                                              email:      {type: string, check: emial}
                                              n:          {type: bigint, standardize: [upper]}
                                              extra_fields: {type: string}
                                          drops:
                                            kind: files
                                            formats: [xml]
                                            monitor-interval: 10ms
                                            columns:
                                              a: {type: varchar}
                                          people:
                                            kind: jdbc
                                            source-table: "drop table;"
                                            batch-size: 0
                                            columns:
                                              id: {type: uuid}
                                        """))
                .isInstanceOf(ConfigException.class)
                .satisfies(
                        e ->
                                assertThat(paths(e))
                                        .containsExactlyInAnyOrder(
                                                "ingestion.namespace",
                                                "ingestion.dedup-horizon",
                                                "ingestion.max-field-length",
                                                "sources.payments.topic",
                                                "sources.payments.version",
                                                "sources.payments.partition-by[0]",
                                                "sources.payments.columns.amount.type",
                                                "sources.payments.columns.paid_at.format",
                                                "sources.payments.columns.email.check",
                                                "sources.payments.columns.n.standardize",
                                                "sources.payments.columns.extra_fields",
                                                "sources.drops.folder",
                                                "sources.drops.formats[0]",
                                                "sources.drops.monitor-interval",
                                                "sources.drops.columns.a.type",
                                                "sources.people.source-table",
                                                "sources.people.cursor",
                                                "sources.people.batch-size",
                                                "sources.people.columns.id.type"))
                .hasMessageContaining("/etc/tideline/tideline.yaml")
                .hasMessageContaining(
                        "sources.payments.columns.amount.type: expected decimal(p,s) with p ≤ 38,"
                                + " got 'decimal(50,2)'")
                .hasMessageContaining(
                        "sources.payments.partition-by[0]: 'paid_at' is not in the key")
                .hasMessageContaining("sources.drops.monitor-interval: expected at least 100ms");
    }

    @Test
    void readsAPostgresCdcSourceWithItsChangeColumnsAndDefaultNames() {
        TidelineConfig c =
                parse(
                        """
                        catalog:
                          warehouse: /data/wh
                        sources:
                          customers:
                            kind: postgres-cdc
                            source-table: app.customers
                            key: [id]
                            columns:
                              id:    {type: bigint, required: true}
                              email: {type: string}
                          named:
                            kind: postgres-cdc
                            source-table: app.named
                            slot: my_slot
                            publication: my_pub
                            key: [id]
                            columns:
                              id: {type: bigint}
                        """);
        SourceConfig s = c.sources().get("customers");
        assertThat(s.kind()).isEqualTo(SourceConfig.Kind.POSTGRES_CDC);
        assertThat(s.columnsInOrder().keySet())
                .containsExactly("id", "email", "op", "lsn", "commit_time");
        assertThat(s.unknownFields()).isEqualTo(SourceConfig.UnknownFields.IGNORE);
        assertThat(s.slotOr("customers")).isEqualTo("tideline_customers");
        assertThat(s.publicationOr("customers")).isEqualTo("tideline_customers");
        assertThat(c.sources().get("named").slotOr("named")).isEqualTo("my_slot");
        assertThat(c.sources().get("named").publicationOr("named")).isEqualTo("my_pub");
        assertThat(s.withEnabled(false).columnsInOrder()).hasSize(5);
    }

    @Test
    void reportsEveryProblemOfAPostgresCdcSource() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        """
                                        catalog:
                                          warehouse: /data/wh
                                        sources:
                                          customers:
                                            kind: postgres-cdc
                                            slot: "Bad-Slot"
                                            version: id
                                            cursor: [id]
                                            topic: t
                                            columns:
                                              id:    {type: bigint}
                                              email: {type: string, required: true}
                                              op:    {type: string}
                                          drops:
                                            kind: files
                                            folder: x
                                            slot: s
                                            columns:
                                              a: {type: int}
                                        """))
                .isInstanceOf(ConfigException.class)
                .satisfies(
                        e ->
                                assertThat(paths(e))
                                        .contains(
                                                "sources.customers.source-table",
                                                "sources.customers.key",
                                                "sources.customers.slot",
                                                "sources.customers.dedup",
                                                "sources.customers.cursor",
                                                "sources.customers.topic",
                                                "sources.customers.columns.op",
                                                "sources.customers.columns.email",
                                                "sources.drops.slot"))
                .hasMessageContaining("reserved: kind postgres-cdc adds the change columns")
                .hasMessageContaining("a delete carries the key alone");
    }

    @Test
    void namesAnUnknownKeyAndAWrongType() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        "sources:\n  e:\n    kind: kafka\n    topik: x\n"
                                                + "    columns: {a: {type: string}}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.e")
                .hasMessageContaining("unknown key 'topik'");
        assertThatThrownBy(() -> parse("ingestion:\n  allowed-lateness: soon\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ingestion.allowed-lateness")
                .hasMessageContaining("expected a duration");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "sources:\n  e:\n    kind: soap\n"
                                                + "    columns: {a: {type: string}}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sources.e.kind")
                .hasMessageContaining("kafka");
    }

    @Test
    void twoSourcesCannotShareATable() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        """
                                        sources:
                                          a:
                                            kind: kafka
                                            topic: a
                                            table: landing.same
                                            columns: {x: {type: string}}
                                          b:
                                            kind: kafka
                                            topic: b
                                            table: same
                                            columns: {x: {type: string}}
                                        """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "sources.b.table: 'landing.same' is already the table of sources.a");
    }

    @Test
    void boundsTheFilesAlreadyRead() {
        String drop =
                """
                catalog:
                  warehouse: /data/wh
                sources:
                  drops:
                    kind: files
                    folder: /drops
                    %s
                    columns:
                      a: {type: int}
                """;
        assertThat(parse(drop.formatted("")).sources().get("drops").seenFilesRetention())
                .isEqualTo(Duration.ofDays(7));
        assertThat(
                        parse(drop.formatted("seen-files-retention: 36h"))
                                .sources()
                                .get("drops")
                                .seenFilesRetention())
                .isEqualTo(Duration.ofHours(36));
        assertThatThrownBy(
                        () ->
                                parse(
                                        drop.formatted(
                                                "monitor-interval: 30s\n"
                                                        + "    seen-files-retention: 2m")))
                .hasMessageContaining("sources.drops.seen-files-retention")
                .hasMessageContaining("expected at least 5m")
                .hasMessageContaining("got 2m");
        assertThatThrownBy(() -> parse(drop.formatted("seen-files-retention: 10s")))
                .hasMessageContaining("expected at least 1m");
    }
}
