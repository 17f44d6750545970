/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.postgres;

import io.tideline.config.CustomersSourceConfig;
import io.tideline.config.PostgresConfig;
import io.tideline.ingest.RawRecord;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The operational customers table as a Flink source (the new Source API: one split, the cursor,
 * checkpointed). Bounded, it reads the table once; unbounded, it keeps polling for rows changed
 * since its cursor. Run it with parallelism 1.
 */
public final class CustomersSource
        implements Source<RawRecord, CursorSplit, List<CursorSplit>>,
                ResultTypeQueryable<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final String url;
    private final Properties connection;
    private final String table;
    private final long pollIntervalMs;
    private final int pageSize;
    private final boolean bounded;

    public CustomersSource(
            PostgresConfig postgres, CustomersSourceConfig customers, boolean bounded) {
        this.url = postgres.jdbcUrl();
        this.connection = postgres.connectionProperties();
        this.table = customers.table();
        this.pollIntervalMs = customers.pollInterval().toMillis();
        this.pageSize = customers.batchSize();
        this.bounded = bounded;
    }

    @Override
    public Boundedness getBoundedness() {
        return bounded ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<RawRecord, CursorSplit> createReader(SourceReaderContext context) {
        return new CustomersReader(url, connection, table, pollIntervalMs, pageSize, bounded);
    }

    @Override
    public SplitEnumerator<CursorSplit, List<CursorSplit>> createEnumerator(
            SplitEnumeratorContext<CursorSplit> context) {
        return new CursorEnumerator(context, List.of(CursorSplit.start(table)));
    }

    @Override
    public SplitEnumerator<CursorSplit, List<CursorSplit>> restoreEnumerator(
            SplitEnumeratorContext<CursorSplit> context, List<CursorSplit> checkpoint) {
        return new CursorEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<CursorSplit> getSplitSerializer() {
        return new CursorSplit.Serializer();
    }

    @Override
    public SimpleVersionedSerializer<List<CursorSplit>> getEnumeratorCheckpointSerializer() {
        return new CursorSplit.ListSerializer();
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }

    /** The operational table's shape, as the local platform and the tests create it. */
    public static final String DDL =
            "CREATE SCHEMA IF NOT EXISTS app; CREATE TABLE IF NOT EXISTS app.customers (id BIGINT"
                    + " PRIMARY KEY, email TEXT NOT NULL, name TEXT, country TEXT, plan TEXT,"
                    + " created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT"
                    + " NULL DEFAULT now()); CREATE INDEX IF NOT EXISTS customers_updated_at ON"
                    + " app.customers (updated_at, id)";
}
