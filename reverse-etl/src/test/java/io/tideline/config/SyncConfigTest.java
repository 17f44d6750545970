/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The destinations and syncs sections, loaded through the same loader as every file. */
class SyncConfigTest {

    private static final String TOKEN = "pat-na1-secret-value";
    private final ConfigLoader loader =
            new ConfigLoader(Map.of("HUBSPOT_TOKEN", TOKEN, "HOOK_KEY", "k")::get);

    private static final String VALID =
            """
            catalog:
              warehouse: /tmp/warehouse
            destinations:
              hubspot:
                type: hubspot
                url: https://api.hubapi.com
                token: ${env:HUBSPOT_TOKEN}
                rate-limit: {requests: 190, per: 10s}
              hook:
                type: webhook
                url: https://example.com/hook
                signing-secret: ${env:HOOK_KEY}
                headers: {X-Team: growth}
                batch-size: 500
            syncs:
              customers-to-hubspot:
                source: {table: marts.customer_360}
                primary-key: customer_id
                mapping: {email: email, name: firstname, lifetime_value: ltv}
                constants: {lifecyclestage: customer}
                mode: mirror
                mirror: {removal: archive, archive-field: tideline_archived}
                destination: hubspot
                batch-size: 50
                schedule: {cron: "*/15 * * * *"}
                alerts: {max-rejected-share: 0.02, min-volume-share: 0.8}
              customers-to-hook:
                source: {table: marts.customer_360}
                primary-key: [customer_id]
                mapping: {email: email}
                mode: update-only
                destination: hook
                schedule: {interval: 5m}
            """;

    private TidelineConfig load(String yaml) {
        return loader.parse(yaml, "tideline.yaml", Path.of("."));
    }

