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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.table.data.RowData;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failure injection: an operator on the events path throws three times mid-stream, each time after
 * a checkpoint has been committed in its attempt and at a chosen record count, while events, order
 * files and customer rows keep arriving. The job restarts from its checkpoints (Kafka offsets, file
 * positions, the customers cursor, dedup state, counts); at the end every distinct input is in its
 * table exactly once, and the counts add up to what was produced.
 */
@ExtendWith(TidelineExtension.class)
class IngestFailureIT {

    /** Throws at the chosen record counts of subtask 0, once per marker file, three in all. */
    static final class FailThreeTimes extends RichMapFunction<RowData, RowData>
            implements CheckpointListener {

        private static final long[] FAIL_AT = {10, 20, 15};

        private final String markers;
        private transient long seen;
        private transient boolean committed;

        FailThreeTimes(Path markers) {
            this.markers = markers.toString();
        }

        @Override
        public void open(OpenContext openContext) throws IOException {
            Files.createDirectories(Path.of(markers));
        }

        @Override
        public RowData map(RowData row) throws Exception {
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                seen++;
                int failures = failures(Path.of(markers));
                if (committed && failures < FAIL_AT.length && seen >= FAIL_AT[failures]) {
                    Files.createFile(Path.of(markers).resolve("failure-" + (failures + 1)));
                    throw new IllegalStateException("injected failure " + (failures + 1));
                }
            }
            return row;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            committed = true;
        }

