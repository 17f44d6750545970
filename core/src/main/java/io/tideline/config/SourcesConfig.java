/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code sources} section: what the ingestion jobs read (a Kafka topic of product events, a
 * folder of billing file drops, the operational PostgreSQL {@code customers} table) and the
 * event-time rules they apply.
 *
 * @param enabled whether the ingestion jobs run at all
 * @param events the Kafka topic of product events
 * @param orders the folder billing exports are dropped into
 * @param customers the PostgreSQL table of customers
 * @param watermark bounded out-of-orderness and idleness of the event-time watermarks
 * @param allowedLateness an event is late when its ingestion time minus its event time exceeds
 *     this; late events go to {@code raw.late_events}
 * @param maxFuture an event time further than this ahead of its ingestion time is refused
 *     (quarantined as {@code FUTURE_TIMESTAMP})
 * @param dedupHorizon how long an {@code event_id} is remembered for deduplication
 * @param maxFieldLength the longest text value a field may hold, in characters
 */
public record SourcesConfig(
        Boolean enabled,
        EventsSourceConfig events,
        OrdersSourceConfig orders,
        CustomersSourceConfig customers,
        WatermarkConfig watermark,
        Duration allowedLateness,
        Duration maxFuture,
        Duration dedupHorizon,
        Integer maxFieldLength) {

    public SourcesConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        events = events == null ? new EventsSourceConfig(null, null, null, null) : events;
        orders = orders == null ? new OrdersSourceConfig(null, null, null, null) : orders;
        customers =
                customers == null ? new CustomersSourceConfig(null, null, null, null) : customers;
        watermark = watermark == null ? new WatermarkConfig(null, null) : watermark;
        allowedLateness = allowedLateness == null ? Duration.ofHours(1) : allowedLateness;
        maxFuture = maxFuture == null ? Duration.ofDays(1) : maxFuture;
        dedupHorizon = dedupHorizon == null ? Duration.ofDays(7) : dedupHorizon;
        maxFieldLength = maxFieldLength == null ? 1024 : maxFieldLength;
    }

    /** Every source at its defaults, enabled or not. */
    public SourcesConfig(Boolean enabled) {
        this(enabled, null, null, null, null, null, null, null, null);
    }

    void validate(Problems problems) {
        events.validate(problems.at("events"));
        orders.validate(problems.at("orders"));
        customers.validate(problems.at("customers"));
        watermark.validate(problems.at("watermark"));
        Durations.requireNonNegative(problems, "allowed-lateness", allowedLateness);
        Durations.requireAtLeast(problems, "max-future", maxFuture, Duration.ofSeconds(1));
        Durations.requireAtLeast(problems, "dedup-horizon", dedupHorizon, Duration.ofSeconds(1));
        problems.require(
                maxFieldLength >= 1 && maxFieldLength <= 1_000_000,
                "max-field-length",
                "expected a number of characters from 1 to 1000000, got " + maxFieldLength);
    }

    SourcesConfig resolvePaths(Path baseDir) {
        return new SourcesConfig(
                enabled,
                events,
                orders.resolvePaths(baseDir),
                customers,
                watermark,
                allowedLateness,
                maxFuture,
                dedupHorizon,
                maxFieldLength);
    }

    public SourcesConfig withEvents(EventsSourceConfig events) {
        return new SourcesConfig(
                enabled,
                events,
                orders,
                customers,
                watermark,
                allowedLateness,
                maxFuture,
                dedupHorizon,
                maxFieldLength);
    }

    public SourcesConfig withOrders(OrdersSourceConfig orders) {
        return new SourcesConfig(
                enabled,
                events,
                orders,
                customers,
                watermark,
                allowedLateness,
                maxFuture,
                dedupHorizon,
                maxFieldLength);
    }

    public SourcesConfig withCustomers(CustomersSourceConfig customers) {
        return new SourcesConfig(
                enabled,
                events,
                orders,
                customers,
                watermark,
                allowedLateness,
                maxFuture,
                dedupHorizon,
                maxFieldLength);
    }
}
