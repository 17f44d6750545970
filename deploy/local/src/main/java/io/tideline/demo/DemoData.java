/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Realistic, deterministic data for the subscription e-commerce domain: customers in PostgreSQL,
 * product events in Kafka and billing exports dropped in a folder. A known share of it is bad,
 * late, duplicated or corrected, and the generator counts exactly how much, so that a run's figures
 * can be checked against it.
 *
 * <p>History is replayed: each event carries its own event time over the last {@code days} days,
 * and its Kafka record timestamp (its ingestion time) a few seconds later, or hours later for the
 * late ones. Drop files get the modification time of when they "arrived".
 */
public final class DemoData {

    /** How much to generate. */
    public record Sizes(int customers, int events, int orders, int days) {
        public static Sizes defaults() {
            return new Sizes(200, 5000, 600, 30);
        }
    }

    /** Exactly what was generated, by kind: the figures a run's counts are checked against. */
    public record Generated(
            int customers,
            int customerCorrections,
            int badCustomers,
            int deletedCustomer,
            int eventsSent,
            int goodEvents,
            int duplicateEvents,
            int badEvents,
            int lateEvents,
            int orderFiles,
            int orderRowsSent,
            int distinctOrders,
            int orderCorrections,
            int badOrderRows) {}

    /**
     * Generates everything: customers into PostgreSQL, events into Kafka, billing exports into the
     * drop folder.
     */
    public Generated generate(
            String jdbcUrl,
            Properties connection,
            Properties kafka,
            String topic,
            Duration allowedLateness,
            Path dropFolder,
            int dropFiles)
            throws Exception {
        int[] customers = writeCustomers(jdbcUrl, connection);
        int[] events = produceEvents(kafka, topic, allowedLateness);
        int[] orders = dropOrders(dropFolder, dropFiles);
        return new Generated(
                sizes.customers(),
                customers[0],
                customers[1],
                deletedCustomer(),
                events[0] + events[1] + events[2] + events[3],
                events[0],
                events[1],
                events[2],
                events[3],
                orders[0],
                orders[1],
                orders[2],
                orders[3],
                orders[4]);
    }

