/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import io.tideline.config.PostgresConfig;
import io.tideline.config.SourceConfig;
import io.tideline.ingest.OneSplitEnumerator;
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
 * A PostgreSQL table's changes ({@code kind: postgres-cdc}) as a Flink source (the new Source API:
 * one split, the slot, whose position is checkpointed). Unbounded. Run it with parallelism 1.
 */
public final class CdcSource
        implements Source<RawRecord, CdcSplit, List<CdcSplit>>, ResultTypeQueryable<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final CdcReader.Settings settings;

    public CdcSource(
            String name, PostgresConfig postgres, SourceConfig source, CdcPreflight.Table table) {
        Properties props = new Properties();
        props.putAll(postgres.connectionProperties());
        this.settings =
                new CdcReader.Settings(
                        name,
                        postgres.jdbcUrl(),
                        props,
                        table.schema(),
                        table.name(),
                        source.slotOr(name),
                        source.publicationOr(name));
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<RawRecord, CdcSplit> createReader(SourceReaderContext context) {
        return new CdcReader(settings, context);
    }

    @Override
    public SplitEnumerator<CdcSplit, List<CdcSplit>> createEnumerator(
            SplitEnumeratorContext<CdcSplit> context) {
        return new OneSplitEnumerator<>(context, List.of(CdcSplit.start(settings.slot())), false);
    }

    @Override
    public SplitEnumerator<CdcSplit, List<CdcSplit>> restoreEnumerator(
            SplitEnumeratorContext<CdcSplit> context, List<CdcSplit> checkpoint) {
        return new OneSplitEnumerator<>(context, checkpoint, false);
    }

    @Override
    public SimpleVersionedSerializer<CdcSplit> getSplitSerializer() {
        return new CdcSplit.Serializer();
    }

    @Override
    public SimpleVersionedSerializer<List<CdcSplit>> getEnumeratorCheckpointSerializer() {
        return new CdcSplit.ListSerializer();
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
