/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/** Hands the slot's one split to the first reader, and takes it back when that reader fails. */
final class CdcEnumerator implements SplitEnumerator<CdcSplit, List<CdcSplit>> {

    private final SplitEnumeratorContext<CdcSplit> context;
    private final List<CdcSplit> unassigned;

    CdcEnumerator(SplitEnumeratorContext<CdcSplit> context, List<CdcSplit> unassigned) {
        this.context = context;
        this.unassigned = new ArrayList<>(unassigned);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {}

    @Override
    public void addSplitsBack(List<CdcSplit> splits, int subtaskId) {
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
        for (CdcSplit split : unassigned) {
            context.assignSplit(split, reader);
        }
        unassigned.clear();
    }

    @Override
    public List<CdcSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(unassigned);
    }

    @Override
    public void close() {}
}
