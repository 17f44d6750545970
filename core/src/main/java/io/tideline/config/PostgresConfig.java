/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.Properties;

/**
 * The PostgreSQL server that holds the operational tables, the serving marts and the reverse-ETL
 * ledger. With {@code embedded: true} (the default when no host is given) the local platform starts
 * one itself.
 *
 * @param sslMode the driver's {@code sslmode} ({@code disable}, {@code allow}, {@code prefer},
 *     {@code require}, {@code verify-ca}, {@code verify-full}), passed in the JDBC URL; unset
 *     leaves the driver's default ({@code prefer})
 */
public record PostgresConfig(
        Boolean embedded,
        String host,
        Integer port,
        String database,
        String user,
        Secret password,
        String sslMode) {

    static final java.util.List<String> SSL_MODES =
            java.util.List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    public PostgresConfig {
        embedded = embedded == null ? host == null : embedded;
        database = database == null ? "postgres" : database;
        user = user == null ? "postgres" : user;
    }

    public PostgresConfig(
            Boolean embedded,
            String host,
            Integer port,
            String database,
            String user,
            Secret password) {
        this(embedded, host, port, database, user, password, null);
    }

    /**
     * The JDBC URL, {@code sslmode} included when {@code ssl-mode} is set. Before an embedded
     * server has started it has no address: check {@link #serverProblem()} before connecting.
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://"
                + host
                + ":"
                + port
                + "/"
                + database
                + (sslMode == null || sslMode.isBlank() ? "" : "?sslmode=" + sslMode.trim());
    }

    /**
     * Why a program that connects to a running server (the sync CLI, the scheduler) cannot use this
     * configuration, or empty: it needs {@code host}, since it starts no embedded server.
     */
    public java.util.Optional<String> serverProblem() {
        if (host == null || host.isBlank()) {
            return java.util.Optional.of(
                    "postgres.host: required: expected the host name of the PostgreSQL that holds"
                            + " the reverse-ETL ledger (only the local platform starts an embedded"
                            + " one)");
        }
        return java.util.Optional.empty();
    }

    /** Connection properties for the PostgreSQL driver, the password included. */
    public Properties connectionProperties() {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password.reveal());
        }
        return props;
    }

    /** The same server, now known to be at {@code host:port} (for a started embedded server). */
    public PostgresConfig at(String host, int port) {
        return new PostgresConfig(embedded, host, port, database, user, password, sslMode);
    }

    /** The same server, another database on it. */
    public PostgresConfig withDatabase(String database) {
        return new PostgresConfig(embedded, host, port, database, user, password, sslMode);
    }

    void validate(Problems problems) {
        if (sslMode != null) {
            problems.require(
                    SSL_MODES.contains(sslMode.trim()),
                    "ssl-mode",
                    "expected one of " + SSL_MODES + ", got '" + sslMode + "'");
        }
        if (!embedded) {
            problems.require(
                    host != null && !host.isBlank(),
                    "host",
                    "required when embedded is false: expected a host name");
            problems.require(port != null, "port", "required when embedded is false");
        }
        if (port != null) {
            try {
                HostPort.checkPort(port);
            } catch (IllegalArgumentException e) {
                problems.add("port", e.getMessage());
            }
        }
        problems.require(!database.isBlank(), "database", "expected a database name, got ''");
    }
}
