/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.metrics;

import org.apache.flink.metrics.Gauge;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.flink.TableLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The age, in milliseconds, of the last commit to an Iceberg table ({@code lastCommitAgeMs}), or -1
 * before the first one. The table's metadata is refreshed at most every few seconds, on the
 * reporter's thread.
 */
public final class CommitAgeGauge implements Gauge<Long>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CommitAgeGauge.class);
    private static final long REFRESH_MS = 2_000;

    private final TableLoader loader;
    private Table table;
    private long refreshedAt;
    private long lastCommitMillis = -1;

    public CommitAgeGauge(TableLoader loader) {
        this.loader = loader;
    }

    @Override
    public synchronized Long getValue() {
        long now = System.currentTimeMillis();
        if (now - refreshedAt >= REFRESH_MS) {
            refreshedAt = now;
            try {
                if (table == null) {
                    loader.open();
                    table = loader.loadTable();
                } else {
                    table.refresh();
                }
                Snapshot current = table.currentSnapshot();
                lastCommitMillis = current == null ? -1 : current.timestampMillis();
            } catch (Exception e) {
                LOG.warn("Cannot read the last commit time of {}", loader, e);
            }
        }
        return lastCommitMillis < 0 ? -1L : Math.max(0, now - lastCommitMillis);
    }

    @Override
    public synchronized void close() throws Exception {
        loader.close();
    }
}
