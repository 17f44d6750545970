/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * The Iceberg tables ingestion writes, as the README's "Tables" section defines them: their
 * schemas, keys and the position of each column in the {@link RowData} rows the jobs build.
 *
 * <p>All are format v2 and unpartitioned: the keyed tables are written as upserts, which need every
 * partition source column among the equality fields, and a day partition on the event time would
 * make a corrected timestamp a different key.
 */
public final class IngestTables {

    private IngestTables() {}

    public static final Namespace NAMESPACE = Namespace.of("raw");
    public static final TableIdentifier EVENTS = TableIdentifier.of(NAMESPACE, "events");
    public static final TableIdentifier ORDERS = TableIdentifier.of(NAMESPACE, "orders");
    public static final TableIdentifier CUSTOMERS = TableIdentifier.of(NAMESPACE, "customers");
    public static final TableIdentifier QUARANTINE = TableIdentifier.of(NAMESPACE, "quarantine");
    public static final TableIdentifier LATE_EVENTS = TableIdentifier.of(NAMESPACE, "late_events");

    /**
     * The change logs of the three keyed tables: append-only, one row per version the keyed table
     * took (for events, one row per event id first delivered). The keyed tables are written as
     * upserts, with equality deletes, and Iceberg's streaming source reads appended files only, so
     * a continuous reader (the STREAMING SQL layer) follows these instead.
     */
    public static final TableIdentifier EVENTS_CHANGELOG =
            TableIdentifier.of(NAMESPACE, "events_changelog");

    public static final TableIdentifier ORDERS_CHANGELOG =
            TableIdentifier.of(NAMESPACE, "orders_changelog");
    public static final TableIdentifier CUSTOMERS_CHANGELOG =
            TableIdentifier.of(NAMESPACE, "customers_changelog");

    private static final Types.DecimalType MONEY = Types.DecimalType.of(18, 2);
    private static final Types.TimestampType TIMESTAMPTZ = Types.TimestampType.withZone();

    /** Column positions of {@code raw.events} (and the first twelve of {@code raw.late_events}). */
    public static final class Events {
        public static final int EVENT_ID = 0;
        public static final int EVENT_TYPE = 1;
        public static final int CUSTOMER_ID = 2;
        public static final int ANONYMOUS_ID = 3;
        public static final int EVENT_TIME = 4;
        public static final int AMOUNT = 5;
        public static final int CURRENCY = 6;
        public static final int PROPERTIES = 7;
        public static final int EXTRA_FIELDS = 8;
        public static final int INGESTION_TIME = 9;
        public static final int PROCESSING_TIME = 10;
        public static final int SOURCE_POSITION = 11;
        public static final int ARITY = 12;

        /** Only in {@code raw.late_events}. */
        public static final int LATENESS_MS = 12;

        private Events() {}
    }

    /** Column positions of {@code raw.orders}. */
    public static final class Orders {
        public static final int ORDER_ID = 0;
        public static final int CUSTOMER_EMAIL = 1;
        public static final int AMOUNT = 2;
        public static final int CURRENCY = 3;
        public static final int STATUS = 4;
        public static final int CREATED_AT = 5;
        public static final int UPDATED_AT = 6;
        public static final int EXTRA_FIELDS = 7;
        public static final int INGESTION_TIME = 8;
        public static final int PROCESSING_TIME = 9;
        public static final int SOURCE_POSITION = 10;
        public static final int ARITY = 11;

        private Orders() {}
    }

    /** Column positions of {@code raw.customers}. */
    public static final class Customers {
        public static final int ID = 0;
        public static final int EMAIL = 1;
        public static final int NAME = 2;
        public static final int COUNTRY = 3;
        public static final int PLAN = 4;
        public static final int CREATED_AT = 5;
        public static final int UPDATED_AT = 6;
        public static final int INGESTION_TIME = 7;
        public static final int PROCESSING_TIME = 8;
        public static final int SOURCE_POSITION = 9;
        public static final int ARITY = 10;

        private Customers() {}
    }

    /** Column positions of {@code raw.quarantine}. */
    public static final class Quarantine {
        public static final int SOURCE = 0;
        public static final int SOURCE_POSITION = 1;
        public static final int RAW_PAYLOAD = 2;
        public static final int ERROR_CODE = 3;
        public static final int ERROR_MESSAGE = 4;
        public static final int INGESTION_TIME = 5;
        public static final int QUARANTINED_AT = 6;

        /** Added column: the exact bytes, base64, when they are not valid UTF-8; else null. */
        public static final int RAW_PAYLOAD_BASE64 = 7;

        public static final int ARITY = 8;

        private Quarantine() {}
    }

    private static List<NestedField> eventColumns() {
        return List.of(
                NestedField.required(1, "event_id", Types.StringType.get()),
                NestedField.optional(2, "event_type", Types.StringType.get()),
                NestedField.optional(3, "customer_id", Types.StringType.get()),
                NestedField.optional(4, "anonymous_id", Types.StringType.get()),
                NestedField.optional(5, "event_time", TIMESTAMPTZ),
                NestedField.optional(6, "amount", MONEY),
                NestedField.optional(7, "currency", Types.StringType.get()),
                NestedField.optional(8, "properties", Types.StringType.get()),
                NestedField.optional(9, "extra_fields", Types.StringType.get()),
                NestedField.optional(10, "ingestion_time", TIMESTAMPTZ),
                NestedField.optional(11, "processing_time", TIMESTAMPTZ),
                NestedField.optional(12, "source_position", Types.StringType.get()));
    }

