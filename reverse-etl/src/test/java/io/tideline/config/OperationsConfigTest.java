/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys issue 14 added: TLS (https:// required off loopback), secret webhook URLs and headers,
 * the breaker, rejections, the mirror guard, PostgreSQL sources and {@code postgres.ssl-mode}.
 */
class OperationsConfigTest {

    private static final String HOOK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
    private static final String API_KEY = "key-4f1b0c";

    @TempDir Path dir;

    private TidelineConfig load(String yaml) {
        return new ConfigLoader(Map.of("HOOK_URL", HOOK_URL, "T", "tok-1", "API_KEY", API_KEY)::get)
                .parse("catalog:\n  warehouse: /tmp/w\n" + yaml, "tideline.yaml", dir);
    }

    private static String hubspot(String url, String extra) {
        return """
        destinations:
          crm:
            type: hubspot
            url: %s
            token: ${env:T}
        %s
        """
                .formatted(url, extra);
    }

    @Test
    void refusesPlainHttpOffLoopbackUnlessTheDestinationAllowsIt() {
        assertThatThrownBy(() -> load(hubspot("http://api.hubapi.com", "")))
                .hasMessageContaining("destinations.crm.url")
                .hasMessageContaining("expected https://")
                .hasMessageContaining("allow-insecure-http: true");
        assertThatThrownBy(() -> load(hubspot("http://10.0.0.7:8080", "")))
                .hasMessageContaining("expected https://");
        // loopback is this machine: no token leaves it
        assertThat(load(hubspot("http://127.0.0.1:8089", "")).destinations()).containsKey("crm");
        assertThat(load(hubspot("http://localhost:8089", "")).destinations()).containsKey("crm");
        assertThat(load(hubspot("https://api.hubapi.com", "")).destinations()).containsKey("crm");
        DestinationConfig allowed =
                load(hubspot("http://crm.internal", "    allow-insecure-http: true"))
                        .destinations()
                        .get("crm");
        assertThat(allowed.allowInsecureHttp()).isTrue();
        assertThat(allowed.endpoint()).isEqualTo("http://crm.internal");
    }

    @Test
    void webhookUrlsAndHeaderValuesTakeSecretsAndNeverShowThem() throws Exception {
        Files.writeString(dir.resolve("team.txt"), "growth-team\n");
        TidelineConfig c =
                load(
                        """
                        destinations:
                          slack:
                            type: webhook
                            url: ${env:HOOK_URL}
                            headers: {X-Api-Key: "${env:API_KEY}", X-Team: "${file:team.txt}", X-Plain: visible}
                        """);
        DestinationConfig d = c.destinations().get("slack");
        assertThat(d.endpoint()).isEqualTo(HOOK_URL);
        assertThat(d.headers().get("X-Api-Key").reveal()).isEqualTo(API_KEY);
        assertThat(d.headers().get("X-Team").reveal()).isEqualTo("growth-team");
        assertThat(d.headers().get("X-Plain").reveal()).isEqualTo("visible");
        String shown = c.toString() + ConfigLoader.toYaml(c);
        assertThat(shown)
                .doesNotContain("XXXXSECRET")
                .doesNotContain(API_KEY)
                .doesNotContain("growth-team")
                .contains("${env:HOOK_URL}")
                .contains("${env:API_KEY}")
                .contains("visible");
        // a URL given as a secret is not quoted in a load error either
        assertThatThrownBy(
                        () ->
                                new ConfigLoader(
                                                Map.of("U", "http://hooks.example.com/SECRET")::get)
                                        .parse(
                                                "catalog:\n"
                                                    + "  warehouse: /tmp/w\n"
                                                    + "destinations:\n"
                                                    + "  h: {type: webhook, url: \"${env:U}\"}\n",
                                                "t.yaml",
                                                dir))
                .hasMessageContaining("expected https://")
                .hasMessageContaining("${env:U}")
                .hasMessageNotContaining("SECRET");
    }

    @Test
    void breakerRejectionsAndMirrorGuardHaveDefaultsAndBounds() {
        TidelineConfig c =
                load(
                        hubspot("https://api.hubapi.com", "")
                                + """
                                syncs:
                                  s:
                                    source: {postgres-table: serving.customer_360}
                                    primary-key: customer_id
                                    mapping: {email: email}
                                    destination: crm
                                    mode: mirror
                                """);
        DestinationConfig d = c.destinations().get("crm");
        assertThat(d.circuitBreaker().failureRate()).isEqualTo(0.75);
        assertThat(d.circuitBreaker().window()).isEqualTo(50);
        assertThat(d.circuitBreaker().openFor()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.circuitBreaker().maxOpenWait()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.retry().maxThrottledWait()).isEqualTo(Duration.ofMinutes(15));
        SyncConfig s = c.syncs().get("s");
        assertThat(s.mirror().maxDeleteShare()).isEqualTo(0.1);
        assertThat(s.rejections().maxAttempts()).isEqualTo(5);
        assertThat(s.source().isPostgres()).isTrue();
        assertThat(s.source().describe()).isEqualTo("postgres:serving.customer_360");

        SyncConfig.Rejections backoff =
                new SyncConfig.Rejections(3, Duration.ofMinutes(1), Duration.ofMinutes(5));
        assertThat(backoff.backoffAfter(1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(backoff.backoffAfter(2)).isEqualTo(Duration.ofMinutes(2));
        assertThat(backoff.backoffAfter(4)).isEqualTo(Duration.ofMinutes(5));

        assertThatThrownBy(
                        () ->
                                load(
                                        hubspot(
                                                        "https://api.hubapi.com",
                                                        "    circuit-breaker: {failure-rate: 1.5,"
                                                                + " window: 10, minimum-calls: 20}")
                                                + """
                                                syncs:
                                                  s:
                                                    source: {table: a.b, postgres-query: SELECT 1}
                                                    primary-key: id
                                                    mapping: {email: email}
                                                    destination: crm
                                                    mirror: {max-delete-share: 2}
                                                    rejections: {max-attempts: 0}
                                                """))
                .hasMessageContaining("destinations.crm.circuit-breaker.failure-rate")
                .hasMessageContaining("destinations.crm.circuit-breaker.minimum-calls")
                .hasMessageContaining("syncs.s.source: expected exactly one of table")
                .hasMessageContaining("syncs.s.mirror.max-delete-share")
                .hasMessageContaining("syncs.s.rejections.max-attempts");
    }

    @Test
    void postgresSslModeGoesIntoTheJdbcUrlAndAMissingHostIsNamed() {
        TidelineConfig c =
                load(
                        "postgres: {embedded: false, host: db.internal, port: 5432, database: t,"
                                + " ssl-mode: verify-full}\n");
        assertThat(c.postgres().jdbcUrl())
                .isEqualTo("jdbc:postgresql://db.internal:5432/t?sslmode=verify-full");
        assertThat(c.postgres().serverProblem()).isEmpty();
        assertThatThrownBy(() -> load("postgres: {host: db, port: 5432, ssl-mode: sometimes}\n"))
                .hasMessageContaining("postgres.ssl-mode: expected one of [disable, allow,");
        assertThatThrownBy(() -> load("postgres: {embedded: false, port: 5432}\n"))
                .hasMessageContaining("postgres.host: required when embedded is false");
        // no host at all: the local platform embeds one, a program that connects is told
        TidelineConfig embedded = load("postgres: {database: t}\n");
        assertThat(embedded.postgres().serverProblem())
                .get()
                .asString()
                .startsWith("postgres.host: required");
        assertThatThrownBy(() -> io.tideline.ledger.Ledger.open(embedded.postgres()))
                .hasMessageContaining("postgres.host: required")
                .hasMessageNotContaining("null:null");
    }
}
