/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits Flink SQL files into statements, the way the SQL client reads them: statements end with
 * {@code ;} outside string literals, quoted identifiers and comments. Comments are dropped (so that
 * a variable named in a comment is never substituted), hints are kept, and an {@code EXECUTE
 * STATEMENT SET BEGIN ... END;} block stays one statement.
 */
public final class SqlScripts {

    private SqlScripts() {}

    /** The statements of a file. */
    public static List<SqlStatement> read(Path file) {
        try {
            return split(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The statements of {@code sql}; {@code source} names it in errors. */
    public static List<SqlStatement> split(String sql, String source) {
        List<SqlStatement> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int line = 1;
        int startLine = -1;
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
            if (c == '-' && next == '-') {
                while (i < n && sql.charAt(i) != '\n') {
                    i++;
                }
                continue;
            }
            if (c == '/' && next == '*') {
                boolean hint = i + 2 < n && sql.charAt(i + 2) == '+';
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException(
                            source + ":" + line + ": a comment /* is never closed");
                }
                String comment = sql.substring(i, end + 2);
                line += count(comment, '\n');
                if (hint) {
                    if (startLine < 0) {
                        startLine = line;
                    }
                    current.append(comment);
                } else {
                    current.append(' ');
                }
                i = end + 2;
                continue;
            }
            if (c == '\'' || c == '`' || c == '"') {
                int end = closing(sql, i, c);
                if (end < 0) {
                    throw new IllegalArgumentException(
                            source + ":" + line + ": a " + c + " is never closed");
                }
                if (startLine < 0) {
                    startLine = line;
                }
                String quoted = sql.substring(i, end + 1);
                line += count(quoted, '\n');
                current.append(quoted);
                i = end + 1;
                continue;
            }
            if (c == ';' && !insideStatementSet(current)) {
                add(out, current, source, startLine);
                current.setLength(0);
                startLine = -1;
                i++;
                continue;
            }
            if (c == '\n') {
                line++;
            }
            if (startLine < 0 && !Character.isWhitespace(c)) {
                startLine = line;
            }
            current.append(c);
            i++;
        }
        add(out, current, source, startLine);
        return out;
    }

    private static boolean insideStatementSet(StringBuilder current) {
        String upper = current.toString().strip().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
        boolean opened =
                upper.startsWith("EXECUTE STATEMENT SET BEGIN")
                        || upper.startsWith("BEGIN STATEMENT SET");
        return opened && !upper.endsWith(" END");
    }

    private static void add(
            List<SqlStatement> out, StringBuilder current, String source, int line) {
        String text = current.toString().strip();
        if (!text.isEmpty()) {
            out.add(new SqlStatement(text, source, line));
        }
    }

    private static int closing(String sql, int open, char quote) {
        int i = open + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2; // a doubled quote inside the literal
                    continue;
                }
                return i;
            }
            i++;
        }
        return -1;
    }

    private static int count(String s, char c) {
        int k = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }
}
