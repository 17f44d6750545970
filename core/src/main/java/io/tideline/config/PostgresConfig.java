/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.Properties;

/**
 * The PostgreSQL server that holds the operational tables, the serving marts and the reverse-ETL
 * ledger. With {@code embedded: true} (the default when no host is given) the local platform starts
 * one itself.
 */
public record PostgresConfig(
        Boolean embedded,
        String host,
        Integer port,
        String database,
        String user,
        Secret password) {

    public PostgresConfig {
        embedded = embedded == null ? host == null : embedded;
        database = database == null ? "postgres" : database;
        user = user == null ? "postgres" : user;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
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
        return new PostgresConfig(embedded, host, port, database, user, password);
    }

    /** The same server, another database on it. */
    public PostgresConfig withDatabase(String database) {
        return new PostgresConfig(embedded, host, port, database, user, password);
    }

    void validate(Problems problems) {
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
