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
 * one split, the slot, whose position is checkpointed). Unbounded (STREAMING), or bounded (BATCH, a
 * catch-up run: the snapshot or the slot's confirmed position, up to an end LSN; see {@link
 * #bounded}). Run it with parallelism 1.
 */
public final class CdcSource
        implements Source<RawRecord, CdcSplit, List<CdcSplit>>, ResultTypeQueryable<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final CdcReader.Settings settings;
    private final Long resumeFrom;

    public CdcSource(
            String name, PostgresConfig postgres, SourceConfig source, CdcPreflight.Table table) {
        this(name, postgres, source, table, 0, null);
    }

    /**
     * A bounded read, for BATCH: the snapshot (when {@code resumeFrom} is null: the slot is
     * created, or dropped and created again) or the changes from {@code resumeFrom} (the slot's
     * confirmed position), up to the transactions that committed before {@code endLsn}. The slot is
     * not moved: whoever runs the job confirms it to {@code endLsn} once the job's Iceberg commits
     * succeeded.
     */
    public static CdcSource bounded(
            String name,
            PostgresConfig postgres,
            SourceConfig source,
            CdcPreflight.Table table,
            long endLsn,
            Long resumeFrom) {
        if (endLsn <= 0) {
            throw new IllegalArgumentException("endLsn must be positive");
        }
        return new CdcSource(name, postgres, source, table, endLsn, resumeFrom);
    }

    private CdcSource(
            String name,
            PostgresConfig postgres,
            SourceConfig source,
            CdcPreflight.Table table,
            long endLsn,
            Long resumeFrom) {
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
                        source.publicationOr(name),
                        endLsn,
                        source.key().stream()
                                .map(k -> source.columnsInOrder().get(k).fromOr(k))
                                .toList());
        this.resumeFrom = resumeFrom;
    }

    @Override
    public Boundedness getBoundedness() {
        return settings.bounded() ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<RawRecord, CdcSplit> createReader(SourceReaderContext context) {
        return new CdcReader(settings, context);
    }

    @Override
    public SplitEnumerator<CdcSplit, List<CdcSplit>> createEnumerator(
            SplitEnumeratorContext<CdcSplit> context) {
        return new OneSplitEnumerator<>(
                context,
                List.of(
                        resumeFrom == null
                                ? CdcSplit.start(settings.slot())
                                : new CdcSplit(settings.slot(), true, resumeFrom, 0, 0)),
                false);
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
