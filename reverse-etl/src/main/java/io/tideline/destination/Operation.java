/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

/** What a call asks the destination to do with its records. */
public enum Operation {
    /** Create or update by the destination's identifying field. */
    UPSERT,
    /** Create; an existing record is a conflict. */
    INSERT,
    /**
     * Update by the identifying field (or the known destination id); a missing record is rejected.
     */
    UPDATE,
    /**
     * Update the record known by its destination id, even though its identifying field changed (a
     * new email): never creates a duplicate.
     */
    UPDATE_BY_ID,
    /** Delete (HubSpot: archive) the record known by its destination id. */
    DELETE
}