    static final String[] COUNTRIES = {"US", "GB", "DE", "FR", "NL", "ES", "CA", "AU", "SE", "JP"};
    static final String[] PLANS = {"free", "starter", "pro", "enterprise"};
    static final String[] CURRENCIES = {"USD", "EUR", "GBP"};
    static final String[] FIRST = {
        "ada", "grace", "alan", "edsger", "barbara", "ken", "linus", "margaret"
    };
    static final String[] LAST = {
        "lovelace", "hopper", "turing", "dijkstra", "liskov", "thompson", "torvalds", "hamilton"
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Random random;
    private final Instant now;
    private final Sizes sizes;

    public DemoData(long seed, Instant now, Sizes sizes) {
        this.random = new Random(seed);
        this.now = now;
        this.sizes = sizes;
    }

    /** The email of customer {@code id}, as the operational database stores it. */
    static String email(int id) {
        return FIRST[id % FIRST.length]
                + "."
                + LAST[(id / FIRST.length) % LAST.length]
                + id
                + "@example.com";
    }

    /**
     * Writes customers into {@code app.customers} (creating it), then a correction of some of them
     * (a later {@code updated_at}), and a few rows that break the rules.
     */
    int[] writeCustomers(String jdbcUrl, Properties connection) throws SQLException {
        int corrections = 0;
        int bad = 0;
        try (Connection c = DriverManager.getConnection(jdbcUrl, connection)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA IF NOT EXISTS app");
                s.execute(
                        "CREATE TABLE IF NOT EXISTS app.customers (id BIGINT PRIMARY KEY, email"
                            + " TEXT, name TEXT, country TEXT, plan TEXT, created_at TIMESTAMPTZ,"
                            + " updated_at TIMESTAMPTZ NOT NULL)");
            }
            String upsert =
                    "INSERT INTO app.customers VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO"
                            + " UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, country ="
                            + " EXCLUDED.country, plan = EXCLUDED.plan, updated_at ="
                            + " EXCLUDED.updated_at";
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                for (int id = 1; id <= sizes.customers(); id++) {
                    Instant created =
                            now.minus(Duration.ofDays(sizes.days() + 5L + random.nextInt(300)));
                    String email = email(id);
                    // Operational data is messy: some emails come with capitals and spaces.
                    if (id % 7 == 0) {
                        email = "  " + email.toUpperCase() + " ";
                    }
                    String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
                    if (isBad(id)) {
                        country = "Atlantis";
                        bad++;
                    }
                    bind(
                            ps,
                            id,
                            email,
                            name(id),
                            country,
                            PLANS[random.nextInt(PLANS.length)],
                            created,
                            created);
                    ps.addBatch();
                }
                ps.executeBatch();
                // Corrections: an upgraded plan, later updated_at.
                for (int id = 3; id <= sizes.customers(); id += 10) {
                    Instant updated = now.minus(Duration.ofHours(1 + random.nextInt(48)));
                    String country = isBad(id) ? "Atlantis" : COUNTRIES[id % COUNTRIES.length];
                    bind(
                            ps,
                            id,
                            email(id),
                            name(id),
                            country,
                            "pro",
                            now.minus(Duration.ofDays(400)),
                            updated);
                    ps.addBatch();
                    corrections++;
                }
                ps.executeBatch();
            }
        }
        return new int[] {corrections, bad};
    }

    private static void bind(
            PreparedStatement ps,
            int id,
            String email,
            String name,
            String country,
            String plan,
            Instant created,
            Instant updated)
            throws SQLException {
        ps.setLong(1, id);
        ps.setString(2, email);
        ps.setString(3, name);
        ps.setString(4, country);
        ps.setString(5, plan);
        ps.setTimestamp(6, Timestamp.from(created));
        ps.setTimestamp(7, Timestamp.from(updated));
    }

    /**
     * The customer the demo deletes after the first ingestion (the highest good id above 4): never
     * referenced by an event or an order, so that its deletion leaves every relationship whole.
     */
    public int deletedCustomer() {
        int id = sizes.customers();
        while (id > 4 && isBad(id)) {
            id--;
        }
        return id > 4 ? id : -1;
    }

    /**
     * Deletes {@link #deletedCustomer} from {@code app.customers}, as the application would: only
     * change data capture carries it to the lake.
     *
     * @return the customers deleted (0 or 1)
     */
    public int deleteCustomer(String jdbcUrl, Properties connection) throws SQLException {
        int id = deletedCustomer();
        if (id < 0) {
            return 0;
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl, connection);
                PreparedStatement ps =
                        c.prepareStatement("DELETE FROM app.customers WHERE id = ?")) {
            ps.setLong(1, id);
            return ps.executeUpdate();
        }
    }

    /** Customers whose country breaks the rules: quarantined, so never referenced. */
    static boolean isBad(int id) {
        return id % 53 == 0;
    }

    private int goodCustomer() {
        while (true) {
            int id = 1 + random.nextInt(sizes.customers());
            if (!isBad(id) && id != deletedCustomer()) {
                return id;
            }
        }
    }

    private static String name(int id) {
        String f = FIRST[id % FIRST.length];
        String l = LAST[(id / FIRST.length) % LAST.length];
        return Character.toUpperCase(f.charAt(0))
                + f.substring(1)
                + " "
                + Character.toUpperCase(l.charAt(0))
                + l.substring(1);
    }

    /** One product event before it is serialised. */
    private record Event(String json, Instant ingestedAt, String key) {}

    /**
     * Produces product events to {@code topic}: good ones, exact re-deliveries, bad ones (malformed
     * JSON, unknown currency, missing or far-future timestamps) and late ones (ingested hours after
     * they happened). Half the timestamps are ISO-8601 with an offset, half epoch millis; some
     * events carry a field the schema does not know yet.
     *
     * @return {good, duplicates, bad, late}
     */
    int[] produceEvents(Properties kafka, String topic, Duration allowedLateness) throws Exception {
        List<Event> events = new ArrayList<>();
        int good = 0;
        int duplicates = 0;
        int bad = 0;
        int late = 0;
        long span = Duration.ofDays(sizes.days()).toMillis();
        for (int i = 0; i < sizes.events(); i++) {
            Instant at = now.minusMillis((long) (random.nextDouble() * span));
            int customer = goodCustomer();
            String type = eventType();
            ObjectNode e = JSON.createObjectNode();
            e.put("event_id", "evt-" + i);
            e.put("event_type", type);
            if (type.equals("page_view") && random.nextInt(4) == 0) {
                e.put("anonymous_id", "anon-" + random.nextInt(10_000));
            } else {
                e.put("customer_id", String.valueOf(customer));
            }
            if (i % 2 == 0) {
                e.put(
                        "occurred_at",
                        at.atOffset(ZoneOffset.ofHours(random.nextInt(5) - 2))
                                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            } else {
                e.put("occurred_at", at.toEpochMilli());
            }
            if (type.equals("order_placed") || type.equals("order_refunded")) {
                e.put(
                        "amount",
                        BigDecimal.valueOf(500 + random.nextInt(20_000), 2)
                                .setScale(2, RoundingMode.UNNECESSARY)
                                .toPlainString());
                e.put("currency", CURRENCIES[random.nextInt(CURRENCIES.length)].toLowerCase());
                e.putObject("properties")
                        .put("order_id", "ord-" + random.nextInt(sizes.orders() + 1));
            } else {
                e.putObject("properties").put("path", "/p/" + random.nextInt(50));
            }
            if (i % 10 == 0) {
                e.put(
                        "device",
                        i % 20 == 0 ? "ios" : "web"); // a field the producer started sending
            }
            Instant ingested = at.plusMillis(200 + random.nextInt(5_000));
            if (i % 97 == 5) {
                ingested =
                        at.plus(allowedLateness).plus(Duration.ofMinutes(5 + random.nextInt(120)));
                if (ingested.isAfter(now)) {
                    ingested = now;
                    if (Duration.between(at, ingested).compareTo(allowedLateness) <= 0) {
                        // Too recent to be late: keep it an ordinary event.
                        ingested = at.plusMillis(500);
                    } else {
                        late++;
                    }
                } else {
                    late++;
                }
            }
            boolean isLate = Duration.between(at, ingested).compareTo(allowedLateness) > 0;
            if (!isLate) {
                good++;
            }
            events.add(new Event(e.toString(), ingested, String.valueOf(customer)));
            if (i % 50 == 7 && !isLate) {
                // At-least-once upstream: the same event delivered again, a little later.
                events.add(
                        new Event(
                                e.toString(), ingested.plusMillis(1500), String.valueOf(customer)));
                duplicates++;
            }
        }
        // Bad records, spread through the stream.
        int badCount = Math.max(5, sizes.events() / 100);
        for (int b = 0; b < badCount; b++) {
            Instant at = now.minusMillis((long) (random.nextDouble() * span));
            String json =
                    switch (b % 6) {
                        case 0 ->
                                "{\"event_id\": \"bad-"
                                        + b
                                        + "\", \"event_type\": \"page_view\", "; // malformed
                        case 1 ->
                                "{\"event_id\":\"bad-"
                                        + b
                                        + "\",\"event_type\":\"order_placed\",\"customer_id\":\"1\",\"occurred_at\":"
                                        + at.toEpochMilli()
                                        + ",\"amount\":\"12.00\",\"currency\":\"ZZZ\"}";
                        case 2 ->
                                "{\"event_id\":\"bad-"
                                        + b
                                        + "\",\"event_type\":\"signup\",\"customer_id\":\"2\"}";
                        case 3 ->
                                "{\"event_id\":\"bad-"
                                        + b
                                        + "\",\"event_type\":\"checkout\",\"customer_id\":\"3\",\"occurred_at\":\"2999-01-01T00:00:00Z\"}";
                        case 4 ->
                                "{\"event_id\":\"bad-"
                                        + b
                                        + "\",\"event_type\":\"order_placed\",\"customer_id\":\"4\",\"occurred_at\":"
                                        + at.toEpochMilli()
                                        + ",\"amount\":\"twelve\",\"currency\":\"USD\"}";
                        default -> "[1, 2, 3]";
                    };
            events.add(new Event(json, at.plusMillis(300), "bad"));
            bad++;
        }
        events.sort((a, b) -> a.ingestedAt().compareTo(b.ingestedAt()));
        Properties props = new Properties();
        props.putAll(kafka);
        props.put("enable.idempotence", "true");
        props.put("acks", "all");
        props.put("linger.ms", "20");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (Event e : events) {
                producer.send(
                        new ProducerRecord<>(
                                topic, null, e.ingestedAt().toEpochMilli(), e.key(), e.json()));
            }
            producer.flush();
        }
        return new int[] {good, duplicates, bad, late};
    }

    private String eventType() {
        int r = random.nextInt(100);
        if (r < 55) {
            return "page_view";
        } else if (r < 62) {
            return "signup";
        } else if (r < 80) {
            return "add_to_cart";
        } else if (r < 90) {
            return "checkout";
        } else if (r < 97) {
            return "order_placed";
        }
        return "order_refunded";
    }

    /**
     * Drops billing exports into {@code folder}: CSV and JSON-lines files, each later file
     * repeating some earlier orders with a new status and a later {@code updated_at}; one ragged
     * CSV row and one unparseable amount.
     *
     * @return {files, rows, distinct orders, corrections, bad rows}
     */
    int[] dropOrders(Path folder, int files) throws IOException {
        Files.createDirectories(folder);
        int rows = 0;
        int corrections = 0;
        int bad = 0;
        int perFile = Math.max(1, sizes.orders() / files);
        int nextOrder = 1;
        List<String[]> placedOrders = new ArrayList<>();
        long span = Duration.ofDays(sizes.days()).toMillis();
        for (int f = 0; f < files; f++) {
            boolean csv = f % 2 == 0;
            StringBuilder out =
                    new StringBuilder(
                            csv
                                    ? "order_id,customer_email,amount,currency,status,created_at,updated_at\n"
                                    : "");
            Instant fileTime = now.minusMillis(span - span * (f + 1) / files);
            List<String[]> lines = new ArrayList<>();
            for (int i = 0; i < perFile && nextOrder <= sizes.orders(); i++, nextOrder++) {
                Instant created = fileTime.minusMillis(random.nextInt(3_600_000));
                String[] placed =
                        order("ord-" + nextOrder, email(goodCustomer()), created, created, "paid");
                placedOrders.add(placed);
                lines.add(placed);
            }
            if (f > 0) {
                // Corrections of orders from earlier files.
                for (int k = 0; k < Math.max(1, perFile / 10); k++) {
                    // The same order, same customer and amount, now refunded.
                    String[] earlier =
                            placedOrders.get(
                                    random.nextInt(Math.max(1, placedOrders.size() - perFile)));
                    Instant updated = fileTime.minusMillis(random.nextInt(60_000));
                    String[] corrected = earlier.clone();
                    corrected[4] = "refunded";
                    corrected[6] = updated.toString();
                    lines.add(corrected);
                    corrections++;
                }
            }
            for (String[] l : lines) {
                out.append(csv ? String.join(",", l) : toJson(l)).append('\n');
                rows++;
            }
            if (f == 1 && !csv) {
                // An amount that is not a number.
                out.append(
                        "{\"order_id\":\"ord-bad-amount\",\"customer_email\":\"x@example.com\","
                                + "\"amount\":\"1O.00\",\"currency\":\"USD\",\"status\":\"paid\","
                                + "\"created_at\":\"2026-01-01T00:00:00Z\","
                                + "\"updated_at\":\"2026-01-01T00:00:00Z\"}\n");
                rows++;
                bad++;
            }
            if (f == 2 && csv) {
                // A ragged row: three columns of seven.
                out.append("ord-ragged,broken@example.com,12.00\n");
                rows++;
                bad++;
            }
            Path file = folder.resolve(String.format("billing-%03d.%s", f, csv ? "csv" : "jsonl"));
            Path tmp = folder.resolve("." + file.getFileName() + ".inprogress");
            Files.writeString(tmp, out, StandardCharsets.UTF_8);
            Files.setLastModifiedTime(tmp, FileTime.from(fileTime));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return new int[] {files, rows, nextOrder - 1, corrections, bad};
    }

    private String[] order(
            String id, String email, Instant created, Instant updated, String status) {
        String amount = BigDecimal.valueOf(900 + random.nextInt(30_000), 2).toPlainString();
        return new String[] {
            id,
            email,
            amount,
            CURRENCIES[random.nextInt(CURRENCIES.length)],
            status,
            created.toString(),
            updated.toString()
        };
    }

    private static String toJson(String[] l) {
        ObjectNode n = JSON.createObjectNode();
        n.put("order_id", l[0]);
        n.put("customer_email", l[1]);
        n.put("amount", l[2]);
        n.put("currency", l[3]);
        n.put("status", l[4]);
        n.put("created_at", l[5]);
        n.put("updated_at", l[6]);
        return n.toString();
    }
}
