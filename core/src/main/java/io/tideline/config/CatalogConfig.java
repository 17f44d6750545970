/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The Iceberg catalog every table lives in.
 *
 * <ul>
 *   <li>{@code hadoop}: metadata in the warehouse folder itself; the local default.
 *   <li>{@code jdbc}: metadata in PostgreSQL (the {@code postgres} section unless {@code uri} names
 *       another database); data in the warehouse.
 *   <li>{@code rest}: an Iceberg REST catalog at {@code uri}; the standard for clusters.
 * </ul>
 *
 * @param warehouse a folder or URI ({@code file:}, {@code s3://}, ...); relative paths are taken
 *     from the configuration file's folder
 * @param properties catalog properties passed as they are (for example {@code io-impl}, {@code
 *     s3.endpoint})
 * @param secretProperties catalog properties that hold credentials, as secret references
 */
public record CatalogConfig(
        String name,
        CatalogType type,
        String warehouse,
        String uri,
        Map<String, String> properties,
        Map<String, Secret> secretProperties) {

    private static final Set<String> WAREHOUSE_SCHEMES =
            Set.of("file", "s3", "s3a", "s3n", "hdfs", "gs", "abfs", "abfss", "oss");

    /** The kinds of Iceberg catalog Tideline can use. */
    public enum CatalogType {
        HADOOP,
        JDBC,
        REST
    }

    public CatalogConfig {
        name = name == null ? "tideline" : name;
        type = type == null ? CatalogType.HADOOP : type;
        properties = properties == null ? Map.of() : Map.copyOf(properties);
        secretProperties = secretProperties == null ? Map.of() : Map.copyOf(secretProperties);
    }

    void validate(Problems problems) {
        problems.require(
                name.matches("[A-Za-z_][A-Za-z0-9_]*"),
                "name",
                "expected an SQL identifier (letters, digits, _), got '" + name + "'");
        boolean needsWarehouse = type != CatalogType.REST;
        if (warehouse == null || warehouse.isBlank()) {
            if (needsWarehouse) {
                problems.add(
                        "warehouse",
                        "required for catalog type '"
                                + type.name().toLowerCase()
                                + "': expected a folder or URI such as file:///data/warehouse"
                                + " or s3://bucket/warehouse");
            }
        } else {
            String scheme = URI.create(warehouse.replace(" ", "%20")).getScheme();
            if (scheme != null && scheme.length() > 1 && !WAREHOUSE_SCHEMES.contains(scheme)) {
                problems.add(
                        "warehouse",
                        "unsupported scheme '"
                                + scheme
                                + "': expected one of "
                                + WAREHOUSE_SCHEMES.stream().sorted().toList());
            }
        }
        if (type == CatalogType.REST) {
            problems.require(
                    uri != null && uri.startsWith("http"),
                    "uri",
                    "required for catalog type 'rest': expected an http(s) URL");
        }
        if (type == CatalogType.JDBC && uri != null) {
            problems.require(
                    uri.startsWith("jdbc:postgresql:"),
                    "uri",
                    "expected a jdbc:postgresql: URL, got '" + uri + "'");
        }
    }

    CatalogConfig resolvePaths(Path baseDir) {
        if (warehouse == null || warehouse.isBlank() || warehouse.contains("://")) {
            return this;
        }
        String local = warehouse.startsWith("file:") ? warehouse.substring(5) : warehouse;
        String absolute = baseDir.resolve(local).normalize().toUri().toString();
        return new CatalogConfig(name, type, absolute, uri, properties, secretProperties);
    }
}
