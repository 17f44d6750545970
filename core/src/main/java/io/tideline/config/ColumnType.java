/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The type of a declared column: {@code string}, {@code boolean}, {@code int}, {@code bigint},
 * {@code double}, {@code decimal(p,s)}, {@code date}, {@code timestamp} (timestamptz, stored in
 * UTC) or {@code json} (JSON text).
 *
 * @param precision for decimals, 1 to 38; 0 otherwise
 * @param scale for decimals, 0 to precision; 0 otherwise
 */
public record ColumnType(Kind kind, int precision, int scale) {

    /** The kinds of column. */
    public enum Kind {
        STRING,
        BOOLEAN,
        INT,
        BIGINT,
        DOUBLE,
        DECIMAL,
        DATE,
        TIMESTAMP,
        JSON
    }

    private static final Pattern DECIMAL =
            Pattern.compile("decimal\\s*\\(\\s*(\\d{1,9})\\s*,\\s*(\\d{1,9})\\s*\\)");

    /** The type names, as a problem message lists them. */
    public static final String NAMES =
            "string, boolean, int, bigint, double, decimal(p,s), date, timestamp, json";

    /**
     * Parses a type name.
     *
     * @throws IllegalArgumentException with the message a configuration problem gives
     */
    public static ColumnType parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("required: one of " + NAMES);
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("decimal")) {
            Matcher m = DECIMAL.matcher(t);
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        "expected decimal(p,s) with p ≤ 38, got '" + text + "'");
            }
            int p = Integer.parseInt(m.group(1));
            int s = Integer.parseInt(m.group(2));
            if (p < 1 || p > 38) {
                throw new IllegalArgumentException(
                        "expected decimal(p,s) with p ≤ 38, got '" + text + "'");
            }
            if (s > p) {
                throw new IllegalArgumentException(
                        "expected decimal(p,s) with s ≤ p, got '" + text + "'");
            }
            return new ColumnType(Kind.DECIMAL, p, s);
        }
        return switch (t) {
            case "string", "text" -> new ColumnType(Kind.STRING, 0, 0);
            case "boolean" -> new ColumnType(Kind.BOOLEAN, 0, 0);
            case "int" -> new ColumnType(Kind.INT, 0, 0);
            case "bigint", "long" -> new ColumnType(Kind.BIGINT, 0, 0);
            case "double" -> new ColumnType(Kind.DOUBLE, 0, 0);
            case "date" -> new ColumnType(Kind.DATE, 0, 0);
            case "timestamp", "timestamptz" -> new ColumnType(Kind.TIMESTAMP, 0, 0);
            case "json" -> new ColumnType(Kind.JSON, 0, 0);
            default ->
                    throw new IllegalArgumentException(
                            "expected one of " + NAMES + ", got '" + text + "'");
        };
    }

    public boolean isNumeric() {
        return kind == Kind.INT
                || kind == Kind.BIGINT
                || kind == Kind.DOUBLE
                || kind == Kind.DECIMAL;
    }

    public boolean isText() {
        return kind == Kind.STRING || kind == Kind.JSON;
    }

    @Override
    public String toString() {
        return kind == Kind.DECIMAL
                ? "decimal(" + precision + "," + scale + ")"
                : kind.name().toLowerCase(Locale.ROOT);
    }
}
