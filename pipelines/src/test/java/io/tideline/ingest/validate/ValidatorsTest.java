/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.SourcesConfig;
import io.tideline.ingest.IngestTables;
import io.tideline.ingest.RawRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/** The standardisation rules, record by record, without a cluster. */
class ValidatorsTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final SourcesConfig sources = new SourcesConfig(true);
    private final EventValidator events = new EventValidator(sources);
    private final OrderValidator orders = new OrderValidator(sources);

    private Validated event(String json) {
        return events.validate(
                new RawRecord(
                        "events",
                        "t/0/1",
                        NOW.toEpochMilli(),
                        json.getBytes(StandardCharsets.UTF_8),
                        null),
                NOW.toEpochMilli());
    }

    private Validated csv(String header, String line) {
        return orders.validate(
                new RawRecord(
                        "orders",
                        "a.csv:2",
                        NOW.toEpochMilli(),
                        line.getBytes(StandardCharsets.UTF_8),
                        header),
                NOW.toEpochMilli());
    }

    private static String base(String more) {
        return "{\"event_id\":\"e\",\"event_type\":\"signup\",\"customer_id\":\"1\"" + more + "}";
    }

    @Test
    void timestampsWithAnOffsetOrEpochMillisBecomeUtc() {
        RowData iso = event(base(",\"occurred_at\":\"2026-03-01T13:30:00+02:00\"")).row();
        assertThat(iso.getTimestamp(IngestTables.Events.EVENT_TIME, 6).toInstant())
                .isEqualTo(Instant.parse("2026-03-01T11:30:00Z"));
        RowData millis = event(base(",\"occurred_at\":1772366400000")).row();
        assertThat(millis.getTimestamp(IngestTables.Events.EVENT_TIME, 6).toInstant())
                .isEqualTo(Instant.ofEpochMilli(1772366400000L));
        RowData digits = event(base(",\"occurred_at\":\"1772366400000\"")).row();
        assertThat(digits.getTimestamp(IngestTables.Events.EVENT_TIME, 6).toInstant())
                .isEqualTo(Instant.ofEpochMilli(1772366400000L));
        RowData micros = event(base(",\"occurred_at\":\"2026-03-01T10:00:00.123456Z\"")).row();
        assertThat(micros.getTimestamp(IngestTables.Events.EVENT_TIME, 6).toInstant())
                .isEqualTo(Instant.parse("2026-03-01T10:00:00.123456Z"));
        assertThat(event(base(",\"occurred_at\":\"2026-03-01T10:00:00\"")).rejection().code())
                .isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        assertThat(event(base(",\"occurred_at\":1.5")).rejection().code())
                .isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        assertThat(event(base(",\"occurred_at\":\"2026-03-03T12:00:01Z\"")).rejection().code())
                .isEqualTo(ErrorCode.FUTURE_TIMESTAMP);
    }

    @Test
    void moneyIsADecimalWithTwoPlacesAndACurrency() {
        RowData r = event(base(",\"occurred_at\":1,\"amount\":19.9,\"currency\":\" eur \"")).row();
        assertThat(r.getDecimal(IngestTables.Events.AMOUNT, 18, 2).toBigDecimal())
                .isEqualTo(new BigDecimal("19.90"));
        assertThat(r.getString(IngestTables.Events.CURRENCY).toString()).isEqualTo("EUR");
        // A float that a double would mangle stays exact.
        RowData big =
                event(
                                base(
                                        ",\"occurred_at\":1,\"amount\":1234567890123456.78,\"currency\":\"USD\""))
                        .row();
        assertThat(big.getDecimal(IngestTables.Events.AMOUNT, 18, 2).toBigDecimal())
                .isEqualTo(new BigDecimal("1234567890123456.78"));
        assertThat(
                        event(base(",\"occurred_at\":1,\"amount\":\"1.005\",\"currency\":\"USD\""))
                                .rejection()
                                .code())
                .isEqualTo(ErrorCode.INVALID_AMOUNT);
        assertThat(
                        event(
                                        base(
                                                ",\"occurred_at\":1,\"amount\":\"12345678901234567\",\"currency\":\"USD\""))
                                .rejection()
                                .code())
                .isEqualTo(ErrorCode.INVALID_AMOUNT);
        assertThat(event(base(",\"occurred_at\":1,\"amount\":5")).rejection().code())
                .isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(
                        event(base(",\"occurred_at\":1,\"amount\":5,\"currency\":\"XTS\""))
                                .rejection()
                                .code())
                .isEqualTo(ErrorCode.UNKNOWN_CURRENCY);
        assertThat(
                        event(base(",\"occurred_at\":1,\"amount\":true,\"currency\":\"USD\""))
                                .rejection()
                                .code())
                .isEqualTo(ErrorCode.WRONG_TYPE);
    }

    @Test
    void unknownFieldsArePreservedAndJsonIsStrict() {
        RowData r = event(base(",\"occurred_at\":1,\"zeta\":[1],\"alpha\":{\"b\":2}")).row();
        assertThat(r.getString(IngestTables.Events.EXTRA_FIELDS).toString())
                .isEqualTo("{\"alpha\":{\"b\":2},\"zeta\":[1]}");
        assertThat(event(base(",\"occurred_at\":1") + " trailing").rejection().code())
                .isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(event("{\"event_id\":\"a\",\"event_id\":\"b\"}").rejection().code())
                .isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(event(base(",\"occurred_at\":1,\"properties\":\"text\"")).rejection().code())
                .isEqualTo(ErrorCode.WRONG_TYPE);
        assertThat(
                        event("{\"event_id\":\"e\",\"event_type\":\"signup\",\"occurred_at\":1}")
                                .rejection()
                                .code())
                .isEqualTo(ErrorCode.MISSING_FIELD);
    }

    @Test
    void csvOrdersAreCoercedAndNormalised() {
        String header = "\uFEFForder_id,customer_email,amount,currency,status,updated_at,channel";
        Validated comma =
                csv(header, "7, Ann@Example.ORG ,\"1,5\",usd,Shipped,2026-03-01T10:00:00Z,web");
        assertThat(comma.rejection().code()).isEqualTo(ErrorCode.INVALID_AMOUNT);
        RowData ok =
                csv(header, "7, Ann@Example.ORG ,\"1.5\",usd,Shipped,2026-03-01T10:00:00Z,web")
                        .row();
        assertThat(ok.getString(IngestTables.Orders.ORDER_ID).toString()).isEqualTo("7");
        assertThat(ok.getString(IngestTables.Orders.CUSTOMER_EMAIL).toString())
                .isEqualTo("ann@example.org");
        assertThat(ok.getDecimal(IngestTables.Orders.AMOUNT, 18, 2).toBigDecimal())
                .isEqualTo(new BigDecimal("1.50"));
        assertThat(ok.getString(IngestTables.Orders.STATUS).toString()).isEqualTo("shipped");
        assertThat(ok.getString(IngestTables.Orders.EXTRA_FIELDS).toString())
                .isEqualTo("{\"channel\":\"web\"}");
        assertThat(csv(header, "7,a@b.co,1,USD,paid").rejection().code())
                .isEqualTo(ErrorCode.RAGGED_ROW);
    }
}
