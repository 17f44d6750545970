/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.types.Types;

/** Small real Iceberg tables for tests: a customers table shaped like a slice of customer_360. */
public final class TestTables {

    public static final Schema CUSTOMERS =
            new Schema(
                    Types.NestedField.optional(1, "customer_id", Types.LongType.get()),
                    Types.NestedField.optional(2, "email", Types.StringType.get()),
                    Types.NestedField.optional(3, "name", Types.StringType.get()),
                    Types.NestedField.optional(4, "plan", Types.StringType.get()),
                    Types.NestedField.optional(5, "lifetime_value", Types.DecimalType.of(18, 2)));

    /** One customer row. */
    public record Customer(
            Long id, String email, String name, String plan, java.math.BigDecimal ltv) {
        public static Customer of(long id) {
            return new Customer(
                    id,
                    "c" + id + "@example.com",
                    "Customer " + id,
                    "free",
                    new java.math.BigDecimal(id % 1000 + ".50"));
        }

        public Customer withEmail(String email) {
            return new Customer(id, email, name, plan, ltv);
        }

        public Customer withPlan(String plan) {
            return new Customer(id, email, name, plan, ltv);
        }
    }

    private TestTables() {}

    /** Creates (or replaces the content of) a table holding exactly {@code rows}. */
    public static Table write(Catalog catalog, String name, List<Customer> rows) {
        TableIdentifier id = TableIdentifier.parse(name);
        if (catalog instanceof SupportsNamespaces ns && !ns.namespaceExists(id.namespace())) {
            ns.createNamespace(id.namespace());
        }
        Table table =
                catalog.tableExists(id)
                        ? catalog.loadTable(id)
                        : catalog.createTable(id, CUSTOMERS, PartitionSpec.unpartitioned());
        OutputFile out =
                table.io()
                        .newOutputFile(
                                table.location() + "/data/" + UUID.randomUUID() + ".parquet");
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema());
        FileAppender<Record> appender = factory.newAppender(out, FileFormat.PARQUET);
        try (appender) {
            GenericRecord r = GenericRecord.create(table.schema());
            for (Customer c : rows) {
                GenericRecord rec = r.copy();
                rec.setField("customer_id", c.id());
                rec.setField("email", c.email());
                rec.setField("name", c.name());
                rec.setField("plan", c.plan());
                rec.setField("lifetime_value", c.ltv());
                appender.add(rec);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DataFile file =
                DataFiles.builder(table.spec())
                        .withPath(out.location())
                        .withFormat(FileFormat.PARQUET)
                        .withFileSizeInBytes(appender.length())
                        .withMetrics(appender.metrics())
                        .build();
        table.newOverwrite().overwriteByRowFilter(Expressions.alwaysTrue()).addFile(file).commit();
        return table;
    }

    static Namespace ns(String name) {
        return Namespace.of(name);
    }
}
