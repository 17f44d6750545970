/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast ISO parser against {@code java.time} on generated values: wherever it answers, it gives
 * {@code java.time}'s value, and it answers for the common shapes.
 */
class IsoTimesTest {

    private static final String DIGITS = "0123456789";

    @Test
    void everyFastTimestampIsJavaTimesValueAndTheCommonShapesAreFast() {
        SplittableRandom random = new SplittableRandom(16);
        int fast = 0;
        int valid = 0;
        for (int i = 0; i < 1_000_000; i++) {
            String v = timestamp(random);
            Long expected = javaTime(v);
            long got = IsoTimes.epochMicros(v);
            if (got != IsoTimes.NOT_FAST) {
                fast++;
                assertEquals(expected, got, v);
            }
            if (expected != null) {
                valid++;
            }
        }
        // Most generated values are valid, and most of those take the fast path (the rest:
        // nanoseconds,
        // a lower-case t or z).
        assertTrue(valid > 300_000, "valid " + valid);
        assertTrue(fast > valid * 0.6, "fast " + fast + " of " + valid + " valid");
    }

    @Test
    void theShapesSourcesSendAreFastAndExact() {
        String[] values = {
            "2026-01-05T10:00:00Z",
            "2026-01-05 10:00:00+01:00",
            "2026-01-05T10:00Z",
            "2024-02-29T23:59:59.999999-08:00",
            "1969-12-31T23:59:59.5Z",
            "0001-01-01T00:00:00+18:00",
            "9999-12-31T23:59:59.123-18:00",
            "2000-03-01T00:00:00.000001Z",
        };
        for (String v : values) {
            long got = IsoTimes.epochMicros(v);
            assertTrue(got != IsoTimes.NOT_FAST, v);
            assertEquals(javaTime(v), got, v);
        }
        for (String v :
                new String[] {
                    "2026-02-29T10:00:00Z", // not a leap year
                    "2026-01-05T24:00:00Z",
                    "2026-01-05T10:00:00.1234567Z", // nanoseconds: java.time decides
                    "2026-01-05T10:00:00+18:30",
                    "2026-01-05t10:00:00z", // java.time accepts it; not a fast shape
                    "2026-01-05T10:00:00",
                    "2026-01-05T10:00:00+0100",
                }) {
            assertEquals(IsoTimes.NOT_FAST, IsoTimes.epochMicros(v), v);
        }
    }

    @Test
    void everyFastDateIsJavaTimesValue() {
        SplittableRandom random = new SplittableRandom(17);
        int fast = 0;
        for (int i = 0; i < 300_000; i++) {
            String v = date(random);
            Long expected;
            try {
                expected = LocalDate.parse(v).toEpochDay();
            } catch (DateTimeException e) {
                expected = null;
            }
            long got = IsoTimes.epochDay(v);
            if (got != IsoTimes.NOT_FAST) {
                fast++;
                assertEquals(expected, got, v);
            } else {
                assertEquals(null, expected, v);
            }
        }
        assertTrue(fast > 100_000, "fast " + fast);
    }

    /** java.time's answer, as the converter asked it before: micros, or null for refused. */
    private static Long javaTime(String v) {
        String iso =
                v.length() > 10 && v.charAt(10) == ' '
                        ? v.substring(0, 10) + "T" + v.substring(11)
                        : v;
        try {
            Instant t =
                    OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** Mostly well-formed dates, with days and months past their ends and stray characters. */
    private static String date(SplittableRandom r) {
        return pad(r.nextInt(10_000), 4)
                + (r.nextInt(50) == 0 ? "/" : "-")
                + pad(r.nextInt(14), 2)
                + "-"
                + pad(r.nextInt(33), 2)
                + (r.nextInt(50) == 0 ? "x" : "");
    }

    private static String timestamp(SplittableRandom r) {
        StringBuilder b = new StringBuilder(date(r));
        b.append(r.nextInt(10) == 0 ? ' ' : r.nextInt(40) == 0 ? 't' : 'T');
        b.append(pad(r.nextInt(26), 2)).append(':').append(pad(r.nextInt(62), 2));
        if (r.nextInt(8) != 0) {
            b.append(':').append(pad(r.nextInt(62), 2));
            int f = r.nextInt(12);
            if (f > 0 && f <= 10) {
                b.append('.');
                for (int k = 1; k < f; k++) {
                    b.append(DIGITS.charAt(r.nextInt(10)));
                }
            }
        }
        switch (r.nextInt(6)) {
            case 0, 1 -> b.append('Z');
            case 2 -> {}
            default -> {
                b.append(r.nextBoolean() ? '+' : '-');
                b.append(pad(r.nextInt(20), 2));
                if (r.nextInt(20) != 0) {
                    b.append(':');
                }
                b.append(pad(r.nextInt(62), 2));
                if (r.nextInt(20) == 0) {
                    b.append(":30");
                }
            }
        }
        if (r.nextInt(100) == 0) {
            b.setLength(r.nextInt(b.length()));
        }
        return b.toString();
    }

    private static String pad(int v, int width) {
        String s = Integer.toString(v);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }
}
