/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Currency;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The standardisation rules, applied to the fields of one JSON object: types coerced, text trimmed,
 * timestamps to UTC instants, currencies to upper-case ISO-4217, e-mails trimmed and lower case,
 * countries to ISO-3166 alpha-2, money to decimal(18,2). A field that breaks a rule unwinds the
 * whole record with its {@link ErrorCode}.
 */
final class Fields {

    /** ISO-4217 codes the JDK knows, without the testing and "no currency" codes. */
    static final Set<String> CURRENCIES =
            Currency.getAvailableCurrencies().stream()
                    .map(Currency::getCurrencyCode)
                    .filter(c -> !c.equals("XXX") && !c.equals("XTS"))
                    .collect(Collectors.toUnmodifiableSet());

    static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    private static final Map<String, String> ALPHA3_TO_ALPHA2 = alpha3();

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern DIGITS = Pattern.compile("-?\\d{1,18}");
    private static final Pattern CODE = Pattern.compile("[a-z][a-z0-9_]*");

    private final ObjectNode object;
    private final int maxLength;
    private final long ingestionTime;
    private final long maxFutureMs;

    Fields(ObjectNode object, int maxLength, long ingestionTime, long maxFutureMs) {
        this.object = object;
        this.maxLength = maxLength;
        this.ingestionTime = ingestionTime;
        this.maxFutureMs = maxFutureMs;
    }

    private JsonNode node(String name, boolean required) {
        JsonNode n = object.get(name);
        if (n == null || n.isNull() || (n.isTextual() && n.asText().isBlank())) {
            if (required) {
                throw new Invalid(ErrorCode.MISSING_FIELD, "'" + name + "' is required");
            }
            return null;
        }
        return n;
    }

    /** Text or a number, as trimmed text; blank is absent. */
    String text(String name, boolean required) {
        JsonNode n = node(name, required);
        if (n == null) {
            return null;
        }
        String value;
        if (n.isTextual()) {
            value = n.asText().trim();
        } else if (n.isIntegralNumber()) {
            value = n.asText();
        } else if (n.isNumber()) {
            value = n.decimalValue().toPlainString();
        } else {
            throw wrongType(name, "text", n);
        }
        if (value.length() > maxLength) {
            throw new Invalid(
                    ErrorCode.FIELD_TOO_LONG,
                    "'"
                            + name
                            + "' has "
                            + value.length()
                            + " characters, at most "
                            + maxLength
                            + " are allowed");
        }
        return value;
    }

    /** Lower-case text matching {@code [a-z][a-z0-9_]*} (event types, statuses). */
    String code(String name, boolean required) {
        String v = text(name, required);
        if (v == null) {
            return null;
        }
        String lower = v.toLowerCase(Locale.ROOT);
        if (!CODE.matcher(lower).matches()) {
            throw new Invalid(
                    ErrorCode.INVALID_VALUE,
                    "'"
                            + name
                            + "' must be a word of letters, digits and _, got '"
                            + clip(v)
                            + "'");
        }
        return lower;
    }

