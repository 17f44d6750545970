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
 * One maintenance pass over an Iceberg table: compacts small data files, removes the delete files
 * that no longer apply to any live data file, expires old snapshots while keeping the last snapshot
 * each Flink job committed, and deletes orphan files older than a safe minimum age.
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
            int deleteFilesBefore,
            int deleteFilesAfter,
            int danglingDeletesRemoved,
            int snapshotsBefore,
            int snapshotsAfter,
            Set<Long> protectedSnapshots,
            int orphansDeleted,
            int orphansTooYoung) {

        @Override
        public String toString() {
            return String.format(
                    "%s: data files %d -> %d (rewrote %d into %d), delete files %d -> %d"
                            + " (removed %d that applied to no live data file), snapshots %d -> %d"
                            + " (%d job snapshots kept), orphans deleted %d (%d younger than the"
                            + " minimum age kept)",
                    table,
                    dataFilesBefore,
                    dataFilesAfter,
                    rewrittenDataFiles,
                    addedDataFiles,
                    deleteFilesBefore,
                    deleteFilesAfter,
                    danglingDeletesRemoved,
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

    /** Compacts, removes dangling deletes, expires and removes orphans, in that order. */
    public Result maintain(String name, Table table, Instant now) {
        table.refresh();
        int snapshotsBefore = count(table.snapshots());
        int filesBefore = dataFiles(table);
        int deletesBefore = deleteFiles(table);
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
        int removedDeletes = removeDanglingDeletes(name, table);
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
                deletesBefore,
                deleteFiles(table),
                removedDeletes,
                snapshotsBefore,
                count(table.snapshots()),
                kept,
                orphans[0],
                orphans[1]);
    }

    /**
     * Removes the delete files of the current snapshot that apply to no live data file. A
     * compaction applies the deletes to the rows it rewrites but leaves the delete files in place;
     * a STREAMING upsert table gathers one or more per checkpoint, and every reader has to open
     * them. By the table spec, an equality delete applies to a data file of a lower data sequence
     * number, a position delete to one of a lower or equal number, in the same partition (an
     * equality delete of an unpartitioned spec: in every partition). So a delete file whose
     * sequence number no live data file of its partition falls under can go; the commit removes it
     * and adds nothing. A commit that races it only adds data files of higher numbers, which no
     * existing delete file applies to. (Two passes over one table at once are not supported: the
     * other's compaction would add files of an older number.) A failed commit is logged and left to
     * the next pass.
     *
     * @return how many delete files were removed
     */
    static int removeDanglingDeletes(String name, Table table) {
        Snapshot current = table.currentSnapshot();
        if (current == null) {
            return 0;
        }
        Map<Integer, org.apache.iceberg.PartitionSpec> specs = table.specs();
        // The lowest data sequence number of the live data files, per spec and partition.
        Map<Integer, org.apache.iceberg.util.StructLikeMap<Long>> lowest = new HashMap<>();
        long lowestAnywhere = Long.MAX_VALUE;
        List<DeleteFile> live = new ArrayList<>();
        try {
            for (ManifestFile m : current.dataManifests(table.io())) {
                try (ManifestReader<DataFile> r = ManifestFiles.read(m, table.io(), specs)) {
                    for (DataFile read : r) {
                        DataFile f = read.copyWithoutStats(); // the reader may reuse its objects
                        // no number (a v1 file): every delete may apply to it
                        long seq = f.dataSequenceNumber() == null ? 0 : f.dataSequenceNumber();
                        lowestAnywhere = Math.min(lowestAnywhere, seq);
                        lowest.computeIfAbsent(
                                        f.specId(),
                                        id ->
                                                org.apache.iceberg.util.StructLikeMap.create(
                                                        specs.get(id).partitionType()))
                                .merge(f.partition(), seq, Math::min);
                    }
                }
            }
            for (ManifestFile m : current.deleteManifests(table.io())) {
                try (ManifestReader<DeleteFile> r =
                        ManifestFiles.readDeleteManifest(m, table.io(), specs)) {
                    for (DeleteFile f : r) {
                        live.add(f.copyWithoutStats());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the manifests of " + name, e);
        }
        List<DeleteFile> dangling = new ArrayList<>();
        for (DeleteFile d : live) {
            if (d.dataSequenceNumber() == null) {
                continue; // kept
            }
            long seq = d.dataSequenceNumber();
            long below;
            if (d.content() == org.apache.iceberg.FileContent.EQUALITY_DELETES
                    && specs.get(d.specId()).isUnpartitioned()) {
                below = lowestAnywhere;
            } else {
                org.apache.iceberg.util.StructLikeMap<Long> byPartition = lowest.get(d.specId());
                Long l = byPartition == null ? null : byPartition.get(d.partition());
                below = l == null ? Long.MAX_VALUE : l;
            }
            boolean applies =
                    d.content() == org.apache.iceberg.FileContent.EQUALITY_DELETES
                            ? below < seq
                            : below <= seq;
            if (!applies) {
                dangling.add(d);
            }
        }
        if (dangling.isEmpty()) {
            return 0;
        }
        try {
            org.apache.iceberg.RewriteFiles rewrite =
                    table.newRewrite().validateFromSnapshot(current.snapshotId());
            dangling.forEach(rewrite::deleteFile);
            rewrite.commit();
        } catch (RuntimeException e) {
            LOG.warn(
                    "{}: could not remove {} delete files that apply to no live data file; the"
                            + " next pass tries again: {}",
                    name,
                    dangling.size(),
                    e.toString());
            return 0;
        } finally {
            table.refresh();
        }
        return dangling.size();
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

    /** The live delete files of the current snapshot, from its summary. */
    static int deleteFiles(Table table) {
        Snapshot s = table.currentSnapshot();
        return s == null || s.summary() == null
                ? 0
                : Integer.parseInt(s.summary().getOrDefault("total-delete-files", "0"));
    }

    private static int count(Iterable<?> items) {
        int n = 0;
        for (Object ignored : items) {
            n++;
        }
        return n;
    }
}
