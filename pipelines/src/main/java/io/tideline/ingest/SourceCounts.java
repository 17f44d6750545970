/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

/** What one source's records became in one run. */
public record SourceCounts(long read, long accepted, long quarantined, long late, long duplicates) {

    public static final SourceCounts NONE = new SourceCounts(0, 0, 0, 0, 0);

    /** The invariant: every record read is accepted, quarantined, late or a duplicate. */
    public boolean balanced() {
        return accepted + quarantined + late + duplicates == read;
    }

    @Override
    public String toString() {
        return "read="
                + read
                + " accepted="
                + accepted
                + " quarantined="
                + quarantined
                + " late="
                + late
                + " duplicates="
                + duplicates
                + (balanced() ? "" : " (UNBALANCED)");
    }
}
