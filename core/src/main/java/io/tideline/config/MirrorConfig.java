/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What mirror mode does with a record whose row left the source: {@code delete} it (HubSpot
 * archive, Salesforce delete, webhook {@code delete} operation), or {@code archive} it by setting
 * {@code archiveField} to {@code archiveValue}.
 *
 * <p>The guard: a run whose removals exceed {@code maxDeleteShare} of the records the destination
 * is known to hold (default 10%), or whose source is empty while records are known, is refused
 * before anything is sent, unless it is started with the explicit override ({@code
 * --allow-mass-delete}).
 */
public record MirrorConfig(
        Removal removal, String archiveField, String archiveValue, Double maxDeleteShare) {

    public MirrorConfig(Removal removal, String archiveField, String archiveValue) {
        this(removal, archiveField, archiveValue, null);
    }

    /** How a record leaves the destination. */
    public enum Removal {
        DELETE,
        ARCHIVE;

        @JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Removal of(String text) {
            for (Removal r : values()) {
                if (r.toString().equalsIgnoreCase(text == null ? "" : text.trim())) {
                    return r;
                }
            }
            throw new IllegalArgumentException(
                    "expected one of [delete, archive], got '" + text + "'");
        }
    }

    public MirrorConfig {
        removal = removal == null ? Removal.DELETE : removal;
        archiveValue = archiveValue == null ? "true" : archiveValue;
        maxDeleteShare = maxDeleteShare == null ? 0.1 : maxDeleteShare;
    }

    void validate(Problems problems, boolean mirrorMode) {
        problems.require(
                maxDeleteShare >= 0 && maxDeleteShare <= 1,
                "max-delete-share",
                "expected a share between 0 and 1, got " + maxDeleteShare);
        if (removal == Removal.ARCHIVE && mirrorMode) {
            problems.require(
                    archiveField != null && !archiveField.isBlank(),
                    "archive-field",
                    "required when removal is archive: expected the destination field to set");
        }
    }
}
