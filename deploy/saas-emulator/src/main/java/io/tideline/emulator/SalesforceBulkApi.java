/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import static io.tideline.emulator.Wire.JSON;
import static io.tideline.emulator.Wire.invalidEmail;
import static io.tideline.emulator.Wire.sfError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.emulator.Wire.Answer;
import io.tideline.emulator.Wire.Result;
import io.tideline.emulator.Wire.Text;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulator's Salesforce Bulk API 2.0 ingest endpoints ({@code
 * /services/data/vXX.X/jobs/ingest}): create a job, {@code PUT} its CSV, {@code PATCH} it to {@code
 * UploadComplete} or {@code Aborted}, poll it, and fetch its {@code successfulResults/} and {@code
 * failedResults/}. The jobs (and the CSV they speak) are {@link SalesforceBulk}'s; the rows are
 * applied to the same sObject store as {@link SalesforceCollectionsApi}'s. Malformed requests are
 * answered 400/404/405 with {@code [{"message","errorCode"}]}.
 */
final class SalesforceBulkApi {

    private final EmulatorContext context;

    SalesforceBulkApi(EmulatorContext context) {
        this.context = context;
    }

    private static Answer sfAnswer(int status, String code, String message) {
        return new Answer(status, sfError(code, message), Map.of());
    }

    private static Result bulkResult(String op, Answer answer, boolean applied, List<String> keys) {
        return new Result(op, answer, applied, keys);
    }

