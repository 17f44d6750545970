/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.schedule;

import com.cronutils.model.time.ExecutionTime;
import io.tideline.config.ScheduleConfig;
import io.tideline.config.SyncConfig;
import io.tideline.sync.RunReport;
import io.tideline.sync.SyncEngine;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the syncs that have a {@code schedule} when they are due: by their cron expression (UTC) or
 * every interval (the first run at start). Each run has its own thread and each destination its own
 * bulkhead (threads and queue), so a slow destination delays only its own syncs.
 *
 * <p>A sync never runs twice at once: within this process a due sync whose previous run is still
 * going is skipped, and across processes the run takes the sync's PostgreSQL lock. Either way the
 * skipped run is recorded in {@code reverse_etl.runs} with status {@code skipped} and the reason,
 * and logged.
 */
public final class SyncScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SyncScheduler.class);

    private final SyncEngine engine;
    private final Clock clock;
    private final Duration tick;
    private final PrintStream out;
    private final ScheduledExecutorService ticker;
    private final ExecutorService runs;
    private final Map<String, ZonedDateTime> nextRun = new ConcurrentHashMap<>();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final List<RunReport> reports = new CopyOnWriteArrayList<>();

    public SyncScheduler(SyncEngine engine, Clock clock, Duration tick, PrintStream out) {
        this.engine = engine;
        this.clock = clock;
        this.tick = tick;
        this.out = out;
        AtomicInteger n = new AtomicInteger();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "sync-scheduler"));
        this.runs =
                Executors.newCachedThreadPool(r -> thread(r, "sync-run-" + n.incrementAndGet()));
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Starts ticking. */
    public SyncScheduler start() {
        ZonedDateTime now = ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC);
        engine.config()
                .syncs()
                .forEach(
                        (name, sync) -> {
                            if (sync.schedule() != null && sync.enabled()) {
                                nextRun.put(name, first(sync.schedule(), now));
                                LOG.info(
                                        "Sync {} scheduled, first run at {}",
                                        name,
                                        nextRun.get(name));
                            }
                        });
        ticker.scheduleWithFixedDelay(this::tick, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    static ZonedDateTime first(ScheduleConfig s, ZonedDateTime now) {
        return s.interval() != null ? now : next(s, now);
    }

    static ZonedDateTime next(ScheduleConfig s, ZonedDateTime after) {
        if (s.interval() != null) {
            return after.plus(s.interval());
        }
        ExecutionTime t = ExecutionTime.forCron(ScheduleConfig.cronParser().parse(s.cron()));
        return t.nextExecution(after)
                .orElseThrow(() -> new IllegalStateException("cron " + s.cron() + " never fires"));
    }

    private void tick() {
        ZonedDateTime now = ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC);
        nextRun.forEach(
                (name, due) -> {
                    if (now.isBefore(due)) {
                        return;
                    }
                    SyncConfig sync = engine.config().syncs().get(name);
                    nextRun.put(
                            name,
                            next(sync.schedule(), sync.schedule().interval() != null ? now : due));
                    if (!running.add(name)) {
                        String reason =
                                "sync '"
                                        + name
                                        + "' is due at "
                                        + due
                                        + " but its previous run in this scheduler is still going";
                        runs.execute(
                                () -> {
                                    try {
                                        reports.add(engine.skip(name, "schedule", reason, out));
                                    } catch (RuntimeException e) {
                                        LOG.warn(
                                                "Sync {} did not run: {} (and the ledger could not"
                                                        + " record it: {})",
                                                name,
                                                reason,
                                                e.getMessage());
                                    }
                                });
                        return;
                    }
                    runs.execute(
                            () -> {
                                try {
                                    reports.add(
                                            engine.run(
                                                    name,
                                                    SyncEngine.RunOptions.defaults()
                                                            .trigger("schedule")
                                                            .out(out)));
                                } catch (RuntimeException | Error e) {
                                    LOG.error("Scheduled run of sync {} failed", name, e);
                                } finally {
                                    running.remove(name);
                                }
                            });
                });
    }

    /** The reports of the runs this scheduler started (skipped ones included). */
    public List<RunReport> reports() {
        return List.copyOf(reports);
    }

    /** When each scheduled sync is next due. */
    public Map<String, ZonedDateTime> nextRuns() {
        return Map.copyOf(nextRun);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        runs.shutdown();
        try {
            if (!runs.awaitTermination(30, TimeUnit.SECONDS)) {
                runs.shutdownNow();
            }
        } catch (InterruptedException e) {
            runs.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
