/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ledger;

/**
 * A run's counts. They add up:
 *
 * <pre>
 * queried = invalid + unchanged + sent + pending
 * sent    = succeeded + rejected
 * </pre>
 *
 * {@code pending} is zero unless the run stopped early (circuit open, retries used up): the rows it
 * did not get to, sent by the next run. {@code retried} counts the sent rows that an earlier run
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
        long calls) {

    /** Whether the identities hold. */
    public boolean addUp() {
        return queried == invalid + unchanged + sent + pending && sent == succeeded + rejected;
    }
}
