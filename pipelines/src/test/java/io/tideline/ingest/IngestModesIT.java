/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import static io.tideline.ingest.IngestFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.TidelineConfig;
import io.tideline.testkit.Await;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One input, two modes. A STREAMING job ingests it in two phases (the topic, the monitored folder
 * and the customers table by cursor each get more data while it runs: re-deliveries, corrections,
 * out-of-order and late events), then stops with a savepoint; a BATCH backfill then reads the same
 * input. The tables are identical, but for the columns that record when a run processed a row
 * ({@code processing_time}, {@code quarantined_at}) and the customers' {@code ingestion_time},
 * which is the database read time.
 */
@ExtendWith(TidelineExtension.class)
class IngestModesIT {

    private static final Instant T0 =
            Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(3));

    @Test
    @Timeout(240)
    void batchAndStreamingGiveIdenticalTablesAndLateEventsLandApart(TestParts parts)
            throws Exception {
        String topic = parts.topic("events");
        parts.kafka().createTopic(topic, 2);
        String sources = allSources(topic, "modes-" + parts.id());
        TidelineConfig streaming = config(parts, "warehouse-streaming", sources);
        TidelineConfig batch = config(parts, "warehouse-batch", sources);
        Path drops = parts.dir().resolve("drops");
        String updated1 = T0.minus(Duration.ofHours(1)).toString();
        String ordersA =
                String.join(
                        "\n",
                        "order_id,customer_email,amount,currency,status,created_at,updated_at",
                        "o1,alice@example.com,10.00,EUR,paid,2025-12-01T10:00:00Z," + updated1,
                        "o2,bob@example.com,20.00,EUR,paid,2025-12-01T10:00:00Z," + updated1,
                        "");

        // Phase 1: in-order, out-of-order, late, re-delivered and bad events; a file; customers.
        try (KafkaProducer<byte[], byte[]> p = producer(streaming);
                Connection db = parts.connect()) {
            send(
                    p,
                    topic,
                    0,
                    T0.plusSeconds(11),
                    event("e1", "signup", "1", T0.plusSeconds(10).toString()).toString());
            // Out of order: 10 s before e1, ingested after it; well within the allowed lateness.
            send(
                    p,
                    topic,
                    0,
                    T0.plusSeconds(12),
                    event("e2", "page_view", "1", T0.toString()).toString());
            send(
                    p,
                    topic,
                    1,
                    T0.plusSeconds(21),
                    event("e3", "add_to_cart", "2", T0.plusSeconds(20).toString()).toString());
            send(
                    p,
                    topic,
                    1,
                    T0.plusSeconds(13),
                    event("l1", "page_view", "2", T0.minus(Duration.ofHours(2)).toString())
                            .toString());
            send(
                    p,
                    topic,
                    1,
                    T0.plusSeconds(14),
                    event("e1", "signup", "1", T0.plusSeconds(10).toString()).toString());
            send(p, topic, 1, T0.plusSeconds(15), "{oops");
            drop(drops, "orders-a.csv", ordersA, T0);
            // A file still being written, under a temporary name: not read until renamed.
            Files.writeString(
                    drops.resolve("_orders-c.csv"),
                    "order_id,customer_email,amount,currency,status,created_at,updated_at\n"
                            + "o4,dan@");
            createCustomers(db);
            upsertCustomer(db, 1, "alice@example.com", "Alice", "DE", "free", T0.minusSeconds(100));
            upsertCustomer(db, 2, "bob@example.com", "Bob", "FR", "free", T0.minusSeconds(90));
        }

        IngestJob.Running running =
                new IngestJob(streaming, parts.flink(streaming)).startStreaming();
        IngestSummary streamed;
        try {
            Await.until(
                    "phase 1 in the tables",
                    Duration.ofSeconds(90),
                    () ->
                            count(streaming, IngestFixtures.EVENTS_TABLE) == 3
                                    && count(streaming, IngestFixtures.LATE) == 1
                                    && count(streaming, IngestFixtures.ORDERS_TABLE) == 2
                                    && count(streaming, IngestFixtures.CUSTOMERS_TABLE) == 2
                                    && count(streaming, IngestFixtures.QUARANTINE) == 1);

            // Phase 2, while the job runs: more of everything, corrections and re-deliveries.
            try (KafkaProducer<byte[], byte[]> p = producer(streaming);
                    Connection db = parts.connect()) {
                send(
                        p,
                        topic,
                        0,
                        T0.plusSeconds(31),
                        event("e4", "checkout", "2", T0.plusSeconds(30).toString()).toString());
                send(
                        p,
                        topic,
                        1,
                        T0.plusSeconds(32),
                        event("e2", "page_view", "1", T0.toString()).toString());
                send(
                        p,
                        topic,
                        0,
                        T0.plusSeconds(33),
                        event("l2", "signup", "3", T0.minus(Duration.ofHours(5)).toString())
                                .toString());
                ObjectNode noCurrency = event("b2", "order_placed", "2", T0.toString());
                noCurrency.put("amount", "5.00");
                send(p, topic, 1, T0.plusSeconds(34), noCurrency.toString());
                drop(
                        drops,
                        "orders-b.jsonl",
                        String.join(
                                "\n",
                                "{\"order_id\":\"o1\",\"customer_email\":\"alice@example.com\",\"amount\":\"10.00\",\"currency\":\"EUR\",\"status\":\"refunded\",\"created_at\":\"2025-12-01T10:00:00Z\",\"updated_at\":\""
                                        + T0.minus(Duration.ofMinutes(30))
                                        + "\"}",
                                "{\"order_id\":\"o2\",\"customer_email\":\"bob@example.com\",\"amount\":\"1.00\",\"currency\":\"EUR\",\"status\":\"paid\",\"updated_at\":\""
                                        + T0.minus(Duration.ofHours(2))
                                        + "\"}",
                                "{\"order_id\":\"o3\",\"customer_email\":\"carol@example.com\",\"amount\":3,\"currency\":\"usd\",\"status\":\"paid\",\"updated_at\":\""
                                        + T0
                                        + "\",\"channel\":\"web\"}",
                                ""),
                        T0.plusSeconds(60));
                // The file being written is complete: renamed, then read once.
                Files.writeString(
                        drops.resolve("_orders-c.csv"),
                        "example.com,4.00,EUR,paid,," + T0.minus(Duration.ofMinutes(20)) + "\n",
                        StandardOpenOption.APPEND);
                Files.setLastModifiedTime(
                        drops.resolve("_orders-c.csv"), FileTime.from(T0.plusSeconds(180)));
                Files.move(
                        drops.resolve("_orders-c.csv"),
                        drops.resolve("orders-c.csv"),
                        StandardCopyOption.ATOMIC_MOVE);
                // The same export dropped again under another name: nothing doubles.
                drop(drops, "orders-a-again.csv", ordersA, T0.plusSeconds(120));
                upsertCustomer(
                        db, 1, "alice@example.com", "Alice", "DE", "pro", T0.minusSeconds(10));
                upsertCustomer(
                        db, 3, "carol@example.com", "Carol", "GBR", "free", T0.minusSeconds(5));
            }
            Await.until(
                    "phase 2 in the tables",
                    Duration.ofSeconds(90),
                    () -> {
                        Map<String, Map<String, String>> orders =
                                byKey(streaming, IngestFixtures.ORDERS_TABLE, "order_id");
                        Map<String, Map<String, String>> customers =
                                byKey(streaming, IngestFixtures.CUSTOMERS_TABLE, "id");
                        return count(streaming, IngestFixtures.EVENTS_TABLE) == 4
                                && count(streaming, IngestFixtures.LATE) == 2
                                && count(streaming, IngestFixtures.QUARANTINE) == 2
                                && orders.size() == 4
                                && "refunded".equals(orders.get("o1").get("status"))
                                && customers.size() == 3
                                && "pro".equals(customers.get("1").get("plan"));
                    });
            // The metrics, as a dashboard reads them: the counts and the last commit's age.
            FlinkRestMetrics metrics = new FlinkRestMetrics(parts.flink(streaming));
            JobID job = running.client().getJobID();
            Await.until(
                    "the metrics through Flink's REST API",
                    Duration.ofSeconds(60),
                    () ->
                            metrics.sum(job, "tideline.source.events.read") == 10
                                    && metrics.sum(job, "tideline.source.events.accepted") == 4
                                    && metrics.sum(job, "tideline.source.events.late") == 2
                                    && metrics.sum(job, "tideline.source.events.quarantined") == 2
                                    && metrics.sum(job, "tideline.source.events.duplicates") == 2
                                    && metrics.sum(job, "tideline.source.orders.read") == 8);
            // The gauge is sampled by the REST metric fetcher: wait for a sample after a commit.
            Await.until(
                    "the age of the last events commit",
                    Duration.ofSeconds(60),
                    () -> {
                        Map<String, String> age =
                                metrics.find(job, "tideline.source.events.lastCommitAgeMs");
                        return age.size() == 1
                                && Long.parseLong(age.values().iterator().next()) >= 0
                                && Long.parseLong(age.values().iterator().next()) < 120_000;
                    });
            for (String source : List.of("events", "orders", "customers")) {
                for (String metric :
                        List.of("read", "accepted", "quarantined", "late", "duplicates")) {
                    assertThat(metrics.find(job, "tideline.source." + source + "." + metric))
                            .as(source + "." + metric)
                            .isNotEmpty();
                }
            }
            assertThat(metrics.find(job, "tideline.source.orders.lastCommitAgeMs")).hasSize(1);
            assertThat(metrics.find(job, "tideline.source.customers.lastCommitAgeMs")).hasSize(1);

            streamed = running.stop(parts.dir().resolve("savepoints").toUri().toString());
        } finally {
            running.close();
        }

        IngestSummary backfilled = new IngestJob(batch, parts.flink(batch)).runBatch();

        // The counts: exact for events in both modes; balanced everywhere.
        assertThat(streamed.balanced()).as(streamed.toString()).isTrue();
        assertThat(backfilled.balanced()).as(backfilled.toString()).isTrue();
        assertThat(streamed.of("events")).isEqualTo(new SourceCounts(10, 4, 2, 2, 2));
        assertThat(backfilled.of("events")).isEqualTo(streamed.of("events"));
        assertThat(backfilled.of("orders").read()).isEqualTo(8);
        assertThat(streamed.of("orders").read()).isEqualTo(8);
        // The streaming job saw customer 1 twice (before and after its update); the backfill once.
        assertThat(streamed.of("customers").read()).isEqualTo(4);
        assertThat(backfilled.of("customers").read()).isEqualTo(3);

        // Where each event landed: out-of-order ones on time, late ones apart, with lateness.
        Map<String, Map<String, String>> events =
                byKey(batch, IngestFixtures.EVENTS_TABLE, "event_id");
        assertThat(events).containsOnlyKeys("e1", "e2", "e3", "e4");
        assertThat(events.get("e2").get("source_position")).isEqualTo(topic + "/0/1");
        assertThat(events.get("e1").get("source_position")).isEqualTo(topic + "/0/0");
        Map<String, Map<String, String>> late = byKey(batch, IngestFixtures.LATE, "key");
        assertThat(late).containsOnlyKeys("l1", "l2");
        assertThat(late.get("l2").get("lateness_ms"))
                .isEqualTo(String.valueOf(Duration.ofHours(5).plusSeconds(33).toMillis()));

        // The tables, mode against mode.
        assertThat(canonical(batch, IngestFixtures.EVENTS_TABLE, "processing_time"))
                .isEqualTo(canonical(streaming, IngestFixtures.EVENTS_TABLE, "processing_time"));
        assertThat(canonical(batch, IngestFixtures.LATE, "processing_time"))
                .isEqualTo(canonical(streaming, IngestFixtures.LATE, "processing_time"));
        assertThat(canonical(batch, IngestFixtures.ORDERS_TABLE, "processing_time"))
                .isEqualTo(canonical(streaming, IngestFixtures.ORDERS_TABLE, "processing_time"))
                .hasSize(4);
        assertThat(
                        canonical(
                                batch,
                                IngestFixtures.CUSTOMERS_TABLE,
                                "processing_time",
                                "ingestion_time"))
                .isEqualTo(
                        canonical(
                                streaming,
                                IngestFixtures.CUSTOMERS_TABLE,
                                "processing_time",
                                "ingestion_time"))
                .hasSize(3);
        assertThat(canonical(batch, IngestFixtures.QUARANTINE, "quarantined_at"))
                .isEqualTo(canonical(streaming, IngestFixtures.QUARANTINE, "quarantined_at"))
                .hasSize(2);
        Map<String, Map<String, String>> orders =
                byKey(batch, IngestFixtures.ORDERS_TABLE, "order_id");
        assertThat(orders.get("o1").get("status")).isEqualTo("refunded");
        assertThat(orders.get("o2").get("amount")).isEqualTo("20.00");
        assertThat(orders.get("o3").get("currency")).isEqualTo("USD");
        assertThat(orders.get("o3").get("extra_fields")).isEqualTo("{\"channel\":\"web\"}");
        assertThat(orders.get("o4").get("customer_email")).isEqualTo("dan@example.com");
        assertThat(orders.get("o4").get("source_position")).isEqualTo("orders-c.csv:2");
        assertThat(byKey(batch, IngestFixtures.CUSTOMERS_TABLE, "id").get("3").get("country"))
                .isEqualTo("GB");

        // The backfill was a first load into empty keyed tables: appended (no delete file), the
        // tables' keys declared as before. A later run that changes a key upserts it in place.
        for (TableIdentifier keyed :
                List.of(
                        IngestFixtures.EVENTS_TABLE,
                        IngestFixtures.ORDERS_TABLE,
                        IngestFixtures.CUSTOMERS_TABLE)) {
            Table table = IngestFixtures.table(batch, keyed);
            assertThat(table.currentSnapshot().summary()).containsEntry("total-delete-files", "0");
            assertThat(table.schema().identifierFieldNames()).as(keyed.toString()).isNotEmpty();
        }
        drop(
                drops,
                "orders-d.csv",
                String.join(
                        "\n",
                        "order_id,customer_email,amount,currency,status,created_at,updated_at",
                        "o2,bob@example.com,25.00,EUR,paid,2025-12-01T10:00:00Z," + T0,
                        ""),
                T0.plusSeconds(600));
        IngestSummary rerun = new IngestJob(batch, parts.flink(batch)).runBatch();
        // a BATCH run reads the whole folder again (8 rows before, 1 new); the committed ones skip
        assertThat(rerun.of("orders").read()).isEqualTo(9);
        orders = byKey(batch, IngestFixtures.ORDERS_TABLE, "order_id");
        assertThat(orders).hasSize(4);
        assertThat(orders.get("o2").get("amount")).isEqualTo("25.00");
        assertThat(
                        IngestFixtures.table(batch, IngestFixtures.ORDERS_TABLE)
                                .currentSnapshot()
                                .summary())
                .doesNotContainEntry("total-delete-files", "0");
    }
}
