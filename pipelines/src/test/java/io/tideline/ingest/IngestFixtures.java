/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.postgres.CustomersSource;
import io.tideline.testkit.TestParts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Inputs for ingestion tests (events, drop files, customers) and reading the tables back. */
public final class IngestFixtures {

    public static final ObjectMapper JSON = new ObjectMapper();

    private IngestFixtures() {}

    /**
     * The test's configuration with a {@code sources:} section and its own warehouse folder.
     *
     * @param warehouse the warehouse folder name, relative to the test's folder
     */
    public static TidelineConfig config(TestParts parts, String warehouse, String sourcesYaml) {
        String yaml =
                parts.configYaml(sourcesYaml)
                        .replace("  warehouse: warehouse\n", "  warehouse: " + warehouse + "\n");
        return new ConfigLoader(System::getenv).parse(yaml, "test-config.yaml", parts.dir());
    }

    /**
     * A {@code sources:} section with all three sources: the topic from its earliest offset, the
     * {@code drops} folder and the customers table polled every 200 ms, a 5 s watermark, 1 h of
     * allowed lateness.
     */
    public static String allSources(String topic, String groupId) {
        return String.join(
                "\n",
                "sources:",
                "  events:",
                "    topic: " + topic,
                "    group-id: " + groupId,
                "    starting-offsets: earliest",
                "  orders:",
                "    folder: drops",
                "    monitor-interval: 200ms",
                "  customers:",
                "    poll-interval: 200ms",
                "  watermark:",
                "    out-of-orderness: 5s",
                "    idleness: 1s",
                "  allowed-lateness: 1h",
                "");
    }

    public static KafkaProducer<byte[], byte[]> producer(TidelineConfig config) {
        Properties props = config.kafka().clientProperties();
        props.put("enable.idempotence", "true");
        props.put("acks", "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends one value to a partition with an explicit record timestamp (the ingestion time). */
    public static void send(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            int partition,
            Instant ingestion,
            byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, partition, ingestion.toEpochMilli(), null, value))
                .get();
    }

    public static void send(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            int partition,
            Instant ingestion,
            String value)
            throws Exception {
        send(producer, topic, partition, ingestion, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A valid event as JSON text. */
    public static ObjectNode event(String id, String type, String customer, Object occurredAt) {
        ObjectNode o = JSON.createObjectNode();
        o.put("event_id", id);
        o.put("event_type", type);
        o.put("customer_id", customer);
        if (occurredAt instanceof Long l) {
            o.put("occurred_at", l);
        } else {
            o.put("occurred_at", String.valueOf(occurredAt));
        }
        return o;
    }

    /**
     * Drops a file the way a producer should: written under a temporary name, its modification time
     * set, then renamed (atomic on one file system).
     */
    public static Path drop(Path folder, String name, String content, Instant modified)
            throws IOException {
        return drop(folder, name, content.getBytes(StandardCharsets.UTF_8), modified);
    }

    public static Path drop(Path folder, String name, byte[] content, Instant modified)
            throws IOException {
        Files.createDirectories(folder);
        Path tmp = folder.resolve("." + name + ".inprogress");
        Files.write(tmp, content);
        Files.setLastModifiedTime(tmp, FileTime.from(modified));
        Path target = folder.resolve(name);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        Files.setLastModifiedTime(target, FileTime.from(modified));
        return target;
    }

    public static void createCustomers(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(CustomersSource.DDL);
        }
    }

    public static void upsertCustomer(
            Connection c,
            long id,
            String email,
            String name,
            String country,
            String plan,
            Instant updatedAt)
            throws SQLException {
        try (PreparedStatement st =
                c.prepareStatement(
                        "INSERT INTO app.customers (id, email, name, country, plan, created_at,"
                                + " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO"
                                + " UPDATE SET email = excluded.email, name = excluded.name,"
                                + " country = excluded.country, plan = excluded.plan,"
                                + " updated_at = excluded.updated_at")) {
            st.setLong(1, id);
            st.setString(2, email);
            st.setString(3, name);
            st.setString(4, country);
            st.setString(5, plan);
            st.setTimestamp(6, Timestamp.from(Instant.parse("2025-01-01T00:00:00Z")));
            st.setTimestamp(7, Timestamp.from(updatedAt));
            st.executeUpdate();
        }
    }

    /** Every row of a table, each as column name to value (as text), deletes applied. */
    public static List<Map<String, String>> rows(TidelineConfig config, TableIdentifier id)
            throws IOException {
        Catalog catalog = IcebergCatalogs.open(config);
        Table table = catalog.loadTable(id);
        List<Map<String, String>> out = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                Map<String, String> row = new LinkedHashMap<>();
                for (Types.NestedField f : table.schema().columns()) {
                    Object v = r.getField(f.name());
                    row.put(f.name(), v == null ? null : v.toString());
                }
                out.add(row);
            }
        }
        return out;
    }

    public static long count(TidelineConfig config, TableIdentifier id) throws IOException {
        return rows(config, id).size();
    }

    /** Rows keyed by one column. */
    static Map<String, Map<String, String>> byKey(
            TidelineConfig config, TableIdentifier id, String key) throws IOException {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Map<String, String> row : rows(config, id)) {
            out.put(row.get(key), row);
        }
        return out;
    }

    /** Rows as sorted text lines, without the given columns: for comparing two tables. */
    static List<String> canonical(TidelineConfig config, TableIdentifier id, String... without)
            throws IOException {
        Set<String> skip = Set.copyOf(Arrays.asList(without));
        List<String> lines = new ArrayList<>();
        for (Map<String, String> row : rows(config, id)) {
            StringBuilder s = new StringBuilder();
            row.forEach(
                    (k, v) -> {
                        if (!skip.contains(k)) {
                            s.append(k).append('=').append(v).append(" | ");
                        }
                    });
            lines.add(s.toString());
        }
        lines.sort(null);
        return lines;
    }
}
