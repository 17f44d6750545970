/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Stripe's signature scheme, against a known answer computed outside Java. */
class WebhookSignatureTest {

    /**
     * The vector: {@code printf '%s' '1700000000.{"sync":"s","operation":"upsert","records":[]}' |
     * openssl dgst -sha256 -hmac whsec_test_secret} (and Python's {@code hmac}) give this digest.
     */
    @Test
    void matchesTheKnownAnswer() {
        byte[] body =
                "{\"sync\":\"s\",\"operation\":\"upsert\",\"records\":[]}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookDestination.signature("whsec_test_secret", 1_700_000_000L, body))
                .isEqualTo(
                        "t=1700000000,v1="
                            + "69b39afbebc78118f689af95299187a2ba3e056464c47a6885c460b0081c01dd");
    }

    @Test
    void coversTheTimestamp() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String a = WebhookDestination.signature("k", 1_700_000_000L, body);
        String b = WebhookDestination.signature("k", 1_700_000_001L, body);
        assertThat(a.substring(a.indexOf("v1="))).isNotEqualTo(b.substring(b.indexOf("v1=")));
    }
}