        static int failures(Path markers) throws IOException {
            try (Stream<Path> files = Files.list(markers)) {
                return (int) files.count();
            }
        }
    }

    @Test
    @Timeout(240)
    void threeFailuresMidStreamLoseNothingAndDoubleNothing(TestParts parts) throws Exception {
        String topic = parts.topic("events");
        parts.kafka().createTopic(topic, 2);
        TidelineConfig config = config(parts, "warehouse", allSources(topic, null));
        Path markers = parts.dir().resolve("failures");
        Path drops = parts.dir().resolve("drops");
        try (Connection db = parts.connect()) {
            createCustomers(db);
        }
        Files.createDirectories(markers);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(30));

        Set<String> distinct = new HashSet<>();
        long produced = 0;
        long redelivered = 0;
        int chunks = 0;
        int bad = 0;
        IngestJob.Running running =
                new IngestJob(config, parts.flink(config))
                        .withTap("events", new FailThreeTimes(markers))
                        .startStreaming();
        IngestSummary summary;
        try (KafkaProducer<byte[], byte[]> p = producer(config)) {
            for (int chunk = 0;
                    chunk < 6 || (FailThreeTimes.failures(markers) < 3 && chunk < 14);
                    chunk++) {
                for (int i = 0; i < 40; i++) {
                    String id = "c" + chunk + "-" + i;
                    Instant at = t0.plusSeconds(chunk * 40L + i);
                    send(
                            p,
                            topic,
                            i % 2,
                            at,
                            event(id, "page_view", "9", at.toString()).toString());
                    distinct.add(id);
                    produced++;
                }
                if (chunk > 0) {
                    // Re-deliveries of the previous chunk.
                    for (int i = 0; i < 4; i++) {
                        String id = "c" + (chunk - 1) + "-" + i;
                        Instant at = t0.plusSeconds((chunk - 1) * 40L + i);
                        send(
                                p,
                                topic,
                                1 - i % 2,
                                at.plusSeconds(1),
                                event(id, "page_view", "9", at.toString()).toString());
                        produced++;
                        redelivered++;
                    }
                }
                // A broken record and a late event per chunk: the append-only quarantine and the
                // late table must hold each exactly once, whatever the failures.
                send(p, topic, chunk % 2, t0.plusSeconds(chunk * 40L), "{broken-" + chunk);
                Instant lateAt = t0.plusSeconds(chunk * 40L);
                send(
                        p,
                        topic,
                        chunk % 2,
                        lateAt,
                        event(
                                        "late-" + chunk,
                                        "page_view",
                                        "9",
                                        lateAt.minus(Duration.ofHours(2)).toString())
                                .toString());
                produced += 2;
                bad++;
                // Every chunk also drops a file of 10 orders and adds 5 customers.
                StringBuilder csv =
                        new StringBuilder(
                                "order_id,customer_email,amount,currency,status,updated_at\n");
                for (int i = 0; i < 10; i++) {
                    csv.append("o" + chunk + "-" + i + ",a@b.co,1.00,EUR,paid," + t0 + "\n");
                }
                drop(drops, "orders-" + chunk + ".csv", csv.toString(), t0);
                try (Connection db = parts.connect()) {
                    for (int i = 0; i < 5; i++) {
                        upsertCustomer(
                                db,
                                chunk * 100L + i,
                                "c@b.co",
                                "C",
                                "DE",
                                "free",
                                t0.plusSeconds(chunk));
                    }
                }
                chunks = chunk + 1;
                long expected = distinct.size();
                long expectedOrders = 10L * chunks;
                long expectedCustomers = 5L * chunks;
                long expectedBad = bad;
                Await.until(
                        "chunk " + chunk + " committed",
                        Duration.ofSeconds(60),
                        () ->
                                count(config, IngestFixtures.EVENTS_TABLE) == expected
                                        && count(config, IngestFixtures.ORDERS_TABLE)
                                                == expectedOrders
                                        && count(config, IngestFixtures.CUSTOMERS_TABLE)
                                                == expectedCustomers
                                        && count(config, IngestFixtures.QUARANTINE) == expectedBad
                                        && count(config, IngestFixtures.LATE) == expectedBad);
            }
            summary = running.stop(parts.dir().resolve("savepoints").toUri().toString());
        } finally {
            running.close();
        }

        assertThat(FailThreeTimes.failures(markers)).isEqualTo(3);
        List<Map<String, String>> rows = rows(config, IngestFixtures.EVENTS_TABLE);
        Set<String> ids = new HashSet<>();
        rows.forEach(r -> ids.add(r.get("event_id")));
        assertThat(rows).hasSize(distinct.size());
        assertThat(ids).isEqualTo(distinct);
        assertThat(summary.of("events"))
                .isEqualTo(new SourceCounts(produced, distinct.size(), bad, bad, redelivered));
        // The append-only tables: at-least-once commits would show here as repeated rows.
        List<String> quarantined =
                rows(config, IngestFixtures.QUARANTINE).stream()
                        .map(r -> r.get("source_position"))
                        .toList();
        assertThat(quarantined).hasSize(bad).doesNotHaveDuplicates();
        List<String> firstDeliveries =
                rows(config, IngestFixtures.EVENTS_CHANGELOG).stream()
                        .map(r -> r.get("event_id"))
                        .toList();
        assertThat(firstDeliveries).doesNotHaveDuplicates();
        assertThat(Set.copyOf(firstDeliveries)).isEqualTo(distinct);
        assertThat(rows(config, IngestFixtures.ORDERS_CHANGELOG)).hasSize(10 * chunks);
        assertThat(rows(config, IngestFixtures.CUSTOMERS_CHANGELOG)).hasSize(5 * chunks);
        // The drop folder and the customers cursor restored as exactly as the Kafka offsets.
        assertThat(count(config, IngestFixtures.ORDERS_TABLE)).isEqualTo(10L * chunks);
        assertThat(summary.of("orders"))
                .isEqualTo(new SourceCounts(10L * chunks, 10L * chunks, 0, 0, 0));
        assertThat(count(config, IngestFixtures.CUSTOMERS_TABLE)).isEqualTo(5L * chunks);
        assertThat(summary.of("customers"))
                .isEqualTo(new SourceCounts(5L * chunks, 5L * chunks, 0, 0, 0));
        assertThat(rows(config, IngestFixtures.LATE).stream().map(r -> r.get("key")).toList())
                .hasSize(bad)
                .doesNotHaveDuplicates();
    }
}
