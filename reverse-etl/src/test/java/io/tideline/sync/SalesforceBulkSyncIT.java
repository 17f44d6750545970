/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.emulator.ReceivedCall;
import io.tideline.emulator.SalesforceBulkJob;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TidelineExtension.class)
class SalesforceBulkSyncIT {

    private static final String TRICKY = "Doe, \"Jr.\"\nsecond line";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void upsertsThousandsOfRowsInBulkJobsAndRetriesOnlyTheRejectedOnes(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withRateLimit(1000, Duration.ofSeconds(1))
                                .withFaults(
                                        EmulatorOptions.Faults.NONE.withRecordRejection(0.01)))) {
            f.configure(
                    """
                    destinations:
                      sf-bulk:
                        type: salesforce-bulk
                        url: ${URL}
                        token: ${file:saas-token.txt}
                        object: Contact
                        id-property: Email__c
                        rate-limit: {requests: 1000, per: 1s}
                        batch-size: 2000
                        timeout: 5s
                    syncs:
                      contacts:
                        source: {table: marts.customers}
                        primary-key: customer_id
                        mapping: {email: Email__c, name: LastName, plan: Plan__c, lifetime_value: Lifetime_Value__c}
                        constants: {LeadSource: Tideline}
                        mode: upsert
                        destination: sf-bulk
                    """);
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 5000).forEach(i -> rows.add(TestTables.Customer.of(i)));
            rows.set(99, rows.get(99).withEmail("no-at-sign")); // rejected by Salesforce
            rows.set(4, new TestTables.Customer(5L, "c5@example.com", TRICKY, "pro", null));
            rows.add(TestTables.Customer.of(5001).withEmail(null)); // invalid: never sent
            TestTables.write(f.catalog(), "marts.customers", rows);
            Map<String, String> emailOfKey =
                    rows.stream()
                            .filter(c -> c.email() != null)
                            .collect(Collectors.toMap(c -> String.valueOf(c.id()), c -> c.email()));

            RunReport first = f.run("contacts");
            assertThat(first.status()).isEqualTo("succeeded");
            assertThat(first.counts().queried()).isEqualTo(5001);
            assertThat(first.counts().invalid()).isEqualTo(1);
            assertThat(first.counts().unchanged()).isZero();
            assertThat(first.counts().sent()).isEqualTo(5000);
            assertThat(first.counts().succeeded() + first.counts().rejected()).isEqualTo(5000);
            assertThat(first.counts().addUp()).isTrue();
            assertThat(first.counts().rejected()).isGreaterThan(1).isLessThan(200);
            assertThat(first.destinationUsage()).matches("api-usage=\\d+/250000");

            // the ledger holds every rejected row with Salesforce's sf__Error
            Map<String, String> rejections = rejections(f);
            assertThat(rejections).hasSize((int) first.counts().rejected());
            assertThat(rejections.get("100")).startsWith("INVALID_EMAIL_ADDRESS:");
            assertThat(rejections)
                    .allSatisfy(
                            (k, reason) ->
                                    assertThat(reason)
                                            .matches(
                                                    "(FIELD_CUSTOM_VALIDATION_EXCEPTION|INVALID_EMAIL_ADDRESS):.*"));

            // the emulator holds exactly the accepted rows
            Set<String> accepted = new HashSet<>(emailOfKey.keySet());
            accepted.removeAll(rejections.keySet());
            Map<String, Map<String, Object>> contacts = f.emulator.salesforceRecords("Contact");
            assertThat(contacts).hasSize((int) first.counts().succeeded());
            assertThat(contacts.values().stream().map(c -> (String) c.get("Email__c")))
                    .containsExactlyInAnyOrderElementsOf(
                            accepted.stream().map(emailOfKey::get).toList());
            // the wire: 3 jobs of at most 2,000 records, each create, PUT, PATCH, polls, results
            List<SalesforceBulkJob> jobs = f.emulator.salesforceBulkJobs();
            assertThat(jobs).hasSize(3);
            assertThat(jobs.stream().mapToInt(SalesforceBulkJob::records).sum()).isEqualTo(5000);
            assertThat(jobs)
                    .allSatisfy(
                            j -> {
                                assertThat(j.records()).isLessThanOrEqualTo(2000);
                                assertThat(j.operation()).isEqualTo("upsert");
                                assertThat(j.externalIdFieldName()).isEqualTo("Email__c");
                                assertThat(j.state()).isEqualTo("JobComplete");
                                assertThat(j.columns())
                                        .containsExactly(
                                                "Email__c",
                                                "LastName",
                                                "Plan__c",
                                                "Lifetime_Value__c",
                                                "LeadSource");
                                assertThat(j.calls())
                                        .startsWith("create", "upload", "close", "poll:InProgress")
                                        .endsWith(
                                                "poll:JobComplete",
                                                "successfulResults",
                                                "failedResults");
                            });
            Map<String, Long> byOperation =
                    f.emulator.calls().stream()
                            .peek(c -> assertThat(c.api()).isEqualTo("salesforce"))
                            .peek(c -> assertThat(c.status()).isBetween(200, 201))
                            .collect(
                                    Collectors.groupingBy(
                                            ReceivedCall::operation, Collectors.counting()));
            assertThat(byOperation)
                    .containsEntry("bulk-create", 3L)
                    .containsEntry("bulk-upload", 3L)
                    .containsEntry("bulk-state", 3L)
                    .containsEntry("bulk-successful-results", 3L)
                    .containsEntry("bulk-failed-results", 3L);
            assertThat(byOperation.get("bulk-poll")).isGreaterThanOrEqualTo(6L);
            assertThat(
                            f.emulator.calls().stream()
                                    .filter(c -> c.operation().equals("bulk-upload"))
                                    .flatMap(c -> c.keys().stream()))
                    .hasSize(5000)
                    .doesNotContainNull();

            // the next run sends only the rejected rows, though unchanged; now all but the bad
            // email are accepted
            f.emulator.setFaults(EmulatorOptions.Faults.NONE);
            int callsBefore = f.emulator.calls().size();
            RunReport second = f.run("contacts");
            assertThat(second.counts().sent()).isEqualTo(first.counts().rejected());
            assertThat(second.counts().retried()).isEqualTo(first.counts().rejected());
            assertThat(second.counts().unchanged()).isEqualTo(5000 - first.counts().rejected());
            assertThat(second.counts().rejected()).isEqualTo(1);
            assertThat(second.counts().addUp()).isTrue();
            assertThat(
                            f
                                    .emulator
                                    .calls()
                                    .subList(callsBefore, f.emulator.calls().size())
                                    .stream()
                                    .filter(c -> c.operation().equals("bulk-upload"))
                                    .flatMap(c -> c.keys().stream()))
                    .containsExactlyInAnyOrderElementsOf(
                            rejections.keySet().stream().map(emailOfKey::get).toList());
            assertThat(rejections(f)).containsOnlyKeys("100");
            assertThat(f.emulator.salesforceRecords("Contact")).hasSize(4999);
            Map<String, Map<String, Object>> byEmail =
                    f.emulator.salesforceRecords("Contact").values().stream()
                            .collect(
                                    Collectors.toMap(
                                            c -> (String) c.get("Email__c"), Function.identity()));
            // quoting survives the round trip; a null is written #N/A
            assertThat(byEmail.get("c5@example.com"))
                    .containsEntry("LastName", TRICKY)
                    .containsEntry("Plan__c", "pro")
                    .containsEntry("Lifetime_Value__c", null)
                    .containsEntry("LeadSource", "Tideline");
            assertThat(byEmail.get("c6@example.com"))
                    .containsEntry("LastName", "Customer 6")
                    .containsEntry("Lifetime_Value__c", "6.50");

            // a value that became null is cleared (#N/A), not left as it was
            rows.set(6, rows.get(6).withPlan(null));
            TestTables.write(f.catalog(), "marts.customers", rows);
            RunReport third = f.run("contacts");
            assertThat(third.counts().sent()).isEqualTo(2); // customer 7, and 100 again
            assertThat(third.counts().succeeded()).isEqualTo(1);
            Map<String, Object> seven =
                    f.emulator.salesforceRecords("Contact").values().stream()
                            .filter(c -> "c7@example.com".equals(c.get("Email__c")))
                            .findFirst()
                            .orElseThrow();
            assertThat(seven)
                    .containsEntry("Plan__c", null)
                    .containsEntry("LastName", "Customer 7");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void survivesFaultsOnEveryStepAndMirrorsIdentityChangesAndDeletes(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x")
                                .withPortAndSeed(0, 7)
                                .withRateLimit(1000, Duration.ofSeconds(1))
                                .withFaults(
                                        EmulatorOptions.Faults.calls(
                                                0.3, Duration.ofSeconds(2))))) {
            f.configure(
                    """
                    destinations:
                      sf-bulk:
                        type: salesforce-bulk
                        url: ${URL}
                        token: ${file:saas-token.txt}
                        object: Contact
                        id-property: Email__c
                        rate-limit: {requests: 1000, per: 1s}
                        batch-size: 500
                        timeout: 1s
                        retry: {max-attempts: 10, initial-backoff: 50ms, max-backoff: 1s}
                    syncs:
                      contacts:
                        source: {table: marts.customers}
                        primary-key: customer_id
                        mapping: {email: Email__c, name: LastName}
                        mode: mirror
                        mirror: {removal: delete}
                        destination: sf-bulk
                    """);
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 1200).forEach(i -> rows.add(TestTables.Customer.of(i)));
            TestTables.write(f.catalog(), "marts.customers", rows);

            RunReport first = f.run("contacts");
            assertThat(first.status()).isEqualTo("succeeded");
            assertThat(first.counts().succeeded()).isEqualTo(1200);
            assertThat(first.counts().addUp()).isTrue();
            assertThat(f.emulator.calls()).anySatisfy(c -> assertThat(c.fault()).isNotNull());
            assertThat(f.emulator.salesforceRecords("Contact")).hasSize(1200);

            // customer 5 changes email (an update by Id, no duplicate); 1101-1200 leave (deleted)
            f.emulator.setFaults(EmulatorOptions.Faults.NONE);
            String idOf5 =
                    f.emulator.salesforceRecords("Contact").entrySet().stream()
                            .filter(e -> "c5@example.com".equals(e.getValue().get("Email__c")))
                            .findFirst()
                            .orElseThrow()
                            .getKey();
            rows.set(4, rows.get(4).withEmail("five@new.example.com"));
            TestTables.write(f.catalog(), "marts.customers", rows.subList(0, 1100));
            RunReport second = f.run("contacts");
            assertThat(second.counts().sent()).isEqualTo(1);
            assertThat(second.counts().succeeded()).isEqualTo(1);
            assertThat(second.counts().deleted()).isEqualTo(100);
            assertThat(second.counts().addUp()).isTrue();
            Map<String, Map<String, Object>> contacts = f.emulator.salesforceRecords("Contact");
            assertThat(contacts).hasSize(1100);
            assertThat(contacts.get(idOf5)).containsEntry("Email__c", "five@new.example.com");
            assertThat(f.emulator.salesforceBulkJobs().stream().map(j -> j.operation()))
                    .contains("update", "delete");
            assertThat(
                            f.emulator.salesforceBulkJobs().stream()
                                    .filter(j -> j.operation().equals("delete"))
                                    .map(j -> j.columns()))
                    .containsOnly(List.of("Id"));
            assertThat(f.count("SELECT count(*) FROM reverse_etl.sync_state")).isEqualTo(1100);
            assertThat(f.count("SELECT count(*) FROM reverse_etl.rejections")).isZero();
        }
    }

    private static Map<String, String> rejections(Fixture f) throws Exception {
        List<String> rows =
                f.strings(
                        "SELECT row_key || '\t' || reason FROM reverse_etl.rejections"
                                + " WHERE sync_name = 'contacts'");
        return rows.stream()
                .map(r -> r.split("\t", 2))
                .collect(Collectors.toMap(p -> p[0], p -> p[1]));
    }
}
