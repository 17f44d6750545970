/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.SourceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.connector.file.src.PendingSplitsCheckpoint;
import org.apache.flink.connector.file.src.PendingSplitsCheckpointSerializer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set of files a monitored drop folder has read is bounded: a file is remembered while it is in
 * the folder and for the retention after it left, then forgotten. The enumerator lists a real
 * folder through the real {@link VersionedFiles}; only the coordinator around it is a stand-in
 * ({@link Coordinator}), because a MiniCluster cannot move its clock forward by days.
 */
class RetainingFileSplitEnumeratorTest {

    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final DropFiles files =
            new DropFiles(List.of("csv", "jsonl"), null, SourceConfig.DEFAULT_TEMPORARY_NAMES);

    @Test
    void remembersFilesInTheFolderAndForgetsThoseThatLeftAfterTheRetention() throws Exception {
        write("a.csv", 1);
        write("b.csv", 2);
        Coordinator coordinator = new Coordinator();
        RetainingFileSplitEnumerator enumerator = enumerator(coordinator, List.of(), List.of());
        enumerator.start();
        enumerator.handleSplitRequest(0, null);
        enumerator.handleSplitRequest(1, null);
        coordinator.list();
        assertThat(coordinator.assignedNames()).containsExactlyInAnyOrder("a.csv", "b.csv");

        // A month of listings while both files stay: none is read again.
        for (int i = 0; i < 30 * 24; i++) {
            now.addAndGet(HOUR);
            enumerator.handleSplitRequest(0, null);
            coordinator.list();
        }
        assertThat(coordinator.assignedNames()).hasSize(2);
        assertThat(remembered(enumerator)).hasSize(2);

        // a.csv is archived: remembered for the retention (12 h here), then forgotten.
        Files.delete(dir.resolve("a.csv"));
        now.addAndGet(11 * HOUR);
        coordinator.list();
        assertThat(remembered(enumerator)).hasSize(2);
        now.addAndGet(2 * HOUR);
        coordinator.list();
        assertThat(remembered(enumerator)).hasSize(1).allMatch(p -> p.contains("b.csv"));
        assertThat(coordinator.gauge("forgottenFiles").toString()).isEqualTo("1");
        assertThat(coordinator.gauge("seenFiles").toString()).isEqualTo("1");

        // Through a checkpoint (Flink's own serializer) into a new enumerator: b.csv is not read
        // again; a.csv, delivered again after it was forgotten, is a new delivery and is read.
        PendingSplitsCheckpointSerializer<FileSourceSplit> serializer =
                new PendingSplitsCheckpointSerializer<>(FileSourceSplitSerializer.INSTANCE);
        PendingSplitsCheckpoint<FileSourceSplit> restored =
                serializer.deserialize(
                        serializer.getVersion(), serializer.serialize(enumerator.snapshotState(1)));
        Coordinator after = new Coordinator();
        RetainingFileSplitEnumerator again =
                enumerator(after, restored.getSplits(), restored.getAlreadyProcessedPaths());
        again.start();
        write("a.csv", 1);
        again.handleSplitRequest(0, null);
        after.list();
        assertThat(after.assignedNames()).containsExactly("a.csv");
        again.handleSplitRequest(0, null);
        now.addAndGet(HOUR);
        after.list();
        assertThat(after.assignedNames()).containsExactly("a.csv");
    }

    @Test
    void aSavepointOfFlinksOwnFileSourceRestoresWithoutReadingItsFilesAgain() throws Exception {
        write("old.csv", 1);
        List<FileSourceSplit> listed =
                new ArrayList<>(
                        new VersionedFiles(files)
                                .enumerateSplits(
                                        new org.apache.flink.core.fs.Path[] {
                                            new org.apache.flink.core.fs.Path(dir.toUri())
                                        },
                                        1));
        // What FileSource's own enumerator checkpoints: the paths it handed out, no times.
        List<org.apache.flink.core.fs.Path> plain = List.of(listed.get(0).path());
        Coordinator coordinator = new Coordinator();
        RetainingFileSplitEnumerator enumerator = enumerator(coordinator, List.of(), plain);
        enumerator.start();
        enumerator.handleSplitRequest(0, null);
        coordinator.list();
        assertThat(coordinator.assignedNames()).isEmpty();
        assertThat(remembered(enumerator)).hasSize(1);
    }

