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
            assertThat(f.emulator.webhookRecords("h")).hasSize(2);

            // fixed configuration: the rejected rows go again though unchanged
            f.configure(yaml(5, "right.txt"));
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
}
