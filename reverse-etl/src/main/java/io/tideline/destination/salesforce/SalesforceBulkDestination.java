/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.tideline.config.DestinationConfig;
import io.tideline.destination.CallException;
import io.tideline.destination.Destination;
import io.tideline.destination.HttpCalls;
import io.tideline.destination.Operation;
import io.tideline.destination.OutboundRecord;
import io.tideline.destination.RecordOutcome;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Salesforce Bulk API 2.0 ingest: one {@link #send} is one job of up to 10,000 records.
 *
 * <ol>
 *   <li>{@code POST {url}/services/data/{v}/jobs/ingest} with {@code {"object", "operation",
 *       "externalIdFieldName" (upsert), "contentType":"CSV", "lineEnding":"LF"}};
 *   <li>{@code PUT .../jobs/ingest/{id}/batches}, {@code text/csv}: a header row of field names,
 *       then one row per record (RFC 4180 quoting);
 *   <li>{@code PATCH .../jobs/ingest/{id}} with {@code {"state":"UploadComplete"}};
 *   <li>{@code GET .../jobs/ingest/{id}} every 200 ms, doubling up to 5 s, until the state is
 *       {@code JobComplete}, {@code Failed} or {@code Aborted};
 *   <li>{@code GET .../successfulResults/} ({@code sf__Id, sf__Created}, then the uploaded fields)
 *       and {@code .../failedResults/} ({@code sf__Id, sf__Error}, then the uploaded fields). The
 *       results come in no particular order: each row is matched back to its record by the value of
 *       the matching column (the external-id field for upsert and insert, {@code Id} for update and
 *       delete). A record in neither file is rejected ("not in the job's results").
 * </ol>
 *
 * <p><b>Operations.</b> {@code UPSERT} is a Bulk {@code upsert} on the external-id field; {@code
 * INSERT} an {@code insert}; {@code UPDATE} and {@code UPDATE_BY_ID} an {@code update} with an
 * {@code Id} column (the Salesforce Id the ledger knows: an identity change updates the same
 * record, never a duplicate); {@code DELETE} a {@code delete} with only the {@code Id} column. As
 * with {@link SalesforceDestination}, a record that needs an Id none is known for is rejected
 * without being sent.
 *
 * <p><b>Values.</b> Numbers and booleans as text ({@code BigDecimal} in plain notation), the rest
 * as their text. A field the record carries as null is written {@code #N/A}, which Salesforce
 * documents as "set this field to null" (an empty value would leave the field as it is, and a value
 * that became null at the source would never be cleared); in an insert, where there is nothing to
 * clear, it is left empty. A field some records of the job lack is left empty for them (unchanged).
 *
 * <p><b>Failures.</b> Every exchange runs under the destination's time limiter ({@link
 * HttpCalls#exchange}); statuses are classified as everywhere (429/5xx retryable, 401/403 fatal, a
 * 403 {@code REQUEST_LIMIT_EXCEEDED} fatal with the usage, other 4xx a rejected batch).
 *
 * <ul>
 *   <li>Before the job is closed nothing has been processed: a failure aborts the job (best effort)
 *       and is thrown as it is, so the channel retries a {@link CallException.Retryable} with a
 *       fresh job.
 *   <li>Once the close may have been received, the job is not re-run on a transient failure: the
 *       polls and result downloads (idempotent {@code GET}s) are retried against the same job,
 *       after the API's {@code Retry-After} or the poll interval; a close that failed (it may have
 *       been applied, its answer lost) is sent again only if a poll finds the job {@code Open}.
 *   <li>The whole job is bounded by {@value #JOB_TIMEOUT_FACTOR} × the destination's {@code
 *       timeout} (5 minutes by default). A job still running then is aborted (best effort: the
 *       records Salesforce processed stay processed) and the call fails as {@link
 *       CallException.Retryable}: the channel's retry runs a new job, which is idempotent for
 *       upsert, update and delete (a record deleted twice is rejected the second time with {@code
 *       ENTITY_IS_DELETED}, and retried by the next run); for insert a rerun can meet {@code
 *       DUPLICATE_VALUE} on a unique external id, as a timed-out sObject Collections insert can.
 *   <li>A {@code Failed} job (Salesforce could not process the upload: an unknown field, an
 *       unreadable CSV) throws {@link CallException.RejectedBatch} with the job's {@code
 *       errorMessage}: the content is at fault, so every record of it is rejected with that reason
 *       and retried by the next run, nothing is dropped. The batch is not split ({@link
 *       #splitsRejectedBatches()} is false): such a failure is the same for every half, and each
 *       half would cost a whole job.
 *   <li>An {@code Aborted} job was stopped by someone else (in Setup, or another client): {@link
 *       CallException.Fatal}, so the run stops rather than fight an operator.
 * </ul>
 *
 * <p><b>Rate limits.</b> The channel's pacer and rolling-window guard take one permit per job,
 * while a job makes at least six HTTP calls (create, upload, close, polls, two result files).
 * Salesforce has no per-second limit to respect, only the rolling 24 h allowance ({@code
 * Sforce-Limit-Info}, kept as {@link #usage()}) and 25 concurrent long-running requests ({@code
 * concurrency} is validated ≤ 25).
 */
public final class SalesforceBulkDestination implements Destination {

    private static final Logger LOG = LoggerFactory.getLogger(SalesforceBulkDestination.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Records per Bulk API job this destination sends at most. */
    public static final int MAX_RECORDS_PER_JOB = 10_000;

    /** The whole job (create to results) is bounded by this many times the call timeout. */
    public static final int JOB_TIMEOUT_FACTOR = 10;

    static final Duration FIRST_POLL = Duration.ofMillis(200);
    static final Duration MAX_POLL = Duration.ofSeconds(5);

    /** What Salesforce reads as "set this field to null" in a Bulk API CSV. */
    static final String NULL_VALUE = "#N/A";

    private final DestinationConfig config;
    private final HttpClient client;
    private final TimeLimiter timeLimiter;
    private final String jobs;
    private final Duration jobTimeout;
    private volatile String usage;
    private volatile RateReport reportedRate;

    @Override
    public RateReport reportedRate() {
        return reportedRate;
    }

    public SalesforceBulkDestination(DestinationConfig config) {
        this.config = config;
        this.client = HttpCalls.client(config.timeout());
        this.timeLimiter =
                HttpCalls.timeLimiter(
                        "salesforce-bulk@" + config.url().written(), config.timeout());
        this.jobs = SalesforceDestination.restApi(config) + "/jobs/ingest";
        this.jobTimeout = config.timeout().multipliedBy(JOB_TIMEOUT_FACTOR);
    }

    @Override
    public int maxBatchSize() {
        return Math.min(MAX_RECORDS_PER_JOB, config.batchSize());
    }

    @Override
    public boolean splitsRejectedBatches() {
        return false;
    }

    @Override
    public String usage() {
        return usage;
    }

    /** The Bulk API operation of a call. */
    static String bulkOperation(Operation op) {
        return switch (op) {
            case UPSERT -> "upsert";
            case INSERT -> "insert";
            case UPDATE, UPDATE_BY_ID -> "update";
            case DELETE -> "delete";
        };
    }

    private static boolean byId(Operation op) {
        return op == Operation.UPDATE || op == Operation.UPDATE_BY_ID || op == Operation.DELETE;
    }

    /** The column whose value identifies a record in the result files. */
    private String matchColumn(Operation op) {
        return byId(op) ? "Id" : config.idProperty();
    }

    /** The job's CSV: a header row of field names, one row per record. */
    private record Upload(List<String> columns, String csv, List<String> matchValues) {}

    private Upload upload(Operation op, List<OutboundRecord> records) {
        Set<String> columns = new LinkedHashSet<>();
        if (byId(op)) {
            columns.add("Id");
        } else {
            // the identifying field, even if the mapping left it to the identity alone
            columns.add(config.idProperty());
        }
        if (op != Operation.DELETE) {
            for (OutboundRecord r : records) {
                for (String field : r.fields().keySet()) {
                    if (!field.equals("Id")) {
                        columns.add(field);
                    }
                }
            }
        }
        List<String> header = List.copyOf(columns);
        StringBuilder csv = new StringBuilder(BulkCsv.row(header)).append('\n');
        List<String> matchValues = new ArrayList<>(records.size());
        for (OutboundRecord r : records) {
            List<String> row = new ArrayList<>(header.size());
            for (String column : header) {
                String v;
                if (byId(op) && column.equals("Id")) {
                    v = r.destinationId() == null ? "" : r.destinationId();
                } else if (!r.fields().containsKey(column)) {
                    // not carried by this record: the identity for the identifying field, else
                    // empty (left as it is)
                    v =
                            column.equals(config.idProperty()) && r.identity() != null
                                    ? r.identity()
                                    : "";
                } else {
                    Object value = r.fields().get(column);
                    v = value == null ? (op == Operation.INSERT ? "" : NULL_VALUE) : text(value);
                }
                row.add(v);
            }
            matchValues.add(row.get(0));
            csv.append(BulkCsv.row(row)).append('\n');
        }
        return new Upload(header, csv.toString(), matchValues);
    }

    private static String text(Object value) {
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        return String.valueOf(value);
    }

    private ObjectNode jobRequest(Operation op) {
        ObjectNode job = JSON.createObjectNode();
        job.put("object", config.object());
        if (op == Operation.UPSERT) {
            job.put("externalIdFieldName", config.idProperty());
        }
        job.put("contentType", "CSV");
        job.put("operation", bulkOperation(op));
        job.put("lineEnding", "LF");
        return job;
    }

    /** The CSV a job would upload (dry runs). */
    @Override
    public String render(Operation op, List<OutboundRecord> records) {
        return upload(op, records).csv();
    }

    @Override
    public List<RecordOutcome> send(Operation op, List<OutboundRecord> records)
            throws CallException {
        Map<String, RecordOutcome> outcomes = new HashMap<>();
        List<OutboundRecord> sendable = new ArrayList<>();
        for (OutboundRecord r : records) {
            if (byId(op) && r.destinationId() == null) {
                outcomes.put(
                        r.key(),
                        RecordOutcome.rejected(
                                r.key(),
                                "no Salesforce Id known for this record (it was never delivered by"
                                        + " this sync)"));
            } else {
                sendable.add(r);
            }
        }
        if (!sendable.isEmpty()) {
            long deadline = System.nanoTime() + jobTimeout.toNanos();
            Upload upload = upload(op, sendable);
            String jobId = create(op);
            String jobUrl = jobs + "/" + jobId;
            try {
                check(
                        exchange(
                                request(jobUrl + "/batches")
                                        .header("Content-Type", "text/csv")
                                        .PUT(HttpRequest.BodyPublishers.ofString(upload.csv()))
                                        .build()));
            } catch (CallException e) {
                abort(jobUrl);
                throw e;
            }
            boolean closed;
            try {
                close(jobUrl);
                closed = true;
            } catch (CallException.Retryable e) {
                // the close may have been received: the job's state tells
                LOG.debug("Closing Bulk job {} failed ({}); polling it", jobId, e.getMessage());
                closed = false;
            } catch (CallException e) {
                abort(jobUrl);
                throw e;
            }
            JsonNode info = poll(jobId, jobUrl, closed, deadline);
            String state = info.path("state").asText();
            if (state.equals("Failed")) {
                throw new CallException.RejectedBatch(
                        200,
                        "Bulk API job "
                                + jobId
                                + " failed: "
                                + info.path("errorMessage").asText("no error message"));
            }
            if (state.equals("Aborted")) {
                throw new CallException.Fatal(
                        200,
                        "Bulk API job "
                                + jobId
                                + " was aborted in Salesforce (not by this sync); stopping the"
                                + " run");
            }
            String successful = download(jobUrl + "/successfulResults/", deadline, jobId);
            String failed = download(jobUrl + "/failedResults/", deadline, jobId);
            match(op, sendable, upload, successful, failed, jobId, outcomes);
        }
        List<RecordOutcome> out = new ArrayList<>(records.size());
        for (OutboundRecord r : records) {
            out.add(outcomes.get(r.key()));
        }
        return out;
    }

    private String create(Operation op) throws CallException {
        HttpResponse<String> r;
        try {
            r =
                    exchange(
                            request(jobs)
                                    .header("Content-Type", "application/json")
                                    .POST(
                                            HttpRequest.BodyPublishers.ofByteArray(
                                                    JSON.writeValueAsBytes(jobRequest(op))))
                                    .build());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        check(r);
        String id = readJson(r).path("id").asText("");
        if (id.isBlank()) {
            throw new CallException.Retryable(
                    r.statusCode(),
                    "Bulk API job created without an id: " + HttpCalls.abbreviate(r.body()),
                    null);
        }
        return id;
    }

    private void close(String jobUrl) throws CallException {
        check(exchange(state(jobUrl, "UploadComplete")));
    }

    /** Aborts a job, best effort: its failure changes nothing for the caller. */
    private void abort(String jobUrl) {
        try {
            exchange(state(jobUrl, "Aborted"));
        } catch (CallException | RuntimeException e) {
            LOG.debug("Aborting {} failed: {}", jobUrl, e.getMessage());
        }
    }

    private HttpRequest state(String jobUrl, String state) {
        return request(jobUrl)
                .header("Content-Type", "application/json")
                .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.ofString("{\"state\":\"" + state + "\"}"))
                .build();
    }

    /**
     * Polls the job until it ends. A close that failed may have been received, so it is sent again
     * only when the job still reads {@code Open}. Transient failures are retried until the
     * deadline.
     */
    private JsonNode poll(String jobId, String jobUrl, boolean closed, long deadline)
            throws CallException {
        Duration interval = FIRST_POLL;
        Duration wait = FIRST_POLL;
        String last = closed ? "UploadComplete" : "unknown (the close failed)";
        while (true) {
            wait(wait, deadline, jobId, jobUrl, last);
            Duration hint = Duration.ZERO;
            try {
                HttpResponse<String> r = exchange(request(jobUrl).GET().build());
                check(r);
                JsonNode info = readJson(r);
                last = info.path("state").asText("?");
                switch (last) {
                    case "JobComplete", "Failed", "Aborted" -> {
                        return info;
                    }
                    case "Open" -> {
                        // the close was lost: send it again
                        try {
                            close(jobUrl);
                        } catch (CallException.RejectedBatch e) {
                            // closed meanwhile (400 InvalidJobState): the next poll tells
                            LOG.debug("Bulk job {}: {}", jobId, e.getMessage());
                        }
                    }
                    default -> {
                        // UploadComplete, InProgress: not done yet
                    }
                }
            } catch (CallException.Retryable e) {
                LOG.debug("Bulk job {}: {} (retried)", jobId, e.getMessage());
                hint = e.retryAfter();
            } catch (CallException e) {
                abort(jobUrl);
                throw e;
            }
            interval = interval.multipliedBy(2);
            if (interval.compareTo(MAX_POLL) > 0) {
                interval = MAX_POLL;
            }
            wait = hint.compareTo(interval) > 0 ? hint : interval;
        }
    }

    /** Downloads a result file, retrying transient failures until the deadline. */
    private String download(String url, long deadline, String jobId) throws CallException {
        Duration interval = FIRST_POLL;
        while (true) {
            try {
                HttpResponse<String> r = exchange(request(url, "text/csv").GET().build());
                check(r);
                return r.body() == null ? "" : r.body();
            } catch (CallException.Retryable e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new CallException.Retryable(
                            e.status(),
                            "Bulk API job "
                                    + jobId
                                    + ": no results within "
                                    + jobTimeout
                                    + ": "
                                    + e.getMessage(),
                            e.retryAfter());
                }
                Duration wait = e.retryAfter().compareTo(interval) > 0 ? e.retryAfter() : interval;
                sleep(wait, deadline);
                interval = interval.multipliedBy(2);
                if (interval.compareTo(MAX_POLL) > 0) {
                    interval = MAX_POLL;
                }
            }
        }
    }

    /**
     * Waits before the next poll; past the deadline, aborts the job and fails the call as
     * retryable.
     */
    private void wait(Duration d, long deadline, String jobId, String jobUrl, String state)
            throws CallException {
        if (System.nanoTime() - deadline >= 0) {
            abort(jobUrl);
            throw new CallException.Retryable(
                    0,
                    "Bulk API job "
                            + jobId
                            + " did not finish within "
                            + jobTimeout
                            + " ("
                            + JOB_TIMEOUT_FACTOR
                            + " × the timeout; last state "
                            + state
                            + "); aborted it",
                    null);
        }
        try {
            sleep(d, deadline);
        } catch (CallException e) {
            abort(jobUrl);
            throw e;
        }
    }

    private static void sleep(Duration d, long deadline) throws CallException {
        long left = deadline - System.nanoTime();
        long nanos = Math.max(0, Math.min(d.toNanos(), left));
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallException.Fatal(0, "interrupted");
        }
    }

    /** Maps the result files back to the records, one outcome per record. */
    private void match(
            Operation op,
            List<OutboundRecord> sendable,
            Upload upload,
            String successful,
            String failed,
            String jobId,
            Map<String, RecordOutcome> outcomes)
            throws CallException {
        Map<String, ArrayDeque<OutboundRecord>> byValue = new HashMap<>();
        Map<String, ArrayDeque<OutboundRecord>> byFoldedValue = new HashMap<>();
        for (int i = 0; i < sendable.size(); i++) {
            String v = upload.matchValues().get(i);
            byValue.computeIfAbsent(v, k -> new ArrayDeque<>()).add(sendable.get(i));
            byFoldedValue
                    .computeIfAbsent(v.toLowerCase(Locale.ROOT), k -> new ArrayDeque<>())
                    .add(sendable.get(i));
        }
        String column = matchColumn(op);
        int unmatched = 0;
        for (boolean success : new boolean[] {true, false}) {
            List<List<String>> rows;
            try {
                rows = BulkCsv.parse(success ? successful : failed);
            } catch (IllegalArgumentException e) {
                throw new CallException.Retryable(
                        200,
                        "Bulk API job "
                                + jobId
                                + ": unreadable "
                                + (success ? "successfulResults" : "failedResults")
                                + ": "
                                + e.getMessage(),
                        null);
            }
            if (rows.isEmpty()) {
                continue;
            }
            List<String> header = rows.get(0);
            int key = header.indexOf(column);
            int id = header.indexOf("sf__Id");
            int error = header.indexOf("sf__Error");
            if (key < 0) {
                throw new CallException.Retryable(
                        200,
                        "Bulk API job "
                                + jobId
                                + ": the results lack the column "
                                + column
                                + ": "
                                + HttpCalls.abbreviate(String.join(",", header)),
                        null);
            }
            for (List<String> row : rows.subList(1, rows.size())) {
                if (row.size() <= key) {
                    unmatched++;
                    continue;
                }
                String value = row.get(key);
                // exactly the uploaded value, else the same value in another case (an external
                // id field need not be case-sensitive)
                OutboundRecord r = take(byValue, value, outcomes);
                if (r == null) {
                    r = take(byFoldedValue, value.toLowerCase(Locale.ROOT), outcomes);
                }
                if (r == null) {
                    unmatched++;
                    continue;
                }
                String sfId =
                        id >= 0 && id < row.size() && !row.get(id).isEmpty() ? row.get(id) : null;
                if (success) {
                    outcomes.put(
                            r.key(),
                            RecordOutcome.ok(r.key(), sfId != null ? sfId : r.destinationId()));
                } else {
                    String reason =
                            error >= 0 && error < row.size() && !row.get(error).isBlank()
                                    ? row.get(error)
                                    : "failed without a reason";
                    outcomes.put(r.key(), RecordOutcome.rejected(r.key(), reason));
                }
            }
        }
        if (unmatched > 0) {
            LOG.warn(
                    "Bulk API job {}: {} result rows matched no record of the job by {}",
                    jobId,
                    unmatched,
                    column);
        }
        for (OutboundRecord r : sendable) {
            outcomes.putIfAbsent(
                    r.key(),
                    RecordOutcome.rejected(
                            r.key(),
                            "not in the job's results (Bulk API job "
                                    + jobId
                                    + ": in neither successfulResults nor failedResults)"));
        }
    }

    /** The next record under a value that has no outcome yet. */
    private static OutboundRecord take(
            Map<String, ArrayDeque<OutboundRecord>> m,
            String v,
            Map<String, RecordOutcome> outcomes) {
        ArrayDeque<OutboundRecord> q = m.get(v);
        while (q != null && !q.isEmpty()) {
            OutboundRecord r = q.poll();
            if (!outcomes.containsKey(r.key())) {
                return r;
            }
        }
        return null;
    }

    private HttpRequest.Builder request(String url) {
        return request(url, "application/json");
    }

    private HttpRequest.Builder request(String url, String accept) {
        return HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + config.token().reveal())
                .header("Accept", accept);
    }

    private HttpResponse<String> exchange(HttpRequest request) throws CallException {
        HttpResponse<String> response = HttpCalls.exchange(client, timeLimiter, request);
        response.headers()
                .firstValue("Sforce-Limit-Info")
                .ifPresent(
                        v -> {
                            usage = v;
                            reportedRate = SalesforceDestination.rateFromLimitInfo(v);
                        });
        return response;
    }

    private void check(HttpResponse<String> response) throws CallException {
        if (response.statusCode() == 403
                && response.body() != null
                && response.body().contains("REQUEST_LIMIT_EXCEEDED")) {
            throw new CallException.Fatal(
                    403, "Salesforce API request limit exceeded (" + usage + ")");
        }
        HttpCalls.failIfUnsuccessful(response, HttpCalls.retryAfter(response.headers()));
    }

    private static JsonNode readJson(HttpResponse<String> r) throws CallException {
        try {
            return JSON.readTree(r.body() == null ? "" : r.body());
        } catch (IOException e) {
            throw new CallException.Retryable(
                    r.statusCode(), "unreadable answer: " + HttpCalls.abbreviate(r.body()), null);
        }
    }
}
