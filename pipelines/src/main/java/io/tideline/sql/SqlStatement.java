/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.util.Locale;

/**
 * One statement of an SQL file, comments removed (optimizer hints {@code /*+ ... *}{@code /} kept),
 * with where it came from, for error messages.
 *
 * @param text the statement, without its closing semicolon
 * @param source the file it came from
 * @param line the line of the file it starts on (1-based)
 */
public record SqlStatement(String text, String source, int line) {

    /** What the runner does with a statement. */
    public enum Kind {
        /** {@code SET 'key' = 'value'}: a session option. */
        SET,
        /** {@code RESET ['key']}. */
        RESET,
        /** {@code INSERT INTO|OVERWRITE}: goes into the statement set. */
        INSERT,
        /** A query: only checks hold one. */
        QUERY,
        /** Anything else (DDL, USE, EXECUTE STATEMENT SET ...): executed as it comes. */
        OTHER
    }

    public Kind kind() {
        String upper = text.stripLeading().toUpperCase(Locale.ROOT);
        if (upper.startsWith("SET ") || upper.equals("SET")) {
            return Kind.SET;
        }
        if (upper.startsWith("RESET")) {
            return Kind.RESET;
        }
        if (upper.startsWith("INSERT ")) {
            return Kind.INSERT;
        }
        if (upper.matches("(?s)(SELECT|WITH)\\s.*")
                || upper.startsWith("(")
                || upper.startsWith("VALUES")) {
            return Kind.QUERY;
        }
        return Kind.OTHER;
    }

    /** Where the statement is, as {@code file:line}. */
    public String where() {
        return source + ":" + line;
    }

    public SqlStatement withText(String newText) {
        return new SqlStatement(newText, source, line);
    }
}
