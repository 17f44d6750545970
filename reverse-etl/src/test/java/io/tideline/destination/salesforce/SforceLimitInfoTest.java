/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.destination.Destination;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pace {@code Sforce-Limit-Info} allows: none below 90% of the allowance, then its rest. */
class SforceLimitInfoTest {

    @Test
    void leavesThePaceAloneUntilTheAllowanceRunsLow() {
        assertThat(SalesforceDestination.rateFromLimitInfo("api-usage=1200/100000")).isNull();
        assertThat(SalesforceDestination.rateFromLimitInfo("api-usage=89999/100000")).isNull();
        assertThat(SalesforceDestination.rateFromLimitInfo("nothing here")).isNull();
    }

    @Test
    void spreadsTheRemainingCallsOverADayOnceLow() {
        assertThat(SalesforceDestination.rateFromLimitInfo("api-usage=95000/100000"))
                .isEqualTo(new Destination.RateReport(5000, Duration.ofHours(24)));
        assertThat(SalesforceDestination.rateFromLimitInfo("api-usage=100000/100000"))
                .isEqualTo(new Destination.RateReport(1, Duration.ofHours(24)));
    }
}
