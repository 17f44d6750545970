/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (the binaries ship inside a jar), on a free loopback port, with its
 * cluster under one folder. The superuser is {@code postgres}, trusted on loopback.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);

    private final EmbeddedPostgres server;

    private LocalPostgres(EmbeddedPostgres server) {
        this.server = server;
    }

    /**
     * Starts a server with a fresh cluster in {@code dir}.
     *
     * @param port the port to listen on; 0 takes a free one
     */
    public static LocalPostgres start(Path dir, int port) {
        return start(dir, port, Map.of());
    }

    /**
     * Starts a server as {@link #start(Path, int)} does, with {@code settings} over the defaults.
     * The defaults include {@code wal_level=logical} (with replication slots and WAL senders), so
     * that {@code kind: postgres-cdc} sources can read the server's logical replication.
     */
    public static LocalPostgres start(Path dir, int port, Map<String, String> settings) {
        Folders.fresh(dir);
        try {
            EmbeddedPostgres.Builder builder =
                    EmbeddedPostgres.builder()
                            .setPort(port == 0 ? FreePorts.next() : port)
                            .setDataDirectory(dir.resolve("data"))
                            .setCleanDataDirectory(true)
                            .setOverrideWorkingDirectory(dir.resolve("runtime").toFile())
                            .setServerConfig("max_connections", "200")
                            .setServerConfig("fsync", "off")
                            .setServerConfig("wal_level", "logical")
                            .setServerConfig("max_replication_slots", "20")
                            .setServerConfig("max_wal_senders", "20");
            settings.forEach(builder::setServerConfig);
            EmbeddedPostgres server = builder.start();
            LOG.info("PostgreSQL ready on port {} (data in {})", server.getPort(), dir);
            return new LocalPostgres(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dir, e);
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return server.getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Creates a database, for isolating one user (or one test) from another. */
    public void createDatabase(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("PostgreSQL did not stop cleanly", e);
        }
    }
}
