/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import io.tideline.ingest.IngestFixtures;
import io.tideline.ingest.IngestTables;
import io.tideline.ingest.RawRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The compiled per-record plan, record by record, without a cluster. */
class RecordPlanTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private static final class Plan {
        final RecordPlan plan;
        final List<String> columns;
        final String source;

        Plan(String yamlSources, String source) {
            TidelineConfig c =
                    new ConfigLoader(System::getenv)
                            .parse(
                                    "catalog:\n  warehouse: /tmp/wh\nsources:\n" + yamlSources,
                                    "test.yaml",
                                    Path.of("/tmp"));
            this.source = source;
            this.columns = IngestTables.columnNames(IngestTables.schemaOf(c.sources().get(source)));
            this.plan = new RecordPlan(source, c.sources().get(source), c.ingestion(), columns);
        }

        Outcome json(String json) {
            return bytes(json.getBytes(StandardCharsets.UTF_8), null);
        }

        Outcome csv(String header, String line) {
            return bytes(line.getBytes(StandardCharsets.UTF_8), header);
        }

        Outcome bytes(byte[] payload, String header) {
            Outcome out = new Outcome();
            plan.validate(
                    new RawRecord(source, "p/0/1", NOW.toEpochMilli(), payload, header),
                    NOW.toEpochMilli(),
                    out);
            return out;
        }