    /**
     * Bulk API 2.0 ingest: {@code POST .../jobs/ingest} creates a job, {@code PUT
     * .../jobs/ingest/{id}/batches} takes its CSV (one upload per job), {@code PATCH
     * .../jobs/ingest/{id}} closes ({@code UploadComplete}) or aborts it, {@code GET
     * .../jobs/ingest/{id}} answers its state ({@code InProgress} on the first poll after the
     * close; the rows are applied on the next, which answers {@code JobComplete}), {@code GET
     * .../successfulResults/} and {@code .../failedResults/} its result files, in no particular
     * order. The rows go to the same sObject store as the sObject Collections endpoints, with the
     * same per-record rejections (an email field without {@code @}, the injected share). Called
     * once a call got past the emulator's checks, under its lock.
     */
    Result handle(
            String method, String path, byte[] body, String contentType, EmulatorOptions.Faults f) {
        String op = SalesforceBulk.operationOf(method, path);
        String[] parts = path.split("/");
        if (parts.length == 6) {
            if (!method.equals("POST")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                405,
                                "METHOD_NOT_ALLOWED",
                                "HTTP Method '" + method + "' not allowed. Allowed are POST"),
                        false,
                        List.of());
            }
            return bulkCreate(op, parts[3], body);
        }
        SalesforceBulk.Job job = context.bulkJobs().get(parts[6]);
        if (job == null) {
            return bulkResult(
                    op,
                    sfAnswer(404, "NOT_FOUND", "The requested resource does not exist"),
                    false,
                    List.of(parts[6]));
        }
        List<String> jobKey = List.of(job.id);
        if (parts.length == 7) {
            if (method.equals("GET")) {
                return bulkPoll(op, job, f);
            }
            if (method.equals("PATCH")) {
                return bulkState(op, job, body);
            }
            return bulkResult(
                    op,
                    sfAnswer(
                            405,
                            "METHOD_NOT_ALLOWED",
                            "HTTP Method '"
                                    + method
                                    + "' not allowed. Allowed are GET,PATCH,DELETE"),
                    false,
                    jobKey);
        }
        String sub = parts[7];
        if (sub.equals("batches")) {
            if (!method.equals("PUT")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                405,
                                "METHOD_NOT_ALLOWED",
                                "HTTP Method '" + method + "' not allowed. Allowed are PUT"),
                        false,
                        jobKey);
            }
            return bulkUpload(op, job, body, contentType);
        }
        if ((sub.equals("successfulResults") || sub.equals("failedResults"))
                && method.equals("GET")) {
            if (!job.state.equals("JobComplete") && !job.state.equals("Failed")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                400,
                                "INVALIDJOBSTATE",
                                "Job "
                                        + job.id
                                        + " is "
                                        + job.state
                                        + ": results are available once it is complete"),
                        false,
                        jobKey);
            }
            job.calls.add(sub);
            String csv =
                    sub.equals("successfulResults") ? job.successfulResults : job.failedResults;
            return bulkResult(
                    op, new Answer(200, new Text("text/csv", csv), Map.of()), false, jobKey);
        }
        return bulkResult(
                op,
                sfAnswer(404, "NOT_FOUND", "The requested resource does not exist"),
                false,
                jobKey);
    }

    private Result bulkCreate(String op, String version, byte[] body) {
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            return bulkResult(
                    op,
                    sfAnswer(400, "JSON_PARSER_ERROR", "malformed JSON: " + e.getMessage()),
                    false,
                    List.of());
        }
        if (req == null || !req.isObject()) {
            return bulkResult(
                    op,
                    sfAnswer(400, "JSON_PARSER_ERROR", "expected a JSON object"),
                    false,
                    List.of());
        }
        String object = req.path("object").asText("");
        String operation = req.path("operation").asText("");
        String external = req.path("externalIdFieldName").asText("");
        String contentType = req.path("contentType").asText("CSV");
        String lineEnding = req.path("lineEnding").asText("LF");
        String problem = null;
        if (object.isBlank()) {
            problem = "InvalidJob : object is required";
        } else if (!List.of("insert", "upsert", "update", "delete").contains(operation)) {
            problem =
                    "InvalidJob : Invalid operation: '"
                            + operation
                            + "'; expected insert, upsert, update or delete";
        } else if (operation.equals("upsert") && external.isBlank()) {
            problem =
                    "InvalidJob : External ID was blank for "
                            + object
                            + ". An External ID must be specified for upsert.";
        } else if (!contentType.equals("CSV")) {
            problem = "InvalidJob : Invalid contentType: '" + contentType + "'; expected CSV";
        } else if (!lineEnding.equals("LF") && !lineEnding.equals("CRLF")) {
            problem = "InvalidJob : Invalid lineEnding: '" + lineEnding + "'; expected LF or CRLF";
        }
        if (problem != null) {
            return bulkResult(op, sfAnswer(400, "INVALIDJOB", problem), false, List.of());
        }
        SalesforceBulk.Job job =
                context.bulkJobs()
                        .create(
                                object,
                                operation,
                                operation.equals("upsert") ? external : null,
                                lineEnding,
                                version,
                                Instant.now().toString());
        job.calls.add("create");
        return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), true, List.of(job.id));
    }

    private Result bulkUpload(String op, SalesforceBulk.Job job, byte[] body, String contentType) {
        List<String> jobKey = List.of(job.id);
        if (!job.state.equals("Open")) {
            return bulkResult(
                    op,
                    sfAnswer(
                            400,
                            "INVALIDJOBSTATE",
                            "Job "
                                    + job.id
                                    + " is "
                                    + job.state
                                    + ": data can be uploaded only while it is Open"),
                    false,
                    jobKey);
        }
        if (job.rows != null) {
            // Stricter than needed, perhaps: this emulator takes one upload per job.
            return bulkResult(
                    op,
                    sfAnswer(
                            400,
                            "INVALIDJOBSTATE",
                            "Job " + job.id + " already has its data: one upload per job"),
                    false,
                    jobKey);
        }
        if (contentType == null
                || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/csv")) {
            return bulkResult(
                    op,
                    sfAnswer(
                            400,
                            "INVALIDCONTENTTYPE",
                            "Content-Type must be text/csv, got " + contentType),
                    false,
                    jobKey);
        }
        List<List<String>> rows;
        try {
            rows = SalesforceBulk.read(new String(body, StandardCharsets.UTF_8), job.lineEnding);
        } catch (IllegalArgumentException e) {
            return bulkResult(
                    op,
                    sfAnswer(400, "INVALIDBATCH", "InvalidBatch : " + e.getMessage()),
                    false,
                    jobKey);
        }
        String problem = null;
        if (rows.isEmpty()) {
            problem = "InvalidBatch : the CSV has no header row";
        } else {
            List<String> header = rows.get(0);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String column : header) {
                if (!SalesforceBulk.FIELD.matcher(column).matches()) {
                    problem = "InvalidBatch : Field name not valid: '" + column + "'";
                    break;
                }
                if (!seen.add(column.toLowerCase(java.util.Locale.ROOT))) {
                    problem = "InvalidBatch : Duplicate field name: " + column;
                    break;
                }
            }
            if (problem == null) {
                String required =
                        job.operation.equals("upsert")
                                ? job.externalIdFieldName
                                : job.operation.equals("insert") ? null : "Id";
                if (required != null && !header.contains(required)) {
                    problem = "InvalidBatch : Field name not found : " + required;
                } else if (job.operation.equals("delete") && header.size() != 1) {
                    problem = "InvalidBatch : a delete job takes only the Id column, got " + header;
                }
            }
            if (problem == null) {
                for (int i = 1; i < rows.size(); i++) {
                    if (rows.get(i).size() != header.size()) {
                        problem =
                                "InvalidBatch : row "
                                        + i
                                        + " has "
                                        + rows.get(i).size()
                                        + " values, the header "
                                        + header.size();
                        break;
                    }
                }
            }
        }
        if (problem != null) {
            return bulkResult(op, sfAnswer(400, "INVALIDBATCH", problem), false, jobKey);
        }
        job.columns = List.copyOf(rows.get(0));
        job.rows = new ArrayList<>(rows.subList(1, rows.size()));
        job.calls.add("upload");
        String keyColumn =
                job.operation.equals("upsert")
                        ? job.externalIdFieldName
                        : job.operation.equals("insert") ? null : "Id";
        int k = keyColumn == null ? -1 : job.columns.indexOf(keyColumn);
        List<String> keys = new ArrayList<>();
        for (List<String> row : job.rows) {
            keys.add(k < 0 ? "" : row.get(k));
        }
        return bulkResult(op, new Answer(201, null, Map.of()), true, keys);
    }

    private Result bulkState(String op, SalesforceBulk.Job job, byte[] body) {
        List<String> jobKey = List.of(job.id);
        String state;
        try {
            state = JSON.readTree(body).path("state").asText("");
        } catch (IOException | RuntimeException e) {
            return bulkResult(
                    op,
                    sfAnswer(400, "JSON_PARSER_ERROR", "expected {\"state\": ...}"),
                    false,
                    jobKey);
        }
        if (state.equals("UploadComplete")) {
            if (!job.state.equals("Open")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                400,
                                "INVALIDJOBSTATE",
                                "Job " + job.id + " is " + job.state + ", not Open"),
                        false,
                        jobKey);
            }
            job.calls.add("close");
            if (job.rows == null) {
                job.state = "Failed";
                job.errorMessage = "InvalidBatch : No data was uploaded to the job";
            } else {
                job.state = "UploadComplete";
            }
            return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), true, jobKey);
        }
        if (state.equals("Aborted")) {
            if (job.ended()) {
                return bulkResult(
                        op,
                        sfAnswer(
                                400,
                                "INVALIDJOBSTATE",
                                "Job " + job.id + " is " + job.state + ": it cannot be aborted"),
                        false,
                        jobKey);
            }
            job.calls.add("abort");
            job.state = "Aborted";
            return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), true, jobKey);
        }
        return bulkResult(
                op,
                sfAnswer(
                        400,
                        "INVALIDJOBSTATE",
                        "Invalid state '" + state + "': expected UploadComplete or Aborted"),
                false,
                jobKey);
    }

    private Result bulkPoll(String op, SalesforceBulk.Job job, EmulatorOptions.Faults f) {
        boolean applied = false;
        if (job.state.equals("UploadComplete")) {
            // the first poll after the close finds it in progress
            job.state = "InProgress";
        } else if (job.state.equals("InProgress")) {
            bulkProcess(job, f);
            job.state = "JobComplete";
            applied = true;
        }
        job.calls.add("poll:" + job.state);
        return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), applied, List.of(job.id));
    }

    /** Applies a job's rows, as the sObject Collections endpoints would, and writes its results. */
    private void bulkProcess(SalesforceBulk.Job job, EmulatorOptions.Faults f) {
        ObjectStore table = context.salesforceRecords(job.object);
        List<String> columns = job.columns;
        List<List<String>> ok = new ArrayList<>();
        List<List<String>> failed = new ArrayList<>();
        for (List<String> row : job.rows) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                values.put(columns.get(i), row.get(i));
            }
            String error = null;
            String id = null;
            boolean created = false;
            ObjectNode asJson = JSON.createObjectNode();
            values.forEach(
                    (k, v) -> {
                        if (!v.isEmpty() && !v.equals("#N/A")) {
                            asJson.put(k, v);
                        }
                    });
            String invalid = invalidEmail(asJson);
            if (invalid != null && !job.operation.equals("delete")) {
                String field = null;
                for (Map.Entry<String, String> e : values.entrySet()) {
                    if (e.getKey().toLowerCase(java.util.Locale.ROOT).contains("email")
                            && !e.getValue().contains("@")
                            && !e.getValue().isEmpty()
                            && !e.getValue().equals("#N/A")) {
                        field = e.getKey();
                    }
                }
                error =
                        "INVALID_EMAIL_ADDRESS:"
                                + field
                                + ": invalid email address: "
                                + values.get(field)
                                + ":"
                                + field
                                + " --";
            } else if (context.rejectRecord(f)) {
                error = "FIELD_CUSTOM_VALIDATION_EXCEPTION:injected rejection:--";
            }
            if (error == null) {
                switch (job.operation) {
                    case "upsert" -> {
                        String external = values.get(job.externalIdFieldName);
                        if (external == null || external.isEmpty()) {
                            error =
                                    "MISSING_ARGUMENT:"
                                            + job.externalIdFieldName
                                            + " not specified:--";
                        } else {
                            id = table.find(job.externalIdFieldName, external);
                            if (id == null) {
                                id = context.newSalesforceId();
                                table.create(id);
                                created = true;
                            }
                        }
                    }
                    case "insert" -> {
                        for (Map.Entry<String, String> e : values.entrySet()) {
                            if (e.getKey().endsWith("__c")
                                    && !e.getValue().isEmpty()
                                    && table.find(e.getKey(), e.getValue()) != null) {
                                error =
                                        "DUPLICATE_VALUE:duplicate value found: "
                                                + e.getKey()
                                                + " duplicates value on record with id: "
                                                + table.find(e.getKey(), e.getValue())
                                                + ":"
                                                + e.getKey()
                                                + " --";
                                break;
                            }
                        }
                        if (error == null) {
                            id = context.newSalesforceId();
                            table.create(id);
                            created = true;
                        }
                    }
                    default -> {
                        // update, delete: by Id
                        String given = values.get("Id");
                        if (given == null || !table.contains(given)) {
                            error = "ENTITY_IS_DELETED:entity is deleted:--";
                        } else {
                            id = given;
                        }
                    }
                }
            }
            if (error != null) {
                List<String> out = new ArrayList<>();
                out.add(id == null ? "" : id);
                out.add(error);
                out.addAll(row);
                failed.add(out);
                continue;
            }
            if (job.operation.equals("delete")) {
                table.remove(id);
            } else {
                for (Map.Entry<String, String> e : values.entrySet()) {
                    if (e.getKey().equals("Id") || e.getValue().isEmpty()) {
                        continue; // an empty value leaves the field as it is
                    }
                    table.set(id, e.getKey(), e.getValue().equals("#N/A") ? null : e.getValue());
                }
            }
            List<String> out = new ArrayList<>();
            out.add(id);
            out.add(String.valueOf(created));
            out.addAll(row);
            ok.add(out);
        }
        // Salesforce does not promise the input order: neither does the emulator
        context.shuffle(ok, failed);
        List<String> okHeader = new ArrayList<>(List.of("sf__Id", "sf__Created"));
        okHeader.addAll(columns);
        List<String> failedHeader = new ArrayList<>(List.of("sf__Id", "sf__Error"));
        failedHeader.addAll(columns);
        job.successfulResults = SalesforceBulk.write(okHeader, ok);
        job.failedResults = SalesforceBulk.write(failedHeader, failed);
        job.processed = job.rows.size();
        job.failed = failed.size();
    }

    private ObjectNode jobInfo(SalesforceBulk.Job job) {
        ObjectNode info = JSON.createObjectNode();
        info.put("id", job.id);
        info.put("operation", job.operation);
        info.put("object", job.object);
        info.put("createdById", "005000000000001AAA");
        info.put("createdDate", job.createdDate);
        info.put("systemModstamp", Instant.now().toString());
        info.put("state", job.state);
        if (job.externalIdFieldName != null) {
            info.put("externalIdFieldName", job.externalIdFieldName);
        }
        info.put("concurrencyMode", "Parallel");
        info.put("contentType", "CSV");
        info.put("apiVersion", Double.parseDouble(job.apiVersion.substring(1)));
        info.put("jobType", "V2Ingest");
        info.put(
                "contentUrl",
                "services/data/" + job.apiVersion + "/jobs/ingest/" + job.id + "/batches");
        info.put("lineEnding", job.lineEnding);
        info.put("columnDelimiter", "COMMA");
        if (job.ended() && !job.state.equals("Aborted")) {
            info.put("numberRecordsProcessed", job.processed);
            info.put("numberRecordsFailed", job.failed);
        }
        if (job.errorMessage != null) {
            info.put("errorMessage", job.errorMessage);
        }
        return info;
    }
}
