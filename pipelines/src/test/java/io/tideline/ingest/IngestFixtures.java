/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.IngestionConfig;
import io.tideline.config.TidelineConfig;
import io.tideline.testkit.Await;
import io.tideline.testkit.TestParts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
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

    /** The operational customers table of the demo, as the local platform creates it. */
    public static final String CUSTOMERS_DDL =
            "CREATE SCHEMA IF NOT EXISTS app; CREATE TABLE IF NOT EXISTS app.customers (id BIGINT"
                    + " PRIMARY KEY, email TEXT NOT NULL, name TEXT, country TEXT, plan TEXT,"
                    + " created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT"
                    + " NULL DEFAULT now()); CREATE INDEX IF NOT EXISTS customers_updated_at ON"
                    + " app.customers (updated_at, id)";

    /** The demo's events source (as in deploy/local/tideline.yaml), without its topic. */
    public static final String EVENTS =
            """
              events:
                kind: kafka
                key: [event_id]
                dedup: first
                event-time: event_time
                require-one-of: [[customer_id, anonymous_id]]
                columns:
                  event_id:     {type: string, required: true, standardize: [trim]}
                  event_type:   {type: string, required: true, standardize: [trim, lower], check: {pattern: '[a-z][a-z0-9_]*'}}
                  customer_id:  {type: string, standardize: [trim]}
                  anonymous_id: {type: string, standardize: [trim]}
                  event_time:   {type: timestamp, from: occurred_at, required: true}
                  amount:       {type: 'decimal(18,2)'}
                  currency:     {type: string, required-with: amount, standardize: [trim, upper], check: iso-currency}
                  properties:   {type: json}
            """;

    /** The demo's orders source, without its folder. */
    public static final String ORDERS =
            """
              orders:
                kind: files
                formats: [csv, jsonl]
                key: [order_id]
                dedup: latest
                version: updated_at
                columns:
                  order_id:       {type: string, required: true, standardize: [trim]}
                  customer_email: {type: string, required: true, standardize: [trim, lower], check: email}
                  amount:         {type: 'decimal(18,2)', required: true}
                  currency:       {type: string, required: true, standardize: [trim, upper], check: iso-currency}
                  status:         {type: string, required: true, standardize: [trim, lower], check: {pattern: '[a-z][a-z0-9_]*'}}
                  created_at:     {type: timestamp}
                  updated_at:     {type: timestamp, required: true}
            """;

    /** The demo's customers source. */
    public static final String CUSTOMERS =
            """
              customers:
                kind: jdbc
                source-table: app.customers
                cursor: [updated_at, id]
                key: [id]
                dedup: latest
                version: updated_at
                columns:
                  id:         {type: bigint, required: true}
                  email:      {type: string, required: true, standardize: [trim, lower], check: email}
                  name:       {type: string, standardize: [trim]}
                  country:    {type: string, standardize: [trim], check: iso-country}
                  plan:       {type: string, standardize: [trim]}
                  created_at: {type: timestamp}
                  updated_at: {type: timestamp, required: true}
            """;

    /**
     * The demo's customers source as deploy/local/tideline.yaml declares it (change data capture),
     * with a replication slot of its own: slots belong to the whole server. Drop it with {@link
     * #dropSlotAndPublication} when the test ends.
     */
    public static String customersCdc(String slot) {
        return String.join(
                "\n",
                "  customers:",
                "    kind: postgres-cdc",
                "    source-table: app.customers",
                "    slot: " + slot,
                "    key: [id]",
                "    columns:",
                "      id:         {type: bigint, required: true}",
                "      email:      {type: string, standardize: [trim, lower], check: email}",
                "      name:       {type: string, standardize: [trim]}",
                "      country:    {type: string, standardize: [trim], check: iso-country}",
                "      plan:       {type: string, standardize: [trim]}",
                "      created_at: {type: timestamp}",
                "      updated_at: {type: timestamp}",
                "");
    }

    /**
     * What pipelines/README.md says to run when a postgres-cdc source is removed: once its job has
     * released the slot, drop the slot and the publication.
     */
    public static void dropSlotAndPublication(TestParts parts, String slot, String publication)
            throws SQLException {
        try (Connection db = parts.connect()) {
            Await.until(
                    "slot " + slot + " released",
                    Duration.ofSeconds(30),
                    () -> {
                        try (PreparedStatement st =
                                db.prepareStatement(
                                        "SELECT active FROM pg_replication_slots WHERE slot_name"
                                                + " = ?")) {
                            st.setString(1, slot);
                            try (ResultSet rs = st.executeQuery()) {
                                return rs.next() && !rs.getBoolean(1);
                            }
                        }
                    });
            try (Statement st = db.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                st.execute("DROP PUBLICATION " + publication);
            }
        }
    }

    /**
     * The demo's sources declared in YAML (those named in {@code only}, or all three): the topic
     * from its earliest offset, the {@code drops} folder monitored and the customers table polled
     * every 200 ms; an {@code ingestion:} section with a 5 s watermark, 1 h of allowed lateness and
     * {@code ingestionExtra} (indented lines such as {@code " dedup-horizon: 3s\n"}).
     */
    public static String demoSources(
            String topic, String groupId, String ingestionExtra, String... only) {
        List<String> which =
                only.length == 0 ? List.of("events", "orders", "customers") : List.of(only);
        StringBuilder y = new StringBuilder();
        y.append("ingestion:\n")
                .append("  watermark:\n    out-of-orderness: 5s\n    idleness: 1s\n")
                .append("  allowed-lateness: 1h\n")
                .append(ingestionExtra == null ? "" : ingestionExtra)
                .append("sources:\n");
        if (which.contains("events")) {
            y.append(EVENTS)
                    .append("    topic: ")
                    .append(topic)
                    .append("\n    starting-offsets: earliest\n");
            if (groupId != null) {
                y.append("    group-id: ").append(groupId).append('\n');
            }
        }
        if (which.contains("orders")) {
            y.append(ORDERS).append("    folder: drops\n    monitor-interval: 200ms\n");
        }
        if (which.contains("customers")) {
            y.append(CUSTOMERS).append("    poll-interval: 200ms\n");
        }
        return y.toString();
    }

    /** All three demo sources, see {@link #demoSources}. */
    public static String allSources(String topic, String groupId) {
        return demoSources(topic, groupId, null);
    }

    /** A table of the default namespace, for reading it back. */
    public static TableIdentifier landing(String table) {
        return TableIdentifier.of(IngestionConfig.DEFAULT_NAMESPACE, table);
    }

    public static final TableIdentifier EVENTS_TABLE = landing("events");
    public static final TableIdentifier ORDERS_TABLE = landing("orders");
    public static final TableIdentifier CUSTOMERS_TABLE = landing("customers");
    public static final TableIdentifier QUARANTINE = landing("quarantine");
    public static final TableIdentifier LATE = landing("late_events");
    public static final TableIdentifier EVENTS_CHANGELOG = landing("events_changelog");
    public static final TableIdentifier ORDERS_CHANGELOG = landing("orders_changelog");
    public static final TableIdentifier CUSTOMERS_CHANGELOG = landing("customers_changelog");

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
            s.execute(CUSTOMERS_DDL);
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

    /** A table as it is now. */
    public static Table table(TidelineConfig config, TableIdentifier id) {
        return IcebergCatalogs.open(config).loadTable(id);
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
