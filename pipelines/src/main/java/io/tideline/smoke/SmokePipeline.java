/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.TableDescriptor;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A smoke test of the whole stack, runnable against any deployment: JSON records produced to Kafka,
 * a Flink job that writes them to an Iceberg table, the table read back and compared, then a Flink
 * SQL {@code jdbc} upsert of per-kind totals into PostgreSQL, read back with plain JDBC.
 */
public final class SmokePipeline {

    /** The Iceberg table the smoke pipeline writes. */
    public static final TableIdentifier TABLE = TableIdentifier.of("smoke", "readings");

    /** The PostgreSQL table the upsert writes. */
    public static final String PG_TABLE = "smoke_kind_totals";

    private static final String[] KINDS = {"signup", "add_to_cart", "order_placed"};

    /**
     * What one run did and found.
     *
     * @param produced records produced to Kafka
     * @param icebergRows rows read back from the Iceberg table
     * @param icebergMatches whether those rows are exactly the records produced
     * @param postgresTotals per kind: count and amount total read back from PostgreSQL
     * @param expectedTotals per kind: count and amount total computed from the records produced
     */
    public record Result(
            int produced,
            long icebergRows,
            boolean icebergMatches,
            Map<String, Totals> postgresTotals,
            Map<String, Totals> expectedTotals,
            Duration took) {

        public boolean ok() {
            return icebergMatches
                    && icebergRows == produced
                    && postgresTotals.equals(expectedTotals);
        }
    }

    /** A count and an amount total. */
    public record Totals(long count, BigDecimal amount) {}

    private final TidelineConfig config;
    private final Configuration flink;

    /**
     * @param config where Kafka, PostgreSQL and the catalog are
     * @param flink the Flink client configuration jobs run with
     */
    public SmokePipeline(TidelineConfig config, Configuration flink) {
        this.config = config;
        this.flink = flink;
    }

