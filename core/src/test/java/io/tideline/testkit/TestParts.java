/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.testkit;

import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.local.Folders;
import io.tideline.local.LocalKafka;
import io.tideline.local.LocalPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One test's view of the shared parts: its own PostgreSQL database, warehouse folder and topic
 * names, and a {@link TidelineConfig} that points at all of them. The configuration is loaded
 * through {@link ConfigLoader}, the same path users' files take.
 */
public final class TestParts {

    private final TidelineExtension.SharedParts shared;
    private final String id;
    private final Path dir;
    private String database;
    private TidelineConfig config;

    TestParts(TidelineExtension.SharedParts shared, ExtensionContext context) {
        this.shared = shared;
        String name =
                (context.getRequiredTestClass().getSimpleName()
                                + "_"
                                + context.getTestMethod().map(m -> m.getName()).orElse("x"))
                        .toLowerCase(Locale.ROOT)
                        .replaceAll("[^a-z0-9_]", "_");
        this.id = "t" + shared.nextId();
        this.dir = Folders.fresh(shared.root().resolve("tests").resolve(id + "_" + name));
    }

    /** This test's own folder, emptied at the start of the test. */
    public Path dir() {
        return dir;
    }

    /** A unique id of this test, usable in names. */
    public String id() {
        return id;
    }

    /** A topic name of this test's own. */
    public String topic(String base) {
        return base + "-" + id;
    }

    public LocalKafka kafka() {
        return shared.kafka();
    }

    public LocalPostgres postgres() {
        return shared.postgres();
    }

    /** This test's own database, created on first use. */
    public synchronized String database() {
        if (database == null) {
            database = "db_" + id;
            postgres().createDatabase(database);
        }
        return database;
    }

    /** A connection to this test's own database. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres().jdbcUrl(database()), "postgres", "");
    }

    /**
     * The configuration of this test: the shared broker and server, its own database and a Hadoop
     * catalog on its own warehouse folder.
     */
    public synchronized TidelineConfig config() {
        if (config == null) {
            config = config("");
        }
        return config;
    }

    /**
     * A configuration as {@link #config()}, with {@code extraYaml} appended (top-level sections not
     * already present, for example {@code catalog:} overrides go through {@link
     * #configYaml(String)}).
     */
    public TidelineConfig config(String extraYaml) {
        return new ConfigLoader(System::getenv)
                .parse(configYaml(extraYaml), "test-config.yaml", dir);
    }

    /** The YAML text behind {@link #config()}, with {@code extraYaml} appended. */
    public String configYaml(String extraYaml) {
        return String.join(
                        "\n",
                        "local:",
                        "  data-dir: local",
                        "kafka:",
                        "  embedded: false",
                        "  bootstrap-servers: [" + kafka().bootstrapServers() + "]",
                        "postgres:",
                        "  embedded: false",
                        "  host: " + postgres().host(),
                        "  port: " + postgres().port(),
                        "  database: " + database(),
                        "catalog:",
                        "  name: tideline",
                        "  type: hadoop",
                        "  warehouse: warehouse",
                        "flink:",
                        "  parallelism: 2",
                        "  checkpoint-interval: 1s",
                        "  settings:",
                        "    restart-strategy.fixed-delay.delay: 100 ms",
                        "")
                + extraYaml;
    }

    /** The Flink client configuration for jobs of this test, on the shared MiniCluster. */
    public Configuration flink() {
        return shared.flink().clientConfiguration(config().flink());
    }

    /** As {@link #flink()}, for a test's own configuration. */
    public Configuration flink(TidelineConfig config) {
        return shared.flink().clientConfiguration(config.flink());
    }
}
