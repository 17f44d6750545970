/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import static io.tideline.ingest.IngestFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.TidelineConfig;
import io.tideline.testkit.Await;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sources the project has never seen, added by YAML alone: a Kafka topic of payments (text ids,
 * {@code decimal(12,4)}, epoch-second times, a nested field by JSON pointer, late rows), a
 * semicolon-separated gzipped CSV folder whose newest revision wins, and a PostgreSQL table with a
 * uuid key read by a composite {@code (updated_at, id)} cursor (with a text id declared {@code
 * bigint}: quarantined, naming the column). One input, both modes: STREAMING in two phases, then
 * BATCH, give the same tables and counts; a second identical BATCH run changes nothing; a STREAMING
 * restart from a savepoint with a column added to the YAML adds it to the table, and a file
 * rewritten in place is read again.
 */
@ExtendWith(TidelineExtension.class)
class YamlSourcesIT {

    private static final Instant T0 =
            Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(4));

    private static String sources(String topic, String ledgerExtraColumn) {
        return """
        ingestion:
          watermark: {out-of-orderness: 5s, idleness: 1s}
        sources:
          payments:
            kind: kafka
            topic: %s
            starting-offsets: earliest
            key: [payment_id]
            event-time: paid_at
            allowed-lateness: 1h
            columns:
              payment_id: {type: string, required: true}
              account:    {type: string, from: /account/id}
              amount:     {type: 'decimal(12,4)', required: true}
              currency:   {type: string, standardize: [trim, upper], check: iso-currency}
              paid_at:    {type: timestamp, format: epoch-seconds, required: true}
          ledger:
            kind: files
            folder: ledger
            format: csv
            delimiter: ";"
            monitor-interval: 200ms
            key: [entry_id]
            dedup: latest
            version: revised_at
            columns:
              entry_id:   {type: string, required: true}
              amount:     {type: 'decimal(12,2)', required: true}
              revised_at: {type: timestamp, required: true}
        %s
          accounts:
            kind: jdbc
            source-table: crm.accounts
            cursor: [updated_at, id]
            key: [id]
            version: updated_at
            poll-interval: 200ms
            columns:
              id:         {type: string, required: true}
              legacy_id:  {type: bigint}
              name:       {type: string, standardize: [trim]}
              updated_at: {type: timestamp, required: true}
        """
                .formatted(topic, ledgerExtraColumn);
    }

    private static final TableIdentifier PAYMENTS = landing("payments");
    private static final TableIdentifier LEDGER = landing("ledger");
    private static final TableIdentifier ACCOUNTS = landing("accounts");

    @Test
    @Timeout(300)
    void newSourcesByYamlAloneAreExactInBothModesAndRerunsChangeNothing(TestParts parts)
            throws Exception {
        String topic = parts.topic("payments");
        parts.kafka().createTopic(topic, 2);
        TidelineConfig streaming = config(parts, "warehouse-streaming", sources(topic, ""));
        TidelineConfig batch = config(parts, "warehouse-batch", sources(topic, ""));
        Path ledger = parts.dir().resolve("ledger");
        UUID a1 = UUID.fromString("00000000-0000-0000-0000-0000000000a1");
        UUID a2 = UUID.fromString("00000000-0000-0000-0000-0000000000a2");
        UUID a3 = UUID.fromString("00000000-0000-0000-0000-0000000000a3");

        try (KafkaProducer<byte[], byte[]> p = producer(streaming);
                Connection db = parts.connect()) {
            send(
                    p,
                    topic,
                    0,
                    T0,
                    payment("p-1", "acc-1", "\"10.5\"", " eur ", T0.minusSeconds(100)));
            send(
                    p,
                    topic,
                    1,
                    T0.plusSeconds(1),
                    payment("p-2", "acc-2", "7.1234", "USD", T0.minusSeconds(50)));
            send(
                    p,
                    topic,
                    1,
                    T0.plusSeconds(2),
                    payment("p-1", "acc-1", "\"10.5\"", " eur ", T0.minusSeconds(100)));
            send(
                    p,
                    topic,
                    0,
                    T0.plusSeconds(3),
                    payment("p-3", "acc-3", "1", "EUR", T0.minus(Duration.ofHours(3))));
            send(p, topic, 0, T0.plusSeconds(4), payment("p-4", "acc-4", "\"1.23456\"", "EUR", T0));
            send(p, topic, 1, T0.plusSeconds(5), "{not json");
            drop(
                    ledger,
                    "ledger-1.csv.gz",
                    gzip(
                            "entry_id;amount;revised_at\r\n"
                                    + "L1;10.00;"
                                    + T0.minus(Duration.ofHours(1))
                                    + "\r\n"
                                    + "L2;5.50;"
                                    + T0.minus(Duration.ofHours(1))
                                    + "\r\n"
                                    + "L9;abc;"
                                    + T0
                                    + "\r\n"),
                    T0);
            try (Statement s = db.createStatement()) {
                s.execute(
                        "CREATE SCHEMA crm; CREATE TABLE crm.accounts (id UUID PRIMARY KEY,"
                                + " legacy_id TEXT, name TEXT, updated_at TIMESTAMPTZ NOT NULL)");
            }
            account(db, a1, "17", " Ann ", T0.minus(Duration.ofMinutes(10)));
            account(db, a2, null, "Bo", T0.minus(Duration.ofMinutes(9)));
            account(db, a3, "c-1", "Cy", T0.minus(Duration.ofMinutes(8)));
        }

        Path savepoints = parts.dir().resolve("savepoints");
        IngestJob.Running running =
                new IngestJob(streaming, parts.flink(streaming)).startStreaming();
        IngestSummary streamed;
        String savepoint;
        try {
            Await.until(
                    "phase 1 in the tables",
                    Duration.ofSeconds(90),
                    () ->
                            count(streaming, PAYMENTS) == 2
                                    && count(streaming, LATE) == 1
                                    && count(streaming, LEDGER) == 2
                                    && count(streaming, ACCOUNTS) == 2
                                    && count(streaming, QUARANTINE) == 4);
            try (KafkaProducer<byte[], byte[]> p = producer(streaming);
                    Connection db = parts.connect()) {
                send(
                        p,
                        topic,
                        1,
                        T0.plusSeconds(30),
                        payment("p-5", "acc-5", "2.5", "GBP", T0.plusSeconds(20)));
                // Re-deliveries: of a late one (deduplicated too) and of an on-time one.
                send(
                        p,
                        topic,
                        1,
                        T0.plusSeconds(31),
                        payment("p-3", "acc-3", "1", "EUR", T0.minus(Duration.ofHours(3))));
                send(
                        p,
                        topic,
                        0,
                        T0.plusSeconds(32),
                        payment("p-2", "acc-2", "7.1234", "USD", T0.minusSeconds(50)));
                // A newer revision of L1 and a stale one of L2, in a later file.
                drop(
                        ledger,
                        "ledger-2.csv.gz",
                        gzip(
                                "entry_id;amount;revised_at\n"
                                        + "L1;11.00;"
                                        + T0.minus(Duration.ofMinutes(30))
                                        + "\n"
                                        + "L2;4.00;"
                                        + T0.minus(Duration.ofHours(2))
                                        + "\n"),
                        T0.plusSeconds(60));
                account(db, a1, "17", "Ann B", T0.minus(Duration.ofMinutes(1)));
            }
            Await.until(
                    "phase 2 in the tables",
                    Duration.ofSeconds(90),
                    () -> {
                        IngestSummary s = running.summary();
                        return s.of("payments").read() == 9
                                && s.of("ledger").read() == 5
                                && s.of("accounts").read() == 4
                                && count(streaming, PAYMENTS) == 3
                                && count(streaming, landing("ledger_changelog")) == 3
                                && byKey(streaming, ACCOUNTS, "id")
                                        .get(a1.toString())
                                        .get("name")
                                        .equals("Ann B")
                                && byKey(streaming, LEDGER, "entry_id")
                                        .get("L1")
                                        .get("amount")
                                        .equals("11.00");
                    });
            streamed = running.stop(savepoints.toUri().toString());
            savepoint = lastSavepoint(savepoints);
        } finally {
            running.close();
        }

        IngestSummary backfill = new IngestJob(batch, parts.flink(batch)).runBatch();
        String explain = "streaming " + streamed + "\nbatch " + backfill;
        assertThat(streamed.balanced() && backfill.balanced()).as(explain).isTrue();
        // payments: p-1, p-2, p-5 accepted; p-4 and the broken record quarantined; p-3 late once,
        // its re-delivery a duplicate like those of p-1 and p-2.
        SourceCounts payments = new SourceCounts(9, 3, 2, 1, 3);
        assertThat(streamed.of("payments")).as(explain).isEqualTo(payments);
        assertThat(backfill.of("payments")).as(explain).isEqualTo(payments);
        // ledger: L1, L2, L1's newer revision accepted; L9 quarantined; L2's stale revision a
        // duplicate in both modes.
        SourceCounts ledgerCounts = new SourceCounts(5, 3, 1, 0, 1);
        assertThat(streamed.of("ledger")).as(explain).isEqualTo(ledgerCounts);
        assertThat(backfill.of("ledger")).as(explain).isEqualTo(ledgerCounts);
        // accounts: the table's states as each run read them; a3's text legacy id quarantined.
        assertThat(streamed.of("accounts")).as(explain).isEqualTo(new SourceCounts(4, 3, 1, 0, 0));
        assertThat(backfill.of("accounts")).as(explain).isEqualTo(new SourceCounts(3, 2, 1, 0, 0));

        // The tables, mode against mode.
        // (The change log of a first-wins table records each key's first arrival, whose lineage
        // depends on arrival order in STREAMING; its content does not.)
        assertThat(
                        canonical(
                                batch,
                                landing("payments_changelog"),
                                "processing_time",
                                "ingestion_time",
                                "source_position"))
                .isEqualTo(
                        canonical(
                                streaming,
                                landing("payments_changelog"),
                                "processing_time",
                                "ingestion_time",
                                "source_position"));
        for (TableIdentifier id : List.of(PAYMENTS, LEDGER, landing("ledger_changelog"))) {
            assertThat(canonical(batch, id, "processing_time"))
                    .as(id.toString())
                    .isEqualTo(canonical(streaming, id, "processing_time"));
        }
        assertThat(canonical(batch, LATE, "processing_time"))
                .isEqualTo(canonical(streaming, LATE, "processing_time"));
        assertThat(canonical(batch, ACCOUNTS, "processing_time", "ingestion_time"))
                .isEqualTo(canonical(streaming, ACCOUNTS, "processing_time", "ingestion_time"));
        assertThat(canonical(batch, QUARANTINE, "quarantined_at", "ingestion_time"))
                .isEqualTo(canonical(streaming, QUARANTINE, "quarantined_at", "ingestion_time"));

        // What the rows hold.
        Map<String, Map<String, String>> pay = byKey(batch, PAYMENTS, "payment_id");
        assertThat(pay).containsOnlyKeys("p-1", "p-2", "p-5");
        assertThat(pay.get("p-1").get("account")).isEqualTo("acc-1");
        assertThat(pay.get("p-1").get("amount")).isEqualTo("10.5000");
        assertThat(pay.get("p-1").get("currency")).isEqualTo("EUR");
        assertThat(pay.get("p-1").get("paid_at"))
                .isEqualTo(T0.minusSeconds(100).atOffset(java.time.ZoneOffset.UTC).toString());
        assertThat(pay.get("p-1").get("source_position")).isEqualTo(topic + "/0/0");
        assertThat(pay.get("p-2").get("amount")).isEqualTo("7.1234");
        Map<String, String> late = rows(batch, LATE).get(0);
        assertThat(late.get("source")).isEqualTo("payments");
        assertThat(late.get("key")).isEqualTo("p-3");
        assertThat(late.get("lateness_ms"))
                .isEqualTo(String.valueOf(Duration.ofHours(3).plusSeconds(3).toMillis()));
        assertThat(late.get("payload"))
                .contains("\"payment_id\":\"p-3\"")
                .contains("\"amount\":1.0000");
        Map<String, Map<String, String>> accounts = byKey(batch, ACCOUNTS, "id");
        assertThat(accounts).containsOnlyKeys(a1.toString(), a2.toString());
        assertThat(accounts.get(a1.toString()).get("legacy_id")).isEqualTo("17");
        assertThat(accounts.get(a1.toString()).get("source_position"))
                .isEqualTo("crm.accounts/" + a1 + "@" + T0.minus(Duration.ofMinutes(1)));
        Map<String, String> textId =
                rows(batch, QUARANTINE).stream()
                        .filter(r -> "accounts".equals(r.get("source")))
                        .findFirst()
                        .orElseThrow();
        assertThat(textId.get("error_code")).isEqualTo("WRONG_TYPE");
        assertThat(textId.get("error_message")).contains("'legacy_id'").contains("c-1");
        assertThat(byKey(batch, LEDGER, "entry_id").get("L2").get("amount")).isEqualTo("5.50");

        // A second, identical BATCH run: every table unchanged, row for row.
        List<TableIdentifier> tables =
                List.of(
                        PAYMENTS,
                        landing("payments_changelog"),
                        LEDGER,
                        landing("ledger_changelog"),
                        ACCOUNTS,
                        landing("accounts_changelog"),
                        QUARANTINE,
                        LATE);
        Map<TableIdentifier, List<String>> before = new LinkedHashMap<>();
        for (TableIdentifier id : tables) {
            before.put(id, canonical(batch, id));
        }
        assertThat(new IngestJob(batch, parts.flink(batch)).runBatch()).isEqualTo(backfill);
        for (TableIdentifier id : tables) {
            assertThat(canonical(batch, id)).as(id + " after a rerun").isEqualTo(before.get(id));
        }

        // Schema evolution by configuration, and a file rewritten in place: the STREAMING job
        // restarts from its savepoint with a column added to the ledger; the rewritten file is
        // read again as new deliveries.
        TidelineConfig evolved =
                config(
                        parts,
                        "warehouse-streaming",
                        sources(topic, "      memo:       {type: string}"));
        Configuration resume = new Configuration(parts.flink(evolved));
        resume.setString("execution.state-recovery.path", savepoint);
        // Only the ledger runs now: the other sources' state in the savepoint is left unclaimed.
        resume.setString("execution.state-recovery.ignore-unclaimed-state", "true");
        try (IngestJob.Running resumed =
                new IngestJob(evolved, resume).onlySources(List.of("ledger")).startStreaming()) {
            drop(
                    ledger,
                    "ledger-1.csv.gz",
                    gzip(
                            "entry_id;amount;revised_at;memo\n"
                                    + "L1;10.00;"
                                    + T0.minus(Duration.ofHours(1))
                                    + ";\n"
                                    + "L3;1.00;"
                                    + T0
                                    + ";hello\n"),
                    T0.plusSeconds(120));
            Await.until(
                    "the rewritten file in the table",
                    Duration.ofSeconds(90),
                    () -> byKey(evolved, LEDGER, "entry_id").containsKey("L3"));
            Await.until(
                    "the counts of the rewritten file",
                    Duration.ofSeconds(30),
                    () -> resumed.summary().of("ledger").read() >= 7);
            IngestSummary after = resumed.summary();
            // Counts continue from the savepoint: L1's old revision is a duplicate, L3 is new.
            assertThat(after.of("ledger")).isEqualTo(new SourceCounts(7, 4, 1, 0, 2));
        }
        Map<String, Map<String, String>> evolvedLedger = byKey(evolved, LEDGER, "entry_id");
        assertThat(evolvedLedger.get("L3").get("memo")).isEqualTo("hello");
        assertThat(evolvedLedger.get("L1"))
                .containsEntry("memo", null)
                .containsEntry("amount", "11.00");
    }

    private static String payment(
            String id, String account, String amount, String currency, Instant paidAt) {
        return "{\"payment_id\":\""
                + id
                + "\",\"account\":{\"id\":\""
                + account
                + "\",\"tier\":\"x\"},"
                + "\"amount\":"
                + amount
                + ",\"currency\":\""
                + currency
                + "\",\"paid_at\":"
                + paidAt.getEpochSecond()
                + "}";
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static void account(Connection db, UUID id, String legacy, String name, Instant updated)
            throws Exception {
        try (PreparedStatement st =
                db.prepareStatement(
                        "INSERT INTO crm.accounts (id, legacy_id, name, updated_at) VALUES (?, ?,"
                                + " ?, ?) ON CONFLICT (id) DO UPDATE SET legacy_id ="
                                + " excluded.legacy_id, name = excluded.name, updated_at ="
                                + " excluded.updated_at")) {
            st.setObject(1, id);
            st.setString(2, legacy);
            st.setString(3, name);
            st.setTimestamp(4, Timestamp.from(updated));
            st.executeUpdate();
        }
    }

    private static String lastSavepoint(Path dir) throws Exception {
        try (var s = java.nio.file.Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("savepoint-"))
                    .map(p -> p.toUri().toString())
                    .findFirst()
                    .orElseThrow();
        }
    }
}
