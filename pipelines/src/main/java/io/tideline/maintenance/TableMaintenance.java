/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.maintenance;

import io.tideline.config.MaintenanceConfig;
import io.tideline.flink.FlinkSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.ReachableFileUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.actions.RewriteDataFilesActionResult;
import org.apache.iceberg.flink.actions.Actions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One maintenance pass over an Iceberg table: compacts small data files, expires old snapshots
 * while keeping the last snapshot each Flink job committed, and deletes orphan files older than a
 * safe minimum age.
 *
 * <p>Why the job snapshots matter: the Iceberg Flink sink stores {@code flink.job-id} and {@code
 * flink.max-committed-checkpoint-id} in each snapshot's summary, and a job restoring from a
 * checkpoint finds its last commit by walking the snapshot history back to it. If that snapshot
 * were expired the walk would stop short, and the job would commit the same files a second time.
 */
public final class TableMaintenance {

    private static final Logger LOG = LoggerFactory.getLogger(TableMaintenance.class);

    static final String FLINK_JOB_ID = "flink.job-id";

    /** What one pass did to one table. */
    public record Result(
            String table,
            int dataFilesBefore,
            int dataFilesAfter,
            int rewrittenDataFiles,
            int addedDataFiles,
            int snapshotsBefore,
            int snapshotsAfter,
            Set<Long> protectedSnapshots,
            int orphansDeleted,
            int orphansTooYoung) {

        @Override
        public String toString() {
            return String.format(
                    "%s: data files %d -> %d (rewrote %d into %d), snapshots %d -> %d (%d job"
                            + " snapshots kept), orphans deleted %d (%d younger than the minimum"
                            + " age kept)",
                    table,
                    dataFilesBefore,
                    dataFilesAfter,
                    rewrittenDataFiles,
                    addedDataFiles,
                    snapshotsBefore,
                    snapshotsAfter,
                    protectedSnapshots.size(),
                    orphansDeleted,
                    orphansTooYoung);
        }
    }

    private final MaintenanceConfig policy;
    private final Configuration flink;

    /**
     * @param policy the thresholds and ages of the {@code maintenance} section
     * @param flink the Flink client configuration compaction jobs run with
     */
    public TableMaintenance(MaintenanceConfig policy, Configuration flink) {
        this.policy = policy;
        this.flink = flink;
    }

    /** Compacts, expires and removes orphans, in that order. */
    public Result maintain(String name, Table table, Instant now) {
        table.refresh();
        int snapshotsBefore = count(table.snapshots());
        int filesBefore = dataFiles(table);
        int rewritten = 0;
        int added = 0;
        if (filesBefore >= policy.minInputFiles()) {
            RewriteDataFilesActionResult r =
                    Actions.forTable(
                                    FlinkSettings.environment(flink, RuntimeExecutionMode.BATCH),
                                    table)
                            .rewriteDataFiles()
                            .targetSizeInBytes(policy.targetFileSize())
                            // The compacted files keep the data sequence number of the snapshot
                            // the rewrite started from, so that equality deletes committed while
                            // it ran (a streaming upsert job commits on every checkpoint) still
                            // apply to them. Without it, any such commit fails the rewrite.
                            .useStartingSequenceNumber(true)
                            .execute();
            rewritten = r.deletedDataFiles().size();
            added = r.addedDataFiles().size();
            table.refresh();
        }
        Set<Long> kept = protectedSnapshots(table, now);
        long cutoff = now.minus(policy.maxSnapshotAge()).toEpochMilli();
        for (long id : kept) {
            cutoff = Math.min(cutoff, table.snapshot(id).timestampMillis());
        }
        table.expireSnapshots().expireOlderThan(cutoff).retainLast(policy.retainLast()).commit();
        table.refresh();
        int[] orphans;
        try {
            orphans = deleteOrphans(table, now.minus(policy.orphanMinAge()).toEpochMilli());
        } catch (IllegalStateException e) {
            // the compaction and the expiry are committed; the orphans wait for the next pass
            LOG.warn("{}: {}", name, e.getMessage());
            orphans = new int[] {0, 0};
        }
        return new Result(
                name,
                filesBefore,
                dataFiles(table),
                rewritten,
                added,
                snapshotsBefore,
                count(table.snapshots()),
                kept,
                orphans[0],
                orphans[1]);
    }

