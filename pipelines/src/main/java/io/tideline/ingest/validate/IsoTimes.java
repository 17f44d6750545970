/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

/**
 * The fixed ISO-8601 shapes that nearly every source sends, parsed in one pass with no allocation:
 * {@code yyyy-MM-dd} and {@code yyyy-MM-dd(T| )HH:mm[:ss[.f{1,6}]](Z|±HH:mm)}.
 *
 * <p>{@code java.time}'s general parser (a {@code Parsed} map of fields per value, then a resolver)
 * was a third of a CDC snapshot's reader thread. These methods only <em>accelerate</em> it: they
 * return {@link #NOT_FAST} for anything that is not exactly one of the shapes with every field in
 * range (another shape, a seventh fraction digit, February 30, an offset beyond 18 hours), and the
 * caller then asks {@code java.time}, which accepts or refuses it as before. So an input is
 * accepted, with the same value, exactly when {@code java.time} accepts it ({@code IsoTimesTest}
 * compares the two on a million generated values).
 */
final class IsoTimes {

    /** Not one of the fast shapes: ask {@code java.time}. */
    static final long NOT_FAST = Long.MIN_VALUE;

    private IsoTimes() {}

    /** {@code yyyy-MM-dd} as days since 1970-01-01, or {@link #NOT_FAST}. */
    static long epochDay(String v) {
        if (v.length() != 10) {
            return NOT_FAST;
        }
        return date(v);
    }

    /**
     * {@code yyyy-MM-dd(T| )HH:mm[:ss[.f{1,6}]](Z|±HH:mm)} as microseconds since the epoch, or
     * {@link #NOT_FAST}.
     */
    static long epochMicros(String v) {
        int n = v.length();
        if (n < 17) {
            return NOT_FAST;
        }
        long day = date(v);
        char t = v.charAt(10);
        if (day == NOT_FAST || (t != 'T' && t != ' ') || v.charAt(13) != ':') {
            return NOT_FAST;
        }
        int hour = two(v, 11);
        int minute = two(v, 14);
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59) {
            return NOT_FAST;
        }
        int i = 16;
        int second = 0;
        int micros = 0;
        if (v.charAt(i) == ':') {
            second = n >= i + 3 ? two(v, i + 1) : -1;
            if (second < 0 || second > 59) {
                return NOT_FAST;
            }
            i += 3;
            if (i < n && v.charAt(i) == '.') {
                int digits = 0;
                i++;
                while (i < n && digits < 7) {
                    int d = v.charAt(i) - '0';
                    if (d < 0 || d > 9) {
                        break;
                    }
                    micros = micros * 10 + d;
                    digits++;
                    i++;
                }
                if (digits == 0 || digits > 6) {
                    return NOT_FAST; // "12:00:00.Z", or nanoseconds: java.time decides
                }
                for (int k = digits; k < 6; k++) {
                    micros *= 10;
                }
            }
        }
        int offset;
        if (i == n - 1 && v.charAt(i) == 'Z') {
            offset = 0;
        } else if (i == n - 6 && v.charAt(i + 3) == ':') {
            char sign = v.charAt(i);
            int oh = two(v, i + 1);
            int om = two(v, i + 4);
            if ((sign != '+' && sign != '-') || oh < 0 || om < 0 || om > 59 || oh > 18) {
                return NOT_FAST;
            }
            if (oh == 18 && om != 0) {
                return NOT_FAST;
            }
            offset = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
        } else {
            return NOT_FAST;
        }
        long seconds = day * 86_400L + hour * 3600L + minute * 60L + second - offset;
        return seconds * 1_000_000L + micros;
    }

    /** The date at the start of {@code v}, as days since 1970-01-01, or {@link #NOT_FAST}. */
    private static long date(String v) {
        if (v.charAt(4) != '-' || v.charAt(7) != '-') {
            return NOT_FAST;
        }
        int hi = two(v, 0);
        int lo = two(v, 2);
        int month = two(v, 5);
        int day = two(v, 8);
        if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1) {
            return NOT_FAST;
        }
        int year = hi * 100 + lo;
        if (day > lengthOfMonth(year, month)) {
            return NOT_FAST;
        }
        return daysFromCivil(year, month, day);
    }

    /** Two ASCII digits at {@code i}, or -1. */
    private static int two(String v, int i) {
        int a = v.charAt(i) - '0';
        int b = v.charAt(i + 1) - '0';
        if (a < 0 || a > 9 || b < 0 || b > 9) {
            return -1;
        }
        return a * 10 + b;
    }

    private static int lengthOfMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (years 0 to 9999 here). */
    private static long daysFromCivil(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468L;
    }
}
