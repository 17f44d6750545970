/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.catalog;

import io.tideline.config.CatalogConfig;
import io.tideline.config.PostgresConfig;
import io.tideline.config.TidelineConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.catalog.CatalogDescriptor;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * Opens the configured Iceberg catalog three ways, from one set of properties: as an Iceberg {@link
 * Catalog} for Java code, as a {@link CatalogLoader} for Flink sinks and sources, and registered in
 * a Flink {@link TableEnvironment} for SQL.
 */
public final class IcebergCatalogs {

    private IcebergCatalogs() {}

    /** Iceberg catalog properties (credentials included: hand them only to Iceberg). */
    public static Map<String, String> properties(TidelineConfig config) {
        CatalogConfig catalog = config.catalog();
        Map<String, String> props = new LinkedHashMap<>();
        if (catalog.warehouse() != null) {
            props.put(CatalogProperties.WAREHOUSE_LOCATION, catalog.warehouse());
        }
        switch (catalog.type()) {
            case HADOOP -> props.put("catalog-type", "hadoop");
            case REST -> {
                props.put("catalog-type", "rest");
                props.put(CatalogProperties.URI, catalog.uri());
            }
            case JDBC -> {
                props.put(CatalogProperties.CATALOG_IMPL, JdbcCatalog.class.getName());
                PostgresConfig pg = config.postgres();
                props.put(
                        CatalogProperties.URI,
                        catalog.uri() != null ? catalog.uri() : pg.jdbcUrl());
                props.put(JdbcCatalog.PROPERTY_PREFIX + "user", pg.user());
                if (pg.password() != null) {
                    props.put(JdbcCatalog.PROPERTY_PREFIX + "password", pg.password().reveal());
                }
                props.put(JdbcCatalog.PROPERTY_PREFIX + "schema-version", "V1");
            }
        }
        props.putAll(catalog.properties());
        catalog.secretProperties().forEach((k, v) -> props.put(k, v.reveal()));
        return props;
    }

    /** A serializable loader, for Flink sources and sinks. */
    public static CatalogLoader loader(TidelineConfig config) {
        CatalogConfig catalog = config.catalog();
        Map<String, String> props = new HashMap<>(properties(config));
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        return switch (catalog.type()) {
            case HADOOP -> CatalogLoader.hadoop(catalog.name(), hadoop, props);
            case REST -> CatalogLoader.rest(catalog.name(), hadoop, props);
            case JDBC ->
                    CatalogLoader.custom(
                            catalog.name(), props, hadoop, JdbcCatalog.class.getName());
        };
    }

    /** The catalog, opened, for Java code (creating tables, reading them back). */
    public static Catalog open(TidelineConfig config) {
        return loader(config).loadCatalog();
    }

    /** Registers the catalog in a Flink table environment under its configured name. */
    public static void register(TableEnvironment tableEnv, TidelineConfig config) {
        Map<String, String> options = new HashMap<>(properties(config));
        options.put("type", "iceberg");
        tableEnv.createCatalog(
                config.catalog().name(),
                CatalogDescriptor.of(config.catalog().name(), Configuration.fromMap(options)));
    }
}
