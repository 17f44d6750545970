/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.SaasEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The emulator's own contract: auth, batch limits, throttling headers, inspection endpoint. */
class SaasEmulatorIT {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(
            SaasEmulator e, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(e.baseUri() + path))
                        .timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String inputs(int n) {
        return IntStream.range(0, n)
                .mapToObj(
                        i ->
                                "{\"idProperty\":\"email\",\"id\":\"u"
                                        + i
                                        + "@x.io\",\"properties\":{\"email\":\"u"
                                        + i
                                        + "@x.io\"}}")
                .collect(Collectors.joining(",", "{\"inputs\":[", "]}"));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void enforcesTokenBatchLimitsAndTheRollingWindow() throws Exception {
        try (SaasEmulator e =
                SaasEmulator.start(
                        EmulatorOptions.defaults("secret-token")
                                .withRateLimit(3, Duration.ofSeconds(30)))) {
            String upsert = "/crm/v3/objects/contacts/batch/upsert";
            assertThat(call(e, "POST", upsert, null, inputs(1)).statusCode()).isEqualTo(401);
            assertThat(call(e, "POST", upsert, "wrong", inputs(1)).statusCode()).isEqualTo(401);

            HttpResponse<String> tooBig = call(e, "POST", upsert, "secret-token", inputs(101));
            assertThat(tooBig.statusCode()).isEqualTo(400);
            assertThat(tooBig.body()).contains("exceeds the limit of 100 inputs");

            HttpResponse<String> ok = call(e, "POST", upsert, "secret-token", inputs(100));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-HubSpot-RateLimit-Max")).hasValue("3");
            assertThat(ok.headers().firstValue("X-HubSpot-RateLimit-Remaining")).hasValue("1");
            assertThat(e.hubspotObjects("contacts")).hasSize(100);

            String sfRecords =
                    IntStream.range(0, 201)
                            .mapToObj(
                                    i ->
                                            "{\"attributes\":{\"type\":\"Contact\"},\"Email__c\":\"s"
                                                    + i
                                                    + "@x.io\"}")
                            .collect(
                                    Collectors.joining(
                                            ",", "{\"allOrNone\":false,\"records\":[", "]}"));
            HttpResponse<String> sfTooBig =
                    call(
                            e,
                            "PATCH",
                            "/services/data/v60.0/composite/sobjects/Contact/Email__c",
                            "secret-token",
                            sfRecords);
            assertThat(sfTooBig.statusCode()).isEqualTo(400);
            assertThat(sfTooBig.headers().firstValue("Sforce-Limit-Info"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("api-usage="));

            assertThat(call(e, "POST", upsert, "secret-token", inputs(1)).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> throttled = call(e, "POST", upsert, "secret-token", inputs(1));
            assertThat(throttled.statusCode()).isEqualTo(429);
            assertThat(throttled.body()).contains("\"policyName\":\"TEN_SECONDLY_ROLLING\"");
            assertThat(throttled.headers().firstValue("X-HubSpot-RateLimit-Interval-Milliseconds"))
                    .hasValue("30000");
            assertThat(throttled.headers().firstValue("X-HubSpot-RateLimit-Remaining"))
                    .hasValue("0");

            HttpResponse<String> state = call(e, "GET", "/_emulator/state", "secret-token", null);
            assertThat(state.statusCode()).isEqualTo(200);
            assertThat(state.body()).contains("u99@x.io");
            assertThat(e.calls())
                    .extracting(c -> c.status())
                    .containsExactly(400, 200, 400, 200, 429);
        }
    }
}
