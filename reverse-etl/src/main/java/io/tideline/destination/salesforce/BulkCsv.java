/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.salesforce;

import java.util.ArrayList;
import java.util.List;

/**
 * The CSV of Bulk API 2.0 ingest jobs (RFC 4180, comma-delimited, LF line endings): written for
 * uploads, read for the result files. A value is quoted when it holds a comma, a double quote, a
 * carriage return or a line feed, or starts or ends with a space; quotes inside are doubled.
 */
final class BulkCsv {

    private BulkCsv() {}

    /** One row, without its line ending. */
    static String row(List<String> values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(quote(values.get(i)));
        }
        return b.toString();
    }

    static String quote(String v) {
        if (v == null || v.isEmpty()) {
            return "";
        }
        boolean needs =
                v.indexOf(',') >= 0
                        || v.indexOf('"') >= 0
                        || v.indexOf('\n') >= 0
                        || v.indexOf('\r') >= 0
                        || v.charAt(0) == ' '
                        || v.charAt(v.length() - 1) == ' ';
        return needs ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }

    /**
     * The rows of a CSV text, the header first. Accepts LF and CRLF line endings and quoted values
     * spanning lines; a trailing line ending does not make an empty row.
     *
     * @throws IllegalArgumentException on an unterminated quoted value or text after a closing
     *     quote
     */
    static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return rows;
        }
        List<String> row = new ArrayList<>();
        StringBuilder value = new StringBuilder();
        int i = 0;
        int n = text.length();
        boolean atRowStart = true;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"' && value.length() == 0) {
                // a quoted value
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quoted value");
                    }
                    char q = text.charAt(i);
                    if (q == '"') {
                        if (i + 1 < n && text.charAt(i + 1) == '"') {
                            value.append('"');
                            i += 2;
                        } else {
                            i++;
                            break;
                        }
                    } else {
                        value.append(q);
                        i++;
                    }
                }
                if (i < n
                        && text.charAt(i) != ','
                        && text.charAt(i) != '\n'
                        && text.charAt(i) != '\r') {
                    throw new IllegalArgumentException("text after a closing quote");
                }
                atRowStart = false;
                continue;
            }
            if (c == ',') {
                row.add(value.toString());
                value.setLength(0);
                atRowStart = false;
                i++;
            } else if (c == '\r' || c == '\n') {
                row.add(value.toString());
                value.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                atRowStart = true;
                i += (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') ? 2 : 1;
            } else {
                value.append(c);
                atRowStart = false;
                i++;
            }
        }
        if (!atRowStart) {
            row.add(value.toString());
            rows.add(row);
        }
        return rows;
    }
}
