/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import io.tideline.ingest.metrics.Bucket;
import io.tideline.ingest.metrics.RunCounters;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-source counts of one ingestion run, summed over subtasks from the job's accumulators. The
 * counts are checkpointed with the data, so they stay exact across restarts.
 */
public record IngestSummary(Map<String, SourceCounts> sources) {

    public IngestSummary {
        sources = Map.copyOf(sources);
    }

    /** From a job's accumulators (a finished job's result, or a running job's client). */
    public static IngestSummary fromAccumulators(Map<String, Object> accumulators) {
        Map<String, long[]> counts = new TreeMap<>();
        for (Map.Entry<String, Object> e : accumulators.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(RunCounters.PREFIX) || !(e.getValue() instanceof Number n)) {
                continue;
            }
            int dot = name.lastIndexOf('.');
            if (dot <= RunCounters.PREFIX.length()) {
                continue;
            }
            String source = name.substring(RunCounters.PREFIX.length(), dot);
            String bucket = name.substring(dot + 1);
            for (Bucket b : Bucket.values()) {
                if (b.metricName().equals(bucket)) {
                    counts.computeIfAbsent(source, k -> new long[Bucket.values().length])[
                                    b.ordinal()] +=
                            n.longValue();
                }
            }
        }
        Map<String, SourceCounts> out = new TreeMap<>();
        counts.forEach(
                (source, v) ->
                        out.put(
                                source,
                                new SourceCounts(
                                        v[Bucket.READ.ordinal()],
                                        v[Bucket.ACCEPTED.ordinal()],
                                        v[Bucket.QUARANTINED.ordinal()],
                                        v[Bucket.LATE.ordinal()],
                                        v[Bucket.DUPLICATES.ordinal()])));
        return new IngestSummary(out);
    }

    /** One source's counts; zeros when the source did not run. */
    public SourceCounts of(String source) {
        return sources.getOrDefault(source, SourceCounts.NONE);
    }

    /** Whether the invariant holds for every source. */
    public boolean balanced() {
        return sources.values().stream().allMatch(SourceCounts::balanced);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        new TreeMap<>(sources).forEach((k, v) -> s.append(k).append(": ").append(v).append('\n'));
        return s.toString();
    }
}
