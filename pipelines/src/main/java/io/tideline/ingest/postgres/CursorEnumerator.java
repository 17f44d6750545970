/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.postgres;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/** Hands the table's one split to the first reader, and takes it back when that reader fails. */
final class CursorEnumerator implements SplitEnumerator<CursorSplit, List<CursorSplit>> {

    private final SplitEnumeratorContext<CursorSplit> context;
    private final List<CursorSplit> unassigned;

    CursorEnumerator(SplitEnumeratorContext<CursorSplit> context, List<CursorSplit> unassigned) {
        this.context = context;
        this.unassigned = new ArrayList<>(unassigned);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {}

    @Override
    public void addSplitsBack(List<CursorSplit> splits, int subtaskId) {
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
        for (CursorSplit split : unassigned) {
            context.assignSplit(split, reader);
        }
        unassigned.clear();
        for (int r : context.registeredReaders().keySet()) {
            context.signalNoMoreSplits(r);
        }
    }

    @Override
    public List<CursorSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(unassigned);
    }

    @Override
    public void close() {}
}