    /**
     * The last snapshot of every Flink job that committed to the table within {@code
     * protect-job-snapshots-for}.
     */
    static Set<Long> protectedSnapshots(Table table, Instant now, long windowMillis) {
        Map<String, Snapshot> lastByJob = new HashMap<>();
        for (Snapshot s : table.snapshots()) {
            String job = s.summary() == null ? null : s.summary().get(FLINK_JOB_ID);
            if (job != null) {
                lastByJob.merge(job, s, (a, b) -> a.sequenceNumber() >= b.sequenceNumber() ? a : b);
            }
        }
        Set<Long> ids = new HashSet<>();
        for (Snapshot s : lastByJob.values()) {
            if (now.toEpochMilli() - s.timestampMillis() <= windowMillis) {
                ids.add(s.snapshotId());
            }
        }
        return ids;
    }

    private Set<Long> protectedSnapshots(Table table, Instant now) {
        return protectedSnapshots(table, now, policy.protectJobSnapshotsFor().toMillis());
    }

    /**
     * Deletes the files under the table's location that no snapshot or metadata file references and
     * that are older than {@code olderThanMillis}.
     *
     * @return {deleted, unreferenced but too young}
     */
    static int[] deleteOrphans(Table table, long olderThanMillis) {
        if (!(table.io() instanceof SupportsPrefixOperations prefixes)) {
            return new int[] {0, 0};
        }
        Set<String> reachable = reachableFiles(table);
        int deleted = 0;
        int young = 0;
        List<String> toDelete = new ArrayList<>();
        for (FileInfo f : listing(prefixes, table.location())) {
            if (reachable.contains(normalize(f.location()))) {
                continue;
            }
            if (f.createdAtMillis() < olderThanMillis) {
                toDelete.add(f.location());
            } else {
                young++;
            }
        }
        for (String location : toDelete) {
            table.io().deleteFile(location);
            deleted++;
        }
        return new int[] {deleted, young};
    }

    /**
     * Every file under {@code location}. A writer may delete a file while the listing runs (the
     * Flink sink's committer removes its temporary manifests after each commit), which fails a
     * Hadoop listing that reads the file's status next; the listing is then taken again.
     */
    private static List<FileInfo> listing(SupportsPrefixOperations prefixes, String location) {
        for (int attempt = 1; ; attempt++) {
            try {
                List<FileInfo> files = new ArrayList<>();
                prefixes.listPrefix(location).forEach(files::add);
                return files;
            } catch (RuntimeException e) {
                if (attempt == LISTING_ATTEMPTS) {
                    throw new IllegalStateException(
                            "the files under "
                                    + location
                                    + " changed during each of "
                                    + LISTING_ATTEMPTS
                                    + " listings; orphans not removed this pass",
                            e);
                }
            }
        }
    }

    private static final int LISTING_ATTEMPTS = 5;

    static Set<String> reachableFiles(Table table) {
        Set<String> files = new HashSet<>();
        ReachableFileUtil.metadataFileLocations(table, true).forEach(l -> files.add(normalize(l)));
        files.add(normalize(ReachableFileUtil.versionHintLocation(table)));
        ReachableFileUtil.statisticsFilesLocations(table).forEach(l -> files.add(normalize(l)));
        Set<String> manifests = new HashSet<>();
        for (Snapshot s : table.snapshots()) {
            if (s.manifestListLocation() != null) {
                files.add(normalize(s.manifestListLocation()));
            }
            for (ManifestFile m : s.allManifests(table.io())) {
                if (!manifests.add(m.path())) {
                    continue;
                }
                files.add(normalize(m.path()));
                try {
                    switch (m.content()) {
                        case DATA -> {
                            try (ManifestReader<DataFile> r = ManifestFiles.read(m, table.io())) {
                                r.forEach(f -> files.add(normalize(f.location())));
                            }
                        }
                        case DELETES -> {
                            try (ManifestReader<DeleteFile> r =
                                    ManifestFiles.readDeleteManifest(
                                            m, table.io(), table.specs())) {
                                r.forEach(f -> files.add(normalize(f.location())));
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read manifest " + m.path(), e);
                }
            }
        }
        return files;
    }

    /** {@code file:/a/b}, {@code file:///a/b} and {@code /a/b} are one file. */
    static String normalize(String location) {
        if (location.startsWith("file:")) {
            return Path.of(URI.create(location.replace(" ", "%20"))).normalize().toString();
        }
        if (location.startsWith("/")) {
            return Path.of(location).normalize().toString();
        }
        return location;
    }

    private static int dataFiles(Table table) {
        if (table.currentSnapshot() == null) {
            return 0;
        }
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            return count(tasks);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int count(Iterable<?> items) {
        int n = 0;
        for (Object ignored : items) {
            n++;
        }
        return n;
    }
}