    Long whole(String name, boolean required) {
        JsonNode n = node(name, required);
        if (n == null) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.asLong();
        }
        if (n.isTextual() && DIGITS.matcher(n.asText().trim()).matches()) {
            return Long.parseLong(n.asText().trim());
        }
        throw wrongType(name, "a whole number", n);
    }

    /** A money amount: a decimal with at most two decimals and 16 integer digits. */
    BigDecimal money(String name, boolean required) {
        JsonNode n = node(name, required);
        if (n == null) {
            return null;
        }
        BigDecimal d;
        if (n.isNumber()) {
            d = n.decimalValue();
        } else if (n.isTextual()) {
            try {
                d = new BigDecimal(n.asText().trim());
            } catch (NumberFormatException e) {
                throw new Invalid(
                        ErrorCode.INVALID_AMOUNT,
                        "'" + name + "' is not a number: '" + clip(n.asText()) + "'");
            }
        } else {
            throw wrongType(name, "a decimal number", n);
        }
        BigDecimal stripped = d.stripTrailingZeros();
        if (stripped.scale() > 2) {
            throw new Invalid(
                    ErrorCode.INVALID_AMOUNT,
                    "'" + name + "' has more than two decimals: " + d.toPlainString());
        }
        BigDecimal money = d.setScale(2);
        if (money.precision() > 18) {
            throw new Invalid(
                    ErrorCode.INVALID_AMOUNT,
                    "'" + name + "' does not fit decimal(18,2): " + d.toPlainString());
        }
        return money;
    }

    /**
     * ISO-8601 with an offset ({@code 2026-01-05T10:00:00+02:00}, {@code ...Z}) or epoch
     * milliseconds (a number or digits), to a UTC instant; never further than {@code max-future}
     * ahead of the ingestion time.
     */
    Instant timestamp(String name, boolean required) {
        JsonNode n = node(name, required);
        if (n == null) {
            return null;
        }
        Instant t;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            t = Instant.ofEpochMilli(n.asLong());
        } else if (n.isTextual()) {
            String s = n.asText().trim();
            if (DIGITS.matcher(s).matches()) {
                t = Instant.ofEpochMilli(Long.parseLong(s));
            } else {
                try {
                    String iso =
                            s.length() > 10 && s.charAt(10) == ' ' ? s.replaceFirst(" ", "T") : s;
                    t =
                            OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                                    .toInstant();
                } catch (DateTimeException e) {
                    throw invalidTimestamp(name, s);
                }
            }
        } else {
            throw invalidTimestamp(name, n.toString());
        }
        if (t.getEpochSecond() < -62_135_596_800L || t.getEpochSecond() > 253_402_300_799L) {
            throw invalidTimestamp(name, n.asText());
        }
        if (t.toEpochMilli() - ingestionTime > maxFutureMs) {
            throw new Invalid(
                    ErrorCode.FUTURE_TIMESTAMP,
                    "'"
                            + name
                            + "' is "
                            + t
                            + ", more than "
                            + maxFutureMs / 1000
                            + "s after the record's ingestion time "
                            + Instant.ofEpochMilli(ingestionTime));
        }
        return t;
    }

    String currency(String name, boolean required) {
        String v = text(name, required);
        if (v == null) {
            return null;
        }
        String code = v.toUpperCase(Locale.ROOT);
        if (!CURRENCIES.contains(code)) {
            throw new Invalid(
                    ErrorCode.UNKNOWN_CURRENCY,
                    "'" + name + "' is not an ISO-4217 currency code: '" + clip(v) + "'");
        }
        return code;
    }

    String email(String name, boolean required) {
        String v = text(name, required);
        if (v == null) {
            return null;
        }
        String email = v.toLowerCase(Locale.ROOT);
        if (!EMAIL.matcher(email).matches()) {
            throw new Invalid(
                    ErrorCode.INVALID_EMAIL,
                    "'" + name + "' is not an e-mail address: '" + clip(v) + "'");
        }
        return email;
    }

    /** ISO-3166 alpha-2, upper case; alpha-3 codes are converted. */
    String country(String name, boolean required) {
        String v = text(name, required);
        if (v == null) {
            return null;
        }
        String code = v.toUpperCase(Locale.ROOT);
        if (code.length() == 3 && ALPHA3_TO_ALPHA2.containsKey(code)) {
            code = ALPHA3_TO_ALPHA2.get(code);
        }
        if (!COUNTRIES.contains(code)) {
            throw new Invalid(
                    ErrorCode.UNKNOWN_COUNTRY,
                    "'" + name + "' is not an ISO-3166 country code: '" + clip(v) + "'");
        }
        return code;
    }

    /** A free-form JSON object, as compact JSON text. */
    String jsonObject(String name) {
        JsonNode n = node(name, false);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            throw wrongType(name, "a JSON object", n);
        }
        return n.toString();
    }

    /** Every field not in {@code known}, as a JSON object text with sorted keys; null if none. */
    String extras(Set<String> known) {
        TreeMap<String, JsonNode> extra = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!known.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue());
            }
        }
        if (extra.isEmpty()) {
            return null;
        }
        try {
            return Payloads.JSON.writeValueAsString(extra);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write extra fields", e);
        }
    }

    private static Invalid wrongType(String name, String expected, JsonNode n) {
        return new Invalid(
                ErrorCode.WRONG_TYPE,
                "'"
                        + name
                        + "' must be "
                        + expected
                        + ", got "
                        + n.getNodeType().name().toLowerCase(Locale.ROOT)
                        + " "
                        + clip(n.toString()));
    }

    private static Invalid invalidTimestamp(String name, String value) {
        return new Invalid(
                ErrorCode.INVALID_TIMESTAMP,
                "'"
                        + name
                        + "' must be ISO-8601 with an offset (2026-01-05T10:00:00Z) or epoch"
                        + " milliseconds, got '"
                        + clip(value)
                        + "'");
    }

    static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
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
