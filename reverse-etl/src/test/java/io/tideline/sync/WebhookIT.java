/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Webhook semantics: a 4xx rejects the batch (retried next run), a bad signature stops the run. */
@ExtendWith(TidelineExtension.class)
class WebhookIT {

    private static String yaml(int batch, String secretFile) {
        return """
        destinations:
          hook:
            type: webhook
            url: ${URL}/webhook/h
            token: ${file:saas-token.txt}
            signing-secret: ${file:%s}
            batch-size: %d
            rate-limit: {requests: 100, per: 1s}
        syncs:
          to-hook:
            source: {table: marts.customers}
            primary-key: customer_id
            mapping: {email: email}
            destination: hook
        """
                .formatted(secretFile, batch);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRejectedBatchIsRecordedAndRetriedAndABadSignatureFailsTheRun(TestParts parts)
            throws Exception {
        Files.writeString(parts.dir().resolve("right.txt"), "right-key");
        Files.writeString(parts.dir().resolve("wrong.txt"), "wrong-key");
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(1000, Duration.ofSeconds(1))
                                .withWebhook(5, "right-key"))) {
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 12).forEach(i -> rows.add(TestTables.Customer.of(i)));
            f.configure(yaml(10, "right.txt"));
            TestTables.write(f.catalog(), "marts.customers", rows);

            // batches of 10 exceed the receiver's 5: 413, every record of the batch rejected
            RunReport first = f.run("to-hook");
            assertThat(first.status()).isEqualTo("succeeded");
            assertThat(first.counts().rejected()).isEqualTo(10);
            assertThat(first.counts().succeeded()).isEqualTo(2);
            assertThat(first.rejectedSamples())
                    .allSatisfy(s -> assertThat(s.reason()).startsWith("HTTP 413"));
            assertThat(first.alerts()).anyMatch(a -> a.contains("rejected"));
            // a 413 is a 4xx other than 408/409/429: the rows are parked at once
            assertThat(first.counts().parked()).isEqualTo(10);
            assertThat(f.emulator.webhookRecords("h")).hasSize(2);

            // fixed configuration: the parked rows stay parked until an operator requeues them
            f.configure(yaml(5, "right.txt"));
            RunReport held = f.run("to-hook");
            assertThat(held.counts().sent()).isZero();
            assertThat(held.counts().held()).isEqualTo(10);
            assertThat(held.alerts()).isEmpty();
            try (io.tideline.ledger.Ledger ledger =
                    io.tideline.ledger.Ledger.open(f.engine().config().postgres())) {
                assertThat(ledger.requeue("to-hook")).isEqualTo(10);
            }
            RunReport second = f.run("to-hook");
            assertThat(second.counts().sent()).isEqualTo(10);
            assertThat(second.counts().retried()).isEqualTo(10);
            assertThat(second.counts().succeeded()).isEqualTo(10);
            assertThat(f.emulator.webhookRecords("h")).hasSize(12);
            assertThat(f.count("SELECT count(*) FROM reverse_etl.rejections")).isZero();

