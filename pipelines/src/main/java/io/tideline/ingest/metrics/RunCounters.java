/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.metrics;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;

/**
 * The counts of one operator for one source, exactly once: they live in operator state, so a
 * restart from a checkpoint resumes them where the checkpoint left them, in step with the Kafka
 * offsets, file positions and Iceberg commits. They are exposed two ways:
 *
 * <ul>
 *   <li>Flink counters in the metric group {@code tideline.source.<source>} ({@code read}, {@code
 *       accepted}, {@code quarantined}, {@code late}, {@code duplicates});
 *   <li>accumulators {@code tideline.<source>.<bucket>}, which the job result (or a running job's
 *       client) sums over the subtasks: see {@code IngestSummary}.
 * </ul>
 */
public final class RunCounters implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Accumulator names start with this. */
    public static final String PREFIX = "tideline.";

    private final String source;
    private final Bucket[] buckets;

    private transient long[] restored;
    private transient Counter[] counters;
    private transient LongCounter[] accumulators;
    private transient ListState<Tuple2<String, Long>> state;

    public RunCounters(String source, Bucket... buckets) {
        this.source = source;
        this.buckets = buckets;
    }

    /** The accumulator name of one count. */
    public static String accumulatorName(String source, Bucket bucket) {
        return PREFIX + source + "." + bucket.metricName();
    }

    /** Call from {@code CheckpointedFunction.initializeState}. */
    public void initializeState(FunctionInitializationContext context) throws Exception {
        state =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "tideline-counts-" + source,
                                        Types.TUPLE(Types.STRING, Types.LONG)));
        restored = new long[buckets.length];
        if (context.isRestored()) {
            for (Tuple2<String, Long> entry : state.get()) {
                for (int i = 0; i < buckets.length; i++) {
                    if (buckets[i].name().equals(entry.f0)) {
                        restored[i] += entry.f1;
                    }
                }
            }
        }
    }

    /** Call from {@code open}, after {@link #initializeState}. */
    public void open(RuntimeContext context) {
        MetricGroup group = metricGroup(context, source);
        counters = new Counter[buckets.length];
        accumulators = new LongCounter[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            long start = restored == null ? 0 : restored[i];
            counters[i] = group.counter(buckets[i].metricName());
            counters[i].inc(start);
            accumulators[i] = new LongCounter(start);
            context.addAccumulator(accumulatorName(source, buckets[i]), accumulators[i]);
        }
    }

    /** The metric group of one source: {@code tideline.source.<source>}. */
    public static MetricGroup metricGroup(RuntimeContext context, String source) {
        return context.getMetricGroup().addGroup("tideline").addGroup("source", source);
    }

    public void inc(Bucket bucket) {
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] == bucket) {
                counters[i].inc();
                accumulators[i].add(1L);
                return;
            }
        }
        throw new IllegalArgumentException(bucket + " is not counted here");
    }

    /** Call from {@code CheckpointedFunction.snapshotState}. */
    public void snapshotState() throws Exception {
        List<Tuple2<String, Long>> values = new ArrayList<>();
        for (int i = 0; i < buckets.length; i++) {
            values.add(Tuple2.of(buckets[i].name(), accumulators[i].getLocalValue()));
        }
        state.update(values);
    }
}