        Object get(Outcome o, String column) {
            assertThat(o.ok()).as(o.code + " " + o.message).isTrue();
            return ((GenericRowData) o.row).getField(columns.indexOf(column));
        }
    }

    private final Plan events = new Plan(IngestFixtures.EVENTS + "    topic: t\n", "events");
    private final Plan orders = new Plan(IngestFixtures.ORDERS + "    folder: d\n", "orders");

    private static String base(String more) {
        return "{\"event_id\":\"e\",\"event_type\":\"signup\",\"customer_id\":\"1\"" + more + "}";
    }

    private Instant time(Outcome o, String column) {
        return ((org.apache.flink.table.data.TimestampData) events.get(o, column)).toInstant();
    }

    @Test
    void timestampsWithAnOffsetOrEpochMillisBecomeUtc() {
        assertThat(
                        time(
                                events.json(base(",\"occurred_at\":\"2026-03-01T13:30:00+02:00\"")),
                                "event_time"))
                .isEqualTo(Instant.parse("2026-03-01T11:30:00Z"));
        assertThat(time(events.json(base(",\"occurred_at\":1772366400000")), "event_time"))
                .isEqualTo(Instant.ofEpochMilli(1772366400000L));
        assertThat(time(events.json(base(",\"occurred_at\":\"1772366400000\"")), "event_time"))
                .isEqualTo(Instant.ofEpochMilli(1772366400000L));
        assertThat(
                        time(
                                events.json(
                                        base(",\"occurred_at\":\"2026-03-01T10:00:00.123456Z\"")),
                                "event_time"))
                .isEqualTo(Instant.parse("2026-03-01T10:00:00.123456Z"));
        assertThat(events.json(base(",\"occurred_at\":\"2026-03-01T10:00:00\"")).code)
                .isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        assertThat(events.json(base(",\"occurred_at\":1.5")).code)
                .isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        assertThat(events.json(base(",\"occurred_at\":\"2026-03-03T12:00:01Z\"")).code)
                .isEqualTo(ErrorCode.FUTURE_TIMESTAMP);
    }

    @Test
    void decimalsAreExactAndNeverRounded() {
        Outcome r = events.json(base(",\"occurred_at\":1,\"amount\":19.9,\"currency\":\" eur \""));
        assertThat(events.get(r, "amount").toString()).isEqualTo("19.90");
        assertThat(events.get(r, "currency").toString()).isEqualTo("EUR");
        Outcome big =
                events.json(
                        base(
                                ",\"occurred_at\":1,\"amount\":1234567890123456.78,\"currency\":\"USD\""));
        assertThat(
                        ((org.apache.flink.table.data.DecimalData) events.get(big, "amount"))
                                .toBigDecimal())
                .isEqualTo(new BigDecimal("1234567890123456.78"));
        assertThat(
                        events.json(
                                        base(
                                                ",\"occurred_at\":1,\"amount\":\"1.005\",\"currency\":\"USD\""))
                                .code)
                .isEqualTo(ErrorCode.INVALID_AMOUNT);
        assertThat(
                        events.json(
                                        base(
                                                ",\"occurred_at\":1,\"amount\":\"12345678901234567\",\"currency\":\"USD\""))
                                .code)
                .isEqualTo(ErrorCode.INVALID_AMOUNT);
        Outcome noCurrency = events.json(base(",\"occurred_at\":1,\"amount\":5"));
        assertThat(noCurrency.code).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(noCurrency.message).contains("'currency'").contains("'amount'");
        assertThat(events.json(base(",\"occurred_at\":1,\"amount\":5,\"currency\":\"XTS\"")).code)
                .isEqualTo(ErrorCode.UNKNOWN_CURRENCY);
        Outcome wrong =
                events.json(base(",\"occurred_at\":1,\"amount\":true,\"currency\":\"USD\""));
        assertThat(wrong.code).isEqualTo(ErrorCode.WRONG_TYPE);
        assertThat(wrong.message).contains("'amount'");
    }

    @Test
    @Timeout(5)
    void hugeNumbersAreRefusedInConstantTimeAndMemory() {
        for (String n :
                List.of(
                        "1e999999999",
                        "-1E+999999999",
                        "1e-999999999",
                        "9".repeat(500),
                        "0." + "1".repeat(500))) {
            long start = System.nanoTime();
            Outcome o =
                    events.json(
                            base(",\"occurred_at\":1,\"amount\":" + n + ",\"currency\":\"USD\""));
            assertThat(o.code).as(n).isEqualTo(ErrorCode.INVALID_AMOUNT);
            assertThat(System.nanoTime() - start).as(n).isLessThan(Duration.ofSeconds(1).toNanos());
            Outcome text =
                    events.json(
                            base(
                                    ",\"occurred_at\":1,\"amount\":\""
                                            + n
                                            + "\",\"currency\":\"USD\""));
            assertThat(text.code).as(n).isEqualTo(ErrorCode.INVALID_AMOUNT);
        }
        Plan numbers =
                new Plan(
                        """
                          n:
                            kind: kafka
                            topic: n
                            columns:
                              id:    {type: bigint, required: true}
                              ratio: {type: double}
                              label: {type: string}
                        """,
                        "n");
        Outcome textId = numbers.json("{\"id\":\"c-1\"}");
        assertThat(textId.code).isEqualTo(ErrorCode.WRONG_TYPE);
        assertThat(textId.message).contains("'id'").contains("bigint").contains("c-1");
        assertThat(numbers.json("{\"id\":" + "9".repeat(500) + "}").code)
                .isEqualTo(ErrorCode.WRONG_TYPE);
        assertThat(numbers.json("{\"id\":1,\"ratio\":1e999999999}").code)
                .isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(
                        numbers.get(numbers.json("{\"id\":1,\"label\":1e999999999}"), "label")
                                .toString())
                .isEqualTo("1e999999999");
        assertThat(numbers.get(numbers.json("{\"id\":\" 42 \"}"), "id")).isEqualTo(42L);
    }

    @Test
    void unknownFieldsArePreservedAndJsonIsStrict() {
        Outcome r = events.json(base(",\"occurred_at\":1,\"zeta\":[1],\"alpha\":{\"b\":2.50}"));
        assertThat(events.get(r, "extra_fields").toString())
                .isEqualTo("{\"alpha\":{\"b\":2.50},\"zeta\":[1]}");
        assertThat(events.json(base(",\"occurred_at\":1") + " trailing").code)
                .isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(events.json("{\"event_id\":\"a\",\"event_id\":\"b\"}").code)
                .isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(events.json("[1]").code).isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(events.json("").code).isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(events.json(base(",\"occurred_at\":1,\"properties\":\"text\"")).code)
                .isEqualTo(ErrorCode.WRONG_TYPE);
        Outcome neither =
                events.json("{\"event_id\":\"e\",\"event_type\":\"signup\",\"occurred_at\":1}");
        assertThat(neither.code).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(neither.message).isEqualTo("'customer_id' or 'anonymous_id' is required");
        assertThat(events.json(base(",\"occurred_at\":1,\"event_type\":\"page view\"")).code)
                .isEqualTo(ErrorCode.MALFORMED_JSON); // a duplicate key
        assertThat(events.bytes(new byte[] {'{', (byte) 0xC3, 0x28, '}'}, null).code)
                .isEqualTo(ErrorCode.INVALID_UTF8);
    }

    @Test
    void csvRowsAreSplitByPositionAndStandardised() {
        String header = "\uFEFForder_id,customer_email,amount,currency,status,updated_at,channel";
        assertThat(
                        orders.csv(
                                        header,
                                        "7, Ann@Example.ORG"
                                                + " ,\"1,5\",usd,Shipped,2026-03-01T10:00:00Z,web")
                                .code)
                .isEqualTo(ErrorCode.INVALID_AMOUNT);
        Outcome ok =
                orders.csv(
                        header, "7, Ann@Example.ORG ,\"1.5\",usd,Shipped,2026-03-01T10:00:00Z,web");
        assertThat(orders.get(ok, "order_id").toString()).isEqualTo("7");
        assertThat(orders.get(ok, "customer_email").toString()).isEqualTo("ann@example.org");
        assertThat(orders.get(ok, "amount").toString()).isEqualTo("1.50");
        assertThat(orders.get(ok, "status").toString()).isEqualTo("shipped");
        assertThat(orders.get(ok, "extra_fields").toString()).isEqualTo("{\"channel\":\"web\"}");
        assertThat(orders.csv(header, "7,a@b.co,1,USD,paid").code).isEqualTo(ErrorCode.RAGGED_ROW);
        assertThat(orders.csv(header, "7,\"a@b.co,1,USD,paid,x,y").code)
                .isEqualTo(ErrorCode.RAGGED_ROW);
    }

    @Test
    void aDeclaredSourceOfItsOwn() {
        Plan payments =
                new Plan(
                        """
                          payments:
                            kind: kafka
                            topic: payments
                            key: [payment_id]
                            unknown-fields: quarantine
                            columns:
                              payment_id: {type: string, required: true}
                              account:    {type: string, from: /account/id}
                              amount:     {type: 'decimal(12,4)', required: true}
                              paid_at:    {type: timestamp, format: epoch-seconds}
                              paid_on:    {type: date}
                              status:     {type: string, standardize: [trim, lower], check: {one-of: [paid, refunded]}}
                              country:    {type: string, check: iso-country}
                              n:          {type: int, check: [{min: 1}, {max: 9}]}
                              ok:         {type: boolean}
                              tags:       {type: json}
                        """,
                        "payments");
        Outcome o =
                payments.json(
                        "{\"payment_id\":\"p-1\",\"account\":{\"id\":\"acc-9\",\"tier\":\"gold\"},"
                            + "\"amount\":\"12.3456\",\"paid_at\":1772366400,\"paid_on\":\"2026-03-01\",\"status\":\""
                            + " PAID"
                            + " \",\"country\":\"FRA\",\"n\":3,\"ok\":true,\"tags\":[\"a\",1]}");
        assertThat(payments.get(o, "account").toString()).isEqualTo("acc-9");
        assertThat(payments.get(o, "amount").toString()).isEqualTo("12.3456");
        assertThat(
                        ((org.apache.flink.table.data.TimestampData) payments.get(o, "paid_at"))
                                .toInstant())
                .isEqualTo(Instant.ofEpochSecond(1772366400));
        assertThat(payments.get(o, "paid_on"))
                .isEqualTo((int) java.time.LocalDate.parse("2026-03-01").toEpochDay());
        assertThat(payments.get(o, "status").toString()).isEqualTo("paid");
        assertThat(payments.get(o, "country").toString()).isEqualTo("FR");
        assertThat(payments.get(o, "n")).isEqualTo(3);
        assertThat(payments.get(o, "ok")).isEqualTo(true);
        assertThat(payments.get(o, "tags").toString()).isEqualTo("[\"a\",1]");
        assertThat(payments.json("{\"payment_id\":\"p\",\"amount\":\"1.23456\"}").code)
                .isEqualTo(ErrorCode.INVALID_AMOUNT);
        assertThat(payments.json("{\"payment_id\":\"p\",\"amount\":1,\"status\":\"lost\"}").code)
                .isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(payments.json("{\"payment_id\":\"p\",\"amount\":1,\"n\":10}").code)
                .isEqualTo(ErrorCode.INVALID_VALUE);
        Outcome unknown = payments.json("{\"payment_id\":\"p\",\"amount\":1,\"coupon\":\"x\"}");
        assertThat(unknown.code).isEqualTo(ErrorCode.UNKNOWN_FIELD);
        assertThat(unknown.message).contains("'coupon'");
        // The lowest column's problem is the one reported, whatever the order of the fields.
        assertThat(payments.json("{\"n\":99,\"payment_id\":\"p\",\"amount\":\"x\"}").code)
                .isEqualTo(ErrorCode.INVALID_AMOUNT);
    }

    @Test
    void semicolonCsvWithConfiguredNamesAndAnUnexpectedFailureIsAValue() {
        Plan ledger =
                new Plan(
                        """
                          ledger:
                            kind: files
                            folder: d
                            delimiter: ";"
                            header: [entry, amount, booked_at]
                            unknown-fields: ignore
                            columns:
                              entry:     {type: string, required: true}
                              amount:    {type: 'decimal(10,2)'}
                              booked_at: {type: timestamp, format: "yyyy-MM-dd HH:mm:ss X"}
                        """,
                        "ledger");
        Outcome o = ledger.csv("", "L1;\"3;5\";2026-03-01 10:00:00 Z");
        assertThat(o.code).isEqualTo(ErrorCode.INVALID_AMOUNT);
        Outcome ok = ledger.csv("", "L1;3.5;2026-03-01 10:00:00 +02");
        assertThat(ledger.get(ok, "amount").toString()).isEqualTo("3.50");
        assertThat(
                        ((org.apache.flink.table.data.TimestampData) ledger.get(ok, "booked_at"))
                                .toInstant())
                .isEqualTo(Instant.parse("2026-03-01T08:00:00Z"));
        Outcome broken = ledger.bytes(null, "");
        assertThat(broken.code).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(broken.message).contains("NullPointerException");
    }

    /** A json column keeps compact JSON text, as UTF-8; its max-length counts characters. */
    @Test
    void aJsonColumnIsCompactTextAndItsLengthIsInCharacters() {
        Outcome o =
                events.json(
                        base(
                                ",\"occurred_at\":1772366400000, \"properties\": {"
                                        + " \"city\" : \"Zürich\", \"n\": 1.50,"
                                        + " \"tags\": [\"a\\\"b\", null, true] }"));
        assertThat(events.get(o, "properties").toString())
                .isEqualTo("{\"city\":\"Zürich\",\"n\":1.50,\"tags\":[\"a\\\"b\",null,true]}");
        // 17 characters in 18 bytes (ü takes two): within a limit of 17, over one of 16
        Plan limited =
                new Plan(
                        "  p:\n    kind: kafka\n    topic: t\n    columns:\n"
                                + "      id: {type: string}\n"
                                + "      doc: {type: json, check: {max-length: 17}}\n",
                        "p");
        Outcome fits = limited.json("{\"id\":\"1\",\"doc\":{\"city\":\"Zürich\"}}");
        assertThat(limited.get(fits, "doc").toString()).isEqualTo("{\"city\":\"Zürich\"}");
        Plan tighter =
                new Plan(
                        "  p:\n    kind: kafka\n    topic: t\n    columns:\n"
                                + "      id: {type: string}\n"
                                + "      doc: {type: json, check: {max-length: 16}}\n",
                        "p");
        Outcome over = tighter.json("{\"id\":\"1\",\"doc\":{\"city\":\"Zürich\"}}");
        assertThat(over.ok()).isFalse();
        assertThat(over.code).isEqualTo(ErrorCode.FIELD_TOO_LONG);
        assertThat(over.message).contains("has 17 characters, at most 16");
    }
}
