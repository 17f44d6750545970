/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import static io.tideline.ingest.IngestFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.TidelineConfig;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bad-input corpus, in a BATCH run over all three sources: every record is accounted for (the
 * invariant, per source), bad ones land in the quarantine with their payload, position and code,
 * good ones are standardised, and the job finishes.
 */
@ExtendWith(TidelineExtension.class)
class IngestBadInputIT {

    private static final Instant T0 =
            Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(3));

    @Test
    @Timeout(180)
    void everyBadRecordIsQuarantinedAndEveryRecordIsCounted(TestParts parts) throws Exception {
        String topic = parts.topic("events");
        parts.kafka().createTopic(topic, 1);
        Path drops = parts.dir().resolve("drops");
        TidelineConfig config = config(parts, "warehouse", allSources(topic, null));

        produceEvents(config, topic);
        dropOrders(drops);
        try (Connection c = parts.connect()) {
            createCustomers(c);
            upsertCustomer(c, 1, " Alice@Example.COM ", "Alice", "de", "pro", T0.minusSeconds(60));
            upsertCustomer(c, 2, "bob@example.com", "Bob", "FRA", "free", T0.minusSeconds(50));
            upsertCustomer(c, 3, "not-an-email", "Carol", "FR", "free", T0.minusSeconds(40));
            upsertCustomer(c, 4, "dan@example.com", "Dan", "XX", "free", T0.minusSeconds(30));
            upsertCustomer(c, 5, "erin@example.com", "Erin", null, null, T0.minusSeconds(20));
        }

        IngestSummary summary = new IngestJob(config, parts.flink(config)).runBatch();

        List<Map<String, String>> quarantine = rows(config, IngestFixtures.QUARANTINE);
        String explain =
                summary
                        + "quarantine:\n"
                        + quarantine.stream()
                                .map(
                                        r ->
                                                r.get("source")
                                                        + " "
                                                        + r.get("source_position")
                                                        + " "
                                                        + r.get("error_code")
                                                        + " "
                                                        + r.get("error_message"))
                                .collect(Collectors.joining("\n"));

        // The invariant, per source, with the exact buckets.
        assertThat(summary.balanced()).as(explain).isTrue();
        assertThat(summary.of("events")).isEqualTo(new SourceCounts(20, 3, 15, 1, 1));
        // o1's refund (a newer version) is accepted; o2's older version, delivered later, is a
        // stale duplicate, in BATCH as in STREAMING.
        assertThat(summary.of("orders")).as(explain).isEqualTo(new SourceCounts(14, 6, 6, 0, 2));
        assertThat(summary.of("customers")).isEqualTo(new SourceCounts(5, 3, 2, 0, 0));

        // The quarantine: one row per bad record, with source, position, code and payload.
        assertThat(quarantine).hasSize(15 + 6 + 2);
        Map<String, List<String>> codes =
                quarantine.stream()
                        .collect(
                                Collectors.groupingBy(
                                        r -> r.get("source"),
                                        Collectors.mapping(
                                                r -> r.get("error_code"), Collectors.toList())));
        assertThat(codes.get("events"))
                .containsExactlyInAnyOrder(
                        "MALFORMED_JSON",
                        "MALFORMED_JSON",
                        "MALFORMED_JSON",
                        "WRONG_TYPE",
                        "INVALID_AMOUNT",
                        "INVALID_AMOUNT",
                        "INVALID_AMOUNT",
                        "MISSING_FIELD",
                        "INVALID_TIMESTAMP",
                        "INVALID_TIMESTAMP",
                        "FUTURE_TIMESTAMP",
                        "UNKNOWN_CURRENCY",
                        "FIELD_TOO_LONG",
                        "INVALID_UTF8",
                        "INVALID_VALUE");
        Map<String, String> ordersByPosition =
                quarantine.stream()
                        .filter(r -> r.get("source").equals("orders"))
                        .collect(
                                Collectors.toMap(
                                        r -> r.get("source_position"), r -> r.get("error_code")));
        assertThat(ordersByPosition)
                .containsOnly(
                        Map.entry("orders-1.csv:5", "RAGGED_ROW"),
                        Map.entry("orders-1.csv:6", "INVALID_EMAIL"),
                        Map.entry("orders-1.csv:7", "UNKNOWN_CURRENCY"),
                        Map.entry("2026.11/orders-2.jsonl:4", "MALFORMED_JSON"),
                        Map.entry("2026.11/orders-2.jsonl:5", "INVALID_UTF8"),
                        Map.entry("orders-bom.jsonl:2", "RECORD_TOO_LONG"));
        assertThat(codes.get("customers"))
                .containsExactlyInAnyOrder("INVALID_EMAIL", "UNKNOWN_COUNTRY");
        Map<String, String> ragged =
                quarantine.stream()
                        .filter(r -> "RAGGED_ROW".equals(r.get("error_code")))
                        .findFirst()
                        .orElseThrow();
        assertThat(ragged.get("raw_payload")).isEqualTo("o4,dave@example.com,5,USD");
        assertThat(ragged.get("error_message")).contains("4 values").contains("7 columns");
        assertThat(ragged.get("ingestion_time")).isEqualTo(T0.atOffset(ZoneOffset.UTC).toString());
        Map<String, String> badUtf8 =
                quarantine.stream()
                        .filter(
                                r ->
                                        "INVALID_UTF8".equals(r.get("error_code"))
                                                && "events".equals(r.get("source")))
                        .findFirst()
                        .orElseThrow();
        assertThat(Base64.getDecoder().decode(badUtf8.get("raw_payload_base64")))
                .isEqualTo(invalidUtf8Event());
        assertThat(badUtf8.get("source_position")).startsWith(topic + "/0/");
        assertThat(
                        quarantine.stream()
                                .filter(r -> "FUTURE_TIMESTAMP".equals(r.get("error_code")))
                                .findFirst()
                                .orElseThrow()
                                .get("raw_payload"))
                .contains("\"event_id\":\"b9\"");

        // Good records, standardised.
        Map<String, Map<String, String>> events =
                byKey(config, IngestFixtures.EVENTS_TABLE, "event_id");
        assertThat(events).containsOnlyKeys("e1", "e2", "e3");
        Map<String, String> e1 = events.get("e1");
        assertThat(e1.get("event_type")).isEqualTo("order_placed");
        assertThat(e1.get("customer_id")).isEqualTo("42");
        assertThat(e1.get("amount")).isEqualTo("19.90");
        assertThat(e1.get("currency")).isEqualTo("USD");
        assertThat(e1.get("event_time"))
                .isEqualTo(T0.minusSeconds(10).atOffset(ZoneOffset.UTC).toString());
        assertThat(e1.get("properties")).isEqualTo("{\"order_id\":\"o1\"}");
        assertThat(e1.get("extra_fields")).isEqualTo("{\"campaign\":\"spring\",\"z_new\":1}");
        assertThat(e1.get("source_position")).isEqualTo(topic + "/0/0");
        assertThat(events.get("e2").get("anonymous_id")).isEqualTo("anon-1");
        assertThat(events.get("e2").get("customer_id")).isNull();
        assertThat(events.get("e3").get("event_time"))
                .isEqualTo(T0.minusSeconds(3).atOffset(ZoneOffset.UTC).toString());

        List<Map<String, String>> late = rows(config, IngestFixtures.LATE);
        assertThat(late).hasSize(1);
        assertThat(late.get(0).get("key")).isEqualTo("l1");
        assertThat(late.get(0).get("source")).isEqualTo("events");
        assertThat(late.get(0).get("lateness_ms"))
                .isEqualTo(String.valueOf(Duration.ofHours(2).plusSeconds(4).toMillis()));

        Map<String, Map<String, String>> orderRows =
                byKey(config, IngestFixtures.ORDERS_TABLE, "order_id");
        assertThat(orderRows).containsOnlyKeys("o1", "o2", "o3", "o10", "o11");
        assertThat(orderRows.get("o1").get("status")).isEqualTo("refunded");
        assertThat(orderRows.get("o1").get("customer_email")).isEqualTo("alice@example.com");
        assertThat(orderRows.get("o1").get("currency")).isEqualTo("EUR");
        assertThat(orderRows.get("o1").get("extra_fields")).isEqualTo("{\"coupon\":\"SPRING\"}");
        assertThat(orderRows.get("o1").get("source_position"))
                .isEqualTo("2026.11/orders-2.jsonl:1");
        assertThat(orderRows.get("o2").get("amount")).isEqualTo("100.00");
        assertThat(orderRows.get("o2").get("status")).isEqualTo("paid");
        assertThat(orderRows.get("o3").get("created_at")).isNull();
        assertThat(orderRows.get("o3").get("amount")).isEqualTo("5.00");

        Map<String, Map<String, String>> customers =
                byKey(config, IngestFixtures.CUSTOMERS_TABLE, "id");
        assertThat(customers).containsOnlyKeys("1", "2", "5");
        assertThat(customers.get("1").get("email")).isEqualTo("alice@example.com");
        assertThat(customers.get("1").get("country")).isEqualTo("DE");
        assertThat(customers.get("2").get("country")).isEqualTo("FR");
        assertThat(customers.get("5").get("country")).isNull();
        assertThat(customers.get("1").get("source_position")).startsWith("app.customers/1@");
        assertThat(orderRows.get("o10").get("amount")).isEqualTo("7.25");
        assertThat(orderRows.get("o11").get("customer_email")).isEqualTo("gina@example.com");

        // A second, identical BATCH run: the same counts, and every table unchanged, row for row
        // (processing times included: nothing already committed is written again).
        List<TableIdentifier> tables =
                List.of(
                        IngestFixtures.EVENTS_TABLE,
                        IngestFixtures.EVENTS_CHANGELOG,
                        IngestFixtures.ORDERS_TABLE,
                        IngestFixtures.ORDERS_CHANGELOG,
                        IngestFixtures.CUSTOMERS_TABLE,
                        IngestFixtures.CUSTOMERS_CHANGELOG,
                        IngestFixtures.QUARANTINE,
                        IngestFixtures.LATE);
        Map<TableIdentifier, List<String>> before = new java.util.LinkedHashMap<>();
        for (TableIdentifier id : tables) {
            before.put(id, canonical(config, id));
        }
        assertThat(before.get(IngestFixtures.ORDERS_CHANGELOG)).hasSize(6);
        IngestSummary again = new IngestJob(config, parts.flink(config)).runBatch();
        assertThat(again).isEqualTo(summary);
        for (TableIdentifier id : tables) {
            assertThat(canonical(config, id)).as(id + " after a rerun").isEqualTo(before.get(id));
        }
    }

    private static String at(Instant t) {
        return t.atOffset(ZoneOffset.ofHours(2)).toString();
    }

    private static byte[] invalidUtf8Event() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(
                "{\"event_id\":\"b13\",\"event_type\":\"signup\",\"customer_id\":\""
                        .getBytes(StandardCharsets.UTF_8));
        b.write(0xC3);
        b.write(0x28);
        b.writeBytes(
                ("\",\"occurred_at\":" + T0.toEpochMilli() + "}").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    private static void produceEvents(TidelineConfig config, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producer(config)) {
            ObjectNode e1 = event("e1", "Order_Placed", "42", at(T0.minusSeconds(10)));
            e1.put("customer_id", 42);
            e1.put("amount", "19.90");
            e1.put("currency", "usd");
            e1.putObject("properties").put("order_id", "o1");
            e1.put("campaign", "spring");
            e1.put("z_new", 1);
            send(p, topic, 0, T0, e1.toString());
            ObjectNode e2 = event("e2", "page_view", null, T0.minusSeconds(5).toEpochMilli());
            e2.remove("customer_id");
            e2.put("anonymous_id", "anon-1");
            send(p, topic, 0, T0.plusSeconds(1), e2.toString());
            send(
                    p,
                    topic,
                    0,
                    T0.plusSeconds(2),
                    event("e3", "signup", "7", String.valueOf(T0.minusSeconds(3).toEpochMilli()))
                            .toString());
            send(p, topic, 0, T0.plusSeconds(3), e1.toString()); // re-delivered
            send(
                    p,
                    topic,
                    0,
                    T0.plusSeconds(4),
                    event("l1", "page_view", "7", at(T0.minus(Duration.ofHours(2)))).toString());

            Instant t = T0.plusSeconds(10);
            String ok = at(T0);
            send(p, topic, 0, t, "{\"event_id\": \"b1\",");
            send(p, topic, 0, t, "[1,2,3]");
            send(p, topic, 0, t, new byte[0]);
            ObjectNode wrongType = event("b4", "checkout", "1", ok);
            wrongType.putObject("amount").put("v", 1);
            wrongType.put("currency", "EUR");
            send(p, topic, 0, t, wrongType.toString());
            send(
                    p,
                    topic,
                    0,
                    t,
                    "{\"event_id\":\"b5\",\"event_type\":\"checkout\",\"customer_id\":\"1\","
                            + "\"occurred_at\":\""
                            + ok
                            + "\",\"amount\":1.234,\"currency\":\"EUR\"}");
            ObjectNode missing = event("b6", "signup", "1", ok);
            missing.remove("occurred_at");
            send(p, topic, 0, t, missing.toString());
            send(p, topic, 0, t, event("b7", "signup", "1", "yesterday").toString());
            send(p, topic, 0, t, event("b8", "signup", "1", "2026-01-05T10:00:00").toString());
            send(
                    p,
                    topic,
                    0,
                    t,
                    event("b9", "signup", "1", at(T0.plus(Duration.ofDays(30)))).toString());
            ObjectNode currency = event("b10", "checkout", "1", ok);
            currency.put("amount", 5);
            currency.put("currency", "XYZ");
            send(p, topic, 0, t, currency.toString());
            send(p, topic, 0, t, event("x".repeat(5000), "signup", "1", ok).toString());
            send(p, topic, 0, t, invalidUtf8Event());
            send(p, topic, 0, t, event("b14", "page view!", "1", ok).toString());
            // Numbers that would exhaust the heap if expanded: refused by their size.
            send(
                    p,
                    topic,
                    0,
                    t,
                    "{\"event_id\":\"b15\",\"event_type\":\"checkout\",\"customer_id\":\"1\","
                            + "\"occurred_at\":\""
                            + ok
                            + "\",\"amount\":1e999999999,\"currency\":\"EUR\"}");
            send(
                    p,
                    topic,
                    0,
                    t,
                    "{\"event_id\":\"b16\",\"event_type\":\"checkout\",\"customer_id\":\"1\","
                            + "\"occurred_at\":\""
                            + ok
                            + "\",\"amount\":"
                            + "9".repeat(500)
                            + ",\"currency\":\"EUR\"}");
        }
    }

    private static void dropOrders(Path drops) throws Exception {
        String updated = T0.minus(Duration.ofHours(1)).toString();
        String csv =
                String.join(
                        "\n",
                        "order_id,customer_email,amount,currency,status,created_at,updated_at",
                        "o1, Alice@Example.COM ,12.5,eur,PAID,2025-12-01T10:00:00Z," + updated,
                        "o2,bob@example.com,\"100.00\",EUR,paid,2025-12-01T10:00:00Z," + updated,
                        "o3,carol@example.com,5,USD,pending,," + updated,
                        "o4,dave@example.com,5,USD",
                        "o5,not-an-email,5,USD,paid,," + updated,
                        "o6,erin@example.com,5,ABC,paid,," + updated,
                        "",
                        "");
        drop(drops, "orders-1.csv", csv, T0);

        ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
        jsonl.writeBytes(
                ("{\"order_id\":\"o1\",\"customer_email\":\"alice@example.com\",\"amount\":\"12.50\","
                     + "\"currency\":\"EUR\",\"status\":\"refunded\",\"created_at\":"
                     + "\"2025-12-01T10:00:00Z\",\"updated_at\":\""
                                + T0.minus(Duration.ofMinutes(30))
                                + "\",\"coupon\":\"SPRING\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
        jsonl.writeBytes(
                ("{\"order_id\":\"o2\",\"customer_email\":\"bob@example.com\",\"amount\":99,"
                                + "\"currency\":\"EUR\",\"status\":\"paid\",\"updated_at\":\""
                                + T0.minus(Duration.ofHours(2))
                                + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
        jsonl.writeBytes(
                ("{\"order_id\":\"o3\",\"customer_email\":\"carol@example.com\",\"amount\":5,"
                                + "\"currency\":\"USD\",\"status\":\"pending\",\"updated_at\":\""
                                + updated
                                + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
        jsonl.writeBytes("{\"order_id\": \"o7\", \n".getBytes(StandardCharsets.UTF_8));
        jsonl.writeBytes("{\"order_id\":\"o8\",\"status\":\"".getBytes(StandardCharsets.UTF_8));
        jsonl.write(0xFF);
        jsonl.writeBytes("\"}\n".getBytes(StandardCharsets.UTF_8));
        drop(drops.resolve("2026.11"), "orders-2.jsonl", jsonl.toByteArray(), T0.plusSeconds(60));

        // CRLF line ends; a JSON-lines file that starts with a BOM; a line over max-record-bytes.
        drop(
                drops,
                "orders-crlf.csv",
                "order_id,customer_email,amount,currency,status,created_at,updated_at\r\n"
                        + "o10,frank@example.com,7.25,EUR,paid,,"
                        + updated
                        + "\r\n",
                T0);
        drop(
                drops,
                "orders-bom.jsonl",
                "\uFEFF{\"order_id\":\"o11\",\"customer_email\":\"gina@example.com\",\"amount\":3,"
                        + "\"currency\":\"USD\",\"status\":\"paid\",\"updated_at\":\""
                        + updated
                        + "\"}\n"
                        + "{\"order_id\":\"o12\",\"notes\":\""
                        + "n".repeat(1024 * 1024 + 10)
                        + "\"}\n",
                T0);
        drop(drops, "empty.csv", "", T0);
        drop(drops, "header-only.csv", "order_id,customer_email,amount\n", T0);
        drop(drops, "notes.txt", "not an export\n", T0);
        // Files still being written: temporary names, never read.
        Files.writeString(drops.resolve("_orders-3.csv"), csv);
        Files.writeString(drops.resolve("orders-4.csv.inprogress"), csv);
        Files.writeString(drops.resolve("orders-5.jsonl.tmp"), "{\"order_id\":\"o9\"");
    }
}
