/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.platform;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain-text summary table: headings, then label / value / note rows, aligned. */
final class Summary {

    private record Line(boolean heading, String label, String value, String note) {}

    private final PrintStream out;
    private final List<Line> lines = new ArrayList<>();

    Summary(PrintStream out) {
        this.out = out;
    }

    void heading(String text) {
        lines.add(new Line(true, text, "", ""));
    }

    void row(String label, Object value) {
        row(label, value, "");
    }

    void row(String label, Object value, String note) {
        lines.add(new Line(false, label, String.valueOf(value), note));
    }

    void print() {
        int labelWidth =
                lines.stream()
                        .filter(l -> !l.heading())
                        .mapToInt(l -> l.label().length())
                        .max()
                        .orElse(10);
        int valueWidth =
                lines.stream()
                        .filter(l -> !l.heading())
                        .mapToInt(l -> l.value().length())
                        .max()
                        .orElse(10);
        String rule = "-".repeat(labelWidth + valueWidth + 7);
        for (Line l : lines) {
            if (l.heading()) {
                out.println();
                out.println(l.label());
                out.println(rule);
            } else {
                out.printf(
                        "  %-" + labelWidth + "s  %" + valueWidth + "s  %s%n",
                        l.label(),
                        l.value(),
                        l.note());
            }
        }
        out.println();
        out.flush();
    }
}
