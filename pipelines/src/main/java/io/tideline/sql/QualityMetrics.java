/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The data-quality results as Flink metrics of the STREAMING build job, so that the cluster's
 * metric reporter (Prometheus) raises the alert. A small operator of the job reads {@code
 * quality.check_runs} (one row per check per round of checks, written by every check round of the
 * runner, from the client or a scheduled {@code --checks-only}) every {@link #POLL} and exposes,
 * under the operator's group {@code tideline.quality}:
 *
 * <ul>
 *   <li>{@code failingChecks}: the checks whose latest round found violating rows;
 *   <li>{@code check.<name>.violations}: each check's violating rows in its latest round (-1 before
 *       its first round);
 *   <li>{@code lastCheckAgeSeconds}: how long ago the latest round ran (-1 before the first), so
 *       that checks that stopped running raise an alert too.
 * </ul>
 *
 * <p>With the Prometheus reporter they read {@code
 * flink_taskmanager_job_task_operator_tideline_quality_failingChecks} and {@code
 * ..._tideline_quality_check_violations{check="..."}} ({@code deploy/prometheus} has the rules).
 */
public final class QualityMetrics extends RichMapFunction<Long, Long> {

    private static final long serialVersionUID = 1L;

    public static final TableIdentifier CHECK_RUNS = TableIdentifier.of("quality", "check_runs");

    /** How often the operator reads {@code quality.check_runs}. */
    public static final Duration POLL = Duration.ofSeconds(5);

    /** How far back the first read looks for each check's latest round. */
    private static final Duration FIRST_LOOKBACK = Duration.ofDays(7);

    private final CatalogLoader catalog;
    private final List<String> checks;
    private transient Table table;
    private transient MetricGroup group;

    /** Only the task thread touches it; the gauges read {@link #violations} and newestRound. */
    private transient Map<String, Latest> latest;

    private transient Map<String, Long> violations;
    private transient Instant readFrom;
    private transient volatile Instant newestRound;

    /** A check's latest round. */
    private record Latest(Instant at, String runId, long violations) {}

    /**
     * @param checks the names of the checks, registered at once (others are added when they appear)
     */
    public QualityMetrics(CatalogLoader catalog, List<String> checks) {
        this.catalog = catalog;
        this.checks = List.copyOf(checks);
    }

    /** Adds the operator (a timer source, this function, a discarding sink) to {@code env}. */
    public static void attach(
            StreamExecutionEnvironment env, CatalogLoader catalog, List<String> checks) {
        DataGeneratorSource<Long> ticks =
                new DataGeneratorSource<>(
                        index -> index,
                        Long.MAX_VALUE,
                        RateLimiterStrategy.perSecond(1.0 / POLL.toSeconds()),
                        Types.LONG);
        env.fromSource(ticks, WatermarkStrategy.noWatermarks(), "quality: every " + POLL)
                .setParallelism(1)
                .uid("quality-ticks")
                .map(new QualityMetrics(catalog, checks))
                .setParallelism(1)
                .uid("quality-metrics")
                .name("quality: metrics")
                .sinkTo(new DiscardingSink<>())
                .setParallelism(1)
                .uid("quality-discard")
                .name("quality: no output");
    }

    @Override
    public void open(OpenContext openContext) {
        latest = new HashMap<>();
        violations = new ConcurrentHashMap<>();
        readFrom = Instant.now().minus(FIRST_LOOKBACK);
        group = getRuntimeContext().getMetricGroup().addGroup("tideline").addGroup("quality");
        group.gauge("failingChecks", this::failingChecks);
        group.gauge("lastCheckAgeSeconds", this::lastCheckAgeSeconds);
        checks.forEach(this::register);
    }

    private void register(String check) {
        if (violations.putIfAbsent(check, -1L) == null) {
            group.addGroup("check", check).gauge("violations", () -> violations.get(check));
        }
    }

    private long failingChecks() {
        return violations.values().stream().filter(v -> v > 0).count();
    }

    private long lastCheckAgeSeconds() {
        Instant newest = newestRound;
        return newest == null ? -1L : Duration.between(newest, Instant.now()).toSeconds();
    }

    @Override
    public Long map(Long tick) {
        if (table == null) {
            Catalog c = catalog.loadCatalog();
            if (!c.tableExists(CHECK_RUNS)) {
                // no round of checks has run yet
                return tick;
            }
            table = c.loadTable(CHECK_RUNS);
        }
        table.refresh();
        long fromMicros = ChronoUnit.MICROS.between(Instant.EPOCH, readFrom);
        try (CloseableIterable<Record> rows =
                IcebergGenerics.read(table)
                        .where(Expressions.greaterThanOrEqual("checked_at", fromMicros))
                        .build()) {
            for (Record r : rows) {
                String check = (String) r.getField("check_name");
                Instant at = ((OffsetDateTime) r.getField("checked_at")).toInstant();
                Latest round =
                        new Latest(
                                at, (String) r.getField("run_id"), (Long) r.getField("violations"));
                latest.merge(check, round, QualityMetrics::later);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CHECK_RUNS, e);
        }
        latest.forEach(
                (check, round) -> {
                    register(check);
                    violations.put(check, round.violations());
                });
        // Rounds are written once they end, with the time they started: look back an hour.
        latest.values().stream()
                .map(Latest::at)
                .max(Instant::compareTo)
                .ifPresent(
                        at -> {
                            newestRound = at;
                            readFrom = at.minus(Duration.ofHours(1));
                        });
        return tick;
    }

    private static Latest later(Latest a, Latest b) {
        int c = a.at().compareTo(b.at());
        if (c == 0) {
            c = a.runId().compareTo(b.runId());
        }
        return c >= 0 ? a : b;
    }
}
