/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;

/** Small appends to unpartitioned Iceberg tables with the Iceberg Java API, without a Flink job. */
public final class IcebergAppends {

    private IcebergAppends() {}

    /** Appends the records as one Parquet file, in one snapshot. */
    public static void append(Table table, Iterator<Record> records) {
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema());
        OutputFile out =
                table.io()
                        .newOutputFile(
                                table.locationProvider()
                                        .newDataLocation(UUID.randomUUID() + ".parquet"));
        FileAppender<Record> appender = factory.newAppender(out, FileFormat.PARQUET);
        try (appender) {
            while (records.hasNext()) {
                appender.add(records.next());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.location(), e);
        }
        DataFile file =
                DataFiles.builder(PartitionSpec.unpartitioned())
                        .withPath(out.location())
                        .withFileSizeInBytes(appender.length())
                        .withMetrics(appender.metrics())
                        .withFormat(FileFormat.PARQUET)
                        .build();
        table.newAppend().appendFile(file).commit();
    }
}
