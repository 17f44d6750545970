/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/**
 * Hands a source's splits (one per table, or per replication slot) to the first reader, and takes
 * them back when that reader fails. The other readers stay idle; with {@code noMoreSplits} they are
 * told at once that nothing will come (so a bounded read ends).
 *
 * @param <S> the split type
 */
public final class OneSplitEnumerator<S extends SourceSplit>
        implements SplitEnumerator<S, List<S>> {

    private final SplitEnumeratorContext<S> context;
    private final List<S> unassigned;
    private final boolean noMoreSplits;

    public OneSplitEnumerator(
            SplitEnumeratorContext<S> context, List<S> unassigned, boolean noMoreSplits) {
        this.context = context;
        this.unassigned = new ArrayList<>(unassigned);
        this.noMoreSplits = noMoreSplits;
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {}

    @Override
    public void addSplitsBack(List<S> splits, int subtaskId) {
        unassigned.addAll(splits);
        assign();
    }

    @Override
    public void addReader(int subtaskId) {
        assign();
    }

    private void assign() {
        if (unassigned.isEmpty() || context.registeredReaders().isEmpty()) {
            return;
        }
        int reader = context.registeredReaders().keySet().stream().sorted().findFirst().get();
        for (S split : unassigned) {
            context.assignSplit(split, reader);
        }
        unassigned.clear();
        if (noMoreSplits) {
            for (int r : context.registeredReaders().keySet()) {
                context.signalNoMoreSplits(r);
            }
        }
    }

    @Override
    public List<S> snapshotState(long checkpointId) {
        return new ArrayList<>(unassigned);
    }

    @Override
    public void close() {}
}
