/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.emulator.EmulatorOptions;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TidelineExtension.class)
class SalesforceSyncIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void upsertsByExternalIdFollowsIdentityChangesAndArchivesRowsThatLeft(TestParts parts)
            throws Exception {
        try (Fixture f =
                new Fixture(
                        parts,
                        EmulatorOptions.defaults("x").withRateLimit(1000, Duration.ofSeconds(1)))) {
            f.configure(
                    """
                    destinations:
                      salesforce:
                        type: salesforce
                        url: ${URL}
                        token: ${file:saas-token.txt}
                        object: Contact
                        id-property: Email__c
                        rate-limit: {requests: 1000, per: 1s}
                    syncs:
                      contacts:
                        source: {table: marts.customers}
                        primary-key: customer_id
                        mapping: {email: Email__c, name: LastName, lifetime_value: Lifetime_Value__c}
                        constants: {LeadSource: Tideline}
                        mode: mirror
                        mirror: {removal: archive, archive-field: Archived__c, archive-value: "true"}
                        destination: salesforce
                    """);
            List<TestTables.Customer> rows = new ArrayList<>();
            LongStream.rangeClosed(1, 450).forEach(i -> rows.add(TestTables.Customer.of(i)));
            rows.set(99, rows.get(99).withEmail("no-at-sign"));
            TestTables.write(f.catalog(), "marts.customers", rows);

            RunReport first = f.run("contacts");
            assertThat(first.counts().sent()).isEqualTo(450);
            assertThat(first.counts().succeeded()).isEqualTo(449);
            assertThat(first.counts().rejected()).isEqualTo(1);
            assertThat(first.rejectedSamples())
                    .singleElement()
                    .satisfies(s -> assertThat(s.key()).isEqualTo("100"))
                    .satisfies(s -> assertThat(s.reason()).startsWith("INVALID_EMAIL_ADDRESS"));
            assertThat(first.destinationUsage()).matches("api-usage=\\d+/250000");
            assertThat(f.emulator.calls())
                    .hasSize(3)
                    .allSatisfy(c -> assertThat(c.keys().size()).isLessThanOrEqualTo(200));
            Map<String, Map<String, Object>> contacts = f.emulator.salesforceRecords("Contact");
            assertThat(contacts).hasSize(449);
            String idOf5 =
                    contacts.entrySet().stream()
                            .filter(e -> "c5@example.com".equals(e.getValue().get("Email__c")))
                            .findFirst()
                            .orElseThrow()
                            .getKey();
            assertThat(contacts.get(idOf5))
                    .containsEntry("LastName", "Customer 5")
                    .containsEntry("LeadSource", "Tideline");

            // customer 5 changes email, customer 100 gets a valid one, customers 1-10 leave the
            // source
            rows.set(4, rows.get(4).withEmail("five@new.example.com"));
            rows.set(99, rows.get(99).withEmail("c100@example.com"));
            TestTables.write(
                    f.catalog(),
                    "marts.customers",
                    rows.subList(3, rows.size()).stream()
                            .filter(c -> c.id() > 10 || c.id() == 5)
                            .toList());
            RunReport second = f.run("contacts");
            assertThat(second.counts().queried()).isEqualTo(441);
            assertThat(second.counts().sent()).isEqualTo(2);
            assertThat(second.counts().retried()).isEqualTo(1);
            assertThat(second.counts().deleted()).isEqualTo(9);
            assertThat(second.counts().addUp()).isTrue();
            contacts = f.emulator.salesforceRecords("Contact");
            assertThat(contacts).as("no duplicate for the new email").hasSize(450);
            assertThat(contacts.get(idOf5)).containsEntry("Email__c", "five@new.example.com");
            assertThat(contacts.values().stream().filter(c -> "true".equals(c.get("Archived__c"))))
                    .hasSize(9);
            assertThat(f.count("SELECT count(*) FROM reverse_etl.rejections")).isZero();
            assertThat(f.count("SELECT count(*) FROM reverse_etl.sync_state")).isEqualTo(441);
        }
    }
}