    public static final Schema EVENTS_SCHEMA = new Schema(eventColumns(), Set.of(1));

    public static final Schema LATE_EVENTS_SCHEMA =
            new Schema(
                    concat(
                            eventColumns(),
                            NestedField.optional(13, "lateness_ms", Types.LongType.get())));

    public static final Schema ORDERS_SCHEMA =
            new Schema(
                    List.of(
                            NestedField.required(1, "order_id", Types.StringType.get()),
                            NestedField.optional(2, "customer_email", Types.StringType.get()),
                            NestedField.optional(3, "amount", MONEY),
                            NestedField.optional(4, "currency", Types.StringType.get()),
                            NestedField.optional(5, "status", Types.StringType.get()),
                            NestedField.optional(6, "created_at", TIMESTAMPTZ),
                            NestedField.optional(7, "updated_at", TIMESTAMPTZ),
                            NestedField.optional(8, "extra_fields", Types.StringType.get()),
                            NestedField.optional(9, "ingestion_time", TIMESTAMPTZ),
                            NestedField.optional(10, "processing_time", TIMESTAMPTZ),
                            NestedField.optional(11, "source_position", Types.StringType.get())),
                    Set.of(1));

    public static final Schema CUSTOMERS_SCHEMA =
            new Schema(
                    List.of(
                            NestedField.required(1, "id", Types.LongType.get()),
                            NestedField.optional(2, "email", Types.StringType.get()),
                            NestedField.optional(3, "name", Types.StringType.get()),
                            NestedField.optional(4, "country", Types.StringType.get()),
                            NestedField.optional(5, "plan", Types.StringType.get()),
                            NestedField.optional(6, "created_at", TIMESTAMPTZ),
                            NestedField.optional(7, "updated_at", TIMESTAMPTZ),
                            NestedField.optional(8, "ingestion_time", TIMESTAMPTZ),
                            NestedField.optional(9, "processing_time", TIMESTAMPTZ),
                            NestedField.optional(10, "source_position", Types.StringType.get())),
                    Set.of(1));

    public static final Schema QUARANTINE_SCHEMA =
            new Schema(
                    NestedField.optional(1, "source", Types.StringType.get()),
                    NestedField.optional(2, "source_position", Types.StringType.get()),
                    NestedField.optional(3, "raw_payload", Types.StringType.get()),
                    NestedField.optional(4, "error_code", Types.StringType.get()),
                    NestedField.optional(5, "error_message", Types.StringType.get()),
                    NestedField.optional(6, "ingestion_time", TIMESTAMPTZ),
                    NestedField.optional(7, "quarantined_at", TIMESTAMPTZ),
                    NestedField.optional(8, "raw_payload_base64", Types.StringType.get()));

    /** Every table with its schema. */
    public static Map<TableIdentifier, Schema> all() {
        return Map.of(
                EVENTS, EVENTS_SCHEMA,
                LATE_EVENTS, LATE_EVENTS_SCHEMA,
                ORDERS, ORDERS_SCHEMA,
                CUSTOMERS, CUSTOMERS_SCHEMA,
                QUARANTINE, QUARANTINE_SCHEMA,
                EVENTS_CHANGELOG, changelog(EVENTS_SCHEMA),
                ORDERS_CHANGELOG, changelog(ORDERS_SCHEMA),
                CUSTOMERS_CHANGELOG, changelog(CUSTOMERS_SCHEMA));
    }

    /** A keyed table's columns without its identifier fields: the schema of its change log. */
    private static Schema changelog(Schema keyed) {
        return new Schema(keyed.columns());
    }

    /** Creates the {@code raw} namespace and every table that does not exist yet. */
    public static void ensure(Catalog catalog) {
        if (catalog instanceof SupportsNamespaces ns && !ns.namespaceExists(NAMESPACE)) {
            try {
                ns.createNamespace(NAMESPACE);
            } catch (org.apache.iceberg.exceptions.AlreadyExistsException raced) {
                // another job created it first
            }
        }
        all().forEach(
                        (id, schema) -> {
                            if (!catalog.tableExists(id)) {
                                try {
                                    catalog.createTable(
                                            id,
                                            schema,
                                            PartitionSpec.unpartitioned(),
                                            Map.of("format-version", "2"));
                                } catch (org.apache.iceberg.exceptions.AlreadyExistsException r) {
                                    // another job created it first
                                }
                            }
                        });
    }

    /** Flink's type information for rows of {@code schema}, for typed stream edges. */
    public static InternalTypeInfo<RowData> rowType(Schema schema) {
        return InternalTypeInfo.of(FlinkSchemaUtil.convert(schema));
    }

    /** Reads the fields of rows of {@code schema}, whatever their {@link RowData} class. */
    public static RowData.FieldGetter[] fieldGetters(Schema schema) {
        org.apache.flink.table.types.logical.RowType type = FlinkSchemaUtil.convert(schema);
        RowData.FieldGetter[] getters = new RowData.FieldGetter[type.getFieldCount()];
        for (int i = 0; i < getters.length; i++) {
            getters[i] = RowData.createFieldGetter(type.getTypeAt(i), i);
        }
        return getters;
    }

    /** Loads one table (for tests and summaries). */
    public static Table load(Catalog catalog, TableIdentifier id) {
        return catalog.loadTable(id);
    }

    private static List<NestedField> concat(List<NestedField> a, NestedField b) {
        java.util.ArrayList<NestedField> out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }
}
