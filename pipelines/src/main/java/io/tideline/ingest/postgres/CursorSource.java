/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.postgres;

import io.tideline.config.ColumnConfig;
import io.tideline.config.PostgresConfig;
import io.tideline.config.SourceConfig;
import io.tideline.ingest.OneSplitEnumerator;
import io.tideline.ingest.RawRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * A PostgreSQL table or query ({@code kind: jdbc}) as a Flink source (the new Source API: one
 * split, the cursor, checkpointed). Bounded, it reads the rows once; unbounded, it keeps polling
 * for rows after its cursor. Run it with parallelism 1.
 */
public final class CursorSource
        implements Source<RawRecord, CursorSplit, List<CursorSplit>>,
                ResultTypeQueryable<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final CursorReader.Settings settings;
    private final boolean bounded;

    public CursorSource(
            String name, PostgresConfig postgres, SourceConfig source, boolean bounded) {
        List<String> columns = new ArrayList<>();
        for (Map.Entry<String, ColumnConfig> e : source.columnsInOrder().entrySet()) {
            String from = e.getValue().fromOr(e.getKey());
            columns.add(from.startsWith("/") ? from.substring(1) : from);
        }
        List<String> key = new ArrayList<>();
        for (String k : source.key()) {
            key.add(source.columnsInOrder().get(k).fromOr(k));
        }
        String version =
                source.version() == null
                        ? null
                        : source.columnsInOrder().get(source.version()).fromOr(source.version());
        this.settings =
                new CursorReader.Settings(
                        name,
                        postgres.jdbcUrl(),
                        postgres.connectionProperties(),
                        source.sourceTable(),
                        source.query(),
                        source.unknownFields() == SourceConfig.UnknownFields.EXTRA ? null : columns,
                        source.cursor(),
                        key,
                        version,
                        source.pollInterval().toMillis(),
                        source.batchSize());
        this.bounded = bounded;
    }

    @Override
    public Boundedness getBoundedness() {
        return bounded ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<RawRecord, CursorSplit> createReader(SourceReaderContext context) {
        return new CursorReader(settings, bounded);
    }

    @Override
    public SplitEnumerator<CursorSplit, List<CursorSplit>> createEnumerator(
            SplitEnumeratorContext<CursorSplit> context) {
        return new OneSplitEnumerator<>(
                context, List.of(CursorSplit.start(settings.label())), true);
    }

    @Override
    public SplitEnumerator<CursorSplit, List<CursorSplit>> restoreEnumerator(
            SplitEnumeratorContext<CursorSplit> context, List<CursorSplit> checkpoint) {
        return new OneSplitEnumerator<>(context, checkpoint, true);
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

    /** Settings are Serializable; the Properties inside are. */
    static Properties copy(Properties p) {
        Properties out = new Properties();
        out.putAll(p);
        return out;
    }
}
