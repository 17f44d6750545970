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
 */
public record MirrorConfig(Removal removal, String archiveField, String archiveValue) {

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
    }

    void validate(Problems problems, boolean mirrorMode) {
        if (removal == Removal.ARCHIVE && mirrorMode) {
            problems.require(
                    archiveField != null && !archiveField.isBlank(),
                    "archive-field",
                    "required when removal is archive: expected the destination field to set");
        }
    }
}
