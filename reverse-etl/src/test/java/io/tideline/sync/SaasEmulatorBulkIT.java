/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.ReceivedCall;
import io.tideline.emulator.SaasEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The emulator's Bulk API 2.0 ingest contract: job lifecycle, malformed requests, error shape. */
class SaasEmulatorBulkIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOBS = "/services/data/v60.0/jobs/ingest";
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(
            SaasEmulator e, String method, String path, String contentType, String body)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(e.baseUri() + path))
                        .timeout(Duration.ofSeconds(5))
                        .header("Authorization", "Bearer secret-token");
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A Salesforce error body: {@code [{"errorCode": ..., "message": ...}]}. */
    private static void assertSalesforceError(HttpResponse<String> r, int status, String code)
            throws Exception {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Sforce-Limit-Info"))
                .hasValueSatisfying(v -> assertThat(v).matches("api-usage=\\d+/250000"));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.isArray()).isTrue();
        assertThat(body.get(0).path("errorCode").asText()).isEqualTo(code);
        assertThat(body.get(0).path("message").asText()).isNotBlank();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void runsAJobAndAnswersMalformedRequestsLikeSalesforce() throws Exception {
        try (SaasEmulator e =
                SaasEmulator.start(
                        EmulatorOptions.defaults("secret-token")
                                .withRateLimit(1000, Duration.ofSeconds(1)))) {
            String json = "application/json";
            // an upsert job needs its external-id field
            assertSalesforceError(
                    call(
                            e,
                            "POST",
                            JOBS,
                            json,
                            "{\"object\":\"Contact\",\"contentType\":\"CSV\",\"operation\":\"upsert\"}"),
                    400,
                    "INVALIDJOB");
            assertSalesforceError(
                    call(e, "GET", JOBS + "/750000000000000999", null, null), 404, "NOT_FOUND");

            HttpResponse<String> created =
                    call(
                            e,
                            "POST",
                            JOBS,
                            json,
                            "{\"object\":\"Contact\",\"externalIdFieldName\":\"Email__c\","
                                    + "\"contentType\":\"CSV\",\"operation\":\"upsert\","
                                    + "\"lineEnding\":\"LF\"}");
            assertThat(created.statusCode()).isEqualTo(200);
            JsonNode job = JSON.readTree(created.body());
            assertThat(job.path("state").asText()).isEqualTo("Open");
            String id = job.path("id").asText();
            assertThat(id).startsWith("750");
            assertThat(job.path("contentUrl").asText())
                    .isEqualTo("services/data/v60.0/jobs/ingest/" + id + "/batches");
            String jobPath = JOBS + "/" + id;

            // a bad header row, a row of the wrong width, the wrong content type
            assertSalesforceError(
                    call(e, "PUT", jobPath + "/batches", "text/csv", "Email__c,,Last Name\n"),
                    400,
                    "INVALIDBATCH");
            assertSalesforceError(
                    call(e, "PUT", jobPath + "/batches", "text/csv", "LastName\nDoe\n"),
                    400,
                    "INVALIDBATCH");
            assertSalesforceError(
                    call(e, "PUT", jobPath + "/batches", "text/csv", "Email__c,LastName\na@x.io\n"),
                    400,
                    "INVALIDBATCH");
            assertThat(
                            call(e, "PUT", jobPath + "/batches", json, "Email__c\na@x.io\n")
                                    .statusCode())
                    .isEqualTo(400);

            String csv = "Email__c,LastName\na@x.io,\"Doe, \"\"Jr.\"\"\nline two\"\nb@x.io,Roe\n";
            assertThat(call(e, "PUT", jobPath + "/batches", "text/csv", csv).statusCode())
                    .isEqualTo(201);
            assertSalesforceError(
                    call(e, "GET", jobPath + "/successfulResults/", null, null),
                    400,
                    "INVALIDJOBSTATE");
            assertThat(
                            call(e, "PATCH", jobPath, json, "{\"state\":\"UploadComplete\"}")
                                    .statusCode())
                    .isEqualTo(200);
            assertSalesforceError(
                    call(e, "PUT", jobPath + "/batches", "text/csv", csv), 400, "INVALIDJOBSTATE");

            HttpResponse<String> poll = call(e, "GET", jobPath, null, null);
            assertThat(JSON.readTree(poll.body()).path("state").asText()).isEqualTo("InProgress");
            poll = call(e, "GET", jobPath, null, null);
            JsonNode done = JSON.readTree(poll.body());
            assertThat(done.path("state").asText()).isEqualTo("JobComplete");
            assertThat(done.path("numberRecordsProcessed").asInt()).isEqualTo(2);
            assertThat(done.path("numberRecordsFailed").asInt()).isZero();

            HttpResponse<String> ok = call(e, "GET", jobPath + "/successfulResults/", null, null);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("Content-Type")).hasValue("text/csv");
            assertThat(ok.body())
                    .startsWith("\"sf__Id\",\"sf__Created\",\"Email__c\",\"LastName\"\n");
            assertThat(call(e, "GET", jobPath + "/failedResults/", null, null).body())
                    .isEqualTo("\"sf__Id\",\"sf__Error\",\"Email__c\",\"LastName\"\n");
            assertThat(e.salesforceRecords("Contact").values())
                    .anySatisfy(
                            c ->
                                    assertThat(c)
                                            .containsEntry("Email__c", "a@x.io")
                                            .containsEntry("LastName", "Doe, \"Jr.\"\nline two"));

            assertThat(e.calls())
                    .extracting(ReceivedCall::operation)
                    .containsExactly(
                            "bulk-create",
                            "bulk-poll",
                            "bulk-create",
                            "bulk-upload",
                            "bulk-upload",
                            "bulk-upload",
                            "bulk-upload",
                            "bulk-upload",
                            "bulk-successful-results",
                            "bulk-state",
                            "bulk-upload",
                            "bulk-poll",
                            "bulk-poll",
                            "bulk-successful-results",
                            "bulk-failed-results");
            assertThat(e.salesforceBulkJobs())
                    .singleElement()
                    .satisfies(
                            j ->
                                    assertThat(j.calls())
                                            .containsExactly(
                                                    "create",
                                                    "upload",
                                                    "close",
                                                    "poll:InProgress",
                                                    "poll:JobComplete",
                                                    "successfulResults",
                                                    "failedResults"));
        }
    }
}
