/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How source values go on the wire. */
class SourceRowsTest {

    @Test
    void timestampsKeepTheirSecondsAndInstantsAreUtc() {
        // OffsetDateTime.toString() would give "2024-01-01T10:00+02:00"
        assertThat(SourceRows.plain(OffsetDateTime.parse("2024-01-01T10:00+02:00")))
                .isEqualTo("2024-01-01T08:00:00Z");
        assertThat(SourceRows.plain(OffsetDateTime.parse("2024-01-01T10:00:00.250Z")))
                .isEqualTo("2024-01-01T10:00:00.250Z");
        assertThat(SourceRows.plain(LocalDateTime.parse("2024-01-01T10:00")))
                .isEqualTo("2024-01-01T10:00:00");
        assertThat(SourceRows.plain(LocalDate.parse("2024-01-01"))).isEqualTo("2024-01-01");
        assertThat(SourceRows.plain(new BigDecimal("12.50"))).isEqualTo(new BigDecimal("12.50"));
    }

    /** The hash as it was first written, part by part: the ledger holds hashes made this way. */
    private static String hashByParts(String[] names, Object[] values) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < values.length; i++) {
            sha.update(names[i].getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            Object v = values[i];
            String text =
                    v == null
                            ? "\u0000null"
                            : v instanceof BigDecimal d
                                    ? d.stripTrailingZeros().toPlainString()
                                    : v.toString();
            sha.update(text.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 1);
        }
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(sha.digest())
                .substring(0, 22);
    }

    @Test
    void theHashIsTheOneTheLedgerAlreadyHolds() throws Exception {
        String[] names = {"email", "firstname", "plan", "ltv", "é\uD83D\uDE00", "x\uD800"};
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {"a@example.com", "Ann", "pro", new BigDecimal("12.50"), 1L, "y"});
        rows.add(new Object[] {null, "", "\u0000", new BigDecimal("0E-3"), true, 2.5});
        rows.add(new Object[] {"\uDC00lone", "ünï\uD83D\uDE00", "\uD800", null, "", null});
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        StringBuilder text = new StringBuilder();
        for (Object[] row : rows) {
            assertThat(SourceRows.hash(sha, text, names, row)).isEqualTo(hashByParts(names, row));
        }
        // a known answer, so that both cannot drift together
        assertThat(SourceRows.hash(sha, text, new String[] {"a"}, new Object[] {"b"}))
                .isEqualTo("3evQxwHXtWH8gUbHh25yBG");
    }

    @Test
    void aRowsFieldsReadAsTheMapTheyStandFor() {
        String[] names = {"email", "name", "plan"};
        Object[] values = {"a@example.com", null, 3L};
        Map<String, Object> expected = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            expected.put(names[i], values[i]);
        }
        Map<String, Object> fields = new SourceRows.RowFields(names, values);
        assertThat(fields).isEqualTo(expected).hasSameHashCodeAs(expected);
        assertThat(new ArrayList<>(fields.keySet())).containsExactly("email", "name", "plan");
        assertThat(fields.get("plan")).isEqualTo(3L);
        assertThat(fields.get("nope")).isNull();
        assertThat(fields.containsKey("name")).isTrue();
        assertThat(fields.containsKey("nope")).isFalse();
        List<String> seen = new ArrayList<>();
        fields.forEach((k, v) -> seen.add(k + "=" + v));
        assertThat(seen).containsExactly("email=a@example.com", "name=null", "plan=3");
        assertThat(fields.toString()).isEqualTo(expected.toString());
    }
}
