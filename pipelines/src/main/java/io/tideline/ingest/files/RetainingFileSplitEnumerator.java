/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.PendingSplitsCheckpoint;
import org.apache.flink.connector.file.src.assigners.FileSplitAssigner;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a drop folder every monitor interval and hands each new file version to a reader once, as
 * Flink's continuous file enumerator does, but remembers what it handed out in {@link SeenFiles}:
 * bounded by the retention instead of growing for ever. Gauges: {@code seenFiles} (versions
 * remembered) and {@code forgottenFiles}.
 */
final class RetainingFileSplitEnumerator
        implements SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> {

    private static final Logger LOG = LoggerFactory.getLogger(RetainingFileSplitEnumerator.class);

    private final SplitEnumeratorContext<FileSourceSplit> context;
    private final FileEnumerator listing;
    private final FileSplitAssigner assigner;
    private final Path[] folders;
    private final long intervalMillis;
    private final SeenFiles seen;
    private final LongSupplier clock;
    private final LinkedHashMap<Integer, String> waiting = new LinkedHashMap<>();

    RetainingFileSplitEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context,
            FileEnumerator listing,
            FileSplitAssigner assigner,
            Path[] folders,
            long intervalMillis,
            long retentionMillis,
            Collection<Path> remembered,
            LongSupplier clock) {
        this.context = context;
        this.listing = listing;
        this.assigner = assigner;
        this.folders = folders;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
        this.seen = new SeenFiles(retentionMillis);
        seen.restore(remembered, clock.getAsLong());
    }

    @Override
    public void start() {
        context.metricGroup().gauge("seenFiles", seen::size);
        context.metricGroup().gauge("forgottenFiles", seen::forgotten);
        context.callAsync(
                () -> listing.enumerateSplits(folders, 1),
                this::listed,
                intervalMillis,
                intervalMillis);
    }

    private void listed(Collection<FileSourceSplit> splits, Throwable error) {
        if (error != null) {
            // Nothing is forgotten on a failed listing; the next interval lists again.
            LOG.warn("Could not list the drop folder {}; retrying", List.of(folders), error);
            return;
        }
        long before = seen.forgotten();
        List<FileSourceSplit> fresh = seen.offer(splits, clock.getAsLong());
        if (seen.forgotten() > before) {
            LOG.info(
                    "Forgot {} file version(s) of {} not listed for the retention; {} remembered",
                    seen.forgotten() - before,
                    List.of(folders),
                    seen.size());
        }
        assigner.addSplits(fresh);
        assign();
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        waiting.put(subtaskId, requesterHostname);
        assign();
    }

    private void assign() {
        Iterator<Map.Entry<Integer, String>> it = waiting.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Integer, String> reader = it.next();
            if (!context.registeredReaders().containsKey(reader.getKey())) {
                it.remove();
                continue;
            }
            Optional<FileSourceSplit> next = assigner.getNext(reader.getValue());
            if (next.isEmpty()) {
                return;
            }
            context.assignSplit(next.get(), reader.getKey());
            it.remove();
        }
    }

    @Override
    public void addSplitsBack(List<FileSourceSplit> splits, int subtaskId) {
        assigner.addSplits(splits);
    }

    @Override
    public void addReader(int subtaskId) {
        // Readers ask for splits; nothing to do when one registers.
    }

    @Override
    public PendingSplitsCheckpoint<FileSourceSplit> snapshotState(long checkpointId) {
        return PendingSplitsCheckpoint.fromCollectionSnapshot(
                assigner.remainingSplits(), seen.checkpoint());
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent sourceEvent) {
        LOG.warn("Ignoring an unexpected event from reader {}: {}", subtaskId, sourceEvent);
    }

    @Override
    public void close() {
        // Nothing held.
    }
}
