/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ledger;

/**
 * A run's counts. They add up:
 *
 * <pre>
 * queried = invalid + unchanged + held + sent + pending
 * sent    = succeeded + rejected
 * calls   = batches + retries
 * </pre>
 *
 * {@code held} counts the rows not sent because an earlier rejection holds them: parked (until
 * their content changes or they are requeued) or backing off. {@code parked} counts the rows this
 * run parked (among its rejected), {@code newRejected} the rejected rows that had no open rejection
 * before this run (what the alert share counts). {@code batches} counts deliveries whose first call
 * went out, {@code retries} the calls that sent one again.
 *
 * <p>{@code pending} is zero unless the run stopped early (circuit open, retries used up): the rows
 * it did not get to, sent by the next run. {@code retried} counts the sent rows that an earlier run
 * had rejected; {@code deleted} the records mirror mode removed (their rows left the source, so
 * they are not among the queried), {@code deleteRejected} the removals the destination refused.
 * {@code calls} counts HTTP calls, retries included.
 */
public record Counts(
        long queried,
        long invalid,
        long unchanged,
        long sent,
        long succeeded,
        long rejected,
        long retried,
        long deleted,
        long deleteRejected,
        long pending,
        long calls,
        long held,
        long parked,
        long newRejected,
        long batches,
        long retries) {

    public Counts(
            long queried,
            long invalid,
            long unchanged,
            long sent,
            long succeeded,
            long rejected,
            long retried,
            long deleted,
            long deleteRejected,
            long pending,
            long calls) {
        this(
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
                calls,
                0,
                0,
                0,
                0,
                calls);
    }

    /** Whether the identities hold. */
    public boolean addUp() {
        return queried == invalid + unchanged + held + sent + pending
                && sent == succeeded + rejected
                && calls == batches + retries;
    }
}
