/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.salesforce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideline.config.DestinationConfig;
import io.tideline.config.Secret;
import io.tideline.destination.Operation;
import io.tideline.destination.OutboundRecord;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CSV a Bulk API 2.0 job uploads (what {@code render} shows), and the results reader. */
class SalesforceBulkCsvTest {

    private final SalesforceBulkDestination destination =
            new SalesforceBulkDestination(
                    new DestinationConfig(
                            null,
                            DestinationConfig.DestinationType.SALESFORCE_BULK,
                            io.tideline.config.SecretText.plain("https://acme.my.salesforce.com"),
                            Secret.generated("t"),
                            null,
                            "Contact",
                            "Email__c",
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null));

    private static OutboundRecord rec(String key, String id, Object... kv) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            fields.put((String) kv[i], kv[i + 1]);
        }
        return new OutboundRecord(key, (String) fields.get("Email__c"), id, fields);
    }

    @Test
    void quotesValuesAndClearsNullsWithNotAvailable() {
        List<OutboundRecord> records =
                List.of(
                        rec(
                                "1",
                                null,
                                "Email__c",
                                "a@x.io",
                                "LastName",
                                "Doe, \"Jr.\"\nline two",
                                "Amount__c",
                                new BigDecimal("1E+3")),
                        rec("2", null, "Email__c", "b@x.io", "LastName", null, "Amount__c", 5L));
        assertThat(destination.render(Operation.UPSERT, records))
                .isEqualTo(
                        "Email__c,LastName,Amount__c\n"
                                + "a@x.io,\"Doe, \"\"Jr.\"\"\nline two\",1000\n"
                                + "b@x.io,#N/A,5\n");
        // nothing to clear in a new record
        assertThat(destination.render(Operation.INSERT, records)).endsWith("b@x.io,,5\n");
    }

    @Test
    void updatesAndDeletesGoByTheSalesforceId() {
        List<OutboundRecord> records =
                List.of(rec("1", "003A", "Email__c", "new@x.io", "LastName", "Doe"));
        assertThat(destination.render(Operation.UPDATE_BY_ID, records))
                .isEqualTo("Id,Email__c,LastName\n003A,new@x.io,Doe\n");
        assertThat(destination.render(Operation.DELETE, records)).isEqualTo("Id\n003A\n");
        assertThat(SalesforceBulkDestination.bulkOperation(Operation.UPDATE)).isEqualTo("update");
        assertThat(SalesforceBulkDestination.bulkOperation(Operation.DELETE)).isEqualTo("delete");
    }

    @Test
    void readsQuotedResultFilesWithEitherLineEnding() {
        String csv =
                "\"sf__Id\",\"sf__Error\",\"Email__c\",\"LastName\"\r\n"
                        + "\"\",\"FIELD_CUSTOM_VALIDATION_EXCEPTION:no:--\",\"a@x.io\",\"Doe,"
                        + " \"\"Jr.\"\"\n"
                        + "line two\"\n"
                        + "003B,,b@x.io,\n";
        assertThat(BulkCsv.parse(csv))
                .containsExactly(
                        List.of("sf__Id", "sf__Error", "Email__c", "LastName"),
                        List.of(
                                "",
                                "FIELD_CUSTOM_VALIDATION_EXCEPTION:no:--",
                                "a@x.io",
                                "Doe, \"Jr.\"\nline two"),
                        List.of("003B", "", "b@x.io", ""));
        assertThatThrownBy(() -> BulkCsv.parse("a,\"b\nc")).hasMessageContaining("unterminated");
    }
}