    public Result run(String topic, int records) throws Exception {
        long start = System.nanoTime();
        List<String> produced = produce(topic, records);
        Table table = recreateTable();
        writeToIceberg(topic);
        table.refresh();
        Set<String> readBack = readBack(table);
        Set<String> expected = new HashSet<>();
        for (String json : produced) {
            expected.add(canonical(MAPPER.readTree(json)));
        }
        upsertTotalsIntoPostgres();
        return new Result(
                records,
                readBack.size(),
                readBack.equals(expected),
                readPostgresTotals(),
                totalsOf(produced),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private List<String> produce(String topic, int records) throws Exception {
        List<String> out = new ArrayList<>(records);
        Properties props = config.kafka().clientProperties();
        props.put("enable.idempotence", "true");
        props.put("acks", "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                String json =
                        MAPPER.createObjectNode()
                                .put("id", i)
                                .put("kind", KINDS[i % KINDS.length])
                                .put(
                                        "amount",
                                        BigDecimal.valueOf(100 + (i * 37L) % 9900, 2)
                                                .toPlainString())
                                .toString();
                out.add(json);
                producer.send(new ProducerRecord<>(topic, Integer.toString(i), json));
            }
            producer.flush();
        }
        return out;
    }

    private Table recreateTable() {
        Catalog catalog = IcebergCatalogs.open(config);
        if (catalog instanceof SupportsNamespaces ns
                && !ns.namespaceExists(Namespace.of(TABLE.namespace().level(0)))) {
            ns.createNamespace(TABLE.namespace());
        }
        catalog.dropTable(TABLE, true);
        org.apache.iceberg.Schema schema =
                new org.apache.iceberg.Schema(
                        Types.NestedField.required(1, "id", Types.LongType.get()),
                        Types.NestedField.required(2, "kind", Types.StringType.get()),
                        Types.NestedField.required(3, "amount", Types.DecimalType.of(10, 2)));
        return catalog.createTable(
                TABLE, schema, PartitionSpec.unpartitioned(), Map.of("format-version", "2"));
    }

    private void writeToIceberg(String topic) throws Exception {
        StreamExecutionEnvironment env =
                FlinkSettings.environment(flink, RuntimeExecutionMode.BATCH);
        KafkaSource<String> source =
                KafkaSource.<String>builder()
                        .setProperties(config.kafka().clientProperties())
                        .setTopics(topic)
                        .setGroupId("tideline-smoke")
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setBounded(OffsetsInitializer.latest())
                        .setValueOnlyDeserializer(new SimpleStringSchema())
                        .build();
        DataStream<RowData> rows =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka:" + topic)
                        .map(new ParseJson())
                        .name("parse-json");
        FlinkSink.forRowData(rows)
                .tableLoader(TableLoader.fromCatalog(IcebergCatalogs.loader(config), TABLE))
                .append();
        env.execute("tideline-smoke-kafka-to-iceberg");
    }

    /** Parses one smoke record into the table's row layout. */
    private static final class ParseJson implements MapFunction<String, RowData> {
        @Override
        public RowData map(String json) throws Exception {
            JsonNode n = MAPPER.readTree(json);
            return GenericRowData.of(
                    n.get("id").asLong(),
                    StringData.fromString(n.get("kind").asText()),
                    DecimalData.fromBigDecimal(new BigDecimal(n.get("amount").asText()), 10, 2));
        }
    }

    private static Set<String> readBack(Table table) throws Exception {
        Set<String> rows = new HashSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                rows.add(
                        canonical(
                                MAPPER.createObjectNode()
                                        .put("id", (Long) r.getField("id"))
                                        .put("kind", (String) r.getField("kind"))
                                        .put(
                                                "amount",
                                                ((BigDecimal) r.getField("amount"))
                                                        .toPlainString())));
            }
        }
        return rows;
    }

    private static String canonical(JsonNode n) {
        return n.get("id").asLong()
                + "|"
                + n.get("kind").asText()
                + "|"
                + new BigDecimal(n.get("amount").asText()).toPlainString();
    }

    private void upsertTotalsIntoPostgres() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE IF NOT EXISTS "
                            + PG_TABLE
                            + " (kind TEXT PRIMARY KEY, n BIGINT NOT NULL, total NUMERIC(14,2) NOT"
                            + " NULL)");
        }
        StreamTableEnvironment tEnv =
                StreamTableEnvironment.create(
                        FlinkSettings.environment(flink, RuntimeExecutionMode.BATCH),
                        EnvironmentSettings.inBatchMode());
        IcebergCatalogs.register(tEnv, config);
        TableDescriptor.Builder pg =
                TableDescriptor.forConnector("jdbc")
                        .schema(
                                Schema.newBuilder()
                                        .column("kind", DataTypes.STRING().notNull())
                                        .column("n", DataTypes.BIGINT())
                                        .column("total", DataTypes.DECIMAL(14, 2))
                                        .primaryKey("kind")
                                        .build())
                        .option("table-name", PG_TABLE);
        // The connector takes a user name and password together or neither; a server that
        // trusts loopback (the embedded one) gets the user in the URL.
        if (config.postgres().password() != null) {
            pg.option("url", config.postgres().jdbcUrl())
                    .option("username", config.postgres().user())
                    .option("password", config.postgres().password().reveal());
        } else {
            pg.option("url", config.postgres().jdbcUrl() + "?user=" + config.postgres().user());
        }
        tEnv.createTemporaryTable("pg_kind_totals", pg.build());
        tEnv.executeSql(
                        "INSERT INTO pg_kind_totals SELECT kind, COUNT(*), CAST(SUM(amount) AS"
                                + " DECIMAL(14, 2)) FROM `"
                                + config.catalog().name()
                                + "`.`smoke`.`readings` GROUP BY kind")
                .await();
    }

    private Map<String, Totals> readPostgresTotals() throws SQLException {
        Map<String, Totals> totals = new TreeMap<>();
        try (Connection c = connect();
                ResultSet rs =
                        c.createStatement()
                                .executeQuery("SELECT kind, n, total FROM " + PG_TABLE)) {
            while (rs.next()) {
                totals.put(rs.getString(1), new Totals(rs.getLong(2), rs.getBigDecimal(3)));
            }
        }
        return totals;
    }

    private static Map<String, Totals> totalsOf(List<String> produced) throws Exception {
        Map<String, Totals> totals = new TreeMap<>();
        for (String json : produced) {
            JsonNode n = MAPPER.readTree(json);
            BigDecimal amount = new BigDecimal(n.get("amount").asText());
            totals.merge(
                    n.get("kind").asText(),
                    new Totals(1, amount),
                    (a, b) -> new Totals(a.count() + b.count(), a.amount().add(b.amount())));
        }
        return totals;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(
                config.postgres().jdbcUrl(), config.postgres().connectionProperties());
    }
}
