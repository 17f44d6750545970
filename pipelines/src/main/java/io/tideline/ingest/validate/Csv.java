/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import java.util.List;

/** Splits one CSV record (one line) into its values: RFC 4180 quoting, within the line. */
final class Csv {

    private Csv() {}

    /**
     * Adds the values of {@code line} to {@code out} (cleared first).
     *
     * @return false when a quoted value is not closed
     */
    static boolean split(String line, char delimiter, char quote, List<String> out) {
        out.clear();
        int n = line.length();
        int i = 0;
        StringBuilder quoted = null;
        while (true) {
            if (i < n && line.charAt(i) == quote) {
                if (quoted == null) {
                    quoted = new StringBuilder();
                } else {
                    quoted.setLength(0);
                }
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i);
                    if (c == quote) {
                        if (i + 1 < n && line.charAt(i + 1) == quote) {
                            quoted.append(quote);
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    quoted.append(c);
                    i++;
                }
                if (!closed) {
                    return false;
                }
                // Text after the closing quote, up to the delimiter, is kept (lenient).
                int end = line.indexOf(delimiter, i);
                if (end < 0) {
                    end = n;
                }
                quoted.append(line, i, end);
                out.add(quoted.toString());
                i = end;
            } else {
                int end = line.indexOf(delimiter, i);
                if (end < 0) {
                    end = n;
                }
                out.add(line.substring(i, end));
                i = end;
            }
            if (i >= n) {
                return true;
            }
            i++; // the delimiter
            if (i == n) {
                out.add("");
                return true;
            }
        }
    }
}
