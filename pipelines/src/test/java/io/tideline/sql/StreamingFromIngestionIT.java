/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static io.tideline.ingest.IngestFixtures.count;
import static io.tideline.ingest.IngestFixtures.createCustomers;
import static io.tideline.ingest.IngestFixtures.drop;
import static io.tideline.ingest.IngestFixtures.producer;
import static io.tideline.ingest.IngestFixtures.send;
import static io.tideline.ingest.IngestFixtures.upsertCustomer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestFixtures;
import io.tideline.ingest.IngestJob;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The STREAMING marts follow what ingestion really writes. Ingestion upserts {@code landing.orders}
 * and {@code landing.customers} (equality deletes), which Iceberg's streaming source cannot follow,
 * and appends every version to {@code landing.*_changelog}, which the STREAMING sources read. Here
 * both STREAMING jobs run on the real parts: a customer changes plan in PostgreSQL, an order turns
 * refunded in a new file drop, a refund event and a re-delivered event arrive on Kafka, and the
 * marts follow; a BATCH rebuild of the same raw tables then gives the same marts, row for row.
 */
@ExtendWith(TidelineExtension.class)
class StreamingFromIngestionIT {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    @Timeout(300)
    void streamingMartsFollowUpsertsOfTheRealIngestionJob(TestParts parts) throws Exception {
        String topic = parts.topic("events");
        parts.kafka().createTopic(topic, 1);
        // The demo's customers come by change data capture, on a slot of this test's own.
        String slot = "marts_" + parts.id();
        TidelineConfig config =
                IngestFixtures.config(
                        parts,
                        "warehouse",
                        IngestFixtures.demoSources(
                                        topic, "marts-" + parts.id(), null, "events", "orders")
                                + IngestFixtures.customersCdc(slot)
                                + String.join(
                                        "\n",
                                        "sql:",
                                        "  dir: " + SqlLayerIT.SQL_DIR,
                                        "  as-of: 2025-12-10T00:00:00Z",
                                        "  checks:",
                                        "    enabled: false",
                                        ""));
        Path drops = parts.dir().resolve("drops");

        try (KafkaProducer<byte[], byte[]> p = producer(config);
                Connection db = parts.connect()) {
            createCustomers(db);
            upsertCustomer(db, 1, "alice@example.com", "Alice", "DE", "free", at("12-01T00:00"));
            upsertCustomer(db, 2, "bob@example.com", "Bob", "FR", "free", at("12-01T00:00"));
            drop(
                    drops,
                    "orders-1.csv",
                    String.join(
                            "\n",
                            "order_id,customer_email,amount,currency,status,created_at,updated_at",
                            "o1,alice@example.com,100.00,EUR,paid,2025-12-01T10:00:00Z,2025-12-01T10:00:00Z",
                            "o2,bob@example.com,30.00,EUR,paid,2025-12-02T11:00:00Z,2025-12-02T11:00:00Z",
                            ""),
                    at("12-02T12:00"));
            event(p, topic, "e1", "signup", "1", "12-01T09:00", null, null);
            event(p, topic, "e2", "order_placed", "1", "12-01T10:00", "100.00", "o1");
            event(p, topic, "e3", "order_placed", "2", "12-02T11:00", "30.00", "o2");
            // The next day's page view moves the watermark past both order days.
            event(p, topic, "e4", "page_view", "2", "12-03T12:00", null, null);
        }

        // Ingestion's tables first, then the marts job, then ingestion itself: the STREAMING SQL
        // sources start at the change logs' latest snapshot, so they must see the first one.
        IngestJob ingestion = new IngestJob(config, parts.flink(config));
        ingestion.createTables();
        SqlRunner runner = new SqlRunner(config, parts.flink(config));
        RawTables tables = new RawTables(config);
        try (StreamingBuild marts = runner.startStreaming();
                IngestJob.Running ingest = ingestion.startStreaming()) {
            Conditions.eventually(
                    WAIT,
                    "the first orders and customers in the streaming marts",
                    () -> {
                        assertThat(rawCounts(config)).isEqualTo("events=4 orders=2 customers=2");
                        Map<Object, Record> c360 = customer360(tables);
                        assertThat(c360).hasSize(2);
                        assertThat(c360.get(1L).getField("lifetime_revenue"))
                                .isEqualTo(new BigDecimal("100.00"));
                        assertThat(c360.get(2L).getField("lifetime_revenue"))
                                .isEqualTo(new BigDecimal("30.00"));
                        assertThat(StreamingSqlIT.rows(tables, SqlLayerIT.DAILY_REVENUE))
                                .hasSize(2);
                    });
            assertThat(StreamingSqlIT.rows(tables, SqlLayerIT.DAILY_REVENUE))
                    .containsExactly(
                            "country=DE|currency=EUR|day=2025-12-01|gross=100.00|net=100.00"
                                    + "|order_count=1|refunds=0.00",
                            "country=FR|currency=EUR|day=2025-12-02|gross=30.00|net=30.00"
                                    + "|order_count=1|refunds=0.00");

            // Changes, as ingestion writes them: upserts of landing.customers and landing.orders.
            try (KafkaProducer<byte[], byte[]> p = producer(config);
                    Connection db = parts.connect()) {
                upsertCustomer(db, 2, "bob@example.com", "Bob", "FR", "pro", at("12-04T00:00"));
                drop(
                        drops,
                        "orders-2.csv",
                        String.join(
                                "\n",
                                "order_id,customer_email,amount,currency,status,created_at,updated_at",
                                "o1,alice@example.com,100.00,EUR,refunded,2025-12-01T10:00:00Z,2025-12-04T08:00:00Z",
                                ""),
                        at("12-04T09:00"));
                event(p, topic, "e5", "order_refunded", "1", "12-04T08:00", "100.00", "o1");
                // A re-delivery: deduplicated by ingestion, counted once by the marts.
                event(p, topic, "e3", "order_placed", "2", "12-02T11:00", "30.00", "o2");
                event(p, topic, "e6", "page_view", "1", "12-05T12:00", null, null);
            }
            Conditions.eventually(
                    WAIT,
                    "the plan change, the refunded order and the refund event in the marts",
                    () -> {
                        assertThat(rawCounts(config)).isEqualTo("events=6 orders=2 customers=2");
                        Map<Object, Record> c360 = customer360(tables);
                        assertThat(c360.get(2L).getField("plan")).isEqualTo("pro");
                        assertThat(c360.get(1L).getField("lifetime_revenue"))
                                .isEqualTo(new BigDecimal("0.00"));
                        assertThat(StreamingSqlIT.rows(tables, SqlLayerIT.DAILY_REVENUE))
                                .hasSize(3);
                    });
            // A customer deleted in PostgreSQL: gone from the keyed table, a delete in the change
            // log, and gone from the streaming customer_360.
            try (Connection db = parts.connect();
                    Statement st = db.createStatement()) {
                st.executeUpdate("DELETE FROM app.customers WHERE id = 2");
            }
            Conditions.eventually(
                    WAIT,
                    "the deleted customer gone from landing.customers and customer_360",
                    () -> {
                        assertThat(rawCounts(config)).isEqualTo("events=6 orders=2 customers=1");
                        assertThat(customer360(tables).keySet()).containsExactly(1L);
                    });
            // Ingestion really wrote upserts: one row per key in the keyed tables, every version
            // in the change logs.
            assertThat(count(config, IngestFixtures.ORDERS_TABLE)).isEqualTo(2);
            assertThat(count(config, IngestFixtures.ORDERS_CHANGELOG)).isEqualTo(3);
            assertThat(count(config, IngestFixtures.CUSTOMERS_TABLE)).isEqualTo(1);
            assertThat(count(config, IngestFixtures.CUSTOMERS_CHANGELOG)).isEqualTo(4);
            assertThat(count(config, IngestFixtures.EVENTS_CHANGELOG)).isEqualTo(6);
            Record alice = customer360(tables).get(1L);
            assertThat(alice.getField("order_count")).isEqualTo(1L);
            assertThat(alice.getField("events_7d")).isEqualTo(2L);
            assertThat(StreamingSqlIT.rows(tables, SqlLayerIT.DAILY_REVENUE))
                    .contains(
                            "country=DE|currency=EUR|day=2025-12-04|gross=0.00|net=-100.00"
                                    + "|order_count=0|refunds=100.00");
        }
        Map<String, List<String>> streamed = StreamingSqlIT.allMarts(tables);

        // A BATCH rebuild reads the keyed tables as they are now: the same marts.
        runner.runBatch(List.of(), false);
        assertThat(StreamingSqlIT.allMarts(tables)).isEqualTo(streamed);
        IngestFixtures.dropSlotAndPublication(parts, slot, "tideline_customers");
    }

    private static Instant at(String monthDayTime) {
        return Instant.parse("2025-" + monthDayTime + ":00Z");
    }

    /** Sends an event, ingested a second after it happened. */
    private static void event(
            KafkaProducer<byte[], byte[]> p,
            String topic,
            String id,
            String type,
            String customer,
            String when,
            String amount,
            String orderId)
            throws Exception {
        ObjectNode e = IngestFixtures.event(id, type, customer, at(when).toString());
        if (amount != null) {
            e.put("amount", amount);
            e.put("currency", "EUR");
            e.putObject("properties").put("order_id", orderId);
        }
        send(p, topic, 0, at(when).plusSeconds(1), e.toString());
    }

    private static Map<Object, Record> customer360(RawTables tables) {
        return SqlLayerIT.byKey(
                tables.rows(SqlLayerIT.CUSTOMER_360), r -> r.getField("customer_id"));
    }

    private static String rawCounts(TidelineConfig config) throws Exception {
        return "events="
                + count(config, IngestFixtures.EVENTS_TABLE)
                + " orders="
                + count(config, IngestFixtures.ORDERS_TABLE)
                + " customers="
                + count(config, IngestFixtures.CUSTOMERS_TABLE);
    }
}
