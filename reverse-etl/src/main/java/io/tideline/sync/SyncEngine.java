/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.DestinationConfig;
import io.tideline.config.MirrorConfig;
import io.tideline.config.SyncConfig;
import io.tideline.config.SyncConfig.SyncMode;
import io.tideline.config.TidelineConfig;
import io.tideline.destination.CallException;
import io.tideline.destination.Destination;
import io.tideline.destination.DestinationChannel;
import io.tideline.destination.Destinations;
import io.tideline.destination.Operation;
import io.tideline.destination.OutboundRecord;
import io.tideline.destination.RecordOutcome;
import io.tideline.ledger.Counts;
import io.tideline.ledger.Ledger;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs syncs: reads the source, compares it with the ledger's state of the last successful
 * deliveries, sends only new, changed, previously rejected and (mirror mode) removed rows, and
 * saves the outcome of every batch as it lands (the batches that landed together in one
 * transaction, once the next calls are out), so that a crash loses nothing and a rerun re-sends
 * nothing already delivered. The same engine serves the one-shot command and the scheduler.
 */
public final class SyncEngine {

    private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);
    private static final int SAMPLES = 20;

    /**
     * The batches a streamed run's reader may have ready ahead of the sender (tests lower it, to
     * observe that the calls start before the read ends).
     */
    static volatile int streamQueue = 256;

    /** The rows a streamed run's reader decodes ahead while the keys are read. */
    private static final int EARLY_ROWS = 20_000;

    private final TidelineConfig config;
    private final Supplier<Catalog> catalog;
    private volatile Catalog openCatalog;

    /** Hooks into a run, for observing it. */
    public interface RunListener {
        /** Called after each batch's outcome is saved in the ledger. */
        default void batchSaved(long runId, int batchesSaved, Counts countsSoFar) {}

        /**
         * Called when a streamed run (an Iceberg source) has read its source to the end, from the
         * thread that read it, while its calls may still be going out.
         */
        default void sourceRead(long runId, long rows) {}
    }

    /**
     * How a run is started.
     *
     * @param allowMassDelete the explicit override of the mirror guard: removals beyond {@code
     *     mirror.max-delete-share}, or an empty source, are sent
     */
    public record RunOptions(
            boolean dryRun,
            String trigger,
            PrintStream out,
            RunListener listener,
            boolean allowMassDelete) {

        public static RunOptions defaults() {
            return new RunOptions(false, "manual", System.out, new RunListener() {}, false);
        }

        public RunOptions dryRun(boolean dryRun) {
            return new RunOptions(dryRun, trigger, out, listener, allowMassDelete);
        }

        public RunOptions trigger(String trigger) {
            return new RunOptions(dryRun, trigger, out, listener, allowMassDelete);
        }

        public RunOptions out(PrintStream out) {
            return new RunOptions(dryRun, trigger, out, listener, allowMassDelete);
        }

        public RunOptions listener(RunListener listener) {
            return new RunOptions(dryRun, trigger, out, listener, allowMassDelete);
        }

        public RunOptions allowMassDelete(boolean allow) {
            return new RunOptions(dryRun, trigger, out, listener, allow);
        }
    }

    /** A mirror run refused by the guard before anything was sent. */
    static final class GuardRefusal extends RuntimeException {
        GuardRefusal(String message) {
            super(message, null, false, false);
        }
    }

    public SyncEngine(TidelineConfig config) {
        this.config = config;
        this.catalog = () -> IcebergCatalogs.open(config);
    }

    public TidelineConfig config() {
        return config;
    }

    private Catalog catalog() {
        if (openCatalog == null) {
            synchronized (this) {
                if (openCatalog == null) {
                    openCatalog = catalog.get();
                }
            }
        }
        return openCatalog;
    }

    /** Runs one sync now and returns its report (also saved in the ledger and printed). */
    public RunReport run(String syncName, RunOptions options) {
        SyncConfig sync = config.syncs().get(syncName);
        if (sync == null) {
            throw new IllegalArgumentException(
                    "unknown sync '" + syncName + "': expected one of " + config.syncs().keySet());
        }
        DestinationConfig dest = config.destinations().get(sync.destination());
        try (Ledger ledger = Ledger.open(config.postgres())) {
            Optional<String> notNow = Optional.empty();
            if (!sync.enabled()) {
                notNow = Optional.of("sync '" + syncName + "' is disabled (enabled: false)");
            } else if (!dest.enabled()) {
                notNow =
                        Optional.of(
                                "destination '"
                                        + sync.destination()
                                        + "' is disabled (enabled: false)");
            }
            if (notNow.isEmpty()) {
                notNow = ledger.tryLock(syncName);
            }
            if (notNow.isPresent()) {
                return skipped(ledger, syncName, sync, options, notNow.get());
            }
            return new Run(ledger, syncName, sync, dest, options).execute();
        }
    }

    /** Records that a due run of a sync could not start, and why (for schedulers). */
    public RunReport skip(String syncName, String trigger, String reason, PrintStream out) {
        SyncConfig sync = config.syncs().get(syncName);
        try (Ledger ledger = Ledger.open(config.postgres())) {
            return skipped(
                    ledger,
                    syncName,
                    sync,
                    RunOptions.defaults().trigger(trigger).out(out),
                    reason);
        }
    }

    private RunReport skipped(
            Ledger ledger, String name, SyncConfig sync, RunOptions options, String reason) {
        Instant now = Instant.now();
        Counts zero = new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        RunReport r =
                new RunReport(
                        0,
                        name,
                        sync.destination(),
                        sync.mode().toString(),
                        options.dryRun(),
                        "skipped",
                        reason,
                        now,
                        now,
                        0,
                        zero,
                        0,
                        0,
                        0,
                        null,
                        List.of("could not run: " + reason),
                        List.of(),
                        List.of(),
                        null);
        long id =
                ledger.recordSkipped(
                        name, sync.destination(), options.trigger(), reason, r.toJson());
        r =
                new RunReport(
                        id,
                        name,
                        sync.destination(),
                        sync.mode().toString(),
                        options.dryRun(),
                        "skipped",
                        reason,
                        now,
                        now,
                        0,
                        zero,
                        0,
                        0,
                        0,
                        null,
                        r.alerts(),
                        List.of(),
                        List.of(),
                        null);
        LOG.warn("Sync {} did not run: {}", name, reason);
        options.out().print(r.toTable());
        return r;
    }

    /** One run's working state. */
    private final class Run {
        private final Ledger ledger;
        private final String name;
        private final SyncConfig sync;
        private final DestinationConfig dest;
        private final RunOptions options;
        private final Instant started = Instant.now();
        private long runId;
        private long queried;
        private long invalid;
        // written by the thread reading the source while a streamed run sends (the only writer)
        private volatile long unchanged;
        private long succeeded;
        private long rejected;
        private long retried;
        private long deleted;
        private long deleteRejected;
        private long pending;
        private volatile long held;
        private long parked;
        private long newRejected;
        private final Instant now = Instant.now();
        private final List<RunReport.Sample> invalidSamples = new ArrayList<>();
        private final List<RunReport.Sample> rejectedSamples = new ArrayList<>();
        private DestinationChannel channel;
        private CompletableFuture<DestinationChannel> opening;

        Run(
                Ledger ledger,
                String name,
                SyncConfig sync,
                DestinationConfig dest,
                RunOptions options) {
            this.ledger = ledger;
            this.name = name;
            this.sync = sync;
            this.dest = dest;
            this.options = options;
        }

        /**
         * @param prior the row's open rejection before this run, or null
         */
        private record Planned(
                Operation op, OutboundRecord record, String hash, Ledger.Rejection prior) {}

        RunReport execute() {
            runId =
                    ledger.startRun(
                            name,
                            sync.destination(),
                            sync.mode().toString(),
                            options.trigger(),
                            options.dryRun());
            LOG.info(
                    "Run {} of sync {} → {} ({}{}) started",
                    runId,
                    name,
                    sync.destination(),
                    sync.mode(),
                    options.dryRun() ? ", dry run" : "");
            // the destination's client and resilience are set up while the source is read (the
            // first run of a process loads their classes and the TLS trust store: about a second)
            opening = new CompletableFuture<>();
            Thread opener =
                    new Thread(
                            () -> {
                                try {
                                    Destination d = Destinations.create(dest, name);
                                    d.startRun(runId);
                                    opening.complete(
                                            new DestinationChannel(
                                                    sync.destination(),
                                                    dest,
                                                    d,
                                                    sync.rateLimit(),
                                                    name));
                                } catch (Throwable t) {
                                    opening.completeExceptionally(t);
                                }
                            },
                            "sync-" + name + "-open-destination");
            opener.setDaemon(true);
            opener.start();
            String failure = null;
            List<String> samplePayloads = null;
            Map<Operation, List<Planned>> plan = null;
            Feed feed = null;
            long planning = System.nanoTime();
            try {
                SourceRows source = new SourceRows(sync, identityField());
                if (!options.dryRun() && source.pinnable()) {
                    feed = stream(source, planning);
                }
                if (feed == null) {
                    plan = plan(source);
                    LOG.info(
                            "Run {} of sync {}: {} rows read and compared in {} ms",
                            runId,
                            name,
                            queried,
                            (System.nanoTime() - planning) / 1_000_000);
                }
            } catch (SourceRows.SourceException | Ledger.LedgerException | GuardRefusal e) {
                failure = e.getMessage();
            } catch (RuntimeException e) {
                LOG.error("Run {} of sync {} failed", runId, name, e);
                failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            // a destination that cannot be set up fails the call, as when it was set up first
            channel = channel();
            Destination destination = channel.destination();
            if (failure == null) {
                try {
                    if (options.dryRun()) {
                        samplePayloads = samples(destination, plan);
                    } else {
                        failure = send(feed != null ? feed : Feed.of(batches(plan)));
                    }
                } catch (SourceRows.SourceException | Ledger.LedgerException | GuardRefusal e) {
                    failure = e.getMessage();
                } catch (RuntimeException e) {
                    LOG.error("Run {} of sync {} failed", runId, name, e);
                    failure = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
            }
            return finish(failure, samplePayloads, destination);
        }

        /** The run's channel, once the destination is set up; its failure is rethrown as is. */
        private DestinationChannel channel() {
            if (channel != null) {
                return channel;
            }
            try {
                return opening.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw e;
            }
        }

        private String identityField() {
            return dest.type() == DestinationConfig.DestinationType.WEBHOOK
                    ? null
                    : dest.idProperty();
        }

        /** Reads the source and decides what each row needs. */
        private Map<Operation, List<Planned>> plan(SourceRows source) {
            String identityField = identityField();
            Map<String, SourceRows.MappedRow> rows = new HashMap<>();
            Set<String> duplicateKeys = new HashSet<>();
            Map<String, String> keyByIdentity = new HashMap<>();
            Set<String> duplicateIdentities = new HashSet<>();
            long[] nullKeys = {0};
            source.read(
                    sync.source().isPostgres() ? null : catalog(),
                    config,
                    row -> {
                        queried++;
                        if (rows.putIfAbsent(row.key(), row) != null) {
                            duplicateKeys.add(row.key());
                        }
                    },
                    () -> {
                        queried++;
                        nullKeys[0]++;
                        sample(invalidSamples, "(null)", "null primary key " + sync.primaryKey());
                    });
            invalid += nullKeys[0];
            // Every row of a duplicated key is invalid: which one is right is not ours to guess.
            Set<String> invalidKeys = new HashSet<>(duplicateKeys);
            for (String k : duplicateKeys) {
                sample(invalidSamples, k, "duplicate primary key");
            }
            for (SourceRows.MappedRow row : rows.values()) {
                if (duplicateKeys.contains(row.key())) {
                    continue;
                }
                if (row.identity() == null || row.identity().isBlank()) {
                    invalidKeys.add(row.key());
                    sample(invalidSamples, row.key(), "null " + identityField);
                } else {
                    String other = keyByIdentity.putIfAbsent(row.identity(), row.key());
                    if (other != null) {
                        duplicateIdentities.add(row.identity());
                    }
                }
            }
            for (SourceRows.MappedRow row : rows.values()) {
                if (!invalidKeys.contains(row.key())
                        && row.identity() != null
                        && duplicateIdentities.contains(row.identity())) {
                    invalidKeys.add(row.key());
                    sample(
                            invalidSamples,
                            row.key(),
                            "duplicate "
                                    + identityField
                                    + " '"
                                    + row.identity()
                                    + "' (shared with another row)");
                }
            }
            // queried counts rows; a duplicated key may stand for several rows
            invalid += queried - nullKeys[0] - (rows.size() - invalidKeys.size());

            Map<String, Ledger.State> state = ledger.loadState(name);
            Map<String, Ledger.Rejection> rejections = ledger.loadRejections(name);
            Map<Operation, List<Planned>> plan = new EnumMap<>(Operation.class);
            for (SourceRows.MappedRow row : rows.values()) {
                if (invalidKeys.contains(row.key())) {
                    continue;
                }
                Planned p = decide(source, row, state, rejections);
                if (p != null) {
                    plan.computeIfAbsent(p.op(), k -> new ArrayList<>()).add(p);
                }
            }
            if (sync.mode() == SyncMode.MIRROR) {
                List<Planned> removals = removals(state, rejections, rows::containsKey);
                if (!removals.isEmpty()) {
                    plan.put(Operation.DELETE, removals);
                }
            }
            guardMirror(plan, state.size(), rows.size());
            return plan;
        }

        /**
         * What a valid row (its key and identity unique in the source) needs: null when nothing
         * (unchanged, or held by its rejection: counted here).
         */
        private Planned decide(
                SourceRows source,
                SourceRows.MappedRow row,
                Map<String, Ledger.State> state,
                Map<String, Ledger.Rejection> rejections) {
            Ledger.State st = state.get(row.key());
            Ledger.Rejection prior = rejections.get(row.key());
            if (prior != null && prior.holds(row.hash(), now)) {
                // parked for this content, or backing off: not sent in this run
                held++;
                return null;
            }
            boolean wasRejected = prior != null;
            if (!wasRejected
                    && st != null
                    && (st.hash().equals(row.hash()) || sync.mode() == SyncMode.INSERT_ONLY)) {
                unchanged++;
                return null;
            }
            String destId = st == null ? null : st.destinationId();
            Operation op =
                    switch (sync.mode()) {
                        case UPSERT, MIRROR ->
                                st != null
                                                && destId != null
                                                && !Objects.equals(st.identity(), row.identity())
                                        ? Operation.UPDATE_BY_ID
                                        : Operation.UPSERT;
                        case UPDATE_ONLY -> Operation.UPDATE;
                        // a create whose outcome was unknown goes again as an upsert on the
                        // identifier (idempotent): if the lost create was applied, it finds
                        // that record instead of creating a second one
                        case INSERT_ONLY ->
                                prior != null
                                                && prior.reason() != null
                                                && prior.reason()
                                                        .startsWith(
                                                                DestinationChannel.OUTCOME_UNKNOWN)
                                                && channel()
                                                        .destination()
                                                        .idempotent(Operation.UPSERT)
                                        ? Operation.UPSERT
                                        : Operation.INSERT;
                    };
            OutboundRecord rec =
                    new OutboundRecord(
                            row.key(), row.identity(), destId, source.fields(row.values()));
            return new Planned(op, rec, row.hash(), prior);
        }

        /** Mirror mode: the records the ledger knows whose key the source no longer has. */
        private List<Planned> removals(
                Map<String, Ledger.State> state,
                Map<String, Ledger.Rejection> rejections,
                Predicate<String> inSource) {
            MirrorConfig mirror = sync.mirror();
            List<Planned> out = new ArrayList<>();
            for (Map.Entry<String, Ledger.State> e : state.entrySet()) {
                String key = e.getKey();
                if (inSource.test(key)) {
                    continue;
                }
                Ledger.State st = e.getValue();
                String destId = st.destinationId() != null ? st.destinationId() : key;
                if (mirror.removal() == MirrorConfig.Removal.DELETE) {
                    out.add(
                            new Planned(
                                    Operation.DELETE,
                                    new OutboundRecord(key, st.identity(), destId, Map.of()),
                                    null,
                                    rejections.get(key)));
                } else {
                    Map<String, Object> fields = new HashMap<>();
                    fields.put(mirror.archiveField(), mirror.archiveValue());
                    out.add(
                            new Planned(
                                    Operation.UPDATE_BY_ID,
                                    new OutboundRecord(key, st.identity(), destId, fields),
                                    null,
                                    rejections.get(key)));
                }
            }
            return out;
        }

        /**
         * The mirror guard: refuses, before anything is sent, a run whose removals exceed {@code
         * max-delete-share} of the records the destination is known to hold, or whose source came
         * back empty while records are known, unless the run has the explicit override.
         */
        private void guardMirror(Map<Operation, List<Planned>> plan, int known, int sourceRows) {
            if (sync.mode() != SyncMode.MIRROR || known == 0 || options.allowMassDelete()) {
                return;
            }
            long removals = plan.getOrDefault(Operation.DELETE, List.of()).size();
            double share = sync.mirror().maxDeleteShare();
            String why = null;
            if (sourceRows == 0) {
                why =
                        "the source "
                                + sync.source().describe()
                                + " is empty: mirror mode would remove all "
                                + known
                                + " records the destination holds";
            } else if (removals > share * known) {
                why =
                        String.format(
                                Locale.ROOT,
                                "mirror mode would remove %d of the %d records the destination"
                                        + " holds (%.1f%%), more than max-delete-share %.1f%%",
                                removals,
                                known,
                                100.0 * removals / known,
                                share * 100);
            }
            if (why != null) {
                // nothing is sent: every row the run would have sent is pending
                for (List<Planned> ops : plan.values()) {
                    countPending(ops);
                }
                throw new GuardRefusal(
                        "refused by the mirror guard, nothing was sent: "
                                + why
                                + ". If the source is right, run it once with --allow-mass-delete"
                                + " (RunOptions.allowMassDelete)");
            }
        }

        private int batchSize() {
            int max = channel().destination().maxBatchSize();
            return Math.max(1, Math.min(max, sync.batchSize() == null ? max : sync.batchSize()));
        }

        private List<List<Planned>> batches(Map<Operation, List<Planned>> plan) {
            int size = batchSize();
            List<List<Planned>> out = new ArrayList<>();
            for (List<Planned> ops : plan.values()) {
                out.addAll(batches(ops, size));
            }
            return out;
        }

        /**
         * A list's batches: a removal list may mix deletes and archive updates, each on its own.
         */
        private List<List<Planned>> batches(List<Planned> ops, int size) {
            List<List<Planned>> out = new ArrayList<>();
            Map<Operation, List<Planned>> byOp = new EnumMap<>(Operation.class);
            for (Planned p : ops) {
                byOp.computeIfAbsent(p.op(), k -> new ArrayList<>()).add(p);
            }
            for (List<Planned> list : byOp.values()) {
                for (int i = 0; i < list.size(); i += size) {
                    out.add(list.subList(i, Math.min(list.size(), i + size)));
                }
            }
            return out;
        }

        private List<String> samples(Destination destination, Map<Operation, List<Planned>> plan) {
            List<String> out = new ArrayList<>();
            for (List<Planned> batch : batches(plan)) {
                if (out.size() >= 3) {
                    break;
                }
                List<OutboundRecord> recs = batch.stream().limit(3).map(Planned::record).toList();
                out.add(destination.render(batch.get(0).op(), recs));
            }
            // a dry run sends nothing: the rows it would send are reported as pending
            for (List<Planned> ops : plan.values()) {
                for (Planned p : ops) {
                    if (p.hash() != null) {
                        pending++;
                    }
                }
            }
            return out;
        }

        private record Landed(List<Planned> batch, List<RecordOutcome> outcomes, Throwable error) {}

        /**
         * Sends every batch; returns why the run stopped early, or null. At most the channel's
         * {@link DestinationChannel#capacity() capacity} of batches are in flight at once, the next
         * one going out as one lands: the destination's bulkhead never overflows however many
         * batches a run has, and once the run stops, the batches not yet submitted are never sent.
         */
        private String send(Feed feed) {
            // the plan's counts, before the first call: a run that dies now still adds up (a
            // streamed run's queried and invalid are known from the keys' read: the rows not yet
            // read count as pending)
            ledger.saveCounts(runId, counts());
            AtomicBoolean stop = new AtomicBoolean();
            LinkedBlockingQueue<Landed> landed = feed.landed;
            List<CompletableFuture<List<RecordOutcome>>> futures = new ArrayList<>();
            int window = channel.capacity();
            int inFlight = 0;
            String failure = null;
            int saved = 0;
            // batches that landed and are not yet in the ledger: saved together, in one
            // transaction, once no batch can be submitted (the next calls go out first)
            List<Landed> toSave = new ArrayList<>();
            List<Landed> drained = new ArrayList<>();
            try {
                while (!feed.done() || inFlight > 0 || !toSave.isEmpty()) {
                    Throwable readError = feed.error;
                    if (readError != null && !stop.get()) {
                        // the source could not be read to its end: nothing more is submitted
                        stop.set(true);
                        if (failure == null) {
                            failure = describeRead(readError);
                        }
                    }
                    if (stop.get()) {
                        // never submitted: pending, as the batches that saw the stop in the queue
                        // (a streamed run's source is still read to its end, for the counts)
                        for (List<Planned> b = feed.poll(); b != null; b = feed.poll()) {
                            countPending(b);
                        }
                    } else if (inFlight < window && feed.hasReady()) {
                        List<Planned> batch = feed.poll();
                        List<OutboundRecord> recs = batch.stream().map(Planned::record).toList();
                        futures.add(
                                channel.submit(batch.get(0).op(), recs, stop::get)
                                        .whenComplete(
                                                (outcomes, error) ->
                                                        landed.add(
                                                                new Landed(
                                                                        batch, outcomes, error))));
                        inFlight++;
                        continue;
                    }
                    if (feed.done() && inFlight == 0 && toSave.isEmpty()) {
                        continue;
                    }
                    drained.clear();
                    if (toSave.isEmpty()) {
                        // a call landing, or the source's reader with a new batch (or its end)
                        drained.add(landed.take());
                    }
                    landed.drainTo(drained);
                    for (Landed l : drained) {
                        if (l == Feed.WAKE) {
                            continue;
                        }
                        inFlight--;
                        Throwable error =
                                l.error() instanceof CompletionException c
                                        ? c.getCause()
                                        : l.error();
                        if (error != null) {
                            countPending(l.batch());
                            if (!(error instanceof DestinationChannel.Stopped)) {
                                stop.set(true);
                                if (failure == null) {
                                    failure = describe(error);
                                    LOG.warn("Run {} of sync {} stops: {}", runId, name, failure);
                                }
                            }
                            continue;
                        }
                        toSave.add(l);
                    }
                    if (!drained.isEmpty() && !stop.get() && feed.hasReady() && inFlight < window) {
                        // room for more calls: submit them before saving
                        continue;
                    }
                    if (!toSave.isEmpty()) {
                        save(toSave);
                        for (int i = 0; i < toSave.size(); i++) {
                            saved++;
                            options.listener().batchSaved(runId, saved, counts());
                        }
                        toSave.clear();
                    }
                }
            } catch (InterruptedException e) {
                stop.set(true);
                Thread.currentThread().interrupt();
                failure = "interrupted";
            } catch (RuntimeException e) {
                stop.set(true);
                throw e;
            } catch (Error e) {
                // a crash: leave the run as it is in the ledger, as a dead process would, but let
                // the calls already on the wire end first, so that none lands after this returns
                stop.set(true);
                try {
                    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                            .get(dest.timeout().toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
                } catch (Exception ignored) {
                    // failed batches or a timeout: the crash goes on either way
                }
                throw e;
            } finally {
                // the source's reader stops too (it has ended, unless this run is cut short)
                feed.cancel();
            }
            return failure;
        }

        /** Why a run stopped on a failed read of its source, as a failed plan says it. */
        private String describeRead(Throwable e) {
            if (e instanceof Error err) {
                throw err;
            }
            if (e instanceof SourceRows.SourceException
                    || e instanceof Ledger.LedgerException
                    || e instanceof GuardRefusal) {
                return e.getMessage();
            }
            LOG.error("Run {} of sync {} failed", runId, name, e);
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }

        /**
         * The batches a run sends, in order: all of them at once (a planned run), or as a thread
         * reading the source fills them (a streamed run; a bounded queue: the reader waits while it
         * is full). Each new batch, and the end of the read, wakes the sender through {@link
         * #landed}.
         */
        private static final class Feed {
            /** A wake-up in the queue of landed calls: not a call. */
            static final Landed WAKE = new Landed(List.of(), List.of(), null);

            final LinkedBlockingQueue<Landed> landed = new LinkedBlockingQueue<>();
            private final BlockingQueue<List<Planned>> ready;
            private volatile boolean finished;
            private volatile boolean cancelled;
            volatile Throwable error;

            private Feed(BlockingQueue<List<Planned>> ready) {
                this.ready = ready;
            }

            static Feed of(List<List<Planned>> batches) {
                Feed f = new Feed(new LinkedBlockingQueue<>(batches));
                f.finished = true;
                return f;
            }

            static Feed bounded(int capacity) {
                return new Feed(new java.util.concurrent.ArrayBlockingQueue<>(capacity));
            }

            List<Planned> poll() {
                return ready.poll();
            }

            boolean hasReady() {
                return !ready.isEmpty();
            }

            /** Every batch was taken, and no more will come. */
            boolean done() {
                return finished && ready.isEmpty();
            }

            /** From the reader: the next batch (waits while the queue is full). */
            void put(List<Planned> batch) throws InterruptedException {
                while (!ready.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                    if (cancelled) {
                        throw new Cancelled();
                    }
                }
                landed.add(WAKE);
            }

            boolean cancelled() {
                return cancelled;
            }

            void cancel() {
                cancelled = true;
            }

            /** From the reader, last: no more batches. */
            void finish() {
                finished = true;
                landed.add(WAKE);
            }
        }

        /** The reader of a run that was cut short stops. */
        private static final class Cancelled extends RuntimeException {
            Cancelled() {
                super("cancelled", null, false, false);
            }
        }

        /**
         * Starts a streamed run, when the source is an Iceberg table: a first read of only the keys
         * and identities of a pinned snapshot finds every invalid row (null and duplicate keys,
         * null and duplicate identities) and the mirror's removals, as a planned run does, so that
         * the guard decides before anything is sent and a row's decision needs only its own ledger
         * state; then a thread reads the same snapshot in full and hands the batches to the sender
         * as they fill, while the calls go out. The removals are batched after the read ends.
         *
         * @return the feed of batches, or null when the mirror guard will refuse the run (it is
         *     then planned in full, and refused with the same counts and reason as always)
         */
        private Feed stream(SourceRows source, long planning) {
            String identityField = identityField();
            SourceRows.Pinned pinned = source.pin(catalog());
            // the full read starts at once, on the other core: its first rows wait for the keys'
            // verdicts, so that the first batch is ready when they are
            CompletableFuture<Verdicts> verdicts = new CompletableFuture<>();
            Feed feed = Feed.bounded(streamQueue);
            Thread reader =
                    new Thread(
                            () -> {
                                try {
                                    readInto(feed, source, pinned, verdicts, planning);
                                } catch (Cancelled | InterruptedException c) {
                                    // the run was cut short
                                } catch (Throwable t) {
                                    feed.error = t;
                                } finally {
                                    feed.finish();
                                }
                            },
                            "sync-" + name + "-read-source");
            reader.setDaemon(true);
            reader.start();
            try {
                return keys(source, pinned, identityField, verdicts, feed, planning);
            } finally {
                if (!verdicts.isDone()) {
                    // the keys could not be read, or the guard will refuse: the reader stops
                    feed.cancel();
                    verdicts.completeExceptionally(new Cancelled());
                }
            }
        }

        /** The keys' verdicts on every row, for the reader of a streamed run. */
        private record Verdicts(
                Set<String> invalidKeys,
                Map<String, String> identityByKey,
                Map<String, Ledger.State> state,
                Map<String, Ledger.Rejection> rejections,
                long rows) {}

        /** The first read of a streamed run: the keys (see {@link #stream}). */
        private Feed keys(
                SourceRows source,
                SourceRows.Pinned pinned,
                String identityField,
                CompletableFuture<Verdicts> verdicts,
                Feed feed,
                long planning) {
            // sized once for the whole source, not rehashed some twenty times on the way to a
            // million keys (no gain the benchmark can show: see benchmarks/RESULTS.md)
            int capacity = (int) (pinned.expectedRows() / 0.75f) + 16;
            Map<String, String> identityByKey = new HashMap<>(capacity);
            Set<String> duplicateKeys = new HashSet<>();
            long[] read = {0, 0};
            source.readKeys(
                    pinned,
                    (key, identity) -> {
                        read[0]++;
                        if (identityByKey.containsKey(key)) {
                            duplicateKeys.add(key);
                        } else {
                            identityByKey.put(key, identity);
                        }
                    },
                    () -> {
                        read[1]++;
                        sample(invalidSamples, "(null)", "null primary key " + sync.primaryKey());
                    });
            // the same invalid rows, found in the same order, as plan() finds them
            Set<String> invalidKeys = new HashSet<>(duplicateKeys);
            for (String k : duplicateKeys) {
                sample(invalidSamples, k, "duplicate primary key");
            }
            Map<String, String> keyByIdentity =
                    new HashMap<>((int) (identityByKey.size() / 0.75f) + 16);
            Set<String> duplicateIdentities = new HashSet<>();
            for (Map.Entry<String, String> e : identityByKey.entrySet()) {
                String key = e.getKey();
                String identity = e.getValue();
                if (duplicateKeys.contains(key)) {
                    continue;
                }
                if (identity == null || identity.isBlank()) {
                    invalidKeys.add(key);
                    sample(invalidSamples, key, "null " + identityField);
                } else if (keyByIdentity.putIfAbsent(identity, key) != null) {
                    duplicateIdentities.add(identity);
                }
            }
            for (Map.Entry<String, String> e : identityByKey.entrySet()) {
                String key = e.getKey();
                String identity = e.getValue();
                if (!invalidKeys.contains(key)
                        && identity != null
                        && duplicateIdentities.contains(identity)) {
                    invalidKeys.add(key);
                    sample(
                            invalidSamples,
                            key,
                            "duplicate "
                                    + identityField
                                    + " '"
                                    + identity
                                    + "' (shared with another row)");
                }
            }
            Map<String, Ledger.State> state = ledger.loadState(name);
            Map<String, Ledger.Rejection> rejections = ledger.loadRejections(name);
            if (sync.mode() == SyncMode.MIRROR && !state.isEmpty() && !options.allowMassDelete()) {
                // the guard's inputs are the keys alone: decided now, before any call
                long removals =
                        state.keySet().stream().filter(k -> !identityByKey.containsKey(k)).count();
                if (identityByKey.isEmpty()
                        || removals > sync.mirror().maxDeleteShare() * state.size()) {
                    invalidSamples.clear();
                    return null;
                }
            }
            long rows = read[0] + read[1];
            queried = rows;
            // queried counts rows; a duplicated key may stand for several rows
            invalid = read[1] + read[0] - (identityByKey.size() - invalidKeys.size());
            LOG.info(
                    "Run {} of sync {}: {} keys read in {} ms; sending while the rows are read",
                    runId,
                    name,
                    rows,
                    (System.nanoTime() - planning) / 1_000_000);
            verdicts.complete(new Verdicts(invalidKeys, identityByKey, state, rejections, rows));
            return feed;
        }

        /**
         * The reader of a streamed run: every row of the pinned source (the first ones, read while
         * the keys are, wait for their verdicts), then the removals.
         */
        private void readInto(
                Feed feed,
                SourceRows source,
                SourceRows.Pinned pinned,
                CompletableFuture<Verdicts> verdicts,
                long planning)
                throws InterruptedException {
            Verdicts[] known = {null};
            List<SourceRows.MappedRow> early = new ArrayList<>();
            Map<Operation, List<Planned>> open = new EnumMap<>(Operation.class);
            int[] size = {0};
            long[] seen = {0};
            Consumer<SourceRows.MappedRow> decided =
                    row -> {
                        Verdicts v = known[0];
                        if (v.invalidKeys().contains(row.key())) {
                            return;
                        }
                        Planned p = decide(source, row, v.state(), v.rejections());
                        if (p == null) {
                            return;
                        }
                        List<Planned> batch =
                                open.computeIfAbsent(p.op(), k -> new ArrayList<>(size[0]));
                        batch.add(p);
                        if (batch.size() >= size[0]) {
                            open.remove(p.op());
                            try {
                                feed.put(batch);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new Cancelled();
                            }
                        }
                    };
            Runnable awaitVerdicts =
                    () -> {
                        known[0] = await(verdicts);
                        size[0] = batchSize();
                        early.forEach(decided);
                        early.clear();
                    };
            source.read(
                    pinned,
                    row -> {
                        seen[0]++;
                        if (feed.cancelled()) {
                            throw new Cancelled();
                        }
                        if (known[0] == null) {
                            early.add(row);
                            if (early.size() < EARLY_ROWS && !verdicts.isDone()) {
                                return;
                            }
                            awaitVerdicts.run();
                            return;
                        }
                        decided.accept(row);
                    },
                    () -> seen[0]++);
            if (known[0] == null) {
                awaitVerdicts.run();
            }
            Verdicts v = known[0];
            long rows = v.rows();
            if (seen[0] != rows) {
                // cannot happen with a pinned snapshot; never sent a row the keys did not vouch for
                throw new SourceRows.SourceException(
                        "the source "
                                + sync.source().describe()
                                + " had "
                                + rows
                                + " rows when its keys were read, then "
                                + seen[0]
                                + ": it changed while it was read");
            }
            options.listener().sourceRead(runId, rows);
            for (List<Planned> batch : open.values()) {
                feed.put(batch);
            }
            if (sync.mode() == SyncMode.MIRROR) {
                List<Planned> removals =
                        removals(v.state(), v.rejections(), v.identityByKey()::containsKey);
                for (List<Planned> batch : batches(removals, size[0])) {
                    feed.put(batch);
                }
            }
            LOG.info(
                    "Run {} of sync {}: {} rows read and compared in {} ms",
                    runId,
                    name,
                    rows,
                    (System.nanoTime() - planning) / 1_000_000);
        }

        private static Verdicts await(CompletableFuture<Verdicts> verdicts) {
            try {
                return verdicts.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                throw new Cancelled();
            }
        }

        /** A batch that was not delivered: its rows (not its removals) are pending. */
        private void countPending(List<Planned> batch) {
            for (Planned p : batch) {
                if (p.hash() != null) {
                    pending++;
                }
            }
        }

        private String describe(Throwable e) {
            if (e instanceof CallNotPermittedException) {
                return "circuit breaker of destination '"
                        + sync.destination()
                        + "' stayed open longer than circuit-breaker.max-open-wait ("
                        + io.tideline.config.Durations.format(dest.circuitBreaker().maxOpenWait())
                        + "): most recent calls failed; progress so far is saved";
            }
            if (e instanceof CallException.Retryable r) {
                return "gave up after "
                        + dest.retry().maxAttempts()
                        + " attempts: "
                        + r.getMessage();
            }
            if (e instanceof CallException c) {
                return c.getMessage();
            }
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }

        /**
         * Saves the outcomes of batches that landed, in one transaction: a ledger commit costs a
         * disk flush, and one per batch would cap a run at the flushes per second, not the limit.
         */
        private void save(List<Landed> landed) {
            List<Ledger.Delivered> delivered = new ArrayList<>();
            List<Ledger.Rejected> rejectedRows = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            List<String> cleared = new ArrayList<>();
            for (Landed l : landed) {
                collect(l, delivered, rejectedRows, removed, cleared);
            }
            ledger.saveBatch(runId, name, delivered, rejectedRows, removed, cleared, counts());
        }

        /**
         * @param cleared gets the rows delivered or removed that had an open rejection when the run
         *     read the ledger: only they can have one to clear (this run rejects a row at most
         *     once, and no other run of the sync writes meanwhile: the run holds its lock)
         */
        private void collect(
                Landed l,
                List<Ledger.Delivered> delivered,
                List<Ledger.Rejected> rejectedRows,
                List<String> removed,
                List<String> cleared) {
            Map<String, Planned> byKey = new HashMap<>();
            l.batch().forEach(p -> byKey.put(p.record().key(), p));
            for (RecordOutcome o : l.outcomes()) {
                Planned p = byKey.get(o.key());
                if (p == null) {
                    continue;
                }
                boolean removal = p.hash() == null;
                if (o.success()) {
                    if (p.prior() != null) {
                        cleared.add(o.key());
                    }
                    if (removal) {
                        removed.add(o.key());
                        deleted++;
                    } else {
                        String destId =
                                o.destinationId() != null
                                        ? o.destinationId()
                                        : p.record().destinationId();
                        delivered.add(
                                new Ledger.Delivered(
                                        o.key(), p.hash(), destId, p.record().identity()));
                        succeeded++;
                    }
                } else {
                    Ledger.Rejection prior = p.prior();
                    boolean sameContent =
                            prior != null && Objects.equals(prior.rowHash(), p.hash());
                    int attempts =
                            sameContent || (prior != null && removal) ? prior.attempts() + 1 : 1;
                    SyncConfig.Rejections policy = sync.rejections();
                    boolean park = !removal && (o.permanent() || attempts >= policy.maxAttempts());
                    Duration backoff = policy.backoffAfter(attempts);
                    rejectedRows.add(
                            new Ledger.Rejected(
                                    o.key(),
                                    p.op().name().toLowerCase(Locale.ROOT),
                                    park ? "parked: " + o.reason() : o.reason(),
                                    p.hash(),
                                    attempts,
                                    park,
                                    park || backoff.isZero() ? null : Instant.now().plus(backoff)));
                    sample(rejectedSamples, o.key(), o.reason());
                    if (removal) {
                        deleteRejected++;
                    } else {
                        rejected++;
                        if (park) {
                            parked++;
                        }
                        if (prior == null || !sameContent) {
                            newRejected++;
                        }
                    }
                }
                if (!removal && p.prior() != null) {
                    retried++;
                }
            }
        }

        private Counts counts() {
            long sent = succeeded + rejected;
            // read retries before calls: a call in flight may be counted in calls a moment later,
            // never the other way round (both only grow)
            long batches = channel == null ? 0 : channel.batches();
            long retries = channel == null ? 0 : channel.retries();
            long calls = channel == null ? 0 : channel.calls();
            // a call counted between the reads belongs to the retries or batches the next save
            // reads; the final counts are read once every call has ended
            long accountedCalls = Math.max(calls, batches + retries);
            return new Counts(
                    queried,
                    invalid,
                    unchanged,
                    sent,
                    succeeded,
                    rejected,
                    retried,
                    deleted,
                    deleteRejected,
                    pending,
                    accountedCalls,
                    held,
                    parked,
                    newRejected,
                    batches,
                    accountedCalls - batches);
        }

        private RunReport finish(
                String failure, List<String> samplePayloads, Destination destination) {
            Instant finished = Instant.now();
            if (failure != null) {
                // rows never planned (the source could not be read) are not pending
                long accounted = invalid + unchanged + held + succeeded + rejected + pending;
                if (accounted < queried) {
                    pending += queried - accounted;
                }
            }
            Counts counts = counts();
            String status = failure != null ? "failed" : options.dryRun() ? "dry-run" : "succeeded";
            List<String> alerts = new ArrayList<>();
            if (failure != null) {
                alerts.add("run failed: " + failure);
            }
            if (counts.sent() > 0) {
                // only new rejections alert: rows rejected again are already known (and parked
                // after their attempts), so a rerun in which nothing new failed is quiet
                double share = (double) counts.newRejected() / counts.sent();
                if (share > sync.alerts().maxRejectedShare()) {
                    alerts.add(
                            String.format(
                                    Locale.ROOT,
                                    "%.1f%% of sent rows were newly rejected (threshold %.1f%%)",
                                    share * 100,
                                    sync.alerts().maxRejectedShare() * 100));
                }
            }
            if (failure == null && sync.alerts().minVolumeShare() > 0) {
                Optional<Long> last = ledger.lastSuccessfulQueried(name);
                if (last.isPresent()
                        && last.get() > 0
                        && queried < last.get() * sync.alerts().minVolumeShare()) {
                    alerts.add(
                            String.format(
                                    Locale.ROOT,
                                    "volume drop: %d rows queried, %d in the last successful run"
                                            + " (threshold %.0f%%)",
                                    queried,
                                    last.get(),
                                    sync.alerts().minVolumeShare() * 100));
                }
            }
            RunReport report =
                    new RunReport(
                            runId,
                            name,
                            sync.destination(),
                            sync.mode().toString(),
                            options.dryRun(),
                            status,
                            failure,
                            started,
                            finished,
                            Duration.between(started, finished).toMillis(),
                            counts,
                            channel.retries(),
                            channel.throttled(),
                            channel.splits(),
                            destination.usage(),
                            alerts,
                            invalidSamples,
                            rejectedSamples,
                            samplePayloads);
            ledger.finishRun(runId, status, failure, counts, report.toJson());
            LOG.info(
                    "Run {} of sync {} {}: queried {}, invalid {}, unchanged {}, sent {} (succeeded"
                            + " {}, rejected {}), retried {}, deleted {}, pending {}",
                    runId,
                    name,
                    status,
                    counts.queried(),
                    counts.invalid(),
                    counts.unchanged(),
                    counts.sent(),
                    counts.succeeded(),
                    counts.rejected(),
                    counts.retried(),
                    counts.deleted(),
                    counts.pending());
            for (String a : alerts) {
                LOG.error("Sync {} alert: {}", name, a);
            }
            options.out().print(report.toTable());
            options.out().flush();
            return report;
        }
    }

    private static void sample(List<RunReport.Sample> samples, String key, String reason) {
        if (samples.size() < SAMPLES) {
            samples.add(new RunReport.Sample(key, reason));
        }
    }
}
