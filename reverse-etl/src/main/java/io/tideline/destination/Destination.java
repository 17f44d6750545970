/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import java.util.List;

/**
 * A SaaS API that syncs deliver to. One call, one batch: rate limiting, retries, circuit breaking
 * and isolation are the caller's ({@link DestinationChannel}), so an implementation only speaks the
 * wire format and classifies failures.
 */
public interface Destination extends AutoCloseable {

    /** The most records one call may carry. */
    int maxBatchSize();

    /**
     * Whether a {@link CallException.RejectedBatch} should be split to isolate the bad records
     * (HubSpot 409, Salesforce 400), rather than rejecting every record of it (webhook 4xx).
     */
    boolean splitsRejectedBatches();

    /** The request body a call would carry, for dry runs. */
    String render(Operation operation, List<OutboundRecord> records);

    /**
     * Sends one batch.
     *
     * @return one outcome per record, for every record of the batch
     * @throws CallException when the call failed as a whole
     */
    List<RecordOutcome> send(Operation operation, List<OutboundRecord> records)
            throws CallException;

    /** Tells the destination which run its next calls belong to (webhook delivery ids). */
    default void startRun(long runId) {}

    /** What the API last said about its usage (for example {@code Sforce-Limit-Info}), or null. */
    default String usage() {
        return null;
    }

    /**
     * Whether sending the same call twice leaves the destination as sending it once: true for
     * upserts, updates and deletes; false for creates (HubSpot {@code batch/create}, Salesforce
     * {@code POST}), which are never retried when their outcome is unknown (no answer in time).
     * Webhooks carry a stable delivery id instead, so a receiver that honours it dedupes retries.
     */
    default boolean idempotent(Operation operation) {
        return operation != Operation.INSERT;
    }

    /**
     * The rate the API last reported for the account (HubSpot {@code X-HubSpot-RateLimit-Max} per
     * {@code -Interval-Milliseconds}; Salesforce's remaining daily allowance when it runs low), or
     * null when it reported none. The channel lowers its pace to it, never above the configured
     * limit.
     */
    default RateReport reportedRate() {
        return null;
    }

    /** A rate limit the API reported: {@code requests} per {@code per}. */
    record RateReport(int requests, java.time.Duration per) {}

    @Override
    default void close() {}
}