    private List<String> problems(String yaml) {
        try {
            load(yaml);
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.path() + ": " + p.message()).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    @Test
    void loadsSyncsAndDestinations() {
        TidelineConfig c = load(VALID);
        SyncConfig s = c.syncs().get("customers-to-hubspot");
        assertThat(s.source().table()).isEqualTo("marts.customer_360");
        assertThat(s.primaryKey()).containsExactly("customer_id");
        assertThat(s.mapping())
                .containsExactly(
                        Map.entry("email", "email"),
                        Map.entry("name", "firstname"),
                        Map.entry("lifetime_value", "ltv"));
        assertThat(s.mode()).isEqualTo(SyncConfig.SyncMode.MIRROR);
        assertThat(s.mirror().removal()).isEqualTo(MirrorConfig.Removal.ARCHIVE);
        assertThat(s.schedule().cron()).isEqualTo("*/15 * * * *");
        assertThat(s.alerts().maxRejectedShare()).isEqualTo(0.02);
        assertThat(c.syncs().get("customers-to-hook").mode())
                .isEqualTo(SyncConfig.SyncMode.UPDATE_ONLY);
        assertThat(c.syncs().get("customers-to-hook").schedule().interval())
                .isEqualTo(Duration.ofMinutes(5));
        DestinationConfig h = c.destinations().get("hubspot");
        assertThat(h.type()).isEqualTo(DestinationConfig.DestinationType.HUBSPOT);
        assertThat(h.batchSize()).isEqualTo(100);
        assertThat(h.idProperty()).isEqualTo("email");
        assertThat(h.object()).isEqualTo("contacts");
        assertThat(h.rateLimit().requests()).isEqualTo(190);
        assertThat(h.token().reveal()).isEqualTo(TOKEN);
        assertThat(c.destinations().get("hook").headers().get("X-Team").reveal())
                .isEqualTo("growth");
    }

    @Test
    void neverPrintsTheToken() {
        TidelineConfig c = load(VALID);
        assertThat(c.toString()).doesNotContain(TOKEN).contains("hubspot");
        assertThat(ConfigLoader.toYaml(c)).doesNotContain(TOKEN).contains("${env:HUBSPOT_TOKEN}");
    }

    @Test
    void namesThePathOfEveryProblem() {
        String yaml =
                VALID.replace("destination: hook", "destination: hooks")
                        .replace("*/15 * * * *", "every quarter hour")
                        .replace("batch-size: 50", "batch-size: 500")
                        .replace(
                                "mapping: {email: email, name: firstname, lifetime_value: ltv}",
                                "mapping: {name: firstname}")
                        .replace("archive-field: tideline_archived", "archive-value: 'yes'")
                        .replace(
                                "schedule: {interval: 5m}",
                                "schedule: {interval: 5m, cron: '0 * * * *'}");
        assertThat(problems(yaml))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hook.destination: unknown"
                                                        + " destination 'hooks'")
                                        .contains("[hook, hubspot]"))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hubspot.schedule.cron: expected"
                                                        + " a Unix cron expression"))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hubspot.batch-size: expected at"
                                                        + " most 100"))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hubspot.mapping: destination"
                                                    + " 'hubspot' identifies records by 'email'"))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hubspot.mirror.archive-field:"
                                                        + " required when removal is archive"))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hook.schedule: expected exactly"
                                                        + " one of cron"));
    }

    @Test
    void refusesBadValuesAndLiteralSecrets() {
        assertThat(problems(VALID.replace("mode: mirror", "mode: sideways")))
                .singleElement()
                .asString()
                .startsWith("syncs.customers-to-hubspot.mode")
                .contains("upsert, update-only, insert-only, mirror");
        assertThat(problems(VALID.replace("token: ${env:HUBSPOT_TOKEN}", "token: pat-literal")))
                .singleElement()
                .asString()
                .startsWith("destinations.hubspot.token")
                .contains("not a literal value")
                .doesNotContain("pat-literal");
        assertThat(problems(VALID.replace("type: webhook", "type: carrier-pigeon")))
                .singleElement()
                .asString()
                .startsWith("destinations.hook.type");
        String tableSource = "source: {table: marts.customer_360}\n    primary-key: customer_id";
        assertThat(
                        problems(
                                VALID.replace(
                                        tableSource,
                                        "source: {query: 'DELETE FROM t'}\n"
                                                + "    primary-key: customer_id")))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hubspot.source.query: expected"
                                                        + " a SELECT"));
        assertThat(
                        problems(
                                VALID.replace(
                                        tableSource,
                                        "source: {table: a.b, query: 'SELECT 1'}\n"
                                                + "    primary-key: customer_id")))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "syncs.customers-to-hubspot.source: expected"
                                                        + " exactly one of table"));
        assertThat(
                        load(VALID.replace(
                                        tableSource,
                                        "source: {query: 'SELECT * FROM marts.customer_360'}\n"
                                                + "    primary-key: customer_id"))
                                .syncs()
                                .get("customers-to-hubspot")
                                .source()
                                .query())
                .isEqualTo("SELECT * FROM marts.customer_360");
        assertThat(
                        problems(
                                VALID.replace(
                                        "rate-limit: {requests: 190, per: 10s}",
                                        "rate-limit: {per: 10s}")))
                .singleElement()
                .asString()
                .startsWith("destinations.hubspot.rate-limit.requests");
        assertThatThrownBy(() -> load(VALID.replace("url: https://api.hubapi.com", "url: ftp://x")))
                .hasMessageContaining("destinations.hubspot.url");
    }

    @Test
    void salesforceBulkTakesUpToTenThousandRecordsPerJob() {
        String bulk =
                VALID.replace(
                        "syncs:\n",
                        """
                          sf-bulk:
                            type: salesforce-bulk
                            url: https://acme.my.salesforce.com
                            token: ${env:HUBSPOT_TOKEN}
                            object: Contact
                            id-property: Email__c
                            batch-size: 10000
                        syncs:
                        """);
        DestinationConfig d = load(bulk).destinations().get("sf-bulk");
        assertThat(d.type()).isEqualTo(DestinationConfig.DestinationType.SALESFORCE_BULK);
        assertThat(d.type()).hasToString("salesforce-bulk");
        assertThat(d.batchSize()).isEqualTo(10_000);
        assertThat(d.apiVersion()).isEqualTo("v60.0");
        assertThat(
                        load(bulk.replace("    batch-size: 10000\n", ""))
                                .destinations()
                                .get("sf-bulk")
                                .batchSize())
                .isEqualTo(10_000);
        assertThat(problems(bulk.replace("batch-size: 10000", "batch-size: 10001")))
                .containsExactly(
                        "destinations.sf-bulk.batch-size: expected 1..10000 (the salesforce-bulk"
                                + " API's limit of records per job), got 10001");
        assertThat(problems(bulk.replace("id-property: Email__c", "concurrency: 26")))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "destinations.sf-bulk.id-property: required:"
                                                        + " expected the external-id field"))
                .anySatisfy(
                        p ->
                                assertThat(p)
                                        .startsWith(
                                                "destinations.sf-bulk.concurrency: expected"
                                                        + " 1..25"));
        assertThat(problems(bulk.replace("type: salesforce-bulk", "type: salesforce_bulk")))
                .singleElement()
                .asString()
                .startsWith("destinations.sf-bulk.type")
                .contains("salesforce-bulk");
    }
}
