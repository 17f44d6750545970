/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import io.tideline.ingest.RawRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.connector.file.src.AbstractFileSource;
import org.apache.flink.connector.file.src.ContinuousEnumerationSettings;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.connector.file.src.PendingSplitsCheckpoint;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A continuously monitored drop folder: Flink's file source (same readers, splits and checkpoint
 * format, so its savepoints restore) with the {@link RetainingFileSplitEnumerator}, which forgets a
 * file version {@code seen-files-retention} after the folder stopped listing it.
 */
public final class DropFileSource extends AbstractFileSource<RawRecord, FileSourceSplit> {

    private static final long serialVersionUID = 1L;

    private final Path folder;
    private final long intervalMillis;
    private final long retentionMillis;

    public DropFileSource(
            Path folder,
            FileEnumerator.Provider listing,
            BulkFormat<RawRecord, FileSourceSplit> format,
            Duration monitorInterval,
            Duration retention) {
        super(
                new Path[] {folder},
                listing,
                FileSource.DEFAULT_SPLIT_ASSIGNER,
                format,
                new ContinuousEnumerationSettings(monitorInterval));
        this.folder = folder;
        this.intervalMillis = monitorInterval.toMillis();
        this.retentionMillis = retention.toMillis();
    }

    @Override
    public SimpleVersionedSerializer<FileSourceSplit> getSplitSerializer() {
        return FileSourceSplitSerializer.INSTANCE;
    }

    @Override
    public SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>>
            createEnumerator(SplitEnumeratorContext<FileSourceSplit> context) {
        return enumerator(context, List.of(), List.of());
    }

    @Override
    public SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>>
            restoreEnumerator(
                    SplitEnumeratorContext<FileSourceSplit> context,
                    PendingSplitsCheckpoint<FileSourceSplit> checkpoint) {
        return enumerator(context, checkpoint.getSplits(), checkpoint.getAlreadyProcessedPaths());
    }

    private RetainingFileSplitEnumerator enumerator(
            SplitEnumeratorContext<FileSourceSplit> context,
            Collection<FileSourceSplit> pending,
            Collection<Path> remembered) {
        return new RetainingFileSplitEnumerator(
                context,
                getEnumeratorFactory().create(),
                getAssignerFactory().create(new ArrayList<>(pending)),
                new Path[] {folder},
                intervalMillis,
                retentionMillis,
                remembered,
                System::currentTimeMillis);
    }
}
