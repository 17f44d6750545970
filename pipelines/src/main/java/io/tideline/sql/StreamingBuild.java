/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import io.tideline.config.SqlChecksConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.core.execution.JobClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running STREAMING build of the SQL layer. It runs the checks on demand ({@link #checkNow()})
 * or on a schedule ({@link #checkEvery(Duration)}); a failing check does not stop the job. Each
 * round's rows go to {@code quality.violations} and its per-check counts to {@code
 * quality.check_runs}, which the job itself exposes as Flink metrics ({@link QualityMetrics}:
 * {@code tideline.quality.failingChecks} and each check's {@code violations}, for the Prometheus
 * alert rules of {@code deploy/prometheus}); this handle also logs an {@code ALERT} line and keeps
 * in-process counters ({@link #alerts()}, {@link #failuresByCheck()}).
 */
public final class StreamingBuild implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamingBuild.class);

    private final SqlRunner runner;
    private final JobClient job;
    private final SqlChecksConfig checks;
    private final AtomicLong alerts = new AtomicLong();
    private final AtomicLong checkRuns = new AtomicLong();
    private final Map<String, AtomicLong> failuresByCheck = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    StreamingBuild(SqlRunner runner, JobClient job, SqlChecksConfig checks) {
        this.runner = runner;
        this.job = job;
        this.checks = checks;
    }

    public JobID jobId() {
        return job.getJobID();
    }

    public JobStatus status() throws Exception {
        return job.getJobStatus().get(30, TimeUnit.SECONDS);
    }

    /** Runs every check now, over the marts as the job has committed them so far. */
    public synchronized List<CheckResult> checkNow() {
        String runId = SqlRunner.newRunId(RuntimeExecutionMode.STREAMING);
        List<CheckResult> results = runner.runChecks(RuntimeExecutionMode.STREAMING, runId);
        checkRuns.incrementAndGet();
        for (CheckResult r : results) {
            if (!r.passed()) {
                alerts.incrementAndGet();
                failuresByCheck.computeIfAbsent(r.name(), k -> new AtomicLong()).incrementAndGet();
                LOG.warn(
                        "ALERT data-quality check {} failed on the STREAMING marts (run {}, job"
                                + " {}): {} violating row(s), stored in quality.violations; for"
                                + " example {}",
                        r.name(),
                        runId,
                        job.getJobID(),
                        r.violations(),
                        r.samples());
            }
        }
        return results;
    }

    /** Runs the checks every {@code interval} until closed. */
    public synchronized void checkEvery(Duration interval) {
        if (scheduler != null) {
            return;
        }
        scheduler =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "tideline-sql-checks");
                            t.setDaemon(true);
                            return t;
                        });
        scheduler.scheduleWithFixedDelay(
                () -> {
                    try {
                        checkNow();
                    } catch (RuntimeException e) {
                        alerts.incrementAndGet();
                        LOG.warn("ALERT the data-quality checks could not run", e);
                    }
                },
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Check failures (and rounds that could not run) seen by this handle so far. */
    public long alerts() {
        return alerts.get();
    }

    /** How many rounds of checks ran. */
    public long checkRuns() {
        return checkRuns.get();
    }

    /** Per check, how many rounds it failed in. */
    public Map<String, Long> failuresByCheck() {
        Map<String, Long> out = new TreeMap<>();
        failuresByCheck.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Rows of each mart as committed so far. */
    public Map<String, Long> martRows() {
        return runner.martRows();
    }

    /** Waits until the job ends (cancelled, failed or, with bounded sources, finished). */
    public void awaitTermination() throws Exception {
        job.getJobExecutionResult().get();
    }

    /** The thresholds the checks run with. */
    public SqlChecksConfig checks() {
        return checks;
    }

    /** Stops the checks and cancels the job. */
    @Override
    public synchronized void close() throws Exception {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
        if (!status.isGloballyTerminalState()) {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }
}
