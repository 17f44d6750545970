/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.SaasEmulator;
import io.tideline.testkit.TestParts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.catalog.Catalog;

/** One test's emulator, token file, catalog and configuration. */
final class Fixture implements AutoCloseable {

    final TestParts parts;
    final String token = "tok-" + UUID.randomUUID();
    final SaasEmulator emulator;
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    private TidelineConfig config;

    Fixture(TestParts parts, EmulatorOptions options) {
        this.parts = parts;
        try {
            Files.writeString(parts.dir().resolve("saas-token.txt"), token);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.emulator =
                SaasEmulator.start(
                        new EmulatorOptions(
                                0,
                                token,
                                options.seed(),
                                options.rateLimitRequests(),
                                options.rateLimitWindow(),
                                options.dailyLimit(),
                                options.hubspotMaxBatch(),
                                options.salesforceMaxBatch(),
                                options.webhookMaxBatch(),
                                options.webhookSecret(),
                                options.faults()));
    }

    /**
     * The YAML of this test: its own database on the shared PostgreSQL and a Hadoop catalog on its
     * own warehouse folder, with {@code yaml} (destinations and syncs) appended. No Kafka: reverse
     * ETL does not use it, so none is started.
     */
    String yaml(String yaml) {
        return String.join(
                        "\n",
                        "postgres:",
                        "  embedded: false",
                        "  host: " + parts.postgres().host(),
                        "  port: " + parts.postgres().port(),
                        "  database: " + parts.database(),
                        "catalog:",
                        "  name: tideline",
                        "  type: hadoop",
                        "  warehouse: warehouse",
                        "")
                + yaml.replace("${URL}", emulator.baseUri().toString());
    }

    /** Loads the test's configuration with {@code yaml} (destinations and syncs) appended. */
    TidelineConfig configure(String yaml) {
        config =
                new ConfigLoader(System::getenv).parse(yaml(yaml), "test-config.yaml", parts.dir());
        return config;
    }

    Catalog catalog() {
        return IcebergCatalogs.open(config != null ? config : configure(""));
    }

    SyncEngine engine() {
        return new SyncEngine(config);
    }

    RunReport run(String sync) {
        return engine().run(sync, SyncEngine.RunOptions.defaults().out(out));
    }

    long count(String sql) throws SQLException {
        try (Connection c = parts.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = parts.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Override
    public void close() {
        emulator.close();
    }
}
