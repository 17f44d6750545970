/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The emulator's Salesforce Bulk API 2.0 ingest jobs, and the CSV they speak. The CSV reader and
 * writer here are written apart from the client's ({@code
 * io.tideline.destination.salesforce.BulkCsv}) on purpose, so that a quoting mistake on one side is
 * not hidden by the same mistake on the other. The ingest endpoints themselves are {@link
 * SalesforceBulkApi}'s. Not thread-safe: the emulator serializes access.
 */
final class SalesforceBulk {

    /** {@code /services/data/vXX.X/jobs/ingest[/{id}[/{sub}]]}. */
    private static final Pattern PATH =
            Pattern.compile("^/services/data/v[0-9]+\\.[0-9]+/jobs/ingest(/[^/]+(/[^/]+/?)?)?/?$");

    /** A field name of a header row: an API name, or a relationship such as Account.Ext__c. */
    static final Pattern FIELD =
            Pattern.compile("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)?");

    static final class Job {
        final String id;
        final String object;
        final String operation;
        final String externalIdFieldName;
        final String lineEnding;
        final String apiVersion;
        final String createdDate;
        String state = "Open";
        List<String> columns = List.of();
        List<List<String>> rows;
        int processed;
        int failed;
        String errorMessage;
        String successfulResults = "";
        String failedResults = "";
        final List<String> calls = new ArrayList<>();

        Job(
                String id,
                String object,
                String operation,
                String externalIdFieldName,
                String lineEnding,
                String apiVersion,
                String createdDate) {
            this.id = id;
            this.object = object;
            this.operation = operation;
            this.externalIdFieldName = externalIdFieldName;
            this.lineEnding = lineEnding;
            this.apiVersion = apiVersion;
            this.createdDate = createdDate;
        }

        boolean ended() {
            return state.equals("JobComplete") || state.equals("Failed") || state.equals("Aborted");
        }

        SalesforceBulkJob view() {
            return new SalesforceBulkJob(
                    id,
                    object,
                    operation,
                    externalIdFieldName,
                    state,
                    List.copyOf(columns),
                    rows == null ? 0 : rows.size(),
                    processed,
                    failed,
                    List.copyOf(calls));
        }
    }

    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private long nextJob = 1;

    static boolean handles(String path) {
        return PATH.matcher(path).matches();
    }

    /** The operation a call on the ingest endpoints is recorded under. */
    static String operationOf(String method, String path) {
        String[] parts = path.split("/");
        if (parts.length <= 6) {
            return "bulk-create";
        }
        if (parts.length == 7) {
            return method.equals("PATCH") ? "bulk-state" : "bulk-poll";
        }
        return switch (parts[7]) {
            case "batches" -> "bulk-upload";
            case "successfulResults" -> "bulk-successful-results";
            case "failedResults" -> "bulk-failed-results";
            default -> "bulk-" + parts[7];
        };
    }

    Job create(
            String object,
            String operation,
            String externalIdFieldName,
            String lineEnding,
            String apiVersion,
            String createdDate) {
        String id = String.format("750%015d", nextJob++);
        Job job =
                new Job(
                        id,
                        object,
                        operation,
                        externalIdFieldName,
                        lineEnding,
                        apiVersion,
                        createdDate);
        jobs.put(id, job);
        return job;
    }

    Job get(String id) {
        return jobs.get(id);
    }

    List<SalesforceBulkJob> views() {
        return jobs.values().stream().map(Job::view).toList();
    }

    void clear() {
        jobs.clear();
    }

    /**
     * The rows of an uploaded CSV. {@code lineEnding} is the job's: with {@code LF} a carriage
     * return is data (as Salesforce reads it), with {@code CRLF} only CR LF ends a row.
     *
     * @throws IllegalArgumentException when the text is not valid CSV
     */
    static List<List<String>> read(String text, String lineEnding) {
        String eol = lineEnding.equals("CRLF") ? "\r\n" : "\n";
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        boolean rowStarted = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                    i++;
                    continue;
                }
                cell.append(c);
                i++;
                continue;
            }
            if (text.startsWith(eol, i)) {
                row.add(cell.toString());
                rows.add(row);
                row = new ArrayList<>();
                cell.setLength(0);
                wasQuoted = false;
                rowStarted = false;
                i += eol.length();
                continue;
            }
            rowStarted = true;
            if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
                wasQuoted = false;
            } else if (c == '"') {
                if (cell.length() > 0 || wasQuoted) {
                    throw new IllegalArgumentException(
                            "a double quote inside an unquoted value (row "
                                    + (rows.size() + 1)
                                    + ")");
                }
                quoted = true;
                wasQuoted = true;
            } else {
                if (wasQuoted) {
                    throw new IllegalArgumentException(
                            "text after a closing quote (row " + (rows.size() + 1) + ")");
                }
                cell.append(c);
            }
            i++;
        }
        if (quoted) {
            throw new IllegalArgumentException("a quoted value is not closed");
        }
        if (rowStarted || cell.length() > 0 || !row.isEmpty()) {
            row.add(cell.toString());
            rows.add(row);
        }
        return rows;
    }

    /** A CSV text, every value quoted (as Salesforce writes its result files), LF line endings. */
    static String write(List<String> header, List<List<String>> rows) {
        StringBuilder b = new StringBuilder();
        line(b, header);
        rows.forEach(r -> line(b, r));
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            String v = values.get(i) == null ? "" : values.get(i);
            b.append('"').append(v.replace("\"", "\"\"")).append('"');
        }
        b.append('\n');
    }
}
