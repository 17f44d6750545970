/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

/**
 * What the destination did with one record.
 *
 * @param key the record's source primary key
 * @param success whether the destination accepted it
 * @param destinationId the destination's id of the record, when it says
 * @param reason why it was rejected (the destination's own message), null on success
 * @param permanent whether a rejection will not pass by trying again (a validation error, a 4xx
 *     other than 408, 409 and 429): the row is parked at once
 */
public record RecordOutcome(
        String key, boolean success, String destinationId, String reason, boolean permanent) {

    public static RecordOutcome ok(String key, String destinationId) {
        return new RecordOutcome(key, true, destinationId, null, false);
    }

    /** A rejection that may pass on a later attempt (retried with backoff, parked after N). */
    public static RecordOutcome rejected(String key, String reason) {
        return new RecordOutcome(key, false, null, reason, false);
    }

    /** A rejection that will not pass as the row stands: parked at once. */
    public static RecordOutcome parked(String key, String reason) {
        return new RecordOutcome(key, false, null, reason, true);
    }

    /** Whether an HTTP status rejects for good: a 4xx other than 408, 409 and 429. */
    public static boolean permanentStatus(int status) {
        return status >= 400 && status < 500 && status != 408 && status != 409 && status != 429;
    }
}
