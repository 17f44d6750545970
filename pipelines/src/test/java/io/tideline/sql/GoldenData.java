/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static io.tideline.sql.RawTables.customer;
import static io.tideline.sql.RawTables.event;
import static io.tideline.sql.RawTables.order;

import java.util.List;
import org.apache.iceberg.data.Record;

/**
 * A small fixed dataset whose marts are computed by hand in {@code SqlLayerIT} (as of
 * 2024-03-31T00:00:00Z). Events are in event-time order, as a well-behaved stream would be.
 */
final class GoldenData {

    private GoldenData() {}

    static final String AS_OF = "2024-03-31T00:00:00Z";

    /** Customer 1 has two versions (the plan changed): the later one wins. */
    static List<Record> customers() {
        return List.of(
                customer(1, "alice@example.com", "Alice", "FR", "pro", "2024-01-01T00:00:00Z"),
                customer(2, "bob@example.com", "Bob", "US", "free", "2024-01-05T00:00:00Z"),
                customer(3, "carol@example.com", "Carol", "DE", "pro", "2024-01-07T00:00:00Z"),
                customer(
                        1,
                        "alice@example.com",
                        "Alice",
                        "FR",
                        "enterprise",
                        "2024-02-01T00:00:00Z"));
    }

    /** Order o2 was paid, then refunded: its latest state (refunded) wins. */
    static List<Record> orders() {
        return List.of(
                order(
                        "o1",
                        "alice@example.com",
                        "100.00",
                        "EUR",
                        "paid",
                        "2024-03-01T10:00:00Z",
                        "2024-03-01T10:00:00Z"),
                order(
                        "o2",
                        "alice@example.com",
                        "50.00",
                        "EUR",
                        "paid",
                        "2024-03-20T09:40:00Z",
                        "2024-03-20T09:40:00Z"),
                order(
                        "o2",
                        "alice@example.com",
                        "50.00",
                        "EUR",
                        "refunded",
                        "2024-03-20T09:40:00Z",
                        "2024-03-22T15:00:00Z"),
                order(
                        "o3",
                        "bob@example.com",
                        "30.00",
                        "USD",
                        "paid",
                        "2024-03-25T09:00:00Z",
                        "2024-03-25T09:00:00Z"));
    }

    static List<Record> events() {
        return List.of(
                event("e11", "page_view", "2", null, "2024-02-15T10:00:00Z", null, null, null),
                event(
                        "e12",
                        "order_placed",
                        "1",
                        null,
                        "2024-03-01T10:00:00Z",
                        "100.00",
                        "EUR",
                        "o1"),
                event("e1", "page_view", null, "a1", "2024-03-20T09:00:00Z", null, null, null),
                event("e2", "signup", "1", "a1", "2024-03-20T09:10:00Z", null, null, null),
                event("e8", "signup", "2", "a2", "2024-03-20T09:15:00Z", null, null, null),
                event("e3", "add_to_cart", "1", null, "2024-03-20T09:20:00Z", null, null, null),
                event("e4", "checkout", "1", null, "2024-03-20T09:30:00Z", null, null, null),
                event(
                        "e5",
                        "order_placed",
                        "1",
                        null,
                        "2024-03-20T09:40:00Z",
                        "50.00",
                        "EUR",
                        "o2"),
                event("e9", "add_to_cart", "2", null, "2024-03-20T09:50:00Z", null, null, null),
                event(
                        "e6",
                        "order_refunded",
                        "1",
                        null,
                        "2024-03-22T15:00:00Z",
                        "50.00",
                        "EUR",
                        "o2"),
                event(
                        "e10",
                        "order_placed",
                        "2",
                        null,
                        "2024-03-25T09:00:00Z",
                        "30.00",
                        "USD",
                        "o3"),
                event("e7", "page_view", "1", null, "2024-03-28T08:00:00Z", null, null, null));
    }
}
