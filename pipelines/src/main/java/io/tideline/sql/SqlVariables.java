/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ${NAME}} variables of the SQL files. Values of secret variables are substituted like
 * any other, and {@link #mask(String)} hides them again in anything that is printed: statements and
 * error messages.
 */
public final class SqlVariables {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    static final String MASK = "******";

    private final Map<String, String> values = new TreeMap<>();
    private final Set<String> secretValues = new LinkedHashSet<>();

    /** Defines a variable whose value may be printed. */
    public SqlVariables put(String name, String value) {
        values.put(name, value);
        return this;
    }

    /** Defines a variable whose value is a credential: substituted, never printed. */
    public SqlVariables putSecret(String name, String value) {
        values.put(name, value);
        markSecret(value);
        return this;
    }

    /** Marks a value that appears inside another variable (for example a catalog option). */
    public SqlVariables markSecret(String value) {
        if (value != null && !value.isEmpty()) {
            secretValues.add(value);
        }
        return this;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** The value of a variable that is not secret (for reports); secrets come back masked. */
    public String printable(String name) {
        return mask(values.get(name));
    }

    /**
     * Substitutes every {@code ${NAME}} of the statement.
     *
     * @throws IllegalArgumentException naming the file, line and the unknown variables
     */
    public SqlStatement substitute(SqlStatement statement) {
        Matcher m = REFERENCE.matcher(statement.text());
        StringBuilder out = new StringBuilder();
        List<String> unknown = new ArrayList<>();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                unknown.add(m.group(1));
                value = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    statement.where()
                            + ": unknown variable(s) "
                            + unknown
                            + "; defined: "
                            + values.keySet()
                            + " (add one under sql.variables)");
        }
        return statement.withText(out.toString());
    }

    /** {@code text} with every secret value replaced by a mask. */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secretValues) {
            out = out.replace(secret, MASK);
        }
        return out;
    }

    /** An SQL string literal's content: single quotes doubled. */
    public static String literal(String value) {
        return value.replace("'", "''");
    }
}
