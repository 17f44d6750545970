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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dedup horizon: a re-delivery within it is a duplicate; one after it is accepted again by the
 * dedup state (which has forgotten the id) and still does not double the row, because the table is
 * an upsert on {@code event_id}.
 */
@ExtendWith(TidelineExtension.class)
class IngestDedupHorizonIT {

    @Test
    @Timeout(120)
    void aRedeliveryAfterTheHorizonReplacesTheRowInsteadOfDoublingIt(TestParts parts)
            throws Exception {
        String topic = parts.topic("events");
        parts.kafka().createTopic(topic, 1);
        TidelineConfig config =
                config(
                        parts,
                        "warehouse",
                        demoSources(topic, null, "  dedup-horizon: 3s\n", "events"));
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
        String e1 = event("e1", "signup", "1", t0.toString()).toString();

        IngestJob.Running running = new IngestJob(config, parts.flink(config)).startStreaming();
        IngestSummary summary;
        try (KafkaProducer<byte[], byte[]> p = producer(config)) {
            send(p, topic, 0, t0.plusSeconds(1), e1);
            send(p, topic, 0, t0.plusSeconds(2), e1); // within the horizon: a duplicate
            Await.until(
                    "e1 committed",
                    Duration.ofSeconds(60),
                    () -> count(config, IngestFixtures.EVENTS_TABLE) == 1);
            Instant committed = Instant.now();
            // Wait until the horizon has passed since the id was stored.
            Await.until(
                    "the dedup horizon to pass",
                    Duration.ofSeconds(30),
                    () -> Instant.now().isAfter(committed.plusSeconds(4)));
            send(p, topic, 0, t0.plusSeconds(30), e1); // after the horizon: accepted again
            send(
                    p,
                    topic,
                    0,
                    t0.plusSeconds(31),
                    event("e2", "signup", "2", t0.toString()).toString());
            Await.until(
                    "the re-delivery committed",
                    Duration.ofSeconds(60),
                    () -> {
                        Map<String, Map<String, String>> rows =
                                byKey(config, IngestFixtures.EVENTS_TABLE, "event_id");
                        return rows.size() == 2
                                && rows.get("e1").get("source_position").equals(topic + "/0/2");
                    });
            summary = running.stop(parts.dir().resolve("savepoints").toUri().toString());
        } finally {
            running.close();
        }

        assertThat(rows(config, IngestFixtures.EVENTS_TABLE)).hasSize(2);
        assertThat(summary.of("events")).isEqualTo(new SourceCounts(4, 3, 0, 0, 1));
    }
}
