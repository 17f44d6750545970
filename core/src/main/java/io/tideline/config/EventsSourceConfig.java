/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

/**
 * The Kafka topic of product events ({@code sources.events}).
 *
 * @param enabled whether the events are ingested
 * @param topic the topic, JSON values
 * @param groupId the consumer group; offsets are committed to it on each checkpoint
 * @param startingOffsets where a STREAMING job starts when it is not restored from a checkpoint or
 *     savepoint ({@code committed} falls back to the earliest offset); a BATCH backfill always
 *     reads from the earliest to the latest offsets
 */
public record EventsSourceConfig(
        Boolean enabled, String topic, String groupId, StartingOffsets startingOffsets) {

    /** Where a STREAMING job without restored state starts reading. */
    public enum StartingOffsets {
        EARLIEST,
        COMMITTED,
        LATEST
    }

    public EventsSourceConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        topic = topic == null ? "events" : topic;
        groupId = groupId == null ? "tideline-ingest-events" : groupId;
        startingOffsets = startingOffsets == null ? StartingOffsets.COMMITTED : startingOffsets;
    }

    void validate(Problems problems) {
        problems.require(
                topic.matches("[A-Za-z0-9._-]{1,249}"),
                "topic",
                "expected a Kafka topic name (letters, digits, '.', '_', '-'), got '"
                        + topic
                        + "'");
        problems.require(!groupId.isBlank(), "group-id", "expected a consumer group name, got ''");
    }
}
