/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.IngestionConfig;
import io.tideline.config.TidelineConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The ingested tables of the README's contract ({@code landing.events}, {@code landing.orders},
 * {@code landing.customers}, in the default namespace {@link IngestionConfig#DEFAULT_NAMESPACE})
 * and their change logs ({@code landing.*_changelog}, what the STREAMING sources read), created and
 * filled with the Iceberg Java API, for tests and the benchmark. Rows appended to an ingested table
 * go to its change log too, as ingestion does; the test tables are plain appends, so they may hold
 * several versions of a key (the staging views pick the latest).
 */
public final class RawTables {

    public static final TableIdentifier EVENTS =
            TableIdentifier.of(IngestionConfig.DEFAULT_NAMESPACE, "events");
    public static final TableIdentifier ORDERS =
            TableIdentifier.of(IngestionConfig.DEFAULT_NAMESPACE, "orders");
    public static final TableIdentifier CUSTOMERS =
            TableIdentifier.of(IngestionConfig.DEFAULT_NAMESPACE, "customers");

    private static final Types.TimestampType TZ = Types.TimestampType.withZone();
    private static final Types.DecimalType MONEY = Types.DecimalType.of(18, 2);

    public static final Schema EVENTS_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "event_id", Types.StringType.get()),
                    Types.NestedField.optional(2, "event_type", Types.StringType.get()),
                    Types.NestedField.optional(3, "customer_id", Types.StringType.get()),
                    Types.NestedField.optional(4, "anonymous_id", Types.StringType.get()),
                    Types.NestedField.optional(5, "event_time", TZ),
                    Types.NestedField.optional(6, "amount", MONEY),
                    Types.NestedField.optional(7, "currency", Types.StringType.get()),
                    Types.NestedField.optional(8, "properties", Types.StringType.get()),
                    Types.NestedField.optional(9, "extra_fields", Types.StringType.get()),
                    Types.NestedField.optional(10, "ingestion_time", TZ),
                    Types.NestedField.optional(11, "processing_time", TZ),
                    Types.NestedField.optional(12, "source_position", Types.StringType.get()));

    public static final Schema ORDERS_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "order_id", Types.StringType.get()),
                    Types.NestedField.optional(2, "customer_email", Types.StringType.get()),
                    Types.NestedField.optional(3, "amount", MONEY),
                    Types.NestedField.optional(4, "currency", Types.StringType.get()),
                    Types.NestedField.optional(5, "status", Types.StringType.get()),
                    Types.NestedField.optional(6, "created_at", TZ),
                    Types.NestedField.optional(7, "updated_at", TZ),
                    Types.NestedField.optional(8, "extra_fields", Types.StringType.get()),
                    Types.NestedField.optional(9, "ingestion_time", TZ),
                    Types.NestedField.optional(10, "processing_time", TZ),
                    Types.NestedField.optional(11, "source_position", Types.StringType.get()));

    public static final Schema CUSTOMERS_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "id", Types.LongType.get()),
                    Types.NestedField.optional(2, "email", Types.StringType.get()),
                    Types.NestedField.optional(3, "name", Types.StringType.get()),
                    Types.NestedField.optional(4, "country", Types.StringType.get()),
                    Types.NestedField.optional(5, "plan", Types.StringType.get()),
                    Types.NestedField.optional(6, "created_at", TZ),
                    Types.NestedField.optional(7, "updated_at", TZ),
                    Types.NestedField.optional(8, "op", Types.StringType.get()),
                    Types.NestedField.optional(9, "lsn", Types.LongType.get()),
                    Types.NestedField.optional(10, "commit_time", TZ),
                    Types.NestedField.optional(11, "ingestion_time", TZ),
                    Types.NestedField.optional(12, "processing_time", TZ),
                    Types.NestedField.optional(13, "source_position", Types.StringType.get()));

    private final Catalog catalog;

    public RawTables(TidelineConfig config) {
        this.catalog = IcebergCatalogs.open(config);
    }

    /** Creates the three raw tables (format v2, unpartitioned), empty. */
    public RawTables create() {
        if (catalog instanceof SupportsNamespaces ns
                && !ns.namespaceExists(Namespace.of(IngestionConfig.DEFAULT_NAMESPACE))) {
            ns.createNamespace(Namespace.of(IngestionConfig.DEFAULT_NAMESPACE));
        }
        create(EVENTS, EVENTS_SCHEMA);
        create(ORDERS, ORDERS_SCHEMA);
        create(CUSTOMERS, CUSTOMERS_SCHEMA);
        create(changelog(EVENTS), EVENTS_SCHEMA);
        create(changelog(ORDERS), ORDERS_SCHEMA);
        create(changelog(CUSTOMERS), CUSTOMERS_SCHEMA);
        return this;
    }

    private void create(TableIdentifier id, Schema schema) {
        catalog.dropTable(id, true);
        catalog.createTable(
                id, schema, PartitionSpec.unpartitioned(), Map.of("format-version", "2"));
    }

    public Table table(TableIdentifier id) {
        return catalog.loadTable(id);
    }

    /** An event; {@code customerId} and the money may be null. */
    public static Record event(
            String id,
            String type,
            String customerId,
            String anonymousId,
            String time,
            String amount,
            String currency,
            String orderId) {
        Record r = GenericRecord.create(EVENTS_SCHEMA);
        r.setField("event_id", id);
        r.setField("event_type", type);
        r.setField("customer_id", customerId);
        r.setField("anonymous_id", anonymousId);
        r.setField("event_time", ts(time));
        r.setField("amount", money(amount));
        r.setField("currency", currency);
        r.setField("properties", orderId == null ? "{}" : "{\"order_id\":\"" + orderId + "\"}");
        r.setField("extra_fields", "{}");
        r.setField("ingestion_time", ts(time));
        r.setField("processing_time", ts(time));
        r.setField("source_position", "events/0/" + id);
        return r;
    }

    public static Record order(
            String id,
            String email,
            String amount,
            String currency,
            String status,
            String created,
            String updated) {
        Record r = GenericRecord.create(ORDERS_SCHEMA);
        r.setField("order_id", id);
        r.setField("customer_email", email);
        r.setField("amount", money(amount));
        r.setField("currency", currency);
        r.setField("status", status);
        r.setField("created_at", ts(created));
        r.setField("updated_at", ts(updated));
        r.setField("extra_fields", "{}");
        r.setField("ingestion_time", ts(updated));
        r.setField("processing_time", ts(updated));
        r.setField("source_position", "orders.csv:" + id);
        return r;
    }

    public static Record customer(
            long id, String email, String name, String country, String plan, String updated) {
        Record r = GenericRecord.create(CUSTOMERS_SCHEMA);
        r.setField("id", id);
        r.setField("email", email);
        r.setField("name", name);
        r.setField("country", country);
        r.setField("plan", plan);
        r.setField("created_at", ts("2024-01-01T00:00:00Z"));
        r.setField("updated_at", ts(updated));
        return change(r, "update", updated);
    }

    /**
     * A customer's delete, as a postgres-cdc source records it: the key and the change columns, the
     * rest null. Appended to the keyed table too, where the staging view's latest change then hides
     * the key, as a real delete would.
     */
    public static Record deletedCustomer(long id, String at) {
        Record r = GenericRecord.create(CUSTOMERS_SCHEMA);
        r.setField("id", id);
        return change(r, "delete", at);
    }

    /**
     * The change columns of a postgres-cdc source (the demo's customers): the commit LSN grows with
     * {@code at}, each change first in its transaction.
     */
    private static Record change(Record r, String op, String at) {
        long lsn = ts(at).toInstant().toEpochMilli() * 1000;
        r.setField("op", op);
        r.setField("lsn", lsn);
        r.setField("commit_time", ts(at));
        r.setField("ingestion_time", ts(at));
        r.setField("processing_time", ts(at));
        // as CdcReader writes it: the table, the commit LSN, the change's place in its transaction
        r.setField("source_position", "app.customers/" + LogSequenceNumber.valueOf(lsn) + "/0");
        return r;
    }

    public static OffsetDateTime ts(String iso) {
        return iso == null ? null : OffsetDateTime.parse(iso).withOffsetSameInstant(ZoneOffset.UTC);
    }

    public static BigDecimal money(String amount) {
        return amount == null ? null : new BigDecimal(amount).setScale(2);
    }

    /** A raw table's change log. */
    public static TableIdentifier changelog(TableIdentifier raw) {
        return TableIdentifier.of(raw.namespace(), raw.name() + "_changelog");
    }

    /**
     * Appends the records as one Parquet file, in one snapshot; to a raw table's change log too.
     */
    public void append(TableIdentifier id, List<Record> records) {
        append(catalog.loadTable(id), records.iterator());
        if (List.of(EVENTS, ORDERS, CUSTOMERS).contains(id)) {
            append(catalog.loadTable(changelog(id)), records.iterator());
        }
    }

    /** Appends the records of an iterator as one Parquet file, in one snapshot. */
    public static void append(Table table, Iterator<Record> records) {
        IcebergAppends.append(table, records);
    }

    /** Every row of a table, as Iceberg records. */
    public List<Record> rows(TableIdentifier id) {
        Table table = catalog.loadTable(id);
        table.refresh();
        List<Record> out = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            records.forEach(r -> out.add(r.copy()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
