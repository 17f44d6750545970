/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TidelineExtension.class)
class HubSpotSyncIT {

    static String yaml(String mode, String extra) {
        return """
        destinations:
          hubspot:
            type: hubspot
            url: ${URL}
            token: ${file:saas-token.txt}
            object: contacts
            id-property: email
            rate-limit: {requests: 1000, per: 1s}
            timeout: 2s
            retry: {max-attempts: 6, initial-backoff: 10ms, max-backoff: 200ms}
        syncs:
          customers-to-hubspot:
            source: {table: marts.customers}
            primary-key: customer_id
            mapping: {email: email, name: firstname, plan: plan, lifetime_value: ltv}
            constants: {lifecyclestage: customer}
            mode: %s
            destination: hubspot
            batch-size: 10
            alerts: {max-rejected-share: 0.5}
        %s\
        """
                .formatted(mode, extra);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sendsOnlyChangesAndUpdatesTheSameObjectWhenTheEmailChanges(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(1000, java.time.Duration.ofSeconds(1)))) {
            f.configure(yaml("upsert", ""));
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 50).forEach(i -> rows.add(TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", rows);

            RunReport first = f.run("customers-to-hubspot");
            assertThat(first.status()).isEqualTo("succeeded");
            assertThat(first.counts().queried()).isEqualTo(50);
            assertThat(first.counts().sent()).isEqualTo(50);
            assertThat(first.counts().succeeded()).isEqualTo(50);
            assertThat(first.counts().addUp()).isTrue();
            Map<String, Map<String, Object>> objects = f.emulator.hubspotObjects("contacts");
            assertThat(objects).hasSize(50);
            String idOf7 = idByEmail(objects, "c7@example.com");
            assertThat(objects.get(idOf7))
                    .containsEntry("firstname", "Customer 7")
                    .containsEntry("lifecyclestage", "customer")
                    .containsEntry("ltv", "7.50");

            // customer 7 gets a new email, customer 8 a new plan
            rows.set(6, rows.get(6).withEmail("seven@new.example.com"));
            rows.set(7, rows.get(7).withPlan("pro"));
            TestTables.write(f.catalog(), "marts.customers", rows);
            int callsBefore = f.emulator.calls().size();
            RunReport second = f.run("customers-to-hubspot");
            assertThat(second.counts().sent()).isEqualTo(2);
            assertThat(second.counts().unchanged()).isEqualTo(48);
            assertThat(second.counts().addUp()).isTrue();
            objects = f.emulator.hubspotObjects("contacts");
            assertThat(objects).as("a new email must not create a duplicate").hasSize(50);
            assertThat(objects.get(idOf7)).containsEntry("email", "seven@new.example.com");
            assertThat(idByEmail(objects, "c8@example.com")).isNotNull();
            assertThat(objects.get(idByEmail(objects, "c8@example.com")))
                    .containsEntry("plan", "pro");
            List<String> keysSent =
                    f.emulator.calls().subList(callsBefore, f.emulator.calls().size()).stream()
                            .flatMap(c -> c.keys().stream())
                            .toList();
            assertThat(keysSent).containsExactlyInAnyOrder(idOf7, "c8@example.com");

            RunReport third = f.run("customers-to-hubspot");
            assertThat(third.counts().sent()).isZero();
            assertThat(third.counts().unchanged()).isEqualTo(50);
            assertThat(f.count("SELECT count(*) FROM reverse_etl.runs WHERE status = 'succeeded'"))
                    .isEqualTo(3);
            assertThat(
                            f.count(
                                    "SELECT count(*) FROM reverse_etl.sync_state WHERE"
                                            + " destination_id IS NOT NULL"))
                    .isEqualTo(50);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void parksA207ValidationErrorAtOnceAndResolvesA409OnCreateByTheExistingId(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(1000, java.time.Duration.ofSeconds(1)))) {
            f.configure(yaml("insert-only", ""));
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 30).forEach(i -> rows.add(TestTables.Customer.of(i)));
            rows.set(4, rows.get(4).withEmail("not-an-email")); // 207: invalid email
            TestTables.write(f.catalog(), "marts.customers", rows);
            // 409: customer 12's email already exists in HubSpot, so its batch/create conflicts
            String existing =
                    f.emulator.seedHubspotObject("contacts", Map.of("email", "c12@example.com"));

            RunReport first = f.run("customers-to-hubspot");
            assertThat(first.counts().queried()).isEqualTo(30);
            assertThat(first.counts().sent()).isEqualTo(30);
            assertThat(first.counts().rejected()).isEqualTo(1);
            assertThat(first.counts().parked()).isEqualTo(1);
            assertThat(first.counts().succeeded()).isEqualTo(29);
            assertThat(first.splits()).isPositive();
            assertThat(first.counts().addUp()).isTrue();
            // the conflict was resolved by updating the object that holds the email: no duplicate
            Map<String, Map<String, Object>> objects = f.emulator.hubspotObjects("contacts");
            assertThat(objects).hasSize(29);
            assertThat(objects.get(existing)).containsEntry("firstname", "Customer 12");
            assertThat(
                            f.strings(
                                    "SELECT destination_id FROM reverse_etl.sync_state WHERE"
                                            + " row_key = '12'"))
                    .containsExactly(existing);
            Map<String, String> reasons = rejections(f);
            assertThat(reasons).containsOnlyKeys("5");
            assertThat(reasons.get("5")).contains("VALIDATION_ERROR").contains("not-an-email");
            assertThat(f.count("SELECT count(*) FROM reverse_etl.rejections WHERE parked"))
                    .isEqualTo(1);
            assertThat(first.alerts()).isEmpty();

            // the parked row is not sent again while it stands: the rerun sends nothing
            int callsBefore = f.emulator.calls().size();
            RunReport second = f.run("customers-to-hubspot");
            assertThat(second.counts().sent()).isZero();
            assertThat(second.counts().held()).isEqualTo(1);
            assertThat(second.counts().unchanged()).isEqualTo(29);
            assertThat(second.counts().addUp()).isTrue();
            assertThat(second.alerts()).isEmpty();
            assertThat(f.emulator.calls()).hasSize(callsBefore);

            // once its content changes it goes out again, and lands
            rows.set(4, rows.get(4).withEmail("c5@example.com"));
            TestTables.write(f.catalog(), "marts.customers", rows);
            RunReport third = f.run("customers-to-hubspot");
            assertThat(third.counts().sent()).isEqualTo(1);
            assertThat(third.counts().succeeded()).isEqualTo(1);
            assertThat(third.counts().retried()).isEqualTo(1);
            List<String> resent =
                    f.emulator.calls().subList(callsBefore, f.emulator.calls().size()).stream()
                            .flatMap(c -> c.keys().stream())
                            .collect(Collectors.toList());
            assertThat(resent).containsExactly("c5@example.com");
            assertThat(rejections(f)).isEmpty();
            assertThat(f.emulator.hubspotObjects("contacts")).hasSize(30);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void updateOnlyRejectsUnknownRecordsAndAVolumeDropAlerts(TestParts parts) throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(1000, java.time.Duration.ofSeconds(1)))) {
            f.configure(yaml("update-only", ""));
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 10).forEach(i -> rows.add(TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", rows);
            for (int i = 1; i <= 5; i++) {
                f.emulator.seedHubspotObject(
                        "contacts", Map.of("email", "c" + i + "@example.com", "firstname", "Old"));
            }

            RunReport first = f.run("customers-to-hubspot");
            assertThat(first.counts().succeeded()).isEqualTo(5);
            assertThat(first.counts().rejected()).isEqualTo(5);
            assertThat(first.rejectedSamples())
                    .allSatisfy(s -> assertThat(s.reason()).startsWith("OBJECT_NOT_FOUND"));
            Map<String, Map<String, Object>> objects = f.emulator.hubspotObjects("contacts");
            assertThat(objects).as("update-only creates nothing").hasSize(5);
            assertThat(objects.values())
                    .allSatisfy(o -> assertThat(o.get("firstname")).isNotEqualTo("Old"));
            assertThat(first.alerts()).isEmpty();

            TestTables.write(f.catalog(), "marts.customers", rows.subList(0, 2));
            RunReport second = f.run("customers-to-hubspot");
            assertThat(second.status()).isEqualTo("succeeded");
            assertThat(second.counts().queried()).isEqualTo(2);
            assertThat(second.alerts())
                    .singleElement()
                    .asString()
                    .startsWith("volume drop: 2 rows queried, 10 in the last successful run");
        }
    }

    private static Map<String, String> rejections(Fixture f) throws Exception {
        Map<String, String> out = new java.util.HashMap<>();
        for (String s : f.strings("SELECT row_key || '=' || reason FROM reverse_etl.rejections")) {
            int eq = s.indexOf('=');
            out.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return out;
    }

    static String idByEmail(Map<String, Map<String, Object>> objects, String email) {
        return objects.entrySet().stream()
                .filter(e -> email.equals(e.getValue().get("email")))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(null);
    }
}