    @Test
    void theStateIsBoundedByTheFolderAndTheRetentionNotByHistory() {
        // A file a minute for 30 days, each archived an hour after it arrived; retention 1 day.
        SeenFiles seen = new SeenFiles(DAY);
        int arrivals = 30 * 24 * 60;
        int largest = 0;
        int read = 0;
        for (int minute = 0; minute < arrivals; minute++) {
            List<FileSourceSplit> folder = new ArrayList<>();
            for (int f = Math.max(0, minute - 59); f <= minute; f++) {
                folder.add(split("f" + f + ".csv"));
            }
            read += seen.offer(folder, minute * 60_000L).size();
            largest = Math.max(largest, seen.size());
        }
        assertThat(read).as("every file read once").isEqualTo(arrivals);
        // At most the 60 files in the folder plus the 1,440 that left within the last day (Flink's
        // own enumerator would hold all 43,200 by now).
        assertThat(largest).isLessThanOrEqualTo(60 + 24 * 60 + 1);
        assertThat(seen.forgotten()).isGreaterThan(arrivals - 1_600L);
    }

    private static FileSourceSplit split(String name) {
        return new FileSourceSplit(
                name, new org.apache.flink.core.fs.Path("file:/drop/" + name), 0, 10, 0, 10);
    }

    private List<String> remembered(RetainingFileSplitEnumerator enumerator) {
        return enumerator.snapshotState(0).getAlreadyProcessedPaths().stream()
                .map(org.apache.flink.core.fs.Path::toString)
                .toList();
    }

    private RetainingFileSplitEnumerator enumerator(
            Coordinator coordinator,
            Collection<FileSourceSplit> pending,
            Collection<org.apache.flink.core.fs.Path> remembered) {
        return new RetainingFileSplitEnumerator(
                coordinator,
                new VersionedFiles(files),
                FileSource.DEFAULT_SPLIT_ASSIGNER.create(new ArrayList<>(pending)),
                new org.apache.flink.core.fs.Path[] {
                    new org.apache.flink.core.fs.Path(dir.toUri())
                },
                1000,
                12 * HOUR,
                remembered,
                now::get);
    }

    private void write(String name, int version) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, "id\n" + version + "\n");
        // Distinct versions even within one file-system clock tick.
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_000L + version * 1000L));
    }

    /** The split enumerator's coordinator: two readers; the periodic listing run on demand. */
    private static final class Coordinator implements SplitEnumeratorContext<FileSourceSplit> {
        final List<FileSourceSplit> assigned = new ArrayList<>();
        final Map<String, Object> gauges = new HashMap<>();
        private Callable<?> listing;
        private BiConsumer<Object, Throwable> handler;

        List<String> assignedNames() {
            return assigned.stream()
                    .map(
                            s ->
                                    new org.apache.flink.core.fs.Path(
                                                    VersionedFiles.plain(s.path().toString()))
                                            .getName())
                    .toList();
        }

        void list() throws Exception {
            Object result;
            try {
                result = listing.call();
            } catch (Exception e) {
                handler.accept(null, e);
                return;
            }
            handler.accept(result, null);
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return new Metrics();
        }

        /** Keeps the gauges registered, to read their values. */
        private final class Metrics extends UnregisteredMetricsGroup
                implements SplitEnumeratorMetricGroup {
            @Override
            public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
                gauges.put(name, gauge);
                return gauge;
            }

            @Override
            public <G extends Gauge<Long>> G setUnassignedSplitsGauge(G gauge) {
                return gauge;
            }
        }

        Object gauge(String name) {
            return ((Gauge<?>) gauges.get(name)).getValue();
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {}

        @Override
        public int currentParallelism() {
            return 2;
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return Map.of(0, new ReaderInfo(0, "localhost"), 1, new ReaderInfo(1, "localhost"));
        }

        @Override
        public void assignSplits(SplitsAssignment<FileSourceSplit> newSplits) {
            newSplits.assignment().values().forEach(assigned::addAll);
        }

        @Override
        public void signalNoMoreSplits(int subtask) {}

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> void callAsync(
                Callable<T> callable,
                BiConsumer<T, Throwable> handler,
                long initialDelay,
                long period) {
            this.listing = callable;
            this.handler = (BiConsumer<Object, Throwable>) (BiConsumer<?, Throwable>) handler;
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            runnable.run();
        }
    }
}
