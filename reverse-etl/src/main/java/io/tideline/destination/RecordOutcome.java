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
 */
public record RecordOutcome(String key, boolean success, String destinationId, String reason) {

    public static RecordOutcome ok(String key, String destinationId) {
        return new RecordOutcome(key, true, destinationId, null);
    }

    public static RecordOutcome rejected(String key, String reason) {
        return new RecordOutcome(key, false, null, reason);
    }
}