            // a wrong signing key: 401 is fatal, the run fails at once with the reason
            rows.set(0, rows.get(0).withEmail("new@example.com"));
            TestTables.write(f.catalog(), "marts.customers", rows);
            f.configure(yaml(5, "wrong.txt"));
            RunReport third = f.run("to-hook");
            assertThat(third.status()).isEqualTo("failed");
            assertThat(third.reason())
                    .startsWith("HTTP 401")
                    .contains("INVALID_SIGNATURE")
                    .doesNotContain("wrong-key");
            assertThat(third.counts().pending()).isEqualTo(1);
            assertThat(third.counts().addUp()).isTrue();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void signedCallsCarryATimestampAndTheReceiverRefusesReplaysAndStaleOnes(TestParts parts)
            throws Exception {
        Files.writeString(parts.dir().resolve("right.txt"), "right-key");
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(1000, Duration.ofSeconds(1))
                                .withWebhook(100, "right-key"))) {
            f.configure(yaml(50, "right.txt"));
            TestTables.write(
                    f.catalog(),
                    "marts.customers",
                    LongStream.rangeClosed(1, 20).mapToObj(TestTables.Customer::of).toList());
            RunReport run = f.run("to-hook");
            assertThat(run.status()).as(run.toTable()).isEqualTo("succeeded");
            assertThat(f.emulator.webhookRecords("h")).hasSize(20);

            // a captured call, sent again as it was: refused as a replay
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            byte[] body =
                    "{\"sync\":\"to-hook\",\"operation\":\"delete\",\"records\":[{\"key\":\"1\"}]}"
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            long now = System.currentTimeMillis() / 1000;
            String signed =
                    io.tideline.destination.webhook.WebhookDestination.signature(
                            "right-key", now, body);
            java.util.function.BiFunction<String, String, java.net.http.HttpResponse<String>> post =
                    (signature, delivery) -> {
                        try {
                            return http.send(
                                    java.net.http.HttpRequest.newBuilder(
                                                    f.emulator.baseUri().resolve("/webhook/h"))
                                            .header("Authorization", "Bearer " + f.token)
                                            .header("X-Tideline-Signature", signature)
                                            .header("X-Tideline-Delivery-Id", delivery)
                                            .POST(
                                                    java.net.http.HttpRequest.BodyPublishers
                                                            .ofByteArray(body))
                                            .build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofString());
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    };
            assertThat(post.apply(signed, "d-1").statusCode()).isEqualTo(200);
            assertThat(f.emulator.webhookRecords("h")).hasSize(19);
            java.net.http.HttpResponse<String> replay = post.apply(signed, "d-2");
            assertThat(replay.statusCode()).isEqualTo(401);
            assertThat(replay.body()).contains("replayed");

            // a signature older than 5 minutes: refused as stale
            java.net.http.HttpResponse<String> stale =
                    post.apply(
                            io.tideline.destination.webhook.WebhookDestination.signature(
                                    "right-key", now - 301, body),
                            "d-3");
            assertThat(stale.statusCode()).isEqualTo(401);
            assertThat(stale.body()).contains("stale");
            // the wrong key: refused
            assertThat(
                            post.apply(
                                            io.tideline.destination.webhook.WebhookDestination
                                                    .signature("wrong-key", now, body),
                                            "d-4")
                                    .statusCode())
                    .isEqualTo(401);

            // a retry of a delivery (fresh signature, same delivery id) is not applied twice
            int writesBefore = f.emulator.writeCounts("webhook").size();
            java.net.http.HttpResponse<String> retried =
                    post.apply(
                            io.tideline.destination.webhook.WebhookDestination.signature(
                                    "right-key", now + 1, body),
                            "d-1");
            assertThat(retried.statusCode()).isEqualTo(200);
            assertThat(retried.body()).contains("\"duplicate\":true");
            assertThat(f.emulator.writeCounts("webhook")).hasSize(writesBefore);
            assertThat(f.emulator.writeCounts("webhook").get("1")).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSecretUrlAndHeaderAreUsedButNeverShownNotEvenInDryRunSamples(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x").withRateLimit(1000, Duration.ofSeconds(1)))) {
            // the URL's path is the secret, as in a Slack or Zapier hook URL
            Files.writeString(
                    parts.dir().resolve("hook-url.txt"),
                    f.emulator.baseUri().resolve("/webhook/T0-SECRET-PATH").toString());
            Files.writeString(parts.dir().resolve("api-key.txt"), "key-SECRET-VALUE");
            f.configure(
                    """
                    destinations:
                      hook:
                        type: webhook
                        url: ${file:hook-url.txt}
                        token: ${file:saas-token.txt}
                        headers: {X-Api-Key: "${file:api-key.txt}"}
                    syncs:
                      to-hook:
                        source: {table: marts.customers}
                        primary-key: customer_id
                        mapping: {email: email}
                        destination: hook
                    """);
            TestTables.write(
                    f.catalog(),
                    "marts.customers",
                    LongStream.rangeClosed(1, 5).mapToObj(TestTables.Customer::of).toList());
            RunReport dry =
                    f.engine()
                            .run(
                                    "to-hook",
                                    SyncEngine.RunOptions.defaults().out(f.out).dryRun(true));
            assertThat(dry.samplePayloads()).isNotEmpty();
            assertThat(String.join("\n", dry.samplePayloads()))
                    .contains("POST ******")
                    .doesNotContain("SECRET");
            assertThat(f.emulator.calls()).isEmpty();
            RunReport run = f.run("to-hook");
            assertThat(run.status()).isEqualTo("succeeded");
            assertThat(f.emulator.webhookRecords("T0-SECRET-PATH")).hasSize(5);
            String shown =
                    f.printed.toString()
                            + dry.toJson()
                            + run.toJson()
                            + f.engine().config()
                            + io.tideline.config.ConfigLoader.toYaml(f.engine().config())
                            + String.join(
                                    "\n", f.strings("SELECT r::text FROM reverse_etl.runs r"));
            assertThat(shown).doesNotContain("SECRET").contains("${file:hook-url.txt}");
        }
    }
}
