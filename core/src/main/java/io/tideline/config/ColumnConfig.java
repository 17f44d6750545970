/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.math.BigDecimal;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One declared column of a source ({@code sources.<name>.columns.<column>}).
 *
 * @param type the column type, see {@link ColumnType}
 * @param required a record without a value (absent, null or blank) is quarantined ({@code
 *     MISSING_FIELD})
 * @param requiredWith this column is required when that other column has a value
 * @param from where the value is: a JSON pointer ({@code /account/id}) or a field name (JSON), a
 *     header name (CSV), a column name (JDBC); the column's own name by default
 * @param standardize applied in order before the checks: {@code trim}, {@code lower}, {@code upper}
 * @param check one check or a list of them: {@code email}, {@code iso-country}, {@code
 *     iso-currency}, {@code required}, or a mapping {@code {pattern: REGEX}}, {@code {one-of:
 *     [...]}}, {@code {min: N}}, {@code {max: N}}, {@code {max-length: N}}
 * @param format for timestamps: {@code iso-offset} (the default: ISO-8601 with an offset, or a
 *     whole number of epoch milliseconds), {@code epoch-millis}, {@code epoch-seconds}, or a {@link
 *     DateTimeFormatter} pattern that includes a zone or an offset
 */
public record ColumnConfig(
        String type,
        Boolean required,
        String requiredWith,
        String from,
        List<String> standardize,
        Object check,
        String format) {

    /** The standardisers. */
    public enum Standardizer {
        TRIM,
        LOWER,
        UPPER
    }

    /** A parsed check: its name and, for those that take one, its argument. */
    public record Check(String name, Object argument) {}

    static final List<String> CHECKS =
            List.of(
                    "email",
                    "iso-country",
                    "iso-currency",
                    "required",
                    "pattern",
                    "one-of",
                    "min",
                    "max",
                    "max-length");

    public ColumnConfig {
        required = required == null ? Boolean.FALSE : required;
        standardize = standardize == null ? List.of() : List.copyOf(standardize);
    }

    /** The type, parsed (valid once the configuration is loaded). */
    public ColumnType columnType() {
        return ColumnType.parse(type);
    }

    /** Where the value comes from: {@code from}, or the column's own name. */
    public String fromOr(String name) {
        return from == null ? name : from;
    }

    public List<Standardizer> standardizers() {
        List<Standardizer> out = new ArrayList<>();
        for (String s : standardize) {
            out.add(Standardizer.valueOf(s.trim().toUpperCase(Locale.ROOT)));
        }
        return out;
    }

    /** The checks, parsed (valid once the configuration is loaded). */
    public List<Check> checks() {
        Problems ignored = new Problems();
        return parseChecks(ignored);
    }

    /** Whether {@code required: true} or the check {@code required} is given. */
    public boolean isRequired() {
        return required || checks().stream().anyMatch(c -> c.name().equals("required"));
    }

    /** The timestamp format, {@code iso-offset} by default. */
    public String formatOrDefault() {
        return format == null ? "iso-offset" : format;
    }

    private List<Check> parseChecks(Problems problems) {
        List<Check> out = new ArrayList<>();
        if (check == null) {
            return out;
        }
        List<?> items = check instanceof List<?> l ? l : List.of(check);
        for (int i = 0; i < items.size(); i++) {
            Problems at =
                    check instanceof List<?> ? problems.at("check").index(i) : problems.at("check");
            Object item = items.get(i);
            if (item instanceof String s) {
                String n = s.trim().toLowerCase(Locale.ROOT);
                if (!List.of("email", "iso-country", "iso-currency", "required").contains(n)) {
                    at.here(
                            "expected one of [email, iso-country, iso-currency, required] or a"
                                    + " mapping {pattern|one-of|min|max|max-length: ...}, got '"
                                    + s
                                    + "'");
                    continue;
                }
                out.add(new Check(n, null));
            } else if (item instanceof Map<?, ?> m && m.size() == 1) {
                var e = m.entrySet().iterator().next();
                String n = String.valueOf(e.getKey()).toLowerCase(Locale.ROOT);
                Object arg = e.getValue();
                switch (n) {
                    case "pattern" -> {
                        try {
                            Pattern.compile(String.valueOf(arg));
                            out.add(new Check(n, String.valueOf(arg)));
                        } catch (PatternSyntaxException x) {
                            at.add(
                                    "pattern",
                                    "expected a regular expression: " + x.getDescription());
                        }
                    }
                    case "one-of" -> {
                        if (arg instanceof List<?> values && !values.isEmpty()) {
                            out.add(new Check(n, values.stream().map(String::valueOf).toList()));
                        } else {
                            at.add("one-of", "expected a non-empty list of values");
                        }
                    }
                    case "min", "max" -> {
                        try {
                            out.add(new Check(n, new BigDecimal(String.valueOf(arg))));
                        } catch (NumberFormatException x) {
                            at.add(n, "expected a number, got '" + arg + "'");
                        }
                    }
                    case "max-length" -> {
                        if (arg instanceof Integer len && len >= 1) {
                            out.add(new Check(n, len));
                        } else {
                            at.add("max-length", "expected a whole number ≥ 1, got '" + arg + "'");
                        }
                    }
                    default -> at.here("unknown check '" + n + "'; expected one of " + CHECKS);
                }
            } else {
                at.here("expected a check name or a mapping with one check, got '" + item + "'");
            }
        }
        return out;
    }

    void validate(Problems problems, Map<String, ColumnConfig> siblings) {
        ColumnType t = null;
        try {
            t = ColumnType.parse(type);
        } catch (IllegalArgumentException e) {
            problems.add("type", e.getMessage());
        }
        for (int i = 0; i < standardize.size(); i++) {
            String s = standardize.get(i);
            if (s == null
                    || !List.of("trim", "lower", "upper")
                            .contains(s.trim().toLowerCase(Locale.ROOT))) {
                problems.at("standardize")
                        .index(i)
                        .here("expected one of [trim, lower, upper], got '" + s + "'");
            }
        }
        if (!standardize.isEmpty() && t != null && !t.isText()) {
            problems.add("standardize", "only for string columns, this one is " + t);
        }
        List<Check> checks = parseChecks(problems);
        if (t != null) {
            for (Check c : checks) {
                boolean textual = t.kind() == ColumnType.Kind.STRING;
                boolean ok =
                        switch (c.name()) {
                            case "email", "iso-country", "iso-currency", "pattern", "one-of" ->
                                    textual;
                            case "max-length" -> t.isText();
                            case "min", "max" -> t.isNumeric();
                            default -> true;
                        };
                if (!ok) {
                    problems.add(
                            "check", "'" + c.name() + "' does not apply to a " + t + " column");
                }
            }
        }
        if (requiredWith != null && !siblings.containsKey(requiredWith)) {
            problems.add(
                    "required-with",
                    "expected another column of this source, got '"
                            + requiredWith
                            + "'; columns are "
                            + siblings.keySet());
        }
        if (from != null && from.isBlank()) {
            problems.add("from", "expected a field name or a JSON pointer such as /account/id");
        }
        if (format != null) {
            if (t != null && t.kind() != ColumnType.Kind.TIMESTAMP) {
                problems.add("format", "only for timestamp columns, this one is " + t);
            } else if (!List.of("iso-offset", "epoch-millis", "epoch-seconds").contains(format)) {
                try {
                    DateTimeFormatter.ofPattern(format);
                    if (!format.matches(".*[VzOXxZ].*")) {
                        problems.add(
                                "format",
                                "a pattern must include a zone or an offset (V, z, O, X, x or Z),"
                                        + " got '"
                                        + format
                                        + "'");
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(
                            "format",
                            "expected iso-offset, epoch-millis, epoch-seconds or a date-time"
                                    + " pattern with a zone, got '"
                                    + format
                                    + "': "
                                    + e.getMessage());
                }
            }
        }
    }
}
