/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code maintenance} section: how the Iceberg tables are kept healthy.
 *
 * @param tables the tables maintained, {@code namespace.table}; null (the default): every table the
 *     platform writes (see {@link TidelineConfig#maintenanceTables()})
 * @param interval how often the maintenance job runs (when it runs on its own schedule)
 * @param targetFileSize compaction rewrites small data files into files of about this many bytes
 * @param minInputFiles compaction leaves a table alone until it has at least this many data files
 * @param maxSnapshotAge snapshots older than this are expired...
 * @param retainLast ...but the newest this many are always kept...
 * @param protectJobSnapshotsFor ...and so is the last snapshot each Flink job committed within this
 *     window, since a job restoring from a checkpoint finds its last commit by walking the snapshot
 *     history back to it (an expired one would make it commit the same files again)
 * @param orphanMinAge files no snapshot references are deleted only once they are this old, so that
 *     a commit under way never loses its files
 */
public record MaintenanceConfig(
        List<String> tables,
        Duration interval,
        Long targetFileSize,
        Integer minInputFiles,
        Duration maxSnapshotAge,
        Integer retainLast,
        Duration protectJobSnapshotsFor,
        Duration orphanMinAge) {

    /** The quality checks' own tables, which the SQL layer writes whatever its models. */
    public static final List<String> QUALITY_TABLES =
            List.of("quality.violations", "quality.check_runs");

    public MaintenanceConfig {
        tables = tables == null ? null : List.copyOf(tables);
        interval = interval == null ? Duration.ofHours(1) : interval;
        targetFileSize = targetFileSize == null ? 128L * 1024 * 1024 : targetFileSize;
        minInputFiles = minInputFiles == null ? 5 : minInputFiles;
        maxSnapshotAge = maxSnapshotAge == null ? Duration.ofDays(5) : maxSnapshotAge;
        retainLast = retainLast == null ? 10 : retainLast;
        protectJobSnapshotsFor =
                protectJobSnapshotsFor == null ? Duration.ofDays(7) : protectJobSnapshotsFor;
        orphanMinAge = orphanMinAge == null ? Duration.ofDays(3) : orphanMinAge;
    }

    /** Every key at its default. */
    public static MaintenanceConfig defaults() {
        return new MaintenanceConfig(null, null, null, null, null, null, null, null);
    }

    void validate(Problems problems) {
        for (int i = 0; tables != null && i < tables.size(); i++) {
            String t = tables.get(i);
            if (t == null || !t.matches("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*")) {
                problems.at("tables").index(i).here("expected namespace.table, got '" + t + "'");
            }
        }
        problems.require(
                interval.toSeconds() >= 1, "interval", "expected at least 1s, got " + interval);
        problems.require(
                targetFileSize >= 1024 * 1024,
                "target-file-size",
                "expected at least 1048576 bytes, got " + targetFileSize);
        problems.require(
                minInputFiles >= 2, "min-input-files", "expected at least 2, got " + minInputFiles);
        problems.require(
                !maxSnapshotAge.isNegative(),
                "max-snapshot-age",
                "expected a duration of 0 or more, got " + maxSnapshotAge);
        problems.require(retainLast >= 1, "retain-last", "expected at least 1, got " + retainLast);
        problems.require(
                !protectJobSnapshotsFor.isNegative(),
                "protect-job-snapshots-for",
                "expected a duration of 0 or more, got " + protectJobSnapshotsFor);
        problems.require(
                orphanMinAge.toMinutes() >= 1,
                "orphan-min-age",
                "expected at least 1m: younger files may belong to a commit under way, got "
                        + orphanMinAge);
    }

    MaintenanceConfig resolvePaths(Path baseDir) {
        return this;
    }
}
