/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Starts every embedded part from a configuration, uses each for real, and stops them all. */
class LocalPartsIT {

    @TempDir Path dir;

    @Test
    @Timeout(240)
    void startsEveryPartUsesItAndStopsIt() throws Exception {
        Files.writeString(
                dir.resolve("tideline.yaml"),
                """
                local:
                  data-dir: data
                postgres:
                  database: tideline
                catalog:
                  type: jdbc
                  warehouse: data/warehouse
                flink:
                  rest-port: 0
                """);
        TidelineConfig config = ConfigLoader.fromEnvironment().load(dir.resolve("tideline.yaml"));
        String brokerAddress;
        int postgresPort;
        URI restAddress;
        try (LocalParts parts = LocalParts.start(config, 2)) {
            TidelineConfig live = parts.config();
            brokerAddress = live.kafka().bootstrapServersString();
            postgresPort = live.postgres().port();
            restAddress = parts.flink().restAddress();
            assertThat(live.kafka().bootstrapServers()).hasSize(1);
            assertThat(parts.effectiveConfigFile()).exists();
            // The written configuration loads and points at the running parts.
            TidelineConfig reread =
                    ConfigLoader.fromEnvironment().load(parts.effectiveConfigFile());
            assertThat(reread.kafka().bootstrapServers())
                    .isEqualTo(live.kafka().bootstrapServers());
            assertThat(reread.postgres().port()).isEqualTo(live.postgres().port());
            // ... as external parts every other command can use, with jobs going to this Flink.
            assertThat(reread.kafka().embedded()).isFalse();
            assertThat(reread.postgres().embedded()).isFalse();
            assertThat(reread.flink().settings())
                    .containsEntry("execution.target", "remote")
                    .containsEntry("rest.address", restAddress.getHost())
                    .containsEntry("rest.port", String.valueOf(restAddress.getPort()));

            // Kafka: a record produced is consumed back.
            Properties p = live.kafka().clientProperties();
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("ping", "k", "hello")).get();
            }
            p.put("group.id", "it");
            p.put("auto.offset.reset", "earliest");
            List<String> seen = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("ping"));
                long deadline = System.currentTimeMillis() + 30_000;
                while (seen.isEmpty() && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        seen.add(r.value());
                    }
                }
            }
            assertThat(seen).containsExactly("hello");

            // PostgreSQL: the configured database exists and answers.
            try (Connection c =
                            DriverManager.getConnection(
                                    live.postgres().jdbcUrl(),
                                    live.postgres().connectionProperties());
                    ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("tideline");
            }

            // Iceberg: a JDBC catalog keeps its metadata in that PostgreSQL database.
            Catalog catalog = IcebergCatalogs.open(live);
            ((SupportsNamespaces) catalog).createNamespace(Namespace.of("landing"));
            catalog.createTable(
                    TableIdentifier.of("landing", "probe"),
                    new Schema(Types.NestedField.required(1, "id", Types.LongType.get())));
            try (Connection c =
                            DriverManager.getConnection(
                                    live.postgres().jdbcUrl(),
                                    live.postgres().connectionProperties());
                    ResultSet rs =
                            c.createStatement()
                                    .executeQuery(
                                            "SELECT table_name FROM iceberg_tables"
                                                    + " WHERE table_namespace = 'landing'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("probe");
            }

            // Flink: the MiniCluster serves its web UI and runs a job submitted over REST.
            URI rest = parts.flink().restAddress();
            HttpResponse<String> ui =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(rest.resolve("/")).build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertThat(ui.statusCode()).isEqualTo(200);
            assertThat(ui.body()).containsIgnoringCase("<html");
            StreamExecutionEnvironment env =
                    FlinkSettings.environment(
                            parts.flink().clientConfiguration(), RuntimeExecutionMode.BATCH);
            List<Long> squares = new ArrayList<>();
            try (CloseableIterator<Long> it =
                    env.fromSequence(1, 4)
                            .map(x -> x * x)
                            .returns(Long.class)
                            .executeAndCollect()) {
                it.forEachRemaining(squares::add);
            }
            assertThat(squares).containsExactlyInAnyOrder(1L, 4L, 9L, 16L);
            assertThat(parts.flink().miniCluster().listJobs().get().size()).isEqualTo(1);
        }
        // Stopped: nothing listens on any of their ports any more.
        assertThat(listening(brokerAddress.split(":")[1])).isFalse();
        assertThat(listening(String.valueOf(postgresPort))).isFalse();
        assertThat(listening(String.valueOf(restAddress.getPort()))).isFalse();
    }

    private static boolean listening(String port) {
        try (Socket s = new Socket("127.0.0.1", Integer.parseInt(port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
