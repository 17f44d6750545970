/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One entry of the {@code syncs} section: which rows of which table go to which destination, how,
 * and when.
 *
 * @param source where the rows come from
 * @param primaryKey the source column(s) that identify a row; change detection and the ledger key
 *     on them
 * @param mapping source column → destination field, in order
 * @param constants destination field → fixed value sent with every record
 * @param mode {@code upsert} (default), {@code update-only}, {@code insert-only} or {@code mirror}
 * @param mirror what mirror mode does with rows that left the source
 * @param destination the name of an entry of {@code destinations}
 * @param batchSize records per call (at most the destination's own batch size)
 * @param rateLimit an optional cap of this sync's own, under the destination account's limit
 * @param schedule when the scheduler runs the sync (none: only on demand)
 * @param alerts thresholds that turn a run into an alert
 * @param rejections how rows the destination rejected are retried, and when they are parked
 */
public record SyncConfig(
        Boolean enabled,
        SyncSourceConfig source,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> primaryKey,
        Map<String, String> mapping,
        Map<String, String> constants,
        SyncMode mode,
        MirrorConfig mirror,
        String destination,
        Integer batchSize,
        RateLimitConfig rateLimit,
        ScheduleConfig schedule,
        AlertConfig alerts,
        Rejections rejections) {

    /**
     * Rows the destination rejected. A rejection that may pass later (a HubSpot 409, an update of a
     * record that does not exist yet, a call whose outcome is unknown) is retried by later runs
     * after {@code initialBackoff}, doubling per attempt up to {@code maxBackoff}, and parked after
     * {@code maxAttempts} attempts. A permanent one (a validation error, a 4xx other than 408, 409
     * and 429) is parked at once. A parked row is not sent again until its content changes or an
     * operator requeues it ({@code SyncCli requeue NAME}).
     */
    public record Rejections(
            Integer maxAttempts, java.time.Duration initialBackoff, java.time.Duration maxBackoff) {

        public Rejections {
            maxAttempts = maxAttempts == null ? 5 : maxAttempts;
            initialBackoff = initialBackoff == null ? java.time.Duration.ZERO : initialBackoff;
            maxBackoff = maxBackoff == null ? java.time.Duration.ofHours(6) : maxBackoff;
        }

        /** How long after its {@code attempts}-th rejection a row is due again. */
        public java.time.Duration backoffAfter(int attempts) {
            if (initialBackoff.isZero()) {
                return java.time.Duration.ZERO;
            }
            long factor = 1L << Math.min(30, Math.max(0, attempts - 1));
            java.time.Duration d = initialBackoff.multipliedBy(factor);
            return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
        }

        void validate(Problems problems) {
            problems.require(
                    maxAttempts >= 1 && maxAttempts <= 1000, "max-attempts", "expected 1..1000");
            problems.require(
                    !initialBackoff.isNegative(), "initial-backoff", "expected a duration ≥ 0");
            problems.require(
                    maxBackoff.compareTo(initialBackoff) >= 0,
                    "max-backoff",
                    "expected a duration ≥ initial-backoff");
        }
    }

    /** What a sync does with the rows it finds new, changed and gone. */
    public enum SyncMode {
        /** Create new records, update changed ones. */
        UPSERT,
        /** Update records that already exist; a missing one is rejected by the destination. */
        UPDATE_ONLY,
        /** Create new records; never update one that was delivered before. */
        INSERT_ONLY,
        /** Upsert, plus delete or archive the records whose rows left the source. */
        MIRROR;

        @JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @JsonCreator
        public static SyncMode of(String text) {
            for (SyncMode m : values()) {
                if (m.toString().equalsIgnoreCase(text == null ? "" : text.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException(
                    "expected one of [upsert, update-only, insert-only, mirror], got '"
                            + text
                            + "'");
        }
    }

    public SyncConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        primaryKey = primaryKey == null ? List.of() : List.copyOf(primaryKey);
        mapping = mapping == null ? Map.of() : new LinkedHashMap<>(mapping);
        constants = constants == null ? Map.of() : new LinkedHashMap<>(constants);
        mode = mode == null ? SyncMode.UPSERT : mode;
        mirror = mirror == null ? new MirrorConfig(null, null, null) : mirror;
        alerts = alerts == null ? new AlertConfig(null, null) : alerts;
        rejections = rejections == null ? new Rejections(null, null, null) : rejections;
    }

    /** The destination field the destination identifies records by, if the mapping fills it. */
    public String sourceColumnFor(String destinationField) {
        for (Map.Entry<String, String> e : mapping.entrySet()) {
            if (e.getValue().equals(destinationField)) {
                return e.getKey();
            }
        }
        return null;
    }

    void validate(Problems problems) {
        if (source == null) {
            problems.add(
                    "source",
                    "required: expected table: namespace.table (or query, postgres-table,"
                            + " postgres-query)");
        } else {
            source.validate(problems.at("source"));
        }
        problems.require(
                !primaryKey.isEmpty(), "primary-key", "required: expected a source column name");
        problems.require(
                !mapping.isEmpty(),
                "mapping",
                "required: expected at least one source column → destination field");
        Map<String, String> seen = new LinkedHashMap<>();
        mapping.forEach(
                (column, field) -> {
                    if (field == null || field.isBlank()) {
                        problems.at("mapping").add(column, "expected a destination field name");
                    } else if (seen.put(field, column) != null || constants.containsKey(field)) {
                        problems.at("mapping")
                                .add(column, "destination field '" + field + "' is filled twice");
                    }
                });
        problems.require(
                destination != null && !destination.isBlank(),
                "destination",
                "required: expected the name of an entry of destinations");
        if (batchSize != null) {
            problems.require(batchSize >= 1, "batch-size", "expected a whole number ≥ 1");
        }
        if (rateLimit != null) {
            rateLimit.validate(problems.at("rate-limit"));
        }
        if (schedule != null) {
            schedule.validate(problems.at("schedule"));
        }
        mirror.validate(problems.at("mirror"), mode == SyncMode.MIRROR);
        alerts.validate(problems.at("alerts"));
        rejections.validate(problems.at("rejections"));
    }

    /**
     * Checks what a sync names elsewhere in the file: its destination exists, and the mapping fills
     * the field the destination identifies records by.
     */
    void validateReferences(Map<String, DestinationConfig> destinations, Problems problems) {
        if (destination == null || destination.isBlank()) {
            return;
        }
        DestinationConfig d = destinations.get(destination);
        if (d == null) {
            problems.add(
                    "destination",
                    "unknown destination '"
                            + destination
                            + "': expected one of "
                            + destinations.keySet().stream().sorted().toList());
            return;
        }
        if (d.type() != null
                && d.type() != DestinationConfig.DestinationType.WEBHOOK
                && d.idProperty() != null
                && sourceColumnFor(d.idProperty()) == null) {
            problems.add(
                    "mapping",
                    "destination '"
                            + destination
                            + "' identifies records by '"
                            + d.idProperty()
                            + "': expected a mapping to it");
        }
        if (batchSize != null && d.batchSize() != null && batchSize > d.batchSize()) {
            problems.add(
                    "batch-size",
                    "expected at most "
                            + d.batchSize()
                            + " (the batch size of destination '"
                            + destination
                            + "'), got "
                            + batchSize);
        }
    }

    SyncConfig resolvePaths(Path baseDir) {
        return this;
    }
}
