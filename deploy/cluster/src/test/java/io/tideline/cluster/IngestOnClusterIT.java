/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.testkit.Await;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The job jar on a real standalone cluster: the ingestion job submitted through Flink's CLI front
 * end, rows landing in Iceberg, a stop with a savepoint, a resume from it, and nothing lost or
 * duplicated across the two runs.
 */
@ExtendWith(TidelineExtension.class)
class IngestOnClusterIT {

    private static final String INGEST_JOB = "io.tideline.ingest.IngestJob";

    @Test
    @Timeout(300)
    void submitsStopsWithASavepointAndResumesWithoutLossOrDuplicates(TestParts parts)
            throws Exception {
        String topic = parts.topic("events");
        parts.kafka().createTopic(topic, 2);
        String yaml =
                parts.configYaml(
                        String.join(
                                "\n",
                                "sources:",
                                "  events:",
                                "    kind: kafka",
                                "    topic: " + topic,
                                "    key: [event_id]",
                                "    event-time: event_time",
                                "    require-one-of: [[customer_id, anonymous_id]]",
                                "    columns:",
                                "      event_id:     {type: string, required: true}",
                                "      event_type:   {type: string, required: true,"
                                        + " standardize: [trim, lower]}",
                                "      customer_id:  {type: string}",
                                "      anonymous_id: {type: string}",
                                "      event_time:   {type: timestamp, from: occurred_at,"
                                        + " required: true}",
                                "      amount:       {type: 'decimal(18,2)'}",
                                "      currency:     {type: string, required-with: amount,"
                                        + " standardize: [trim, upper], check: iso-currency}",
                                "      properties:   {type: json}",
                                ""));
        Path configFile = parts.dir().resolve("tideline.yaml");
        Files.writeString(configFile, yaml);
        TidelineConfig config = ConfigLoader.fromEnvironment().load(configFile);
        Path jar = Path.of(System.getProperty("tideline.pipelines.jar"));
        assertThat(jar).as("the job jar (built by tideline-pipelines' package phase)").exists();

        try (StandaloneCluster cluster =
                StandaloneCluster.start(
                        Path.of(System.getProperty("tideline.flink.config")),
                        parts.dir().resolve("cluster"),
                        clusterClasspath(),
                        2,
                        Map.of("execution.checkpointing.interval", "1 s"))) {
            JsonNode overview = new YAMLMapper().readTree(cluster.get("/overview").body());
            assertThat(overview.path("taskmanagers").asInt()).isEqualTo(2);
            assertThat(overview.path("slots-total").asInt()).isEqualTo(4);
            assertThat(overview.path("flink-version").asText()).isEqualTo("2.0.0");

            produce(config, topic, 0, 300);
            String job =
                    cluster.submit(
                            jar,
                            INGEST_JOB,
                            "--config",
                            configFile.toString(),
                            "--mode",
                            "STREAMING");
            await(
                    () -> eventIds(config).size() == 300,
                    "300 rows in landing.events",
                    Duration.ofSeconds(120));

            String savepoint = cluster.stopWithSavepoint(job, parts.dir().resolve("savepoints"));
            assertThat(cluster.jobStatus(job)).isEqualTo("FINISHED");

            // While it is stopped: 200 new events, and 50 of the first ones delivered again.
            produce(config, topic, 300, 200);
            produce(config, topic, 0, 50);
            String resumed =
                    cluster.resume(
                            savepoint,
                            jar,
                            INGEST_JOB,
                            "--config",
                            configFile.toString(),
                            "--mode",
                            "STREAMING");
            await(
                    () -> eventIds(config).size() >= 500,
                    "500 rows in landing.events",
                    Duration.ofSeconds(120));
            assertThat(cluster.jobStatus(resumed)).isEqualTo("RUNNING");

            List<String> ids = eventIds(config);
            assertThat(ids).hasSize(500).doesNotHaveDuplicates();
            assertThat(ids).contains("evt-0", "evt-299", "evt-300", "evt-499");

            // The TaskManagers' Prometheus reporters publish the job's counters.
            // (the names deploy/prometheus/tideline-alerts.yaml uses).
            assertThat(scrapeAll(cluster))
                    .contains(
                            "flink_taskmanager_job_task_operator_tideline_source_read",
                            "flink_taskmanager_job_task_operator_tideline_source_lastCommitAgeMs",
                            "source=\"events\"");
            cluster.cli("cancel", resumed);
        }
    }

    static String clusterClasspath() throws Exception {
        return Files.readString(Path.of(System.getProperty("tideline.cluster.classpath"))).trim()
                + java.io.File.pathSeparator
                + System.getProperty("tideline.cluster.classes");
    }

    private static void produce(TidelineConfig config, String topic, int from, int count)
            throws Exception {
        Properties props = config.kafka().clientProperties();
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            Instant now = Instant.now();
            for (int i = from; i < from + count; i++) {
                String json =
                        "{\"event_id\":\"evt-"
                                + i
                                + "\",\"event_type\":\"page_view\",\"customer_id\":\""
                                + (i % 17)
                                + "\",\"occurred_at\":\""
                                + now.minusSeconds(count - (i - from))
                                + "\"}";
                p.send(new ProducerRecord<>(topic, String.valueOf(i), json));
            }
            p.flush();
        }
    }

    private static List<String> eventIds(TidelineConfig config) {
        List<String> ids = new ArrayList<>();
        try {
            Table table =
                    IcebergCatalogs.open(config).loadTable(TableIdentifier.of("landing", "events"));
            try (CloseableIterable<Record> rows =
                    IcebergGenerics.read(table).select("event_id").build()) {
                rows.forEach(r -> ids.add((String) r.getField("event_id")));
            }
        } catch (org.apache.iceberg.exceptions.NoSuchTableException notYet) {
            return ids;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    private static void await(BooleanSupplier condition, String what, Duration timeout) {
        Await.until(what, timeout, condition::getAsBoolean);
    }

    private static String scrapeAll(StandaloneCluster cluster) throws Exception {
        String conf = Files.readString(cluster.confDir().resolve("config.yaml"));
        String range =
                conf.lines()
                        .filter(l -> l.startsWith("metrics.reporter.prom.port"))
                        .findFirst()
                        .orElseThrow();
        String[] bounds = range.replaceAll("[^0-9-]", "").split("-");
        StringBuilder all = new StringBuilder();
        HttpClient http = HttpClient.newHttpClient();
        for (int port = Integer.parseInt(bounds[0]); port <= Integer.parseInt(bounds[1]); port++) {
            try {
                HttpResponse<String> r =
                        http.send(
                                HttpRequest.newBuilder(
                                                URI.create("http://localhost:" + port + "/metrics"))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                all.append(r.body());
            } catch (java.io.IOException nothingThere) {
                // Not every port of the range is taken.
            }
        }
        return all.toString();
    }
}
