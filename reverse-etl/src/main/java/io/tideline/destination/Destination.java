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

    /** What the API last said about its usage (for example {@code Sforce-Limit-Info}), or null. */
    default String usage() {
        return null;
    }

    @Override
    default void close() {}
}
