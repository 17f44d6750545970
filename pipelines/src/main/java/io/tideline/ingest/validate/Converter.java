/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.tideline.config.ColumnConfig;
import io.tideline.config.ColumnType;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * Turns one input value into one column's value in Flink's internal format ({@link StringData},
 * {@link DecimalData}, {@link TimestampData}, ...), with the column's standardisers and checks. One
 * instance per column, chosen once when the plan is compiled; none looks anything up by name per
 * record. A value that does not fit returns {@link #FAILED} after recording why in the {@link Ctx}:
 * bad data is a value, never an exception.
 *
 * <p>Numbers are bounded before any {@link BigDecimal} work: a text longer than the type can hold
 * is refused by its length, an exponent by its value, so {@code 1e999999999} or a 500-digit number
 * cost constant time and memory.
 */
abstract class Converter implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Returned when the value is refused (the reason is in the {@link Ctx}). */
    static final Object FAILED = new Object();

    /** ISO-4217 codes the JDK knows, without the testing and "no currency" codes. */
    static final Set<String> CURRENCIES =
            Currency.getAvailableCurrencies().stream()
                    .map(Currency::getCurrencyCode)
                    .filter(c -> !c.equals("XXX") && !c.equals("XTS"))
                    .collect(Collectors.toUnmodifiableSet());

    static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());
    static final Map<String, String> ALPHA3_TO_ALPHA2 = alpha3();
    private static final Pattern EMAIL_PATTERN = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    final int column;
    final String label;

    Converter(int column, String label) {
        this.column = column;
        this.label = label;
    }

    /** A value given as text (a CSV value, a JSON string, a database value); never null. */
    abstract Object text(String s, Ctx ctx);

    /** A JSON number, as its literal text. */
    Object number(String literal, boolean integral, Ctx ctx) {
        return text(literal, ctx);
    }

    Object bool(boolean value, Ctx ctx) {
        return wrongType(ctx, value ? "true" : "false");
    }

    /** A JSON object or array; the parser is on its start token. */
    Object structure(JsonParser p, Ctx ctx) throws IOException {
        JsonToken t = p.currentToken();
        p.skipChildren();
        return wrongType(ctx, t == JsonToken.START_OBJECT ? "an object" : "an array");
    }

    /** A value of {@code length} characters refused for a column of at most {@code maxLength}. */
    final Object tooLong(int length, int maxLength, Ctx ctx) {
        return ctx.fail(
                column,
                ErrorCode.FIELD_TOO_LONG,
                label + " has " + length + " characters, at most " + maxLength + " are allowed");
    }

    /** The value at the parser's current token; null when it is JSON null. */
    final Object json(JsonParser p, JsonToken t, Ctx ctx) throws IOException {
        return switch (t) {
            case VALUE_STRING -> text(p.getText(), ctx);
            case VALUE_NUMBER_INT -> number(p.getText(), true, ctx);
            case VALUE_NUMBER_FLOAT -> number(p.getText(), false, ctx);
            case VALUE_TRUE -> bool(true, ctx);
            case VALUE_FALSE -> bool(false, ctx);
            case START_OBJECT, START_ARRAY -> structure(p, ctx);
            default -> null;
        };
    }

    abstract String expected();

    final Object wrongType(Ctx ctx, String got) {
        return ctx.fail(
                column,
                ErrorCode.WRONG_TYPE,
                label + " expected " + expected() + ", got " + Ctx.clip(got));
    }

    /** The converter of one declared column. */
    static Converter of(int column, String name, ColumnConfig c, long maxFieldLength) {
        String from = c.fromOr(name);
        String label =
                from.equals(name) ? "'" + name + "'" : "'" + from + "' (column " + name + ")";
        ColumnType t = c.columnType();
        List<ColumnConfig.Check> checks = c.checks();
        BigDecimal min = null;
        BigDecimal max = null;
        int maxLength = (int) maxFieldLength;
        List<TextRule> rules = new ArrayList<>();
        for (ColumnConfig.Standardizer s : c.standardizers()) {
            rules.add(
                    switch (s) {
                        case TRIM -> TextRule.TRIM;
                        case LOWER -> TextRule.LOWER;
                        case UPPER -> TextRule.UPPER;
                    });
        }
        List<TextRule> after = new ArrayList<>();
        for (ColumnConfig.Check k : checks) {
            switch (k.name()) {
                case "email" -> after.add(TextRule.EMAIL);
                case "iso-country" -> after.add(TextRule.COUNTRY);
                case "iso-currency" -> after.add(TextRule.CURRENCY);
                case "pattern" -> after.add(TextRule.pattern((String) k.argument()));
                case "one-of" -> {
                    @SuppressWarnings("unchecked")
                    List<String> values = (List<String>) k.argument();
                    after.add(TextRule.oneOf(values));
                }
                case "min" -> min = (BigDecimal) k.argument();
                case "max" -> max = (BigDecimal) k.argument();
                case "max-length" -> maxLength = Math.min(maxLength, (Integer) k.argument());
                default -> {}
            }
        }
        rules.addAll(after);
        TextRule[] r = rules.toArray(new TextRule[0]);
        return switch (t.kind()) {
            case STRING -> new Text(column, label, r, maxLength);
            case JSON -> new Json(column, label, maxLength);
            case BOOLEAN -> new Bool(column, label);
            case INT -> new Whole(column, label, true, min, max);
            case BIGINT -> new Whole(column, label, false, min, max);
            case DOUBLE -> new Dbl(column, label, min, max);
            case DECIMAL -> new Dec(column, label, t.precision(), t.scale(), min, max);
            case DATE -> new Day(column, label);
            case TIMESTAMP -> new Time(column, label, c.formatOrDefault());
        };
    }

    // ---------------------------------------------------------------- text

    /**
     * A standardiser or a text check; returns the (possibly converted) text, or null if refused.
     */
    abstract static class TextRule implements Serializable {
        private static final long serialVersionUID = 1L;

        abstract String apply(String v, Converter c, Ctx ctx);

        static final TextRule TRIM =
                new TextRule() {
                    @Override
                    String apply(String v, Converter c, Ctx ctx) {
                        return v.trim();
                    }
                };
        static final TextRule LOWER =
                new TextRule() {
                    @Override
                    String apply(String v, Converter c, Ctx ctx) {
                        return v.toLowerCase(Locale.ROOT);
                    }
                };
        static final TextRule UPPER =
                new TextRule() {
                    @Override
                    String apply(String v, Converter c, Ctx ctx) {
                        return v.toUpperCase(Locale.ROOT);
                    }
                };
        static final TextRule EMAIL =
                new TextRule() {
                    @Override
                    String apply(String v, Converter c, Ctx ctx) {
                        if (EMAIL_PATTERN.matcher(v).matches()) {
                            return v;
                        }
                        ctx.fail(
                                c.column,
                                ErrorCode.INVALID_EMAIL,
                                c.label + " is not an e-mail address: '" + Ctx.clip(v) + "'");
                        return null;
                    }
                };
        static final TextRule CURRENCY =
                new TextRule() {
                    @Override
                    String apply(String v, Converter c, Ctx ctx) {
                        if (CURRENCIES.contains(v)) {
                            return v;
                        }
                        ctx.fail(
                                c.column,
                                ErrorCode.UNKNOWN_CURRENCY,
                                c.label
                                        + " is not an ISO-4217 currency code: '"
                                        + Ctx.clip(v)
                                        + "'");
                        return null;
                    }
                };
        static final TextRule COUNTRY =
                new TextRule() {
                    @Override
                    String apply(String v, Converter c, Ctx ctx) {
                        String code = v.toUpperCase(Locale.ROOT);
                        if (code.length() == 3) {
                            String a2 = ALPHA3_TO_ALPHA2.get(code);
                            if (a2 != null) {
                                code = a2;
                            }
                        }
                        if (COUNTRIES.contains(code)) {
                            return code;
                        }
                        ctx.fail(
                                c.column,
                                ErrorCode.UNKNOWN_COUNTRY,
                                c.label
                                        + " is not an ISO-3166 country code: '"
                                        + Ctx.clip(v)
                                        + "'");
                        return null;
                    }
                };

        static TextRule pattern(String regex) {
            Pattern p = Pattern.compile(regex);
            return new TextRule() {
                private static final long serialVersionUID = 1L;

                @Override
                String apply(String v, Converter c, Ctx ctx) {
                    if (p.matcher(v).matches()) {
                        return v;
                    }
                    ctx.fail(
                            c.column,
                            ErrorCode.INVALID_VALUE,
                            c.label + " does not match " + regex + ": '" + Ctx.clip(v) + "'");
                    return null;
                }
            };
        }

        static TextRule oneOf(List<String> values) {
            Set<String> set = Set.copyOf(values);
            return new TextRule() {
                private static final long serialVersionUID = 1L;

                @Override
                String apply(String v, Converter c, Ctx ctx) {
                    if (set.contains(v)) {
                        return v;
                    }
                    ctx.fail(
                            c.column,
                            ErrorCode.INVALID_VALUE,
                            c.label + " is not one of " + values + ": '" + Ctx.clip(v) + "'");
                    return null;
                }
            };
        }
    }

    static final class Text extends Converter {
        private static final long serialVersionUID = 1L;
        private final TextRule[] rules;
        private final int maxLength;

        Text(int column, String label, TextRule[] rules, int maxLength) {
            super(column, label);
            this.rules = rules;
            this.maxLength = maxLength;
        }

        @Override
        Object text(String s, Ctx ctx) {
            if (s.isBlank()) {
                return null;
            }
            String v = s;
            if (v.length() > maxLength) {
                return tooLong(v.length(), ctx);
            }
            for (TextRule r : rules) {
                v = r.apply(v, this, ctx);
                if (v == null) {
                    return FAILED;
                }
            }
            return StringData.fromString(v);
        }

        Object tooLong(int length, Ctx ctx) {
            return tooLong(length, maxLength, ctx);
        }

        @Override
        Object number(String literal, boolean integral, Ctx ctx) {
            // A number into a text column keeps its literal text (ids as numbers become text).
            return text(literal, ctx);
        }

        @Override
        Object bool(boolean value, Ctx ctx) {
            return text(value ? "true" : "false", ctx);
        }

        @Override
        String expected() {
            return "text";
        }
    }

    /** A JSON object or array, kept as compact JSON text (numbers as their literal text). */
    static final class Json extends Converter {
        private static final long serialVersionUID = 1L;
        private final int maxLength;

        Json(int column, String label, int maxLength) {
            super(column, label);
            this.maxLength = maxLength;
        }

        @Override
        Object text(String s, Ctx ctx) {
            if (s.isBlank()) {
                return null;
            }
            return wrongType(ctx, "text '" + s + "'");
        }

        @Override
        Object number(String literal, boolean integral, Ctx ctx) {
            return wrongType(ctx, literal);
        }

        /** The copy's UTF-8 bytes, reused from record to record (one thread per operator). */
        private transient ByteArrayBuilder buffer;

        @Override
        Object structure(JsonParser p, Ctx ctx) throws IOException {
            // Copied as UTF-8 bytes straight into the row's string: no String, no char[], no
            // encoding again when the row is serialized.
            if (buffer == null) {
                buffer = new ByteArrayBuilder(256);
            }
            buffer.reset();
            try (JsonGenerator g = JSON_FACTORY.createGenerator(buffer)) {
                copy(p, g);
            }
            byte[] bytes = buffer.toByteArray();
            // a character takes at least one byte: only a long copy needs counting
            if (bytes.length > maxLength) {
                int length = new String(bytes, StandardCharsets.UTF_8).length();
                if (length > maxLength) {
                    return tooLong(length, maxLength, ctx);
                }
            }
            return StringData.fromBytes(bytes);
        }

        @Override
        String expected() {
            return "a JSON object or array";
        }
    }

    /** The JSON structure at the parser's start token, as compact text. */
    static String copy(JsonParser p) throws IOException {
        StringWriter w = new StringWriter(64);
        try (JsonGenerator g =
                p.getCodec() == null
                        ? JSON_FACTORY.createGenerator(w)
                        : JSON_FACTORY.createGenerator(w)) {
            copy(p, g);
        }
        return w.toString();
    }

    static final com.fasterxml.jackson.core.JsonFactory JSON_FACTORY =
            new com.fasterxml.jackson.core.JsonFactory();

    /** Copies the value at the current token, numbers as their literal text (never re-parsed). */
    static void copy(JsonParser p, JsonGenerator g) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                g.writeStartObject();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    g.writeFieldName(p.currentName());
                    p.nextToken();
                    copy(p, g);
                }
                g.writeEndObject();
            }
            case START_ARRAY -> {
                g.writeStartArray();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    copy(p, g);
                }
                g.writeEndArray();
            }
            case VALUE_STRING ->
                    g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT ->
                    g.writeNumber(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            case VALUE_TRUE -> g.writeBoolean(true);
            case VALUE_FALSE -> g.writeBoolean(false);
            case VALUE_NULL -> g.writeNull();
            default -> throw new IOException("unexpected token " + t);
        }
    }

    // ---------------------------------------------------------------- scalars

    static final class Bool extends Converter {
        private static final long serialVersionUID = 1L;

        Bool(int column, String label) {
            super(column, label);
        }

        @Override
        Object text(String s, Ctx ctx) {
            String v = s.trim();
            if (v.isEmpty()) {
                return null;
            }
            if (v.equalsIgnoreCase("true")) {
                return Boolean.TRUE;
            }
            if (v.equalsIgnoreCase("false")) {
                return Boolean.FALSE;
            }
            return wrongType(ctx, "'" + v + "'");
        }

        @Override
        Object number(String literal, boolean integral, Ctx ctx) {
            return wrongType(ctx, literal);
        }

        @Override
        Object bool(boolean value, Ctx ctx) {
            return value;
        }

        @Override
        String expected() {
            return "true or false";
        }
    }

    static Object range(Converter c, BigDecimal v, BigDecimal min, BigDecimal max, Ctx ctx) {
        if (min != null && v.compareTo(min) < 0) {
            return ctx.fail(
                    c.column,
                    ErrorCode.INVALID_VALUE,
                    c.label + " is below its min " + min + ": " + v);
        }
        if (max != null && v.compareTo(max) > 0) {
            return ctx.fail(
                    c.column,
                    ErrorCode.INVALID_VALUE,
                    c.label + " is above its max " + max + ": " + v);
        }
        return null;
    }

    /** int and bigint: digits only, refused by length before parsing. */
    static final class Whole extends Converter {
        private static final long serialVersionUID = 1L;
        private final boolean isInt;
        private final BigDecimal min;
        private final BigDecimal max;

        Whole(int column, String label, boolean isInt, BigDecimal min, BigDecimal max) {
            super(column, label);
            this.isInt = isInt;
            this.min = min;
            this.max = max;
        }

        @Override
        Object text(String s, Ctx ctx) {
            String v = s.trim();
            if (v.isEmpty()) {
                return null;
            }
            int n = v.length();
            int start = v.charAt(0) == '-' || v.charAt(0) == '+' ? 1 : 0;
            boolean digits = n > start && n - start <= 19;
            for (int i = start; digits && i < n; i++) {
                char ch = v.charAt(i);
                digits = ch >= '0' && ch <= '9';
            }
            if (!digits) {
                return wrongType(ctx, "'" + v + "'");
            }
            long value;
            try {
                value = Long.parseLong(v);
            } catch (NumberFormatException e) {
                return wrongType(ctx, "'" + v + "' (out of range)");
            }
            if (isInt && (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE)) {
                return wrongType(ctx, "'" + v + "' (out of range)");
            }
            if (min != null || max != null) {
                Object bad = range(this, BigDecimal.valueOf(value), min, max, ctx);
                if (bad != null) {
                    return bad;
                }
            }
            return isInt ? (Object) (int) value : (Object) value;
        }

        @Override
        String expected() {
            return isInt ? "a whole number (int)" : "a whole number (bigint)";
        }
    }

    static final class Dbl extends Converter {
        private static final long serialVersionUID = 1L;
        private final BigDecimal min;
        private final BigDecimal max;

        Dbl(int column, String label, BigDecimal min, BigDecimal max) {
            super(column, label);
            this.min = min;
            this.max = max;
        }

        @Override
        Object text(String s, Ctx ctx) {
            String v = s.trim();
            if (v.isEmpty()) {
                return null;
            }
            if (v.length() > 64 || !Numbers.isDecimalLiteral(v)) {
                return wrongType(ctx, "'" + v + "'");
            }
            double d = Double.parseDouble(v);
            if (Double.isInfinite(d) || Double.isNaN(d)) {
                return ctx.fail(
                        column,
                        ErrorCode.INVALID_VALUE,
                        label + " is out of the range of a double: " + Ctx.clip(v));
            }
            if ((min != null && d < min.doubleValue()) || (max != null && d > max.doubleValue())) {
                return ctx.fail(
                        column,
                        ErrorCode.INVALID_VALUE,
                        label + " is out of [" + min + ", " + max + "]: " + v);
            }
            return d;
        }

        @Override
        String expected() {
            return "a number";
        }
    }

    /** decimal(p,s): more decimals than s are refused, never rounded. */
    static final class Dec extends Converter {
        private static final long serialVersionUID = 1L;
        private final int precision;
        private final int scale;
        private final BigDecimal min;
        private final BigDecimal max;

        Dec(int column, String label, int precision, int scale, BigDecimal min, BigDecimal max) {
            super(column, label);
            this.precision = precision;
            this.scale = scale;
            this.min = min;
            this.max = max;
        }

        @Override
        Object text(String s, Ctx ctx) {
            String v = s.trim();
            if (v.isEmpty()) {
                return null;
            }
            // Bounded before any BigDecimal work: the longest literal that can fit, plus room for
            // a sign, a point, an exponent and a few leading or trailing zeros.
            if (v.length() > precision + 24) {
                return ctx.fail(
                        column,
                        ErrorCode.INVALID_AMOUNT,
                        label
                                + " has "
                                + v.length()
                                + " characters, too many for decimal("
                                + precision
                                + ","
                                + scale
                                + ")");
            }
            if (!Numbers.isDecimalLiteral(v) || Numbers.exponentTooLarge(v)) {
                return ctx.fail(
                        column,
                        ErrorCode.INVALID_AMOUNT,
                        label + " is not a number: '" + Ctx.clip(v) + "'");
            }
            BigDecimal d = new BigDecimal(v);
            BigDecimal stripped = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
            if (stripped.scale() > scale) {
                return ctx.fail(
                        column,
                        ErrorCode.INVALID_AMOUNT,
                        label + " has more than " + scale + " decimals: " + Ctx.clip(v));
            }
            // integer digits = precision - scale of the stripped value (constant time)
            long integerDigits = (long) stripped.precision() - stripped.scale();
            if (integerDigits > precision - scale) {
                return ctx.fail(
                        column,
                        ErrorCode.INVALID_AMOUNT,
                        label
                                + " does not fit decimal("
                                + precision
                                + ","
                                + scale
                                + "): "
                                + Ctx.clip(v));
            }
            BigDecimal value = stripped.setScale(scale);
            if (min != null || max != null) {
                Object bad = range(this, value, min, max, ctx);
                if (bad != null) {
                    return bad;
                }
            }
            return DecimalData.fromBigDecimal(value, precision, scale);
        }

        @Override
        Object bool(boolean value, Ctx ctx) {
            return wrongType(ctx, String.valueOf(value));
        }

        @Override
        String expected() {
            return "a decimal(" + precision + "," + scale + ")";
        }
    }

    static final class Day extends Converter {
        private static final long serialVersionUID = 1L;

        Day(int column, String label) {
            super(column, label);
        }

        @Override
        Object text(String s, Ctx ctx) {
            String v = s.trim();
            if (v.isEmpty()) {
                return null;
            }
            if (v.length() > 32) {
                return invalid(v, ctx);
            }
            long day = IsoTimes.epochDay(v);
            if (day != IsoTimes.NOT_FAST) {
                return (int) day;
            }
            try {
                return (int) LocalDate.parse(v).toEpochDay();
            } catch (DateTimeException e) {
                return invalid(v, ctx);
            }
        }

        @Override
        Object number(String literal, boolean integral, Ctx ctx) {
            return invalid(literal, ctx);
        }

        private Object invalid(String v, Ctx ctx) {
            return ctx.fail(
                    column,
                    ErrorCode.INVALID_TIMESTAMP,
                    label + " must be an ISO-8601 date (2026-01-05), got '" + Ctx.clip(v) + "'");
        }

        @Override
        String expected() {
            return "a date";
        }
    }

    static final class Time extends Converter {
        private static final long serialVersionUID = 1L;
        private static final long MIN_SECOND = -62_135_596_800L;
        private static final long MAX_SECOND = 253_402_300_799L;
        private static final int ISO_OFFSET = 0;
        private static final int EPOCH_MILLIS = 1;
        private static final int EPOCH_SECONDS = 2;
        private static final int PATTERN = 3;
        private final String format;

        /** The format, chosen once: no comparison of format names per value. */
        private final int kind;

        private transient DateTimeFormatter pattern;

        Time(int column, String label, String format) {
            super(column, label);
            this.format = format;
            this.kind =
                    switch (format) {
                        case "iso-offset" -> ISO_OFFSET;
                        case "epoch-millis" -> EPOCH_MILLIS;
                        case "epoch-seconds" -> EPOCH_SECONDS;
                        default -> PATTERN;
                    };
        }

        @Override
        Object text(String s, Ctx ctx) {
            String v = s.trim();
            if (v.isEmpty()) {
                return null;
            }
            if (v.length() > 64) {
                return invalid(v, ctx);
            }
            Instant t;
            switch (kind) {
                case ISO_OFFSET -> {
                    if (Numbers.isWhole(v, 18)) {
                        t = Instant.ofEpochMilli(Long.parseLong(v));
                    } else {
                        long micros = IsoTimes.epochMicros(v);
                        if (micros != IsoTimes.NOT_FAST) {
                            return accept(
                                    v,
                                    Math.floorDiv(micros, 1_000_000L),
                                    Math.floorDiv(micros, 1000L),
                                    (int) Math.floorMod(micros, 1000L) * 1000,
                                    ctx);
                        }
                        try {
                            String iso =
                                    v.length() > 10 && v.charAt(10) == ' '
                                            ? v.substring(0, 10) + "T" + v.substring(11)
                                            : v;
                            t =
                                    OffsetDateTime.parse(
                                                    iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                                            .toInstant();
                        } catch (DateTimeException e) {
                            return invalid(v, ctx);
                        }
                    }
                }
                case EPOCH_MILLIS -> {
                    if (!Numbers.isWhole(v, 18)) {
                        return invalid(v, ctx);
                    }
                    t = Instant.ofEpochMilli(Long.parseLong(v));
                }
                case EPOCH_SECONDS -> {
                    int dot = v.indexOf('.');
                    String whole = dot < 0 ? v : v.substring(0, dot);
                    String frac = dot < 0 ? "" : v.substring(dot + 1);
                    if (!Numbers.isWhole(whole, 15)
                            || frac.length() > 9
                            || !frac.chars().allMatch(Character::isDigit)) {
                        return invalid(v, ctx);
                    }
                    long sec = Long.parseLong(whole);
                    long nanos =
                            frac.isEmpty()
                                    ? 0
                                    : Long.parseLong((frac + "000000000").substring(0, 9));
                    if (sec < MIN_SECOND || sec > MAX_SECOND) {
                        return invalid(v, ctx);
                    }
                    t = Instant.ofEpochSecond(sec, whole.startsWith("-") ? -nanos : nanos);
                }
                default -> {
                    if (pattern == null) {
                        pattern = DateTimeFormatter.ofPattern(format, Locale.ROOT);
                    }
                    try {
                        t = pattern.parse(v, Instant::from);
                    } catch (DateTimeException e) {
                        return invalid(v, ctx);
                    }
                }
            }
            if (t.getEpochSecond() < MIN_SECOND || t.getEpochSecond() > MAX_SECOND) {
                return invalid(v, ctx);
            }
            return accept(v, t.getEpochSecond(), t.toEpochMilli(), t.getNano() % 1_000_000, ctx);
        }

        /** The range and future checks of a parsed value, then the value. */
        private Object accept(String v, long epochSecond, long millis, int nanoOfMilli, Ctx ctx) {
            if (epochSecond < MIN_SECOND || epochSecond > MAX_SECOND) {
                return invalid(v, ctx);
            }
            if (millis - ctx.ingestionTime > ctx.maxFutureMs) {
                Instant t = Instant.ofEpochMilli(millis).plusNanos(nanoOfMilli);
                return ctx.fail(
                        column,
                        ErrorCode.FUTURE_TIMESTAMP,
                        label
                                + " is "
                                + t
                                + ", more than "
                                + ctx.maxFutureMs / 1000
                                + "s after the record's ingestion time "
                                + Instant.ofEpochMilli(ctx.ingestionTime));
            }
            return TimestampData.fromEpochMillis(millis, nanoOfMilli);
        }

        @Override
        Object number(String literal, boolean integral, Ctx ctx) {
            if (!integral && kind != EPOCH_SECONDS) {
                return invalid(literal, ctx);
            }
            return text(literal, ctx);
        }

        private Object invalid(String v, Ctx ctx) {
            String what =
                    switch (format) {
                        case "iso-offset" ->
                                "ISO-8601 with an offset (2026-01-05T10:00:00Z) or epoch"
                                        + " milliseconds";
                        case "epoch-millis" -> "epoch milliseconds";
                        case "epoch-seconds" -> "epoch seconds";
                        default -> "a timestamp of the pattern " + format;
                    };
            return ctx.fail(
                    column,
                    ErrorCode.INVALID_TIMESTAMP,
                    label + " must be " + what + ", got '" + Ctx.clip(v) + "'");
        }

        @Override
        Object bool(boolean value, Ctx ctx) {
            return invalid(String.valueOf(value), ctx);
        }

        @Override
        Object structure(JsonParser p, Ctx ctx) throws IOException {
            String text = copy(p);
            return invalid(text, ctx);
        }

        @Override
        String expected() {
            return "a timestamp";
        }
    }

    private static Map<String, String> alpha3() {
        Map<String, String> m = new HashMap<>();
        for (String a2 : Locale.getISOCountries()) {
            try {
                m.put(new Locale("", a2).getISO3Country(), a2);
            } catch (java.util.MissingResourceException e) {
                // no alpha-3 code known for this country
            }
        }
        return Map.copyOf(m);
    }
}
