/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
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
}
